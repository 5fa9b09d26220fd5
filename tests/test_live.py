"""The live-results projector view, driven without a browser.

``Button.click()`` runs the same handlers as a click in the browser and setting a selector's
``value`` fires the same callbacks, so these tests see exactly what the projector would show.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import check_template, run_widget_notebook

from wholecomm_kit import charts
from wholecomm_kit import live as live_module
from wholecomm_kit.analysis import analyse
from wholecomm_kit.demo import create_demo
from wholecomm_kit.live import STYLE, LiveError, LiveResults
from wholecomm_kit.resources import notebooks_dir
from wholecomm_kit.session import Session, create_session, load_session
from wholecomm_kit.store import SessionStore
from wholecomm_kit.texts import t

ROW = re.compile(
    r'<tr data-field="([a-z]+)">.*?wck-live-respondents">(\d+)</td>.*?wck-live-answers">(\d+)</td>', re.DOTALL
)
LISTED = re.compile(r'<li data-standard="([A-Z]{3}-\d+-\d+)">')
SHOWN_COUNTS = re.compile(r'data-field="([a-z]+)" data-respondents="(\d+)" data-answers="(\d+)"')


def clock(*times: str) -> Callable[[], dt.datetime]:
    """A clock that tells the given local times (HH:MM) one after the other, then keeps the last."""
    moments: Iterator[str] = iter(times)
    last = [times[0]]

    def now() -> dt.datetime:
        last[0] = next(moments, last[0])
        hour, minute = map(int, last[0].split(":"))
        return dt.datetime(2025, 6, 12, hour, minute)

    return now


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return create_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo(demo_master: Session, tmp_path: Path) -> Session:
    """A private copy of the demo session, so a test may change it."""
    target = tmp_path / demo_master.path.name
    shutil.copytree(demo_master.path, target)
    return load_session(target)


@pytest.fixture
def small(tmp_path: Path) -> Session:
    """A hand-made session: governance has one disputed standard and one information gap, housing no answers."""
    session = create_session(
        municipality="Kleinkleckersdorf",
        country="AT",
        size="rural",
        date="2025-06-12",
        fields="governance,housing",
        language="de",
        directory=tmp_path,
    )
    store = SessionStore.open(session)
    answers: dict[str, tuple[str, dict[str, int | str]]] = {
        "R-AAAA": ("administration", {"GOV-1-1": 3, "GOV-1-2": "dont_know", "GOV-2-1": 2}),
        "R-BBBB": ("civil_society", {"GOV-1-1": 0, "GOV-1-2": 1, "GOV-2-1": 2}),
        "R-CCCC": ("politics", {"GOV-1-1": 3, "GOV-1-2": 2, "GOV-2-1": "not_applicable"}),
    }
    for respondent, (group, given) in answers.items():
        for standard, value in given.items():
            store.record_response(
                respondent_id=respondent,
                stakeholder_group=group,
                standard_id=standard,
                response="rated" if isinstance(value, int) else value,
                rating=value if isinstance(value, int) else None,
            )
    return session


def overview_counts(live: LiveResults) -> dict[str, tuple[int, int]]:
    return {m.group(1): (int(m.group(2)), int(m.group(3))) for m in ROW.finditer(live.overview.value)}


def shown_counts(live: LiveResults) -> tuple[str, int, int]:
    found = SHOWN_COUNTS.search(live.details.value)
    assert found, live.details.value
    return found.group(1), int(found.group(2)), int(found.group(3))


def listed(widget: Any) -> list[str]:
    return LISTED.findall(widget.value)


def is_visible(widget: Any) -> bool:
    return bool(widget.layout.display != "none")


def expected_counts(session: Session) -> dict[str, tuple[int, int]]:
    analysis = analyse(load_session(session.path))
    counts = {}
    for row in analysis.fields.to_dict("records"):
        field_id = str(row["field_id"])
        answers = int(analysis.summary.loc[analysis.summary["field_id"] == field_id, "n_answers"].sum())
        counts[field_id] = (int(row["n_respondents"]), answers)
    return counts


# --- what it shows ---------------------------------------------------------------------------------


def test_the_demo_shows_the_respondent_and_answer_counts_of_analyse(demo: Session) -> None:
    live = LiveResults(demo.path, now=clock("14:05"))
    expected = expected_counts(demo)
    assert set(expected) == set(demo.fields)
    assert overview_counts(live) == expected
    assert live.counts() == expected
    for field_id in demo.fields:
        live.field_selector.value = field_id
        assert shown_counts(live) == (field_id, *expected[field_id])
        respondents = expected[field_id][0]
        assert f"{respondents} Personen haben geantwortet" in live.details.value


def test_the_demo_lists_exactly_the_disputed_standards_and_information_gaps(demo: Session) -> None:
    live = LiveResults(demo.path)
    summary = analyse(load_session(demo.path)).summary
    all_disputed: list[str] = []
    for field_id in demo.fields:
        live.select_field(field_id)
        rows = summary[summary["field_id"] == field_id]
        disputed = rows.loc[rows["disputed"], "standard_id"].tolist()
        gaps = rows.loc[rows["information_gap"], "standard_id"].tolist()
        assert listed(live.disputed_list) == disputed
        assert listed(live.gaps_list) == gaps
        assert live.disputed() == disputed
        assert live.information_gaps() == gaps
        heading = t("live.disputed_heading", "de")
        assert f"{heading} ({len(disputed)})" in live.disputed_list.value
        if not disputed:
            assert t("live.disputed_none", "de") in live.disputed_list.value
        all_disputed += disputed
    assert "GOV-2-1" in all_disputed  # the demo has disagreement built in: the check above is not vacuous


def test_a_small_session_shows_its_counts_disputed_standard_and_information_gap(small: Session) -> None:
    live = LiveResults(small.path, now=clock("09:30"))
    assert overview_counts(live) == {"governance": (3, 9), "housing": (0, 0)}
    assert overview_counts(live) == expected_counts(small)
    assert live.field_id == "governance"
    assert shown_counts(live) == ("governance", 3, 9)
    assert listed(live.disputed_list) == ["GOV-1-1"]  # ratings 3, 0, 3: sd 1.7
    assert "3 Bewertungen, Standardabweichung 1,7" in live.disputed_list.value
    assert listed(live.gaps_list) == ["GOV-1-2"]  # 1 of 3 don't know
    assert "33\u00a0% „Weiß nicht“ (1 von 3 Antworten)" in live.gaps_list.value
    assert "Stand: 09:30 Uhr" in live.header.value
    assert "Kleinkleckersdorf" in live.header.value

    live.field_selector.value = "housing"
    assert shown_counts(live) == ("housing", 0, 0)
    assert t("live.no_answers_field", "de") in live.details.value
    assert not is_visible(live.disputed_list)
    assert not is_visible(live.gaps_list)


def test_the_chart_is_the_projector_answer_distribution_with_alt_text(small: Session) -> None:
    live = LiveResults(small.path)
    analysis = analyse(load_session(small.path))
    expected = charts.answer_distribution(analysis.summary, "governance", live.catalog, "de")
    image = re.search(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', live.chart.value)
    assert image, live.chart.value[:300]
    assert "GOV-1-1" in image.group(1)
    assert expected.title in live.chart.value
    width = int(re.search(r'width="(\d+)"', live.chart.value).group(1))  # type: ignore[union-attr]
    assert width > expected.width  # the projector variant is drawn larger than the handout's


def test_an_empty_session_says_no_answers_yet(tmp_path: Path) -> None:
    session = create_session(
        municipality="Leerdorf",
        country="DE",
        size="rural",
        date="2025-06-12",
        fields="health",
        language="en",
        directory=tmp_path,
    )
    live = LiveResults(session.path)
    assert live.error is None
    assert "No answers yet" in live.overview.value
    assert t("live.no_answers", "en") in live.overview.value
    assert "No answers yet in this field of action." in live.details.value
    assert "<img" in live.chart.value
    assert 'alt="' in live.chart.value
    assert live.counts() == {"health": (0, 0)}
    assert live.disputed() == []


# --- refresh ---------------------------------------------------------------------------------------


def test_refresh_picks_up_a_newly_recorded_answer(small: Session) -> None:
    live = LiveResults(small.path, now=clock("10:00", "10:07"))
    assert overview_counts(live)["housing"] == (0, 0)
    SessionStore.open(small).record_response(
        respondent_id="R-DDDD", stakeholder_group="business", standard_id="HOU-1-1", response="rated", rating=2
    )
    assert overview_counts(live)["housing"] == (0, 0)  # nothing changes until the facilitator refreshes

    live.refresh_button.click()

    assert live.error is None
    assert overview_counts(live) == {"governance": (3, 9), "housing": (1, 1)}
    assert overview_counts(live) == expected_counts(small)
    assert "Stand: 10:07 Uhr" in live.header.value
    assert "Aktualisiert um 10:07:00 Uhr." in live.status.value
    live.field_selector.value = "housing"
    assert shown_counts(live) == ("housing", 1, 1)
    assert "1 Person hat geantwortet" in live.details.value


def test_while_reading_the_button_is_disabled_and_the_status_says_so(
    small: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = LiveResults(small.path, language="en")
    seen: list[tuple[bool, str]] = []
    original = live_module.read_snapshot

    def watched(*args: Any) -> Any:
        seen.append((live.refresh_button.disabled, live.status.value))
        return original(*args)

    monkeypatch.setattr(live_module, "read_snapshot", watched)
    live.refresh_button.click()
    assert seen == [(True, seen[0][1])]
    assert "Reading the answers again" in seen[0][1]
    assert not live.refresh_button.disabled
    assert "Refreshed at" in live.status.value


def test_a_broken_responses_file_is_shown_as_a_message_and_the_last_figures_stay(small: Session) -> None:
    live = LiveResults(small.path, now=clock("11:00", "11:02"))
    with (small.path / "responses.csv").open("a", encoding="utf-8", newline="") as stream:
        stream.write("this,is,not,a,valid,row\r\n")

    live.refresh_button.click()  # must not raise

    assert live.error is not None
    assert "Aktualisieren fehlgeschlagen" in live.status.value
    assert "responses.csv" in live.status.value
    assert "line 11" in live.status.value
    assert 'role="alert"' in live.status.value
    assert "Die Zahlen unten sind noch vom Stand 11:00 Uhr." in live.status.value
    assert overview_counts(live) == {"governance": (3, 9), "housing": (0, 0)}
    assert "Stand: 11:00 Uhr" in live.header.value


def test_a_torn_row_moved_aside_while_reading_is_named_on_screen_until_the_page_is_reloaded(small: Session) -> None:
    """The store only warns when it moves a torn last row aside, and Voilà shows no warnings: the view must say it."""
    live = LiveResults(small.path, now=clock("11:00", "11:02", "11:03"))
    assert live.notice.value == ""
    torn = f'{small.session_id},R-DDDD,business,governance,GOV-1-1,2,rated,,"ein abgeschnittener Komm'
    with (small.path / "responses.csv").open("a", encoding="utf-8", newline="") as stream:
        stream.write(torn)

    assert live.refresh()

    assert live.error is None
    damaged = small.path / "responses.csv.damaged"
    assert damaged.read_text(encoding="utf-8").startswith(torn)
    shown = html.unescape(live.notice.value)
    assert f"{small.path / 'responses.csv'}, Zeile 11: Die letzte Zeile war unvollständig" in shown
    assert f"Sie wurde nach {damaged} verschoben" in shown
    assert 'role="alert"' in live.notice.value
    assert overview_counts(live) == {"governance": (3, 9), "housing": (0, 0)}
    live.refresh_button.click()  # the row was moved once; the notice stays all the same
    assert f"Sie wurde nach {damaged} verschoben" in html.unescape(live.notice.value)


def test_a_session_broken_from_the_start_shows_the_message_instead_of_raising(small: Session) -> None:
    (small.path / "responses.csv").write_text("not,the,header\r\n", encoding="utf-8")
    live = LiveResults(small.path, language="en")
    assert live.snapshot is None
    assert "Could not refresh" in live.status.value
    assert "header" in live.status.value
    assert t("live.not_loaded", "en") in live.header.value
    assert live.counts() == {}


def test_an_unexpected_error_in_a_callback_becomes_a_visible_message(
    small: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = LiveResults(small.path, language="en")

    def broken(*_args: object, **_kwargs: object) -> charts.Chart:
        raise RuntimeError("the plotting went wrong")

    monkeypatch.setattr(charts, "answer_distribution", broken)
    live.field_selector.value = "housing"  # an observer callback
    assert "Unexpected error: RuntimeError: the plotting went wrong" in live.status.value
    live.refresh_button.click()
    assert "RuntimeError" in live.status.value
    assert live.error is not None
    assert "the plotting went wrong" in live.error
    assert live.error_log.outputs, "the traceback is kept in the widget for the developers"


# --- language and look -----------------------------------------------------------------------------


def test_switching_the_language_changes_every_label(small: Session) -> None:
    live = LiveResults(small.path, now=clock("12:00"))
    assert live.language == "de"  # the session's language
    assert live.refresh_button.description == "Aktualisieren"
    assert "Live-Ergebnisse" in live.header.value
    assert "Umstrittene Standards" in live.disputed_list.value
    assert live.field_selector.description == "Handlungsfeld"
    german_fields = [label for label, _ in live.field_selector.options]

    live.language_selector.value = "en"

    assert live.language == "en"
    assert live.refresh_button.description == "Refresh"
    assert live.field_selector.description == "Field of action"
    assert live.language_selector.description == "Language"
    assert "Live results: Kleinkleckersdorf" in live.header.value
    assert "as of 12:00" in live.header.value
    assert "Refreshed at 12:00:00." in live.status.value
    assert "3 people have answered" in live.details.value
    assert "Disputed standards (1)" in live.disputed_list.value
    assert "3 ratings, standard deviation 1.7" in live.disputed_list.value
    assert "33% “don't know”" in html.unescape(live.gaps_list.value)
    assert "Who has answered so far?" in live.overview.value
    english_fields = [label for label, _ in live.field_selector.options]
    assert english_fields == ["Governance", "Housing and urban planning"]
    assert english_fields != german_fields
    assert live.field_id == "governance"
    assert "answers per standard" in live.chart.value

    live.set_language("de")
    assert live.refresh_button.description == "Aktualisieren"
    assert listed(live.disputed_list) == ["GOV-1-1"]


def test_the_language_can_be_chosen_and_must_be_known(small: Session) -> None:
    assert LiveResults(small.path, "en").refresh_button.description == "Refresh"
    assert LiveResults(small.path, "").language == "de"
    with pytest.raises(LiveError, match="fr"):
        LiveResults(small.path, "fr")
    live = LiveResults(small.path)
    with pytest.raises(LiveError, match="education"):
        live.select_field("education")
    with pytest.raises(LiveError):
        live.set_language("fr")


def test_the_errors_are_german_when_the_interface_is(small: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(LiveError, match=re.escape("Unbekannte Sprache 'fr'. Möglich sind: de, en.")):
        LiveResults(small.path, "fr")
    with pytest.raises(LiveError, match="Die Sitzung bewertet das Feld 'education' nicht"):
        LiveResults(small.path).select_field("education")


def test_large_type_scoped_to_the_view_and_named_controls(small: Session) -> None:
    live = LiveResults(small.path)
    root = live.widget
    assert "wck-live" in root._dom_classes
    assert root.children[0].value == STYLE
    sizes = [int(size) for size in re.findall(r"font-size: (\d+)px", STYLE)]
    assert min(sizes) >= 20
    # every rule is scoped to the view, so the rest of the notebook keeps its look
    selectors = [rule.split("{")[0].strip() for rule in re.findall(r"[^{}]+\{", STYLE.removeprefix("<style>"))]
    parts = [part.strip() for selector in selectors for part in selector.split(",")]
    assert all(part.startswith(".wck-live") for part in parts), parts
    # the keyboard's place must be seen from the back of the room, not as JupyterLab's thin light-blue line
    focus = re.search(r"\.wck-live button:focus-visible \{ outline: (\d+)px solid (#[0-9A-Fa-f]{6})", STYLE)
    assert focus
    assert int(focus.group(1)) >= 3
    assert focus.group(2) == charts.TEXT_COLOUR
    assert "wck-live-refresh" in live.refresh_button._dom_classes
    assert live.refresh_button.tooltip
    assert live.refresh_button.layout.height == "auto"
    assert [value for _, value in live.language_selector.options] == ["de", "en"]


def test_show_displays_the_root_widget(small: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    live = LiveResults(small.path)
    live._ipython_display_()
    assert shown == [live.widget]


# --- the notebook ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_live_results_notebook_runs_and_shows_the_widget(demo: Session, tmp_path: Path) -> None:
    template = notebooks_dir() / "live_results.ipynb"
    check_template(template, {"session_dir": '""', "language": '""'})
    run_widget_notebook(template, tmp_path, {"session_dir": str(demo.path), "language": "en"})


def test_the_lists_come_before_the_chart_and_the_index_is_explained(small: Session) -> None:
    """On a projector a big field's chart runs over several screens: what to discuss comes first."""
    live = LiveResults(small.path, now=clock("09:30"))
    assert "Index 0–100" in live.overview.value
    children = list(live.field_panel.children)
    assert children.index(live.disputed_list) < children.index(live.chart)
    assert children.index(live.gaps_list) < children.index(live.chart)
