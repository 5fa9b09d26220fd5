"""The analysis numbers against an independent recomputation in plain Python (``statistics``, ``fractions``).

Nothing here calls analysis.py to compute an expected value: the expectations are either literals
worked out by hand or recomputed from the stored records with the standard library.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholecomm_kit import analysis
from wholecomm_kit.analysis import (
    OTHER_GROUPS,
    action_plan,
    analyse,
    by_stakeholder_group,
    challenge_summary,
    challenges_frame,
    compare,
    current_challenges,
    current_responses,
    field_index,
    responses_frame,
    standard_summary,
    top_priorities,
)
from wholecomm_kit.catalog import Catalog, load_catalog
from wholecomm_kit.demo import DISPUTED, GROUPS, INFORMATION_GAPS, create_demo
from wholecomm_kit.records import Action, ChallengeAnswer, Response, format_timestamp
from wholecomm_kit.session import Session, create_session
from wholecomm_kit.store import SessionStore

CATALOG = load_catalog()
T0 = dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)
GOV = [s.id for s in CATALOG.field("governance").standards]
HOU = [s.id for s in CATALOG.field("housing").standards]


# --- building hand-made sessions ---------------------------------------------------------------------


def at(minute: float) -> str:
    return format_timestamp(T0 + dt.timedelta(minutes=minute))


def make_session(
    directory: Path, fields: str = "governance,housing", previous: Path | None = None, date: str = "2025-03-14"
) -> Session:
    return create_session(
        municipality="Teststadt",
        country="DE",
        size="rural",
        date=date,
        fields=fields,
        language="de",
        directory=directory,
        previous=previous,
    )


def answer(
    session: Session,
    respondent: str,
    standard_id: str,
    value: int | str,
    *,
    group: str = "administration",
    priority: str = "",
    minute: float = 0,
) -> Response:
    """A rating (int) or a "dont_know" / "not_applicable" answer."""
    rated = isinstance(value, int)
    return Response(
        session_id=session.session_id,
        respondent_id=respondent,
        stakeholder_group=group,
        field_id=CATALOG.standard(standard_id).field_id,
        standard_id=standard_id,
        rating=value if isinstance(value, int) else None,
        response="rated" if rated else str(value),
        priority=priority,
        comment="",
        recorded_at=at(minute),
        language="de",
        catalog_version=CATALOG.version,
    )


def save(session: Session, records: Sequence[Response | ChallengeAnswer | Action]) -> SessionStore:
    store = SessionStore.open(session, CATALOG)
    store.append(list(records))
    return store


def summary_of(store: SessionStore) -> pd.DataFrame:
    current = current_responses(responses_frame(store.responses()))
    return standard_summary(current, CATALOG, store.session.fields)


def row(frame: pd.DataFrame, column: str, key: str) -> dict[str, Any]:
    matches = frame[frame[column] == key]
    assert len(matches) == 1, f"{key}: {len(matches)} rows"
    return {str(key): value for key, value in matches.iloc[0].to_dict().items()}


def same(actual: Any, expected: Any) -> bool:
    """Equal, with NaN equal to NaN and floats to 1e-12."""
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, float):
        return bool(actual == pytest.approx(expected, rel=1e-12, abs=1e-12))
    return bool(actual == expected)


def assert_matches(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    wrong = {k: (actual[k], v) for k, v in expected.items() if not same(actual[k], v)}
    assert not wrong, f"(actual, expected): {wrong}"


# --- the independent recomputation ---------------------------------------------------------------------

NAN = math.nan


def expected_current(responses: Iterable[Response]) -> list[Response]:
    """Latest recorded_at per (respondent, standard); of equal times the later row."""
    best: dict[tuple[str, str], tuple[str, int, Response]] = {}
    for position, r in enumerate(responses):
        key = (r.respondent_id, r.standard_id)
        if key not in best or (r.recorded_at, position) > best[key][:2]:
            best[key] = (r.recorded_at, position, r)
    return [r for _, _, r in best.values()]


def expected_standard(answers: Sequence[Response]) -> dict[str, Any]:
    ratings = [a.rating for a in answers if a.response == "rated" and a.rating is not None]
    n = len(answers)
    dont_know = sum(a.response == "dont_know" for a in answers)
    not_applicable = sum(a.response == "not_applicable" for a in answers)
    high = sum(a.priority == "high" for a in answers)
    exact_variance = statistics.variance([Fraction(x) for x in ratings]) if len(ratings) >= 2 else None
    return {
        "n_answers": n,
        "n_rated": len(ratings),
        **{f"n_rating_{k}": ratings.count(k) for k in range(4)},
        "n_dont_know": dont_know,
        "n_not_applicable": not_applicable,
        "n_high_priority": high,
        "mean": statistics.mean(ratings) / 1.0 if ratings else NAN,
        "median": float(statistics.median(ratings)) if ratings else NAN,
        "sd": statistics.stdev(ratings) if len(ratings) >= 2 else NAN,
        "score": statistics.mean(ratings) / 3 * 100 if ratings else NAN,
        "share_dont_know": dont_know / n if n else NAN,
        "share_not_applicable": not_applicable / n if n else NAN,
        "share_high_priority": high / n if n else NAN,
        "disputed": len(ratings) >= 3 and exact_variance is not None and exact_variance >= 1,
        "information_gap": n > 0 and Fraction(dont_know, n) >= Fraction(3, 10),
    }


def expected_index(answers: Iterable[Response], standard_ids: Iterable[str]) -> float:
    ratings: dict[str, list[int]] = defaultdict(list)
    for a in answers:
        if a.response == "rated" and a.rating is not None:
            ratings[a.standard_id].append(a.rating)
    scores = [statistics.mean(ratings[s]) / 3 * 100 for s in standard_ids if ratings[s]]
    return statistics.mean(scores) if scores else NAN


def check_against_recomputation(store: SessionStore) -> None:
    """Every summary cell and field index of the session equals the plain-Python recomputation."""
    current = expected_current(store.responses())
    summary = summary_of(store)
    assert summary["standard_id"].tolist() == [
        s.id for f in CATALOG.fields if f.id in store.session.fields for s in f.standards
    ]
    for standard_id in summary["standard_id"]:
        mine = [a for a in current if a.standard_id == standard_id]
        assert_matches(row(summary, "standard_id", standard_id), expected_standard(mine))
    fields = field_index(summary, current_responses(responses_frame(store.responses())))
    for field_id in store.session.fields:
        ids = [s.id for s in CATALOG.field(field_id).standards]
        in_field = [a for a in current if a.standard_id in ids]
        assert_matches(
            row(fields, "field_id", field_id),
            {
                "n_respondents": len({a.respondent_id for a in in_field}),
                "n_standards": len(ids),
                "n_standards_rated": len({a.standard_id for a in in_field if a.response == "rated"}),
                "index": expected_index(in_field, ids),
            },
        )


# --- hand-made sessions --------------------------------------------------------------------------------


def test_hand_computed_example(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    store = save(
        s,
        [
            answer(s, "R1", "GOV-1-1", 0, priority="high"),
            answer(s, "R2", "GOV-1-1", 3),
            answer(s, "R3", "GOV-1-1", 3, priority="low"),
            answer(s, "R1", "GOV-1-2", 1),
            answer(s, "R1", "GOV-2-1", "dont_know", priority="high"),
            answer(s, "R2", "GOV-2-1", "not_applicable"),
            answer(s, "R3", "GOV-2-1", 2),
        ],
    )
    summary = summary_of(store)
    first = row(summary, "standard_id", "GOV-1-1")
    assert (first["n_answers"], first["n_rated"], first["n_rating_0"], first["n_rating_3"]) == (3, 3, 1, 2)
    assert first["mean"] == 2.0
    assert first["median"] == 3.0
    assert first["sd"] == pytest.approx(1.7320508075688772)
    assert first["score"] == pytest.approx(200 / 3)
    assert first["disputed"]
    assert first["share_high_priority"] == pytest.approx(1 / 3)

    single = row(summary, "standard_id", "GOV-1-2")
    assert single["mean"] == 1.0
    assert math.isnan(single["sd"])  # one rating: no spread
    assert not single["disputed"]

    # don't know / not applicable: counted as answers and in the shares, never in the mean
    mixed = row(summary, "standard_id", "GOV-2-1")
    assert (mixed["n_answers"], mixed["n_rated"], mixed["n_dont_know"], mixed["n_not_applicable"]) == (3, 1, 1, 1)
    assert mixed["mean"] == 2.0
    assert mixed["share_dont_know"] == pytest.approx(1 / 3)
    assert mixed["share_not_applicable"] == pytest.approx(1 / 3)
    assert mixed["information_gap"]  # 1/3 ≥ 30 %

    empty = row(summary, "standard_id", "GOV-6-3")
    assert empty["n_answers"] == 0
    assert math.isnan(empty["mean"])
    assert math.isnan(empty["share_dont_know"])
    assert not empty["disputed"]
    assert not empty["information_gap"]
    assert set(summary["field_id"]) == {"governance", "housing"}
    assert len(summary) == len(GOV) + len(HOU)

    fields = field_index(summary, current_responses(responses_frame(store.responses())))
    governance = row(fields, "field_id", "governance")
    # scores 200/3, 100/3 and 200/3 → (200 + 100 + 200) / 9
    assert governance["index"] == pytest.approx(500 / 9)
    assert (governance["n_respondents"], governance["n_standards"], governance["n_standards_rated"]) == (3, 22, 3)
    housing = row(fields, "field_id", "housing")
    assert math.isnan(housing["index"])
    assert (housing["n_respondents"], housing["n_standards_rated"]) == (0, 0)
    check_against_recomputation(store)


def test_latest_answer_wins(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    store = save(
        s,
        [
            answer(s, "R1", "GOV-1-1", 0, minute=0),
            answer(s, "R1", "GOV-1-1", 3, minute=5),  # changed later: wins
            answer(s, "R1", "GOV-1-2", 1, minute=10),
            answer(s, "R1", "GOV-1-2", 2, minute=10),  # same time, later row: wins
            answer(s, "R1", "GOV-2-1", 1, minute=20),
            answer(s, "R1", "GOV-2-1", 3, minute=15),  # later row but earlier time: loses
            answer(s, "R2", "GOV-2-1", "dont_know", minute=1),
        ],
    )
    store.record_response(
        respondent_id="R2", stakeholder_group="politics", standard_id="GOV-2-1", response="rated", rating=2
    )
    current = current_responses(responses_frame(store.responses()))
    ratings = {
        (r, s_id): v for r, s_id, v in current[["respondent_id", "standard_id", "rating"]].itertuples(index=False)
    }
    assert ratings == {("R1", "GOV-1-1"): 3.0, ("R1", "GOV-1-2"): 2.0, ("R1", "GOV-2-1"): 1.0, ("R2", "GOV-2-1"): 2.0}
    # the same rule as the store's own
    from_store = [(r.respondent_id, r.standard_id, r.recorded_at) for r in store.current_responses()]
    assert (
        list(current[["respondent_id", "standard_id", "recorded_at"]].itertuples(index=False, name=None)) == from_store
    )
    summary = summary_of(store)
    assert row(summary, "standard_id", "GOV-1-1")["n_answers"] == 1
    assert row(summary, "standard_id", "GOV-2-1")["n_dont_know"] == 0
    check_against_recomputation(store)


@pytest.mark.parametrize(
    ("ratings", "disputed"),
    [
        ([1, 2, 3], True),  # sd exactly 1.0
        ([0, 0, 0, 2], True),  # sd exactly 1.0 with a fractional mean
        ([0, 0, 1, 2], False),  # sd 0.957
        ([1, 2, 2], False),
        ([0, 3], False),  # sd 2.1 but fewer than 3 ratings
        ([0, 3, 3], True),
    ],
)
def test_disputed_threshold(tmp_path: Path, ratings: list[int], disputed: bool) -> None:
    s = make_session(tmp_path)
    store = save(s, [answer(s, f"R{i}", "GOV-1-1", v) for i, v in enumerate(ratings)])
    # plus answers that are not ratings: they must not change the spread
    store.append([answer(s, "R-dk", "GOV-1-1", "dont_know"), answer(s, "R-na", "GOV-1-1", "not_applicable")])
    standard = row(summary_of(store), "standard_id", "GOV-1-1")
    assert standard["disputed"] is disputed
    assert standard["n_rated"] == len(ratings)
    assert standard["sd"] == pytest.approx(statistics.stdev(ratings))
    check_against_recomputation(store)


@pytest.mark.parametrize(
    ("dont_know", "others", "gap"),
    [
        (3, 7, True),  # exactly 30 %
        (2, 8, False),  # 20 %
        (29, 71, False),  # 29 %
        (30, 70, True),  # exactly 30 % of 100
        (1, 0, True),  # nobody knows: no mean, but a gap
    ],
)
def test_information_gap_threshold(tmp_path: Path, dont_know: int, others: int, gap: bool) -> None:
    s = make_session(tmp_path)
    records = [answer(s, f"K{i}", "GOV-1-1", "dont_know") for i in range(dont_know)]
    records += [answer(s, f"R{i}", "GOV-1-1", i % 4 if i % 5 else "not_applicable") for i in range(others)]
    store = save(s, records)
    standard = row(summary_of(store), "standard_id", "GOV-1-1")
    assert standard["information_gap"] is gap
    assert standard["share_dont_know"] == pytest.approx(dont_know / (dont_know + others))
    check_against_recomputation(store)


def test_every_standard_weighs_the_same(tmp_path: Path) -> None:
    s = make_session(tmp_path, fields="governance")
    records = [answer(s, f"R{i}", "GOV-1-1", 3) for i in range(10)]
    records.append(answer(s, "R0", "GOV-1-2", 0))
    store = save(s, records)
    current = current_responses(responses_frame(store.responses()))
    fields = field_index(summary_of(store), current)
    # (100 + 0) / 2, not the rater-weighted 30 / 11 / 3 × 100 = 90.9
    assert row(fields, "field_id", "governance")["index"] == 50.0
    check_against_recomputation(store)


def _group_records(s: Session, sizes: dict[str, int]) -> list[Response]:
    records = []
    for group, size in sizes.items():
        for i in range(size):
            respondent = f"{group[:3]}{i}"
            records.append(answer(s, respondent, "GOV-1-1", (i + len(group)) % 4, group=group))
            records.append(answer(s, respondent, "HOU-1-1", i % 4, group=group))
    return records


def test_small_groups_are_merged_into_other_groups(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    records = _group_records(s, {"administration": 3, "civil_society": 4, "politics": 2, "research": 1})
    store = save(s, records)
    current = current_responses(responses_frame(store.responses()))
    breakdown = by_stakeholder_group(current, CATALOG, s.fields)
    table = breakdown.table
    assert list(dict.fromkeys(table["stakeholder_group"])) == ["administration", "civil_society", OTHER_GROUPS]
    assert "politics" not in set(table["stakeholder_group"])
    assert breakdown.merged_groups == ("politics", "research")
    assert (breakdown.suppressed_groups, breakdown.suppressed_respondents) == (0, 0)
    assert list(table.columns) == [
        "stakeholder_group",
        "group_size",
        "field_id",
        "n_respondents",
        "n_raters",
        "n_standards",
        "n_standards_rated",
        "index",
        "suppressed",
    ]
    for label, groups in [
        ("administration", {"administration"}),
        ("civil_society", {"civil_society"}),
        (OTHER_GROUPS, {"politics", "research"}),
    ]:
        mine = [r for r in records if r.stakeholder_group in groups]
        for field_id, ids in [("governance", GOV), ("housing", HOU)]:
            got = table[(table["stakeholder_group"] == label) & (table["field_id"] == field_id)].iloc[0]
            assert got["group_size"] == len({r.respondent_id for r in mine})
            assert got["n_respondents"] == len({r.respondent_id for r in mine if r.standard_id in ids})
            assert got["index"] == pytest.approx(expected_index(mine, ids))


def test_small_groups_suppressed_when_still_too_small(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    store = save(s, _group_records(s, {"administration": 3, "politics": 2}))
    current = current_responses(responses_frame(store.responses()))
    breakdown = by_stakeholder_group(current, CATALOG, s.fields)
    assert set(breakdown.table["stakeholder_group"]) == {"administration"}
    assert breakdown.merged_groups == ()
    assert (breakdown.suppressed_groups, breakdown.suppressed_respondents) == (1, 2)

    # the threshold is a setting: with 2, politics is shown on its own
    relaxed = by_stakeholder_group(current, CATALOG, s.fields, min_group_size=2)
    assert list(dict.fromkeys(relaxed.table["stakeholder_group"])) == ["administration", "politics"]
    assert relaxed.suppressed_respondents == 0
    merged = by_stakeholder_group(current, CATALOG, s.fields, min_group_size=4)  # 3 + 2 merged reach 4
    assert set(merged.table["stakeholder_group"]) == {OTHER_GROUPS}
    assert merged.merged_groups == ("administration", "politics")
    strict = by_stakeholder_group(current, CATALOG, s.fields, min_group_size=6)
    assert strict.table.empty
    assert (strict.suppressed_groups, strict.suppressed_respondents) == (2, 5)
    with pytest.raises(ValueError, match="min_group_size"):
        by_stakeholder_group(current, CATALOG, s.fields, min_group_size=0)
    assert analyse(s, min_group_size=2, catalog=CATALOG).groups.min_group_size == 2


def test_a_group_index_is_hidden_unless_enough_members_rated_in_the_field(tmp_path: Path) -> None:
    """One rater and two who only said "don't know": the group's index would be that one person's own."""
    s = make_session(tmp_path)
    records = _group_records(s, {"administration": 3})
    records += [answer(s, "res0", sid, 2, group="research") for sid in ("HOU-1-1", "HOU-1-2")]
    records += [answer(s, f"res{i}", "HOU-1-1", "dont_know", group="research") for i in (1, 2)]
    values: list[int | str] = [1, 3, "not_applicable"]
    records += [answer(s, f"res{i}", "GOV-1-1", value, group="research") for i, value in enumerate(values)]
    store = save(s, records)
    current = current_responses(responses_frame(store.responses()))
    table = by_stakeholder_group(current, CATALOG, s.fields).table
    research = table[table["stakeholder_group"] == "research"].set_index("field_id")
    assert research.loc["housing", "n_respondents"] == 3
    assert research.loc["housing", "n_raters"] == 1
    assert bool(research.loc["housing", "suppressed"])
    assert research["index"].isna().loc["housing"]
    assert research.loc["governance", "n_raters"] == 2  # "not applicable" is no rating either
    assert bool(research.loc["governance", "suppressed"])
    administration = table[table["stakeholder_group"] == "administration"]
    assert not administration["suppressed"].any()


def test_respondent_counts_once_in_their_latest_group(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    records = _group_records(s, {"administration": 2, "politics": 3})
    # adm0 corrected their group to politics later: one person, one group
    records.append(answer(s, "adm0", "GOV-1-2", 2, group="politics", minute=30))
    store = save(s, records)
    current = current_responses(responses_frame(store.responses()))
    breakdown = by_stakeholder_group(current, CATALOG, s.fields)
    assert set(breakdown.table["stakeholder_group"]) == {"politics"}
    assert set(breakdown.table["group_size"]) == {4}
    assert breakdown.suppressed_respondents == 1


def test_top_priorities_order(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    records = [
        # GOV-1-1: 2 of 3 high, mean 1
        answer(s, "R1", "GOV-1-1", 1, priority="high"),
        answer(s, "R2", "GOV-1-1", 1, priority="high"),
        answer(s, "R3", "GOV-1-1", 1, priority="low"),
        # GOV-1-2: 2 of 3 high, mean 0.5 (plus a don't know): same share, lower mean → first
        answer(s, "R1", "GOV-1-2", 0, priority="high"),
        answer(s, "R2", "GOV-1-2", 1, priority="high"),
        answer(s, "R3", "GOV-1-2", "dont_know"),
        # HOU-1-1: 1 of 1 high
        answer(s, "R1", "HOU-1-1", 3, priority="high"),
        # GOV-2-1: 1 of 3 high
        answer(s, "R1", "GOV-2-1", 0, priority="high"),
        answer(s, "R2", "GOV-2-1", 0),
        answer(s, "R3", "GOV-2-1", 0, priority="medium"),
        # GOV-2-2: no high marks → not a priority
        answer(s, "R1", "GOV-2-2", 0, priority="medium"),
    ]
    summary = summary_of(save(s, records))
    assert top_priorities(summary)["standard_id"].tolist() == ["HOU-1-1", "GOV-1-2", "GOV-1-1", "GOV-2-1"]
    assert top_priorities(summary, n=2)["standard_id"].tolist() == ["HOU-1-1", "GOV-1-2"]
    assert top_priorities(summary)["share_high_priority"].tolist() == pytest.approx([1, 2 / 3, 2 / 3, 1 / 3])


def test_challenge_shares(tmp_path: Path) -> None:
    s = make_session(tmp_path)

    def challenge(respondent: str, challenge_id: str, applies: str, minute: int = 0) -> ChallengeAnswer:
        return ChallengeAnswer(s.session_id, respondent, "administration", challenge_id, applies, at(minute))

    store = save(
        s,
        [
            challenge("R1", "GOV-C1", "yes"),
            challenge("R2", "GOV-C1", "no"),
            challenge("R3", "GOV-C1", "unsure"),
            challenge("R4", "GOV-C1", "yes"),
            challenge("R4", "GOV-C1", "no", minute=5),  # changed: no longer yes
            challenge("R1", "HOU-C1", "yes"),
        ],
    )
    table = challenge_summary(current_challenges(challenges_frame(store.challenge_answers())), CATALOG, s.fields)
    assert list(table.columns) == ["field_id", "challenge_id", "n_answers", "n_yes", "n_no", "n_unsure", "share_yes"]
    assert_matches(
        row(table, "challenge_id", "GOV-C1"),
        {"n_answers": 4, "n_yes": 1, "n_no": 2, "n_unsure": 1, "share_yes": 0.25},
    )
    assert row(table, "challenge_id", "HOU-C1")["share_yes"] == 1.0
    unanswered = row(table, "challenge_id", "GOV-C2")
    assert unanswered["n_answers"] == 0
    assert math.isnan(unanswered["share_yes"])
    assert len(table) == len(CATALOG.field("governance").challenges) + len(CATALOG.field("housing").challenges)


def test_compare_with_previous_session(tmp_path: Path) -> None:
    before = make_session(tmp_path / "a", fields="governance,housing", date="2024-03-14")
    save(
        before,
        [
            answer(before, "R1", "GOV-1-1", 1),
            answer(before, "R2", "GOV-1-1", 1),
            answer(before, "R1", "GOV-1-2", 3),  # rated before, not now
            answer(before, "R1", "HOU-1-1", 2),  # housing is not assessed now
        ],
    )
    now = make_session(tmp_path / "b", fields="governance", previous=before.path)
    save(
        now,
        [
            answer(now, "R1", "GOV-1-1", 2),
            answer(now, "R2", "GOV-1-1", 2),
            answer(now, "R1", "GOV-2-1", 3),  # new
        ],
    )
    result = analyse(now, previous=before, catalog=CATALOG)
    assert result.comparison is not None
    standards = result.comparison.standards
    assert list(standards.columns) == ["field_id", "group_id", "standard_id", "mean_previous", "mean_current", "change"]
    assert_matches(row(standards, "standard_id", "GOV-1-1"), {"mean_previous": 1.0, "mean_current": 2.0, "change": 1.0})
    assert_matches(row(standards, "standard_id", "GOV-1-2"), {"mean_previous": 3.0, "mean_current": NAN, "change": NAN})
    assert_matches(row(standards, "standard_id", "GOV-2-1"), {"mean_previous": NAN, "mean_current": 3.0, "change": NAN})
    assert_matches(row(standards, "standard_id", "HOU-1-1"), {"mean_previous": 2.0, "mean_current": NAN, "change": NAN})
    assert standards["standard_id"].tolist()[: len(GOV)] == GOV  # current session first, catalogue order

    fields = result.comparison.fields
    assert fields["field_id"].tolist() == ["governance", "housing"]
    # before: (1/3·100 + 3/3·100) / 2 = 200/3; now: (2/3·100 + 3/3·100) / 2 = 250/3
    assert_matches(
        row(fields, "field_id", "governance"),
        {"index_previous": 200 / 3, "index_current": 250 / 3, "change": 50 / 3},
    )
    assert_matches(row(fields, "field_id", "housing"), {"index_previous": 200 / 3, "index_current": NAN, "change": NAN})
    assert analyse(now, catalog=CATALOG).comparison is None


def test_empty_session(tmp_path: Path) -> None:
    s = make_session(tmp_path)
    result = analyse(s, catalog=CATALOG)
    assert result.responses.empty
    assert list(result.responses.columns) == [*Response.COLUMNS, "position"]
    assert len(result.summary) == len(GOV) + len(HOU)
    assert (result.summary["n_answers"] == 0).all()
    assert result.summary["mean"].isna().all()
    assert result.summary["share_dont_know"].isna().all()
    assert not result.summary["disputed"].any()
    assert not result.summary["information_gap"].any()
    assert result.fields["field_id"].tolist() == ["governance", "housing"]
    assert result.fields["index"].isna().all()
    assert (result.fields["n_respondents"] == 0).all()
    assert result.groups.table.empty
    assert "stakeholder_group" in result.groups.table.columns
    assert result.groups.suppressed_respondents == 0
    assert result.priorities.empty
    assert (result.challenges["n_answers"] == 0).all()
    assert result.challenges["share_yes"].isna().all()
    assert result.actions.empty
    assert list(result.actions.columns) == list(Action.COLUMNS)
    comparison = compare(result.summary, result.summary)
    assert comparison.fields["change"].isna().all()
    assert comparison.standards["change"].isna().all()
    assert list(responses_frame([]).columns) == [*Response.COLUMNS, "position"]


def test_action_plan_with_edit_and_removal(tmp_path: Path) -> None:
    s = make_session(tmp_path)

    def act(action_id: str, text: str, status: str, minute: int) -> Action:
        return Action(action_id, "governance", ("GOV-1-1",), text, "Rathaus", "2025-12-31", status, at(minute))

    store = save(
        s,
        [
            act("A1", "Konzept schreiben", "planned", 0),
            act("A2", "Beirat gründen", "planned", 1),
            act("A10", "Webseite übersetzen", "planned", 2),
            act("A3", "Sprechstunde", "planned", 3),
            act("A1", "Konzept schreiben und beschließen", "in_progress", 4),  # edit
            act("A3", "Sprechstunde", "removed", 5),  # removal
        ],
    )
    plan = action_plan(store.actions())
    assert plan["action_id"].tolist() == ["A1", "A2", "A10"]  # by number, not as text
    assert_matches(
        row(plan, "action_id", "A1"), {"action": "Konzept schreiben und beschließen", "status": "in_progress"}
    )
    assert row(plan, "action_id", "A1")["standard_ids"] == "GOV-1-1"
    assert plan["action_id"].tolist() == sorted(
        (a.action_id for a in store.current_actions()), key=lambda x: int(x[1:])
    )


# --- the demo session ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return create_demo(tmp_path_factory.mktemp("demo"), CATALOG)


def test_demo_summary_and_index_match_recomputation(demo: Session) -> None:
    store = SessionStore.open(demo, CATALOG)
    check_against_recomputation(store)
    summary = summary_of(store)
    # the demo was generated with disagreement and information gaps on these standards
    assert set(DISPUTED) <= set(summary.loc[summary["disputed"], "standard_id"])
    assert set(INFORMATION_GAPS) <= set(summary.loc[summary["information_gap"], "standard_id"])
    # changed answers exist in the demo and are not double counted
    assert len(store.responses()) > len(store.current_responses())
    assert summary["n_answers"].sum() == len(store.current_responses())


def test_demo_analysis(demo: Session) -> None:
    store = SessionStore.open(demo, CATALOG)
    result = analyse(demo, catalog=CATALOG)
    current = expected_current(store.responses())
    assert len(result.responses) == len(current)

    group_of = {a.respondent_id: a.stakeholder_group for a in current}
    sizes = Counter(group_of.values())
    assert dict(sizes) == GROUPS
    shown = [g for g in CATALOG.ids("stakeholder_groups") if sizes[g] >= 3]
    table = result.groups.table
    assert list(dict.fromkeys(table["stakeholder_group"])) == shown  # research (1 person) is not shown
    assert (result.groups.suppressed_groups, result.groups.suppressed_respondents) == (1, 1)
    assert result.groups.merged_groups == ()
    for group in shown:
        mine = [a for a in current if group_of[a.respondent_id] == group]
        for f in CATALOG.fields:
            ids = [s.id for s in f.standards]
            got = table[(table["stakeholder_group"] == group) & (table["field_id"] == f.id)].iloc[0]
            answered = len({a.respondent_id for a in mine if a.standard_id in ids})
            assert got["n_respondents"] == answered
            if answered < 3:  # too few in this field: the cell is hidden
                assert got["suppressed"]
                assert math.isnan(got["index"])
            else:
                assert not got["suppressed"]
                assert got["index"] == pytest.approx(expected_index(mine, ids), rel=1e-12)

    challenges = expected_challenges(store.challenge_answers())
    for challenge_id, answers in challenges.items():
        counts = Counter(answers)
        assert_matches(
            row(result.challenges, "challenge_id", challenge_id),
            {
                "n_answers": len(answers),
                "n_yes": counts["yes"],
                "n_no": counts["no"],
                "n_unsure": counts["unsure"],
                "share_yes": counts["yes"] / len(answers),
            },
        )
    assert len(result.challenges) == len(CATALOG.challenges)

    highs = result.priorities
    assert len(highs) == 5
    shares = highs["share_high_priority"].tolist()
    assert shares == sorted(shares, reverse=True)
    best = max(row(result.summary, "standard_id", s.id)["share_high_priority"] for s in CATALOG.standards)
    assert shares[0] == best

    assert result.actions["action_id"].tolist() == ["A1", "A2", "A3", "A5"]
    assert row(result.actions, "action_id", "A1")["status"] == "in_progress"

    again = analyse(demo, previous=demo, catalog=CATALOG)
    assert again.comparison is not None
    assert (again.comparison.fields["change"] == 0).all()
    rated = again.comparison.standards["mean_current"].notna()
    assert (again.comparison.standards.loc[rated, "change"] == 0).all()


def expected_challenges(answers: Iterable[ChallengeAnswer]) -> dict[str, list[str]]:
    best: dict[tuple[str, str], tuple[str, int, str]] = {}
    for position, a in enumerate(answers):
        key = (a.respondent_id, a.challenge_id)
        if key not in best or (a.recorded_at, position) > best[key][:2]:
            best[key] = (a.recorded_at, position, a.applies)
    result: dict[str, list[str]] = defaultdict(list)
    for (_, challenge_id), (_, _, applies) in best.items():
        result[challenge_id].append(applies)
    return result


# --- properties ------------------------------------------------------------------------------------------

PROPERTY_STANDARDS = ["GOV-1-1", "GOV-1-2", "GOV-2-1"]
answer_values = st.one_of(st.integers(0, 3), st.sampled_from(["dont_know", "not_applicable"]))
raw_answers = st.lists(
    st.tuples(
        st.integers(0, 5),  # respondent
        st.sampled_from(PROPERTY_STANDARDS),
        answer_values,
        st.sampled_from(["", "low", "medium", "high"]),
        st.integers(0, 3),  # minute: many equal times, so the row order decides
    ),
    max_size=40,
)


def _records(raw: list[tuple[int, str, int | str, str, int]]) -> list[Response]:
    fake = Session(
        path=Path("/nonexistent"),
        session_id="de-prop-2025-03-14",
        municipality="Prop",
        country="DE",
        size="rural",
        date=dt.date(2025, 3, 14),
        fields=("governance",),
        language="de",
        catalog_version=CATALOG.version,
        created_at="2025-03-14T08:00:00Z",
    )
    return [answer(fake, f"R{r}", sid, value, priority=p, minute=m) for r, sid, value, p, m in raw]


@settings(max_examples=60, deadline=None)
@given(raw_answers)
def test_property_summary_is_consistent(raw: list[tuple[int, str, int | str, str, int]]) -> None:
    records = _records(raw)
    catalog: Catalog = CATALOG
    current = current_responses(responses_frame(records))
    summary = standard_summary(current, catalog, ["governance"])
    counts = summary[["n_rated", "n_dont_know", "n_not_applicable"]].sum(axis=1)
    assert (counts == summary["n_answers"]).all()
    assert (summary[[f"n_rating_{k}" for k in range(4)]].sum(axis=1) == summary["n_rated"]).all()
    assert summary["n_answers"].sum() == len({(r.respondent_id, r.standard_id) for r in records})
    index = field_index(summary, current)["index"].iloc[0]
    assert math.isnan(index) or 0 <= index <= 100
    latest = expected_current(records)
    for standard_id in PROPERTY_STANDARDS:
        mine = [a for a in latest if a.standard_id == standard_id]
        assert_matches(row(summary, "standard_id", standard_id), expected_standard(mine))
    expected = expected_index(latest, [s.id for s in catalog.field("governance").standards])
    assert same(float(index), expected)


@settings(max_examples=40, deadline=None)
@given(raw_answers, st.integers(1, 6))
def test_property_groups_never_show_a_small_group(raw: list[tuple[int, str, int | str, str, int]], size: int) -> None:
    groups = ["administration", "politics", "research"]
    records = [dataclasses.replace(r, stakeholder_group=groups[int(r.respondent_id[1:]) % 3]) for r in _records(raw)]
    current = current_responses(responses_frame(records))
    breakdown = by_stakeholder_group(current, CATALOG, ["governance"], min_group_size=size)
    assert (breakdown.table["group_size"] >= size).all()
    total = len({r.respondent_id for r in records})
    assert (
        breakdown.table.drop_duplicates("stakeholder_group")["group_size"].sum() + breakdown.suppressed_respondents
        == total
    )
    index = breakdown.table["index"].dropna()
    assert ((index >= 0) & (index <= 100)).all()
    shown = breakdown.table[breakdown.table["index"].notna()]
    for record in shown.to_dict("records"):  # every index shown stems from the ratings of at least `size` people
        members = {
            r.respondent_id
            for r in expected_current(records)
            if r.response == "rated"
            and (record["stakeholder_group"] == OTHER_GROUPS or r.stakeholder_group == record["stakeholder_group"])
        }
        assert len(members) >= size


def test_module_exports_are_defined() -> None:
    for name in analysis.__all__:
        assert hasattr(analysis, name)
