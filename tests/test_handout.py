"""The handout's sections: numbers recomputed independently, user text escaped, edge cases handled."""

from __future__ import annotations

import csv
import dataclasses
import html
import re
import statistics
from pathlib import Path

import pytest

from wholecomm_kit.handout import Handout, number
from wholecomm_kit.resources import templates_dir
from wholecomm_kit.session import Session, create_session
from wholecomm_kit.store import SessionStore


def _session(tmp_path: Path, fields: str = "governance,housing", name: str = "Neustadt am See") -> Session:
    return create_session(
        municipality=name,
        country="DE",
        size="rural",
        date="2025-06-12",
        fields=fields,
        language="de",
        directory=tmp_path / "w",
    )


def rate(store: SessionStore, who: str, group: str, standard: str, rating: int | None, **extra: str) -> None:
    response = "rated" if rating is not None else extra.pop("response", "dont_know")
    store.record_response(
        respondent_id=who, stakeholder_group=group, standard_id=standard, response=response, rating=rating, **extra
    )


def text_of(fragment_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment_html))


def test_known_answers_give_known_numbers(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    # GOV-1-1: 0, 3, 3 → mean 2.0, sd 1.73 (disputed); GOV-1-2: 1, 1, dont_know → mean 1.0, dk share 33 %
    for who, group, a, b in [("R-A", "administration", 0, 1), ("R-B", "politics", 3, 1), ("R-C", "politics", 3, None)]:
        rate(store, who, group, "GOV-1-1", a, priority="high" if who == "R-A" else "")
        rate(store, who, group, "GOV-1-2", b)
    handout = Handout.load(session.path, "de")
    overview = text_of(handout.overview().html)
    # index = mean(2/3*100, 1/3*100) = 50
    assert re.search(r"Politische Gestaltung \(Governance\)\s+50\s+3\s+2 / 22", overview), overview
    section = text_of(handout.field_section("governance").html)
    assert "3 Antwortende · Index 50 · 2 von 22 Standards bewertet" in section
    disputed = section.split("Umstrittene Standards", 1)[1].split("Informationslücken", 1)[0]
    assert "GOV-1-1" in disputed
    assert "2,0" in disputed  # mean
    assert re.search(r"\b1,7\b", disputed)  # sample standard deviation of 0, 3, 3 (1.73), one decimal as every number
    assert "1,73" not in disputed
    gaps = section.split("Informationslücken", 1)[1].split("Wichtigste Prioritäten", 1)[0]
    assert "GOV-1-2" in gaps
    assert "33\u00a0%" in gaps
    priorities = section.split("Wichtigste Prioritäten", 1)[1]
    assert "GOV-1-1" in priorities.split("Bestätigte")[0]


def test_the_demo_handout_matches_an_independent_recomputation(tmp_path: Path) -> None:
    from wholecomm_kit.demo import create_demo

    demo = create_demo(tmp_path)
    with (demo.path / "responses.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:  # recorded_at is ISO 8601 in UTC, so text order is time order
        key = (row["respondent_id"], row["standard_id"])
        if key not in latest or row["recorded_at"] >= latest[key]["recorded_at"]:
            latest[key] = row
    handout = Handout.load(demo.path, "en")
    overview = text_of(handout.overview().html)
    for field in ("governance", "employment", "education", "health", "housing"):
        ratings: dict[str, list[int]] = {}
        for row in latest.values():
            if row["field_id"] == field and row["response"] == "rated":
                ratings.setdefault(row["standard_id"], []).append(int(row["rating"]))
        index = statistics.mean(statistics.mean(r) / 3 * 100 for r in ratings.values())
        title = handout.catalog.field(field).title.en
        assert re.search(rf"{re.escape(title)}\s+{round(index)}\s", overview), (field, index)
    cover = text_of(handout.cover().html)
    people = {row["respondent_id"]: row["stakeholder_group"] for row in rows}
    assert f"{len(people)} participants in total" in cover
    assert re.search(rf"Administration\s+{list(people.values()).count('administration')}\b", cover)
    assert "Fictional example" in cover


def test_user_text_is_escaped_everywhere(tmp_path: Path) -> None:
    session = _session(tmp_path, name="<b>Bad<b> & Sons")
    store = SessionStore.open(session)
    attack = "<script>alert(1)</script>"
    rate(store, "R-A", "politics", "GOV-1-1", 2, comment=attack)
    store.record_action(
        action_id="A1",
        field_id="governance",
        standard_ids=["GOV-1-1"],
        action=f"Plan {attack}",
        responsible='<img src=x onerror="alert(2)">',
    )
    handout = Handout.load(session.path, "de")
    everything = "".join(f.html for f in (handout.cover(), handout.overview(), handout.fields(), handout.action_plan()))
    assert "<script>" not in everything
    assert "<img src=x" not in everything
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "&lt;b&gt;Bad&lt;b&gt; &amp; Sons" in everything


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_session_without_answers_says_so(tmp_path: Path, language: str) -> None:
    session = _session(tmp_path, fields="health")
    handout = Handout.load(session.path, language)
    cover = text_of(handout.cover().html)
    assert ("noch keine Antworten" if language == "de" else "no answers") in cover
    section = text_of(handout.field_section("health").html)
    assert ("noch keine Bewertungen" if language == "de" else "no ratings") in section
    assert "No actions" in text_of(handout.action_plan().html) or "keine Maßnahmen" in text_of(
        handout.action_plan().html
    )


def test_all_dont_know_is_an_information_gap_not_a_crash(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="housing")
    store = SessionStore.open(session)
    for who in ("R-A", "R-B", "R-C"):
        rate(store, who, "civil_society", "HOU-1-1", None)
    handout = Handout.load(session.path, "en")
    section = text_of(handout.field_section("housing").html)
    assert "Information gaps" in section
    assert "100%" in section
    assert "index –" in section


def test_practice_examples_follow_the_weakest_standards(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    handout0 = Handout.load(session.path, "en")
    chosen_any = handout0.practices_for(handout0.catalog.field("governance"), handout0.analysis.summary)
    assert [p.id for p in chosen_any] == ["GOV-P1", "GOV-P2"]  # nothing rated: the field's own examples
    target = handout0.catalog.practice("GOV-P2").standard_ids[0]
    for standard in handout0.catalog.field("governance").standards:
        rate(store, "R-A", "politics", standard.id, 0 if standard.id == target else 3)
    handout = Handout.load(session.path, "en")
    chosen = handout.practices_for(handout.catalog.field("governance"), handout.analysis.summary)
    assert chosen[0].id == "GOV-P2"


@pytest.mark.parametrize(("language", "place"), [("de", "Avigliana, Susatal"), ("en", "Avigliana, Susa Valley")])
def test_a_practice_example_names_its_place_in_the_handout_language(tmp_path: Path, language: str, place: str) -> None:
    session = _session(tmp_path, fields="governance")
    section = text_of(Handout.load(session.path, language).field_section("governance").html)
    assert f"{place} (IT)" in section


def test_the_method_explains_rounded_changes_only_when_there_is_a_comparison(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="governance")
    method = text_of(Handout.load(session.path, "en").method().html)
    assert "rounded half up" in method
    assert "before rounding" not in method


def test_numbers_are_written_the_way_each_language_does() -> None:
    assert number(1.25, "de", 2) == "1,25"
    assert number(1.25, "en", 2) == "1.25"
    assert number(float("nan"), "de") == "–"


def test_the_cover_does_not_name_groups_below_the_threshold(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    for who in ("R-A", "R-B", "R-C"):
        rate(store, who, "administration", "GOV-1-1", 2)
    rate(store, "R-D", "research", "GOV-1-1", 1)
    cover = text_of(Handout.load(session.path, "en").cover().html)
    assert re.search(r"Administration\s+3", cover)
    assert "Research" not in cover
    assert re.search(r"Other groups \(merged\)\s+1", cover)
    assert "4 participants in total" in cover


@pytest.mark.parametrize(
    ("small", "expected"),
    [
        (
            {"R-D": "research"},
            {
                "de": "1 Person aus 1 kleinen Gruppe ist in dieser Aufschlüsselung nicht enthalten.",
                "en": "1 person from 1 small group is not included in this breakdown.",
            },
        ),
        (
            {"R-D": "research", "R-E": "research"},
            {
                "de": "2 Personen aus 1 kleinen Gruppe sind in dieser Aufschlüsselung nicht enthalten.",
                "en": "2 people from 1 small group are not included in this breakdown.",
            },
        ),
    ],
)
def test_the_people_left_out_of_the_group_breakdown_are_counted_in_good_grammar(
    tmp_path: Path, small: dict[str, str], expected: dict[str, str]
) -> None:
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    for who, group in {"R-A": "administration", "R-B": "administration", "R-C": "administration", **small}.items():
        rate(store, who, group, "GOV-1-1", 2)
    for language, sentence in expected.items():
        assert sentence in text_of(Handout.load(session.path, language).overview().html)


def test_the_cover_counts_a_person_in_the_group_of_their_latest_answer_not_of_their_last_row(tmp_path: Path) -> None:
    """A paper form typed in after the workshop may carry an earlier time than the person's app answers."""
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    for who in ("R-A", "R-B", "R-C"):
        rate(store, who, "politics", "GOV-1-1", 2)
    late = store.responses()[-1]
    early = dataclasses.replace(
        late, stakeholder_group="civil_society", standard_id="GOV-1-2", recorded_at="2000-01-01T09:00:00Z"
    )
    store.append([early])  # last row in the file, but the earliest answer of R-C
    cover = text_of(Handout.load(session.path, "en").cover().html)
    assert re.search(r"Local politics\s+3", cover)
    assert "Civil society" not in cover


def test_one_respondent_is_counted_in_the_singular_and_the_country_has_its_own_line(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="health", name="Musterstadt (fiktives Beispiel)")
    rate(SessionStore.open(session), "R-A", "politics", "HEA-1-1", 2)
    english, german = (Handout.load(session.path, lang) for lang in ("en", "de"))
    assert "1 respondent · index 67 · 1 of 10 standards rated" in text_of(english.field_section("health").html)
    assert "1 antwortende Person · Index 67" in text_of(german.field_section("health").html)
    cover = text_of(german.cover().html)
    assert re.search(r"Kommune\s+Musterstadt \(fiktives Beispiel\)\s+Land\s+DE\s", cover)
    assert "(DE)" not in cover


def test_a_field_answered_only_with_dont_know_says_there_is_nothing_to_rank(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="housing")
    store = SessionStore.open(session)
    for who in ("R-A", "R-B", "R-C"):
        rate(store, who, "civil_society", "HOU-1-1", None)
    section = text_of(Handout.load(session.path, "en").field_section("housing").html)
    assert "None of the answers in this field is a rating" in section
    assert "Strengths" not in section
    assert "Gaps" not in section
    assert "there are no ratings yet to choose them by" in section  # not "chosen for the weakest standards"


def test_numbers_round_half_up_as_in_the_charts(tmp_path: Path) -> None:
    """62.5 is 63 in the table as in the chart beside it (not 62, as Python's round-half-even would say)."""
    session = _session(tmp_path, fields="health")
    store = SessionStore.open(session)
    ratings = {"HEA-1-1": (3, 3, 3, 3), "HEA-1-2": (0, 0, 1, 2)}  # scores 100 and 25 → index 62.5
    for standard, values in ratings.items():
        for i, value in enumerate(values):
            rate(store, f"R-{i}", "politics", standard, value)
    handout = Handout.load(session.path, "en")
    assert re.search(r"Health\s+63\s", text_of(handout.overview().html))
    assert number(2.25, "en") == "2.3"
    assert number(62.5, "de", 0) == "63"


def test_the_group_table_has_a_row_per_group_and_marks_hidden_cells(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="governance,health")
    store = SessionStore.open(session)
    for who in ("R-A", "R-B", "R-C"):
        rate(store, who, "administration", "GOV-1-1", 2)
    rate(store, "R-A", "administration", "HEA-1-1", 1)  # only one administrator rated health
    groups = Handout.load(session.path, "en").overview().html.split("Views of the stakeholder groups")[-1]
    assert '<th scope="row">Administration</th>' in groups
    assert "fewer than 3 raters" in text_of(groups)


def test_challenges_of_equal_share_put_the_one_more_people_answered_first(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="health")
    store = SessionStore.open(session)
    first, second = (c.id for c in store.catalog.field("health").challenges[:2])
    store.record_challenge(respondent_id="R-A", stakeholder_group="politics", challenge_id=first, applies="yes")
    for who in ("R-A", "R-B", "R-C"):
        store.record_challenge(respondent_id=who, stakeholder_group="politics", challenge_id=second, applies="yes")
    section = Handout.load(session.path, "en").field_section("health").html
    assert '<th scope="col">Challenge</th>' in section  # the column, not the section's title again
    assert section.index(html.escape(store.catalog.challenge(second).text.en)) < section.index(
        html.escape(store.catalog.challenge(first).text.en)
    )


def test_when_no_example_fits_the_weakest_standards_the_intro_says_so(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    illustrated = {s for p in store.catalog.practices for s in p.standard_ids}
    plain = [s.id for s in store.catalog.field("governance").standards if s.id not in illustrated]
    for standard in plain[:5]:
        rate(store, "R-A", "politics", standard, 0)
    section = text_of(Handout.load(session.path, "en").field_section("governance").html)
    assert "none of the toolbox's examples is about this field's weakest standards" in section


def test_action_due_dates_read_as_dates_and_dates_and_statuses_stay_on_one_line(tmp_path: Path) -> None:
    """ "15 / December / 2025" and "In / progress" read badly; of people's own words only a link may break anywhere."""
    session = _session(tmp_path, fields="governance")
    link = "https://www.neustadt.de/rathaus/integrationskonzept_entwurf.pdf"
    SessionStore.open(session).record_action(
        action_id="A1",
        field_id="governance",
        standard_ids=["GOV-1-1"],
        action=f"Wirtschaftsförderung einbinden, siehe {link}",
        due_date="2026-03-01",
        status="in_progress",
    )
    plan = Handout.load(session.path, "de").action_plan().html
    assert "<span class=nowrap>01.03.2026</span>" in plan
    assert "<span class=nowrap>In Arbeit</span>" in plan
    # A column is as wide as its longest word; only a word too long for any column may break anywhere.
    assert f"<td>Wirtschaftsförderung einbinden, siehe <span class=long>{link}</span></td>" in plan
    english = Handout.load(session.path, "en").action_plan().html
    assert "<span class=nowrap>1 March 2026</span>" in english
    assert "<span class=nowrap>In progress</span>" in english
    css = re.sub(r"/\*.*?\*/", "", (templates_dir() / "handout" / "static" / "handout.css").read_text(encoding="utf-8"))
    assert ".nowrap { white-space: nowrap; }" in css
    assert [rule.strip() for rule in re.findall(r"([^{}]*)\{[^}]*anywhere", css)] == [".long"]


def test_a_caption_that_repeats_the_heading_above_is_for_screen_readers_only(tmp_path: Path) -> None:
    """Tables keep their caption (it names the table) and charts theirs, but the eye reads each title once."""
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    challenge = store.catalog.field("governance").challenges[0].id
    for who in ("R-A", "R-B", "R-C"):
        rate(store, who, "administration", "GOV-1-1", 3)
        store.record_challenge(
            respondent_id=who, stakeholder_group="administration", challenge_id=challenge, applies="yes"
        )
    store.record_action(action_id="A1", field_id="governance", standard_ids=["GOV-1-1"], action="Plan")
    handout = Handout.load(session.path, "en")
    section = handout.field_section("governance").html
    assert "<h3>Strengths</h3>" in section
    assert "<caption class=visually-hidden>Strengths</caption>" in section
    assert "<caption class=visually-hidden>Key challenges: how often confirmed</caption>" in section
    assert "<caption>" not in section  # every table of a field comes right after its heading
    assert section.count("<figcaption class=visually-hidden>") == section.count("<img ") == 2  # drawn in the chart
    assert "<caption class=visually-hidden>Action plan</caption>" in handout.action_plan().html
    # Where no heading is just above, the caption is the table's visible title.
    assert "<caption>Participants by stakeholder group</caption>" in handout.cover().html
    assert "<caption>Views of the stakeholder groups</caption>" in handout.overview().html  # below the chart
    css = (templates_dir() / "handout" / "static" / "handout.css").read_text(encoding="utf-8")
    hidden = css.split(".visually-hidden {", 1)[1].split("}", 1)[0]
    assert "position: absolute" in hidden
    assert "clip" in hidden
    assert "display: none" not in hidden


def test_a_field_opens_with_its_key_numbers_and_chart_and_then_the_toolbox_description(tmp_path: Path) -> None:
    """Heading, key numbers and the tall chart are one block in print; the description would push the chart
    onto the next page and leave a page with only the field's introduction."""
    session = _session(tmp_path, fields="governance,housing")
    rate(SessionStore.open(session), "R-A", "politics", "GOV-1-1", 2)
    handout = Handout.load(session.path, "de")
    section = handout.field_section("governance").html
    description = html.escape(handout.catalog.field("governance").description.de, quote=False)
    block = section.split("<div class=keep>", 1)[1].split("</div>", 1)[0]
    assert block.startswith("<h2 id='field-governance'>1. ")
    assert "key-numbers" in block
    assert "<img " in block
    assert section.index("</div>") < section.index(description)
    # A field without answers has no chart: its description follows the heading.
    empty = handout.field_section("housing").html
    assert "<div class=keep>" not in empty
    assert empty.index("</h2>") < empty.index(html.escape(handout.catalog.field("housing").description.de))


def test_each_practice_example_names_the_weak_standards_it_relates_to(tmp_path: Path) -> None:
    """The examples are chosen for the five weakest standards: the reader sees which ones, and how weak."""
    session = _session(tmp_path, fields="governance")
    store = SessionStore.open(session)
    rate(store, "R-A", "politics", "GOV-6-2", 0)  # both are standards of the example GOV-P2
    rate(store, "R-A", "politics", "GOV-6-1", 1)
    rate(store, "R-B", "politics", "GOV-6-1", 1)
    for language, expected in {
        "en": "Relates to 2 of the five lowest-rated standards: GOV-6-2 {GOV-6-2} (mean 0.0); "
        "GOV-6-1 {GOV-6-1} (mean 1.0)",
        "de": "Bezug zu 2 der fünf am niedrigsten bewerteten Standards: GOV-6-2 {GOV-6-2} (Mittelwert 0,0); "
        "GOV-6-1 {GOV-6-1} (Mittelwert 1,0)",
    }.items():
        handout = Handout.load(session.path, language)
        shorts = {s: handout.catalog.standard(s).short.get(language) for s in ("GOV-6-1", "GOV-6-2")}
        section = handout.field_section("governance").html
        practices = " ".join(text_of(section.split("<h3>", 7)[7]).split())  # after the heading of the examples
        assert handout.catalog.practice("GOV-P2").name.get(language) in practices
        assert expected.format(**shorts) in practices
    rate(store, "R-A", "politics", "GOV-2-5", 1)  # of GOV-P1's standards, the only one rated
    text = " ".join(text_of(Handout.load(session.path, "en").field_section("governance").html).split())
    assert "Relates to one of the five lowest-rated standards: GOV-2-5 " in text


def test_a_session_without_answers_says_there_is_nothing_to_break_down_by_group(tmp_path: Path) -> None:
    session = _session(tmp_path, fields="health")
    assert "Noch keine Antworten, die sich nach Gruppen aufteilen ließen." in text_of(
        Handout.load(session.path, "de").overview().html
    )
    assert "No answers yet that could be broken down by group." in text_of(
        Handout.load(session.path, "en").overview().html
    )


def test_comments_and_actions_in_another_language_than_the_handout_are_marked_with_it(tmp_path: Path) -> None:
    """Screen readers then read a German comment in an English handout as German."""
    session = _session(tmp_path, fields="governance")  # a German workshop
    store = SessionStore.open(session)
    rate(store, "R-A", "politics", "GOV-1-1", 1, comment="Gibt es nur auf dem Papier.", language="de")
    rate(store, "R-B", "politics", "GOV-1-2", 1, comment="Only on paper.", language="en")
    store.record_action(
        action_id="A1", field_id="governance", standard_ids=[], action="Konzept beschließen", responsible="Stadtrat"
    )
    english = Handout.load(session.path, "en")
    comments = english.field_section("governance").html.split("<h3>Participants&#x27; comments</h3>")[1]
    assert '<span lang="de">Gibt es nur auf dem Papier.</span>' in comments
    assert ": Only on paper.</li>" in comments  # the handout's own language needs no mark
    plan = english.action_plan().html
    assert '<span lang="de">Konzept beschließen</span>' in plan
    assert '<span lang="de">Stadtrat</span>' in plan
    german = Handout.load(session.path, "de")
    assert '<span lang="en">Only on paper.</span>' in german.field_section("governance").html
    assert 'lang="de"' not in german.field_section("governance").html + german.action_plan().html
