"""What a workshop's answers say, as tables that a researcher can recompute by hand.

Data flows one way: records (or a :class:`Session` read through :class:`SessionStore`) go in,
pandas DataFrames and small dataclasses come out. Nothing here writes files or draws; notebooks,
handouts and reports only render what this module returns, so every number the kit shows has a
single definition, written down here:

* **Current answer** – of all rows one respondent recorded for one standard, the row with the
  latest ``recorded_at``; of equal times the later row (exactly the rule of :func:`store.latest`).
  The same rule picks the current challenge answer and the current version of an action.
* **Ratings** – only answers with ``response == "rated"`` carry a rating (0 … 3). "Don't know" and
  "not applicable" never enter a mean, median or standard deviation, but they do count as answers
  in ``n_answers`` and in the shares.
* **Standard mean / median / sd** – of the current ratings; ``sd`` is the sample standard deviation
  (``ddof=1``) and NaN with fewer than two ratings.
* **Score** – ``mean / 3 × 100`` (3 = the highest rating of the catalogue), so a standard scores 0–100.
* **Field index** – the unweighted mean of the scores of the field's standards that have at least
  one rating: every standard weighs the same, however many people rated it. NaN without ratings.
* **Disputed** – at least 3 ratings and ``sd >= 1.0``; **information gap** – at least one answer
  and a "don't know" share of at least 30 %. Both are decided in exact integer arithmetic, so a
  value exactly at the threshold counts, whatever floating point would have said.
* **Stakeholder groups** – a respondent belongs to the group of their most recent current answer.
  Groups with fewer than ``min_group_size`` respondents are merged into one ``other_groups`` row,
  which is itself suppressed if it is still too small; a group's index for a field is hidden when
  fewer than ``min_group_size`` of its members gave a rating (0–3) in that field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from .catalog import Catalog, Field, load_catalog
from .records import Action, ChallengeAnswer, Response
from .session import Session
from .store import SessionStore

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "DISPUTED_MIN_RATINGS",
    "DISPUTED_MIN_SD",
    "INFORMATION_GAP_SHARE",
    "OTHER_GROUPS",
    "Analysis",
    "Comparison",
    "GroupBreakdown",
    "action_plan",
    "analyse",
    "by_stakeholder_group",
    "challenge_summary",
    "challenges_frame",
    "compare",
    "current_challenges",
    "current_responses",
    "field_index",
    "respondent_groups",
    "responses_frame",
    "standard_summary",
    "top_priorities",
]

OTHER_GROUPS = "other_groups"
"""Label of the row that merges all stakeholder groups too small to be shown on their own."""
DEFAULT_MIN_GROUP_SIZE = 3
DISPUTED_MIN_RATINGS = 3
DISPUTED_MIN_SD = 1.0
INFORMATION_GAP_SHARE = 0.30
DEFAULT_TOP_N = 5

RATED = "rated"
DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"
HIGH_PRIORITY = "high"
REMOVED = "removed"
POSITION = "position"
"""Row order of the input records; breaks ties of ``recorded_at`` (the later row wins)."""

RESPONSE_FRAME_COLUMNS: tuple[str, ...] = (*Response.COLUMNS, POSITION)
CHALLENGE_FRAME_COLUMNS: tuple[str, ...] = (*ChallengeAnswer.COLUMNS, POSITION)
FIELD_INDEX_COLUMNS: tuple[str, ...] = (
    "field_id",
    "n_respondents",
    "n_raters",
    "n_standards",
    "n_standards_rated",
    "index",
)
GROUP_COLUMNS: tuple[str, ...] = ("stakeholder_group", "group_size", *FIELD_INDEX_COLUMNS, "suppressed")
COMPARE_FIELD_COLUMNS: tuple[str, ...] = ("field_id", "index_previous", "index_current", "change")
COMPARE_STANDARD_COLUMNS: tuple[str, ...] = (
    "field_id",
    "group_id",
    "standard_id",
    "mean_previous",
    "mean_current",
    "change",
)


# --- records as frames ---------------------------------------------------------------------------------


def _text_column(values: list[str]) -> pd.Series[str]:
    return pd.Series(values, dtype="str")


def responses_frame(responses: Iterable[Response]) -> pd.DataFrame:
    """All response rows as a table, one column per CSV column plus ``position`` (the row order).

    ``rating`` is a float: the rating 0 … 3 when the response is "rated", otherwise NaN, so that
    pandas' NaN-skipping statistics never mistake a "don't know" for a rating.
    """
    rows = list(responses)
    data: dict[str, pd.Series[str] | pd.Series[float] | pd.Series[int]] = {}
    for column in Response.COLUMNS:
        if column == "rating":
            data[column] = pd.Series([np.nan if r.rating is None else float(r.rating) for r in rows], dtype="float64")
        else:
            data[column] = _text_column([str(getattr(r, column)) for r in rows])
    data[POSITION] = pd.Series(range(len(rows)), dtype="int64")
    return pd.DataFrame(data, columns=list(RESPONSE_FRAME_COLUMNS))


def challenges_frame(answers: Iterable[ChallengeAnswer]) -> pd.DataFrame:
    """All challenge answers as a table, one column per CSV column plus ``position``."""
    rows = list(answers)
    data: dict[str, pd.Series[str] | pd.Series[int]] = {
        column: _text_column([str(getattr(r, column)) for r in rows]) for column in ChallengeAnswer.COLUMNS
    }
    data[POSITION] = pd.Series(range(len(rows)), dtype="int64")
    return pd.DataFrame(data, columns=list(CHALLENGE_FRAME_COLUMNS))


def _latest(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The row with the latest ``recorded_at`` per key, of equal times the later ``position``; in row order."""
    ordered = frame.sort_values(["recorded_at", POSITION], kind="stable")
    kept = ordered.drop_duplicates(subset=key, keep="last")
    return kept.sort_values(POSITION, kind="stable").reset_index(drop=True)


def current_responses(frame: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's current answer per standard (a changed answer replaces the earlier one)."""
    return _latest(frame, ["respondent_id", "standard_id"])


def current_challenges(frame: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's current answer per key challenge."""
    return _latest(frame, ["respondent_id", "challenge_id"])


# --- standards and fields ------------------------------------------------------------------------------


def _assessed(catalog: Catalog, fields: Sequence[str]) -> list[Field]:
    """The assessed fields in catalogue order, so tables always list them the same way."""
    for field_id in fields:
        catalog.field(field_id)  # raises KeyError for an unknown field
    return [f for f in catalog.fields if f.id in set(fields)]


def _exact(value: float) -> Fraction:
    """The threshold as the decimal that was written (0.30 is 3/10, not the nearest binary float)."""
    return Fraction(str(value))


def _ratio(numerator: pd.Series[int], denominator: pd.Series[int]) -> pd.Series[float]:
    """numerator / denominator, NaN where the denominator is 0 (a share of nothing is unknown, not 0)."""
    return (numerator.astype("float64") / denominator.astype("float64")).where(denominator > 0)


def standard_summary(current: pd.DataFrame, catalog: Catalog, fields: Sequence[str]) -> pd.DataFrame:
    """One row per standard of the assessed fields, in catalogue order, including unanswered ones.

    Columns: field_id, group_id, standard_id, n_answers, n_rated, n_rating_0 … n_rating_3, n_dont_know,
    n_not_applicable, n_high_priority, mean, median, sd, score, share_dont_know, share_not_applicable,
    share_high_priority, disputed, information_gap. Shares are of all current answers to the
    standard (NaN without answers); ``current`` must hold current answers (see :func:`current_responses`).
    """
    standards = [s for f in _assessed(catalog, fields) for s in f.standards]
    ids = [s.id for s in standards]
    max_rating = len(catalog.ratings) - 1
    answers = current[current["standard_id"].isin(ids)].reset_index(drop=True)
    rated = answers["response"] == RATED
    rating = answers["rating"].where(rated)
    whole = rating.fillna(0.0).astype("int64")
    indicators = pd.DataFrame(
        {
            "standard_id": answers["standard_id"],
            "n_answers": pd.Series(1, index=answers.index, dtype="int64"),
            "n_rated": rated.astype("int64"),
            **{f"n_rating_{k}": (rated & (rating == k)).astype("int64") for k in range(max_rating + 1)},
            "n_dont_know": (answers["response"] == DONT_KNOW).astype("int64"),
            "n_not_applicable": (answers["response"] == NOT_APPLICABLE).astype("int64"),
            "n_high_priority": (answers["priority"] == HIGH_PRIORITY).astype("int64"),
            "_sum": whole,
            "_sum_squares": whole * whole,
        }
    )
    counts = indicators.groupby("standard_id").sum().reindex(ids, fill_value=0).astype("int64")
    medians = answers[rated].groupby("standard_id")["rating"].median().reindex(ids).astype("float64")

    n = counts["n_rated"]
    total = counts["_sum"]
    # n·Σx² − (Σx)² = n·(n−1)·variance, an exact integer for integer ratings
    spread = n * counts["_sum_squares"] - total * total
    mean = _ratio(total, n)
    variance = (spread.astype("float64") / (n * (n - 1)).astype("float64")).where(n >= 2)
    min_sd = _exact(DISPUTED_MIN_SD) ** 2
    gap = _exact(INFORMATION_GAP_SHARE)

    summary = pd.DataFrame(
        {
            "field_id": _text_column([s.field_id for s in standards]),
            "group_id": _text_column([s.group_id for s in standards]),
            "standard_id": _text_column(ids),
        }
    )
    for column in counts.columns:
        if not column.startswith("_"):
            summary[column] = counts[column].to_numpy()
    summary["mean"] = mean.to_numpy()
    summary["median"] = medians.to_numpy()
    summary["sd"] = np.sqrt(variance.to_numpy())
    summary["score"] = (mean / max_rating * 100).to_numpy()
    summary["share_dont_know"] = _ratio(counts["n_dont_know"], counts["n_answers"]).to_numpy()
    summary["share_not_applicable"] = _ratio(counts["n_not_applicable"], counts["n_answers"]).to_numpy()
    summary["share_high_priority"] = _ratio(counts["n_high_priority"], counts["n_answers"]).to_numpy()
    disputed = (n >= DISPUTED_MIN_RATINGS) & (min_sd.denominator * spread >= min_sd.numerator * n * (n - 1))
    summary["disputed"] = disputed.to_numpy(dtype=bool)
    information_gap = (counts["n_answers"] > 0) & (
        gap.denominator * counts["n_dont_know"] >= gap.numerator * counts["n_answers"]
    )
    summary["information_gap"] = information_gap.to_numpy(dtype=bool)
    return summary


def field_index(summary: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per field of the summary: field_id, n_respondents, n_raters, n_standards, n_standards_rated, index (0–100).

    ``index`` is the plain mean of the ``score`` of the standards with at least one rating, NaN if
    none has one. ``n_respondents`` counts distinct respondents in ``current`` with any answer
    (rated, "don't know" or "not applicable") to a standard of the field; ``n_raters`` those of them
    with at least one rating (0–3) there, the people whose ratings make up the index.
    """
    field_ids = list(dict.fromkeys(summary["field_id"].tolist()))
    field_of = pd.Series(summary["field_id"].to_numpy(), index=summary["standard_id"].to_numpy())
    answers = current[current["standard_id"].isin(field_of.index)]
    answers = answers.assign(field_id=answers["standard_id"].map(field_of))
    respondents = answers.groupby("field_id")["respondent_id"].nunique().reindex(field_ids, fill_value=0)
    raters = (
        answers[answers["response"] == RATED]
        .groupby("field_id")["respondent_id"]
        .nunique()
        .reindex(field_ids, fill_value=0)
    )
    by_field = summary.assign(_rated=(summary["n_rated"] > 0).astype("int64")).groupby("field_id", sort=False)
    result = pd.DataFrame({"field_id": _text_column(field_ids)})
    result["n_respondents"] = respondents.astype("int64").to_numpy()
    result["n_raters"] = raters.astype("int64").to_numpy()
    result["n_standards"] = by_field["standard_id"].size().reindex(field_ids).astype("int64").to_numpy()
    result["n_standards_rated"] = by_field["_rated"].sum().reindex(field_ids).astype("int64").to_numpy()
    result["index"] = by_field["score"].mean().reindex(field_ids).astype("float64").to_numpy()
    return result


# --- stakeholder groups --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GroupBreakdown:
    """Field indices per stakeholder group, with small groups merged or suppressed for anonymity.

    ``table`` has the columns stakeholder_group, group_size (respondents in the whole session),
    field_id, n_respondents, n_standards, n_standards_rated, index. ``merged_groups`` are the groups
    behind the ``other_groups`` rows; ``suppressed_groups`` / ``suppressed_respondents`` count what is
    not shown at all because even merged it stayed below ``min_group_size``.
    """

    table: pd.DataFrame
    min_group_size: int
    merged_groups: tuple[str, ...]
    suppressed_groups: int
    suppressed_respondents: int


def respondent_groups(current: pd.DataFrame) -> pd.Series[str]:
    """respondent_id → the stakeholder group of their most recent current answer (one person, one group)."""
    last = current.sort_values(["recorded_at", POSITION], kind="stable").drop_duplicates("respondent_id", keep="last")
    return pd.Series(last["stakeholder_group"].to_numpy(), index=last["respondent_id"].to_numpy(), dtype="str")


def by_stakeholder_group(
    current: pd.DataFrame,
    catalog: Catalog,
    fields: Sequence[str],
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> GroupBreakdown:
    """The field index computed from each stakeholder group's answers alone.

    A group is shown on its own only if it has at least ``min_group_size`` respondents in the whole
    session (``current`` = all current answers), so no one's answers can be read off a tiny group;
    a shown group's index for one field is also hidden (``suppressed``, index NaN) when fewer than
    ``min_group_size`` of its respondents gave a rating (0–3) in that field (``n_raters``): people who
    only answered "don't know" or "not applicable" add nothing to the index, so they do not count
    towards hiding whose ratings it is.
    The smaller groups are merged into ``other_groups``; if that merged set is still below the
    threshold it is left out entirely.
    """
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, not {min_group_size}")
    group_of = respondent_groups(current)
    sizes = group_of.value_counts()
    known = catalog.ids("stakeholder_groups")
    order = [g for g in known if g in sizes.index] + sorted(g for g in sizes.index if g not in known)
    shown = [g for g in order if sizes[g] >= min_group_size]
    small = [g for g in order if sizes[g] < min_group_size]
    small_size = int(sum(int(sizes[g]) for g in small))
    relabelled = current.assign(stakeholder_group=current["respondent_id"].map(group_of))

    parts: list[tuple[str, int, pd.DataFrame]] = [
        (g, int(sizes[g]), relabelled[relabelled["stakeholder_group"] == g]) for g in shown
    ]
    merged: tuple[str, ...] = ()
    suppressed_groups = suppressed_respondents = 0
    if small and small_size >= min_group_size:
        merged = tuple(small)
        parts.append((OTHER_GROUPS, small_size, relabelled[relabelled["stakeholder_group"].isin(small)]))
    else:
        suppressed_groups, suppressed_respondents = len(small), small_size

    tables = []
    for label, size, answers in parts:
        index = field_index(standard_summary(answers, catalog, fields), answers)
        index.insert(0, "group_size", size)
        index.insert(0, "stakeholder_group", label)
        tables.append(index)
    if tables:
        table = pd.concat(tables, ignore_index=True)
        table["stakeholder_group"] = table["stakeholder_group"].astype("str")
        # a group big enough overall may still have fewer raters in one field: hide that cell's index too
        table["suppressed"] = table["n_raters"] < min_group_size
        table["index"] = table["index"].mask(table["suppressed"])
    else:
        dtypes = {"stakeholder_group": "str", "field_id": "str", "index": "float64", "suppressed": "bool"}
        table = pd.DataFrame({column: pd.Series(dtype=dtypes.get(column, "int64")) for column in GROUP_COLUMNS})
    return GroupBreakdown(table, min_group_size, merged, suppressed_groups, suppressed_respondents)


# --- priorities, challenges, comparison, actions -------------------------------------------------------


def top_priorities(summary: pd.DataFrame, n: int = DEFAULT_TOP_N) -> pd.DataFrame:
    """The ``n`` standards most often marked high priority; of equal shares the lower mean first.

    Standards nobody marked high are left out. Remaining ties (equal share and mean, or no mean)
    keep catalogue order; a standard without ratings comes after rated ones of the same share.
    """
    marked = summary[summary["share_high_priority"] > 0].assign(_order=lambda f: range(len(f)))
    ordered = marked.sort_values(
        ["share_high_priority", "mean", "_order"], ascending=[False, True, True], na_position="last"
    )
    return ordered.drop(columns="_order").head(n).reset_index(drop=True)


def challenge_summary(current: pd.DataFrame, catalog: Catalog, fields: Sequence[str]) -> pd.DataFrame:
    """Per key challenge of the assessed fields: field_id, challenge_id, n_answers, n_yes, n_no, n_unsure, share_yes.

    ``share_yes`` = yes / all current answers ("unsure" included), NaN without answers;
    ``current`` must hold current challenge answers (see :func:`current_challenges`).
    """
    challenges = [c for f in _assessed(catalog, fields) for c in f.challenges]
    ids = [c.id for c in challenges]
    options = catalog.ids("challenge_answers")
    answers = current[current["challenge_id"].isin(ids)].reset_index(drop=True)
    indicators = pd.DataFrame(
        {
            "challenge_id": answers["challenge_id"],
            "n_answers": pd.Series(1, index=answers.index, dtype="int64"),
            **{f"n_{option}": (answers["applies"] == option).astype("int64") for option in options},
        }
    )
    counts = indicators.groupby("challenge_id").sum().reindex(ids, fill_value=0).astype("int64")
    result = pd.DataFrame(
        {"field_id": _text_column([c.field_id for c in challenges]), "challenge_id": _text_column(ids)}
    )
    for column in counts.columns:
        result[column] = counts[column].to_numpy()
    result["share_yes"] = _ratio(counts["n_yes"], counts["n_answers"]).to_numpy()
    return result


@dataclass(frozen=True, eq=False)
class Comparison:
    """Change since a previous session (current minus previous; NaN where either side is missing).

    ``fields``: field_id, index_previous, index_current, change.
    ``standards``: field_id, group_id, standard_id, mean_previous, mean_current, change.
    """

    fields: pd.DataFrame
    standards: pd.DataFrame


def _index_by_field(summary: pd.DataFrame) -> pd.DataFrame:
    fields = list(dict.fromkeys(summary["field_id"].tolist()))
    index = summary.groupby("field_id", sort=False)["score"].mean().reindex(fields).astype("float64")
    return pd.DataFrame({"field_id": _text_column(fields), "index": index.to_numpy()})


def compare(current_summary: pd.DataFrame, previous_summary: pd.DataFrame) -> Comparison:
    """Field indices and standard means of two sessions side by side (both from :func:`standard_summary`).

    Rows: everything in the current session, then what only the previous one assessed.
    """
    fields = _index_by_field(current_summary).merge(
        _index_by_field(previous_summary), on="field_id", how="outer", suffixes=("_current", "_previous"), sort=False
    )
    fields = _current_first(fields, current_summary["field_id"].tolist(), "field_id")
    fields["change"] = fields["index_current"] - fields["index_previous"]

    keys = ["field_id", "group_id", "standard_id"]
    standards = current_summary[[*keys, "mean"]].merge(
        previous_summary[[*keys, "mean"]], on=keys, how="outer", suffixes=("_current", "_previous"), sort=False
    )
    standards = _current_first(standards, current_summary["standard_id"].tolist(), "standard_id")
    standards["change"] = standards["mean_current"] - standards["mean_previous"]
    return Comparison(
        fields[list(COMPARE_FIELD_COLUMNS)].reset_index(drop=True),
        standards[list(COMPARE_STANDARD_COLUMNS)].reset_index(drop=True),
    )


def _current_first(frame: pd.DataFrame, current_order: list[str], key: str) -> pd.DataFrame:
    """Rows in the order of the current session, the previous session's extra rows after them."""
    rank = {value: i for i, value in enumerate(dict.fromkeys(current_order))}
    position = frame[key].map(lambda value: rank.get(value, len(rank)))
    return (
        frame.assign(_rank=position, _row=range(len(frame)))
        .sort_values(["_rank", "_row"])
        .drop(columns=["_rank", "_row"])
    )


def _action_order(action_id: str) -> tuple[int, int, str]:
    """A1, A2 … A10 by number (as the kit numbers them); any other id after them, alphabetically."""
    match = re.fullmatch(r"A(\d+)", action_id)
    return (0, int(match.group(1)), action_id) if match else (1, 0, action_id)


def action_plan(actions: Iterable[Action]) -> pd.DataFrame:
    """The plan as it stands: the current version of each action, removed ones left out, A1, A2 … A10.

    Columns as in ``actions.csv``; ``standard_ids`` is the space-separated list of the CSV.
    """
    rows = list(actions)
    data: dict[str, pd.Series[str] | pd.Series[int]] = {
        column: _text_column(
            [" ".join(a.standard_ids) if column == "standard_ids" else str(getattr(a, column)) for a in rows]
        )
        for column in Action.COLUMNS
    }
    data[POSITION] = pd.Series(range(len(rows)), dtype="int64")
    current = _latest(pd.DataFrame(data, columns=[*Action.COLUMNS, POSITION]), ["action_id"])
    plan = current[current["status"] != REMOVED]
    order = sorted(range(len(plan)), key=lambda i: _action_order(str(plan["action_id"].iloc[i])))
    return plan.iloc[order][list(Action.COLUMNS)].reset_index(drop=True)


# --- everything at once --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Analysis:
    """All tables of one session, as the notebooks and handouts show them."""

    session: Session
    responses: pd.DataFrame
    """Current answers (one row per respondent and standard)."""
    summary: pd.DataFrame
    fields: pd.DataFrame
    groups: GroupBreakdown
    priorities: pd.DataFrame
    challenges: pd.DataFrame
    actions: pd.DataFrame
    comparison: Comparison | None
    previous: Session | None = None


def analyse(
    session: Session,
    previous: Session | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    *,
    catalog: Catalog | None = None,
    top_n: int = DEFAULT_TOP_N,
) -> Analysis:
    """Read a session (and optionally the previous one to compare with) and compute every table."""
    catalog = catalog or load_catalog()
    store = SessionStore.open(session, catalog)
    current = current_responses(responses_frame(store.responses()))
    summary = standard_summary(current, catalog, session.fields)
    comparison = None
    if previous is not None:
        before = current_responses(responses_frame(SessionStore.open(previous, catalog).responses()))
        comparison = compare(summary, standard_summary(before, catalog, previous.fields))
    return Analysis(
        session=session,
        responses=current,
        summary=summary,
        fields=field_index(summary, current),
        groups=by_stakeholder_group(current, catalog, session.fields, min_group_size),
        priorities=top_priorities(summary, top_n),
        challenges=challenge_summary(
            current_challenges(challenges_frame(store.challenge_answers())), catalog, session.fields
        ),
        actions=action_plan(store.actions()),
        comparison=comparison,
        previous=previous,
    )
