"""Charts: valid, non-blank PNGs with alt texts that state the numbers, in the session's language.

Expected numbers are read from the analysis tables and rounded here by hand (half up), so a chart
that showed another number than analysis.py computed would fail. Warnings are errors (pyproject), so
a "Glyph missing" or "More than 20 figures" warning fails every test that draws.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import _pylab_helpers
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.transforms import Bbox

from wholecomm_kit import charts
from wholecomm_kit.analysis import OTHER_GROUPS, Analysis, GroupBreakdown, analyse
from wholecomm_kit.catalog import load_catalog
from wholecomm_kit.charts import (
    HANDOUT,
    PROJECTOR,
    Chart,
    all_charts,
    answer_distribution,
    change_since_last,
    contrast_ratio,
    field_index_overview,
    priority_vs_rating,
    stakeholder_groups,
    style_for,
    text_colour_on,
)
from wholecomm_kit.demo import MUNICIPALITY, create_demo
from wholecomm_kit.session import Session, create_session
from wholecomm_kit.store import SessionStore

CATALOG = load_catalog()
LANGUAGES = ("de", "en")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_DATA = {"de": "noch keine daten", "en": "no data yet"}  # compared with the lower-cased alt text
MAIN = ("field_index", "answers/governance", "priorities/governance", "stakeholder_groups", "change")


# --- helpers -------------------------------------------------------------------------------------------


def half_up(value: float) -> int:
    return math.floor(value + 0.5)


def number(value: float, language: str, decimals: int = 0) -> str:
    """As a person writes it: rounded half up, decimal comma in German."""
    scaled = math.floor(abs(value) * 10**decimals + 0.5)
    text = str(scaled) if decimals == 0 else f"{scaled // 10**decimals}.{scaled % 10**decimals:0{decimals}d}"
    text = ("-" if value < 0 and scaled else "") + text
    return text.replace(".", ",") if language == "de" else text


def title(field_id: str, language: str) -> str:
    return CATALOG.field(field_id).title.get(language)


def pixels(chart: Chart) -> np.ndarray:
    image: np.ndarray = imread(io.BytesIO(chart.png))
    return image


def assert_valid_png(chart: Chart) -> None:
    assert chart.png.startswith(PNG_SIGNATURE)
    image = pixels(chart)
    assert image.ndim == 3
    assert image.shape[:2] == (chart.height, chart.width)
    assert bool(np.any(image != image[0, 0])), "the image is blank (a single colour)"
    assert chart.alt.strip()
    assert chart.title.strip()


def make_session(directory: Path, fields: str, language: str = "de", municipality: str = "Teststadt") -> Session:
    return create_session(
        municipality=municipality,
        country="DE",
        size="rural",
        date="2025-03-14",
        fields=fields,
        language=language,
        directory=directory,
    )


Answer = tuple[str, str, str, int | str, str]
"""respondent, stakeholder group, standard, rating or "dont_know" / "not_applicable", priority."""


def record(session: Session, answers: Sequence[Answer]) -> None:
    store = SessionStore.open(session, CATALOG)
    for respondent, group, standard, value, priority in answers:
        rated = isinstance(value, int)
        store.record_response(
            respondent_id=respondent,
            stakeholder_group=group,
            standard_id=standard,
            response="rated" if rated else str(value),
            rating=value if isinstance(value, int) else None,
            priority=priority,
        )


def five(analysis: Analysis, language: str, *, projector: bool = False) -> dict[str, Chart]:
    """The five kinds of chart of a session (for governance, or its first field), keyed as in ``all_charts``."""
    field = "governance" if "governance" in analysis.session.fields else analysis.session.fields[0]
    summary = analysis.summary
    return {
        "field_index": field_index_overview(analysis.fields, CATALOG, language, projector=projector),
        f"answers/{field}": answer_distribution(summary, field, CATALOG, language, projector=projector),
        f"priorities/{field}": priority_vs_rating(summary, field, CATALOG, language, projector=projector),
        "stakeholder_groups": stakeholder_groups(analysis.groups, CATALOG, language, projector=projector),
        "change": change_since_last(analysis.comparison, CATALOG, language, projector=projector),
    }


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """The demo workshop, compared with a small earlier session of the same municipality."""
    folder = tmp_path_factory.mktemp("charts")
    session = create_demo(folder / "now", CATALOG)
    previous = make_session(folder / "before", "governance,housing,health", municipality=MUNICIPALITY)
    record(
        previous,
        [
            (person, "administration", standard, (i + j) % 4, "")
            for i, person in enumerate(("P1", "P2", "P3"))
            for j, standard in enumerate(("GOV-1-1", "GOV-1-2", "HOU-1-1", "HOU-1-2"))
        ],
    )
    return analyse(session, previous, catalog=CATALOG)


@pytest.fixture(scope="module")
def rendered(demo: Analysis) -> dict[str, dict[str, Chart]]:
    """Every chart of the demo in German (its language), the five kinds in English (drawn once per module)."""
    return {"de": all_charts(demo, catalog=CATALOG), "en": five(demo, "en")}


@pytest.fixture
def no_figures_left() -> Iterator[None]:
    before = _pylab_helpers.Gcf.get_num_fig_managers()
    yield
    assert _pylab_helpers.Gcf.get_num_fig_managers() == before


# --- the demo workshop ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_is_a_png_that_is_not_blank(
    rendered: dict[str, dict[str, Chart]], demo: Analysis, language: str
) -> None:
    charts_ = rendered[language]
    if language == "de":
        assert set(charts_) == {"field_index", "stakeholder_groups", "change"} | {
            f"{kind}/{field}" for kind in ("answers", "priorities") for field in demo.session.fields
        }
    else:
        assert set(charts_) == set(MAIN)
    for key, chart in charts_.items():
        assert_valid_png(chart)
        assert not chart.empty, key
        assert NO_DATA[language] not in chart.alt, key
        assert chart.width <= 800, f"{key}: the handout chart should fit an A4 page width"


@pytest.mark.parametrize("language", LANGUAGES)
def test_field_index_alt_states_every_field_with_its_index(
    rendered: dict[str, dict[str, Chart]], demo: Analysis, language: str
) -> None:
    alt = rendered[language]["field_index"].alt
    of = {"de": "von", "en": "of"}[language]
    for row in demo.fields.to_dict("records"):
        assert f"{title(str(row['field_id']), language)} {half_up(float(row['index']))} {of} 100" in alt
    assert alt.startswith({"de": "Index je Handlungsfeld", "en": "Index per field of action"}[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_answer_distribution_lists_standards_in_order_and_marks_the_disputed(
    rendered: dict[str, dict[str, Chart]], demo: Analysis, language: str
) -> None:
    alt = rendered[language]["answers/governance"].alt
    rows = demo.summary[demo.summary["field_id"] == "governance"].to_dict("records")
    positions = [alt.index(f"({row['standard_id']})") for row in rows]
    assert positions == sorted(positions), "standards must be in catalogue order"
    disputed_word = {"de": "umstritten", "en": "disputed"}[language]
    answers_word = {"de": "Antworten", "en": "answers"}[language]
    disputed = [row for row in rows if row["disputed"]]
    assert disputed, "the demo has disputed governance standards"
    for row in rows:
        short = CATALOG.standard(str(row["standard_id"])).short.get(language)
        mark = f" – {disputed_word}" if row["disputed"] else ""
        assert f"{short} ({row['standard_id']}){mark}: {row['n_answers']} {answers_word}" in alt
        if row["n_rating_0"]:
            rating_0 = CATALOG.label("ratings", 0, language)
            start = alt.index(f"({row['standard_id']})")
            assert f"{rating_0} {row['n_rating_0']}" in alt[start : start + 400]
    assert ", ".join(str(row["standard_id"]) for row in disputed) in alt


@pytest.mark.parametrize("language", LANGUAGES)
def test_priority_alt_states_mean_and_share_of_every_rated_standard(
    rendered: dict[str, dict[str, Chart]], demo: Analysis, language: str
) -> None:
    alt = rendered[language]["priorities/governance"].alt
    percent = {"de": "\u00a0%", "en": "%"}[language]
    for row in demo.summary[demo.summary["field_id"] == "governance"].to_dict("records"):
        share = f"{half_up(float(row['share_high_priority']) * 100)}{percent}"
        start = alt.index(f"{row['standard_id']} ")
        item = alt[start : alt.find(";", start) if ";" in alt[start:] else len(alt)]
        assert number(float(row["mean"]), language, 1) in item
        assert item.endswith(share) or item.endswith(share + "."), item


# --- the priority chart: its y axis and its point labels -----------------------------------------------


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """The figures of the charts drawn in the test, as they were when they became PNGs."""
    drawn: list[Figure] = []
    render = charts._render

    def keep(figure: Figure, title: str, alt: str, *, empty: bool = False) -> Chart:
        drawn.append(figure)
        return render(figure, title, alt, empty=empty)

    monkeypatch.setattr(charts, "_render", keep)
    return drawn


def priority_axes(figures: list[Figure]) -> Axes:
    assert figures, "no chart drawn"
    return figures[-1].axes[0]


def test_priority_axis_ends_a_little_above_the_highest_share(demo: Analysis, figures: list[Figure]) -> None:
    for field in demo.session.fields:
        for language in LANGUAGES:
            priority_vs_rating(demo.summary, field, CATALOG, language)
            ax = priority_axes(figures)
            rows = demo.summary[(demo.summary["field_id"] == field) & (demo.summary["n_rated"] > 0)]
            highest = float(rows["share_high_priority"].max()) * 100
            ticks = [float(tick) for tick in ax.get_yticks()]
            bottom, top = ax.get_ylim()
            assert highest < 50, "the demo's shares stay below half"
            assert ticks[0] == 0
            assert ticks[-1] in (50, 60), f"{field}: the axis should end just above {highest:.0f} %, not at 100 %"
            assert highest <= 0.9 * ticks[-1], f"{field}: room for the highest point's label"
            assert ticks[-1] <= top <= 1.1 * ticks[-1]
            assert bottom < 0
            assert len(ticks) <= 7, "readable ticks"
            percent = {"de": " %", "en": "%"}[language]
            assert [label.get_text() for label in ax.get_yticklabels()] == [f"{tick:.0f}{percent}" for tick in ticks]


def test_priority_axis_never_ends_above_100_percent(tmp_path: Path, figures: list[Figure]) -> None:
    for highest in range(101):
        top = charts._priority_top(highest)
        assert highest <= top <= 100
        assert highest <= 0.9 * top or top == 100
    session = make_session(tmp_path, "health", "en")
    record(session, [(f"R{i}", "administration", "HEA-1-2", 2, "high") for i in range(3)])
    analysis = analyse(session, catalog=CATALOG)
    chart = priority_vs_rating(analysis.summary, "health", CATALOG, "en")
    assert "high priority 100%" in chart.alt
    ax = priority_axes(figures)
    assert [float(tick) for tick in ax.get_yticks()][-1] == 100
    assert 100 < ax.get_ylim()[1] <= 110


def box_distance(box: Bbox, point: np.ndarray) -> float:
    dx = max(box.x0 - point[0], 0.0, point[0] - box.x1)
    dy = max(box.y0 - point[1], 0.0, point[1] - box.y1)
    return math.hypot(dx, dy)


def segment_distance(start: np.ndarray, end: np.ndarray, point: np.ndarray) -> float:
    along = end - start
    share = float(np.clip(np.dot(point - start, along) / max(float(np.dot(along, along)), 1e-9), 0, 1))
    return float(np.hypot(*(start + share * along - point)))


def segments_cross(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    def side(origin: np.ndarray, end: np.ndarray, point: np.ndarray) -> float:
        return float((end[0] - origin[0]) * (point[1] - origin[1]) - (end[1] - origin[1]) * (point[0] - origin[0]))

    return side(*a, b[0]) * side(*a, b[1]) < 0 and side(*b, a[0]) * side(*b, a[1]) < 0


def label_problems(figure: Figure, summary: pd.DataFrame, field: str, *, strict: bool) -> list[str]:
    """What is wrong with the point labels of a priority chart: overlaps (and, if ``strict``, ambiguity)."""
    ax = figure.axes[0]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    rows = summary[(summary["field_id"] == field) & (summary["n_rated"] > 0)]
    ids = [str(standard) for standard in rows["standard_id"]]
    centres = ax.transData.transform(np.column_stack([rows["mean"], rows["share_high_priority"] * 100]))
    sizes = {
        size
        for collection in ax.collections
        if isinstance(collection, PathCollection)
        for size in collection.get_sizes()
    }
    assert len(sizes) == 1
    radius = math.sqrt(sizes.pop()) / 2 * figure.dpi / 72  # the markers' size is their area in pt²
    texts = {text.get_text().split()[0]: text for text in ax.texts if text.get_text().split()[0] in ids}
    assert sorted(texts) == sorted(ids), "one label per rated standard"
    boxes = {standard: text.get_window_extent(renderer) for standard, text in texts.items()}
    leaders = [ax.transData.transform(line.get_xydata())[[0, -1]] for line in ax.lines]
    frame = ax.get_window_extent(renderer)
    small = charts.style_for(projector=figure.get_figwidth() > 10).small * figure.dpi / 72
    problems = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        if box_a.overlaps(box_b):
            problems.append(f"labels {a} and {b} overlap")
    for standard, box in boxes.items():
        if not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1):
            problems.append(f"label {standard} leaves the axes")
        own = centres[ids.index(standard)]
        # another point is one that is not (almost) hidden under this one
        others = [centre for centre in centres if math.hypot(*(centre - own)) >= radius]
        for centre, other in zip(centres, ids, strict=True):
            if box_distance(box, centre) < radius:
                problems.append(f"label {standard} covers the point of {other}")
        if not strict:
            continue
        to_own = box_distance(box, own) - radius
        to_others = min((box_distance(box, centre) - radius for centre in others), default=math.inf)
        leader = [
            (start, end)
            for start, end in leaders
            if math.hypot(*(start - own)) < 2 * radius and box_distance(box, end) < 3
        ]
        if leader:
            if to_others < radius / 2:
                problems.append(f"label {standard} (with a leader line) sits at another point")
        elif to_own > small:
            problems.append(f"label {standard} is {to_own:.0f} px from its point, without a leader line")
        elif to_others < to_own + radius / 2:
            problems.append(f"label {standard} is about as near to another point as to its own")
    if strict:
        for (start, end), (other_start, other_end) in itertools.combinations(leaders, 2):
            if segments_cross((start, end), (other_start, other_end)):
                problems.append("two leader lines cross")
        for start, end in leaders:
            for centre in centres:
                far = min(math.hypot(*(centre - start)), math.hypot(*(centre - end))) > 2 * radius
                if far and segment_distance(start, end, centre) < radius:
                    problems.append("a leader line runs through another point")
            for standard, box in boxes.items():
                inside = [box.contains(*(start + (end - start) * t)) for t in np.linspace(0.05, 0.85, 30)]
                if any(inside):
                    problems.append(f"a leader line runs through label {standard}")
    return problems


@pytest.mark.parametrize("projector", [False, True], ids=["handout", "projector"])
def test_priority_labels_hide_no_label_and_no_point(demo: Analysis, figures: list[Figure], projector: bool) -> None:
    """On the printed handout every label is also clearly next to its own point (or has a leader line to it);
    the projector's large type leaves the demo's tightest clusters too little room for that."""
    problems = []
    for language in LANGUAGES:
        for field in demo.session.fields:
            priority_vs_rating(demo.summary, field, CATALOG, language, projector=projector)
            found = label_problems(figures[-1], demo.summary, field, strict=not projector)
            problems += [f"{language} {field}: {problem}" for problem in found]
    assert not problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_stakeholder_groups_alt_and_suppression_note(
    rendered: dict[str, dict[str, Chart]], demo: Analysis, language: str
) -> None:
    alt = rendered[language]["stakeholder_groups"].alt
    table = demo.groups.table
    for row in table.to_dict("records"):
        label = CATALOG.label("stakeholder_groups", str(row["stakeholder_group"]), language)
        if math.isnan(float(row["index"])):
            assert f"{label} {'ausgeblendet' if language == 'de' else 'hidden'}" in alt
        else:
            assert f"{label} {half_up(float(row['index']))}" in alt
    assert demo.groups.suppressed_groups == 1  # research: a single person
    note = {
        "de": "Zum Schutz der Anonymität nicht gezeigt: 1 Gruppe mit insgesamt 1 Person",
        "en": "Not shown to protect anonymity: 1 group with 1 person in total",
    }[language]
    assert note in alt


@pytest.mark.parametrize("language", LANGUAGES)
def test_change_since_last_states_previous_current_and_change(
    rendered: dict[str, dict[str, Chart]], demo: Analysis, language: str
) -> None:
    comparison = demo.comparison
    assert comparison is not None
    alt = rendered[language]["change"].alt
    both = comparison.fields.dropna(subset=["index_previous", "index_current"]).to_dict("records")
    assert len(both) == 2  # governance and housing were rated in both sessions
    for row in both:
        previous, current = half_up(float(row["index_previous"])), half_up(float(row["index_current"]))
        change = float(row["change"])
        sign = "+" if change > 0 else "-"
        change_text = sign + number(abs(change), language, 0)  # whole numbers, as the indices
        expected = {
            "de": f"{title(str(row['field_id']), 'de')} vorher {previous}, jetzt {current} (Veränderung {change_text})",
            "en": f"{title(str(row['field_id']), 'en')} {previous} before, {current} now (change {change_text})",
        }[language]
        assert expected in alt
    new = {"de": "vorher nicht bewertet", "en": "not rated before"}[language]
    assert f"{title('employment', language)} " in alt
    assert new in alt


def test_german_and_english_charts_differ(rendered: dict[str, dict[str, Chart]]) -> None:
    for key, english in rendered["en"].items():
        german = rendered["de"][key]
        assert german.png != english.png, key
        assert german.alt != english.alt, key
        assert german.title != english.title, key
    assert "von 100" in rendered["de"]["field_index"].alt
    assert "of 100" not in rendered["de"]["field_index"].alt
    assert "von 100" not in rendered["en"]["field_index"].alt
    assert "Politische Gestaltung" in rendered["de"]["answers/governance"].title
    assert "Politische Gestaltung" not in rendered["en"]["answers/governance"].title


def test_same_input_gives_identical_bytes(rendered: dict[str, dict[str, Chart]], demo: Analysis) -> None:
    again = five(demo, "en")
    for key in MAIN:
        assert again[key].png == rendered["en"][key].png, key
        assert again[key].alt == rendered["en"][key].alt, key


def test_projector_variant_has_large_type_and_a_larger_image(
    rendered: dict[str, dict[str, Chart]], demo: Analysis
) -> None:
    assert PROJECTOR.small >= 18
    assert PROJECTOR.font >= 18
    assert style_for(projector=True).small >= 18
    assert HANDOUT.width * HANDOUT.dpi <= 800  # fits the text width of an A4 page
    for key, chart in five(demo, "de", projector=True).items():
        assert_valid_png(chart)
        handout = rendered["de"][key]
        assert chart.width > handout.width * 1.5, key
        assert chart.height > handout.height, key
        assert chart.alt == handout.alt, "the projector chart describes the same numbers"
    zoomed = field_index_overview(demo.fields, CATALOG, "en", scale=1.5)
    assert zoomed.width > rendered["en"]["field_index"].width
    with pytest.raises(ValueError, match="scale"):
        style_for(scale=0)


def test_charts_drawn_in_parallel_threads_are_identical(demo: Analysis, no_figures_left: None) -> None:
    expected = field_index_overview(demo.fields, CATALOG, "de")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: field_index_overview(demo.fields, CATALOG, "de"), range(4)))
    assert all(result.png == expected.png for result in results)


def test_data_uri_and_html(rendered: dict[str, dict[str, Chart]]) -> None:
    chart = rendered["de"]["field_index"]
    uri = chart.data_uri()
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == chart.png
    html = chart.html()
    assert 'alt="Index je Handlungsfeld' in html
    assert uri in html


# --- small hand-made sessions --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_empty_session_gives_no_data_charts(tmp_path: Path, language: str, no_figures_left: None) -> None:
    analysis = analyse(make_session(tmp_path, "governance,housing", language), catalog=CATALOG)
    drawn = five(analysis, language)
    drawn["all"] = all_charts(analysis, catalog=CATALOG)["field_index"]
    for key, chart in drawn.items():
        assert_valid_png(chart)
        assert chart.empty, key
        assert NO_DATA[language] in chart.alt.lower(), key
        assert chart.height < 300, f"{key}: a no-data chart stays small"
    reason = {"de": "keine frühere Sitzung", "en": "no previous session"}[language]
    assert reason in drawn["change"].alt


def test_one_field_session(tmp_path: Path) -> None:
    session = make_session(tmp_path, "health", "en")
    record(session, [(f"R{i}", "administration", "HEA-1-2", 2, "high") for i in range(3)])
    analysis = analyse(session, catalog=CATALOG)
    overview = field_index_overview(analysis.fields, CATALOG, "en")
    assert_valid_png(overview)
    assert not overview.empty
    assert "Health 67 of 100 (1 of 10 standards rated, 3 people)" in overview.alt
    assert "Governance" not in overview.alt

    not_assessed = answer_distribution(analysis.summary, "governance", CATALOG, "en")
    assert not_assessed.empty
    assert "not assessed in this session" in not_assessed.alt
    assert priority_vs_rating(analysis.summary, "housing", CATALOG, "de").empty

    scatter = priority_vs_rating(analysis.summary, "health", CATALOG, "en")
    assert not scatter.empty
    assert "for 1 standard," in scatter.alt
    assert "HEA-1-2 Unconditional access to care: mean 2.0, high priority 100%" in scatter.alt
    unrated = [s.id for s in CATALOG.field("health").standards if s.id != "HEA-1-2"]
    assert f"Left out because nobody has rated them yet: {', '.join(unrated)}." in scatter.alt

    groups = stakeholder_groups(analysis.groups, CATALOG, "de")
    assert not groups.empty
    assert "Gesundheit: Verwaltung 67" in groups.alt


@pytest.mark.parametrize("language", LANGUAGES)
def test_all_dont_know_session(tmp_path: Path, language: str) -> None:
    session = make_session(tmp_path, "governance", language)
    record(session, [(f"R{i}", "politics", "GOV-1-1", "dont_know", "high") for i in range(3)])
    analysis = analyse(session, catalog=CATALOG)
    reason = {"de": "noch keine Bewertung", "en": "no ratings yet"}[language]
    for chart in (
        field_index_overview(analysis.fields, CATALOG, language),
        priority_vs_rating(analysis.summary, "governance", CATALOG, language),
        stakeholder_groups(analysis.groups, CATALOG, language),
    ):
        assert_valid_png(chart)
        assert chart.empty
        assert NO_DATA[language] in chart.alt.lower()
        assert reason in chart.alt

    # "don't know" is an answer: the distribution shows it
    distribution = answer_distribution(analysis.summary, "governance", CATALOG, language)
    assert_valid_png(distribution)
    assert not distribution.empty
    dont_know = CATALOG.label("responses", "dont_know", language)
    answers = {"de": "Antworten", "en": "answers"}[language]
    assert f"(GOV-1-1): 3 {answers} – {dont_know} 3;" in distribution.alt
    unanswered = {"de": "(GOV-1-2): noch keine Antworten", "en": "(GOV-1-2): no answers yet"}[language]
    assert unanswered in distribution.alt


def test_fields_without_ratings_say_so_instead_of_a_bar(tmp_path: Path) -> None:
    session = make_session(tmp_path, "governance,housing", "de")
    record(
        session,
        [("R1", "administration", "GOV-1-1", 3, ""), ("R1", "administration", "HOU-1-1", "not_applicable", "")],
    )
    analysis = analyse(session, catalog=CATALOG)
    chart = field_index_overview(analysis.fields, CATALOG, "de")
    assert not chart.empty
    assert "Politische Gestaltung (Governance) 100 von 100 (1 von 22 Standards bewertet, 1 Person)" in chart.alt
    assert "Wohnen und Stadtplanung noch keine Bewertungen (1 Person)" in chart.alt


@pytest.mark.parametrize(
    ("language", "label"), [("de", "weitere Gruppen (zusammengefasst)"), ("en", "other groups (merged)")]
)
def test_merged_groups_are_labelled(tmp_path: Path, language: str, label: str) -> None:
    session = make_session(tmp_path, "governance", language)
    people = [("A1", "administration"), ("A2", "administration"), ("P1", "politics"), ("S1", "research")]
    record(session, [(person, group, "GOV-1-1", 2, "") for person, group in people])
    analysis = analyse(session, min_group_size=2, catalog=CATALOG)
    assert OTHER_GROUPS in set(analysis.groups.table["stakeholder_group"])
    chart = stakeholder_groups(analysis.groups, CATALOG, language)
    assert_valid_png(chart)
    assert f"{label} 67" in chart.alt
    for group in ("politics", "research"):  # groups of one person are never named
        assert CATALOG.label("stakeholder_groups", group, language) not in chart.alt
    assert {"de": "2 Gruppen mit je weniger als 2 Personen", "en": "2 groups of fewer than 2 people each"}[
        language
    ] in chart.alt


def test_change_without_previous_or_common_ratings(tmp_path: Path) -> None:
    analysis = analyse(make_session(tmp_path / "a", "governance", "en"), catalog=CATALOG)
    assert change_since_last(None, CATALOG, "en").empty
    previous = make_session(tmp_path / "b", "governance", "en")
    compared = analyse(make_session(tmp_path / "c", "governance", "en"), previous, catalog=CATALOG)
    assert compared.comparison is not None
    chart = change_since_last(compared.comparison, CATALOG, "en")
    assert chart.empty
    assert "neither session has ratings" in chart.alt
    assert analysis.comparison is None


# --- robustness and accessibility ----------------------------------------------------------------------


def test_rounding_is_half_up_and_german_uses_a_decimal_comma() -> None:
    table = pd.DataFrame(
        {
            "field_id": pd.Series(["governance", "housing"], dtype="str"),
            "n_respondents": [4, 2],
            "n_standards": [22, 16],
            "n_standards_rated": [2, 1],
            "index": [62.5, 0.4],
        }
    )
    assert "Governance 63 of 100" in field_index_overview(table, CATALOG, "en").alt
    assert "Housing and urban planning 0 of 100" in field_index_overview(table, CATALOG, "en").alt


def test_text_the_font_lacks_and_dollar_signs_do_not_break_a_chart(no_figures_left: None) -> None:
    table = pd.DataFrame(
        {
            "stakeholder_group": pd.Series(["🚌 $x$ team", "administration"], dtype="str"),
            "group_size": [3, 3],
            "field_id": pd.Series(["governance", "governance"], dtype="str"),
            "n_respondents": [3, 3],
            "n_standards": [22, 22],
            "n_standards_rated": [5, 5],
            "index": [40.0, 50.0],
            "suppressed": [False, False],
        }
    )
    chart = stakeholder_groups(GroupBreakdown(table, 3, (), 0, 0), CATALOG, "en")
    assert_valid_png(chart)
    assert "🚌 $x$ team 40" in chart.alt, "the alt text keeps what the font cannot draw (screen readers can)"


def test_unknown_language_is_refused(demo: Analysis) -> None:
    with pytest.raises(KeyError, match="fr"):
        field_index_overview(demo.fields, CATALOG, "fr")


def test_palette_is_colour_blind_safe_and_text_has_aa_contrast() -> None:
    for colour in (charts.TEXT_COLOUR, charts.MUTED_COLOUR):
        assert contrast_ratio(colour, "#FFFFFF") >= 4.5
    fills = (*charts.RATING_COLOURS, charts.INDEX_COLOUR, *charts.GROUP_COLOURS, charts.OTHER_GROUPS_COLOUR)
    for fill in fills:
        assert contrast_ratio(text_colour_on(fill), fill) >= 4.5, fill
    # the ratings get lighter step by step, so their order survives greyscale printing
    lightness = [charts._luminance(colour) for colour in charts.RATING_COLOURS]
    assert lightness == sorted(lightness)
    assert all(b - a > 0.05 for a, b in itertools.pairwise(lightness))
    # two distinct greys, each with its own hatching
    assert charts.DONT_KNOW_COLOUR != charts.NOT_APPLICABLE_COLOUR
    assert contrast_ratio(charts.DONT_KNOW_COLOUR, charts.NOT_APPLICABLE_COLOUR) > 1.5
    assert charts.DONT_KNOW_HATCH
    assert charts.NOT_APPLICABLE_HATCH
    assert charts.DONT_KNOW_HATCH != charts.NOT_APPLICABLE_HATCH
    assert set(charts.GROUP_COLOURS) <= set(charts.OKABE_ITO.values())
