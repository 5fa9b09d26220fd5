"""Charts drawn ahead in a helper process: taken only when they show the same data, never drawn twice, never lost.

``wholecomm_kit.handout.draw`` is replaced by a counting wrapper where a test needs to know whether this
process drew a chart; the helper's own drawers run in other processes and are not counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from helpers import new_session

from wholecomm_kit import handout as handout_module
from wholecomm_kit.catalog import Catalog
from wholecomm_kit.handout import ChartJob, Handout
from wholecomm_kit.prerender import ChartDir, Helper, chart_key, drawers, fingerprint
from wholecomm_kit.rendered import Chart
from wholecomm_kit.session import SESSION_FILE, Session
from wholecomm_kit.store import SessionStore

REAL_DRAW = handout_module.draw
PEOPLE = [
    ("R-A", "administration"),
    ("R-B", "politics"),
    ("R-C", "politics"),
    ("R-D", "administration"),
    ("R-E", "administration"),
    ("R-F", "politics"),
]


# --- helpers -------------------------------------------------------------------------------------------


def answer(session: Session, standards: list[str], shift: int = 0, people: int = 3) -> None:
    """Ratings 0–3 and some high priorities, so every chart of a field has something to show."""
    store = SessionStore.open(session)
    for i, (who, group) in enumerate(PEOPLE[:people]):
        for standard in standards:
            store.record_response(
                respondent_id=who,
                stakeholder_group=group,
                standard_id=standard,
                response="rated",
                rating=(i + shift) % 4,
                priority="high" if i % 2 else "",
            )


def answered_session(directory: Path) -> Session:
    """A small session: one field, three people, four charts."""
    session = new_session(directory, fields="health", language="de")
    answer(session, ["HEA-1-1", "HEA-2-1"])
    return session


def job(handout: Handout, name: str) -> ChartJob:
    """One chart of the handout, exactly as the notebook and the helper ask for it."""
    return next(j for j in handout.chart_jobs() if j[0] == name)


def everything(handout: Handout) -> str:
    """The sections that show charts."""
    return handout.overview().html + handout.fields().html


def stored_keys(folder: Path) -> set[str]:
    """Keys of the complete charts in a folder (a chart is complete once its description is written)."""
    return {p.stem for p in folder.glob("*.json")}


def finished_pid() -> int:
    """The process id of a process that has ended and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def helper_processes(marker: Path) -> list[int]:
    """Running processes whose command line names ``marker`` (the helper and its forked drawers; not zombies)."""
    wanted = str(marker).encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:  # ended while we looked
            continue
        if wanted in arguments:
            found.append(int(cmdline.parent.name))
    return found


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Whether ``condition`` became true in time (other processes take their time)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@dataclass
class Draws:
    """The drawing functions this process called, in order."""

    calls: list[str]
    before: Callable[[str], None] | None = None
    """Run before each drawing (in the drawing thread), e.g. to make it slow."""


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> Draws:
    """Counts the charts this process draws (handout and chart folder both draw through ``handout.draw``)."""
    counted = Draws(calls=[])
    lock = threading.Lock()

    def counting(function: str, *args: object) -> Chart:
        with lock:
            counted.calls.append(function)
        if counted.before is not None:
            counted.before(function)
        return REAL_DRAW(function, *args)

    monkeypatch.setattr(handout_module, "draw", counting)
    return counted


@pytest.fixture
def small(tmp_path: Path) -> Handout:
    """The small session's handout, drawn without a chart folder: what every folder must reproduce."""
    return Handout.load(answered_session(tmp_path / "w").path, "de")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty chart folder, as report creates one for each run."""
    path = tmp_path / "charts"
    path.mkdir()
    return path


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The process id of a process that runs for the whole test."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


# --- keys ----------------------------------------------------------------------------------------------


def test_the_same_data_gives_the_same_keys_in_every_load(tmp_path: Path) -> None:
    """The helper and the notebook load the session separately; their keys must meet."""
    session = answered_session(tmp_path / "w")
    first = Handout.load(session.path, "de").chart_jobs()
    second = Handout.load(session.path, "de").chart_jobs()
    assert [name for name, _, _ in first] == [name for name, _, _ in second]
    keys = [chart_key(name, args) for name, _, args in first]
    assert keys == [chart_key(name, args) for name, _, args in second]
    assert len(set(keys)) == len(keys)  # every chart of the handout has its own key
    assert all(len(k) == 32 and set(k) <= set("0123456789abcdef") for k in keys)  # usable as file names


def test_a_changed_cell_changes_the_key(small: Handout) -> None:
    """One different number in a table draws a different chart, so it must not take the stored one."""
    name, _, (summary, field_id, catalog, language) = job(small, "answers/health")
    assert isinstance(summary, pd.DataFrame)
    changed = summary.copy()
    changed.loc[changed.index[0], "n_answers"] = int(changed["n_answers"].iloc[0]) + 1
    assert chart_key(name, (summary.copy(), field_id, catalog, language)) == chart_key(
        name, (summary, field_id, catalog, language)
    )
    assert chart_key(name, (changed, field_id, catalog, language)) != chart_key(
        name, (summary, field_id, catalog, language)
    )


def test_a_changed_language_or_field_or_chart_name_changes_the_key(small: Handout) -> None:
    """The same table drawn in another language, for another field, or as another chart is another picture."""
    name, _, (summary, field_id, catalog, language) = job(small, "answers/health")
    key = chart_key(name, (summary, field_id, catalog, language))
    assert language == "de"
    assert chart_key(name, (summary, field_id, catalog, "en")) != key
    assert chart_key(name, (summary, "housing", catalog, language)) != key
    assert chart_key("priorities/health", (summary, field_id, catalog, language)) != key


def test_values_of_different_types_or_order_have_different_fingerprints(catalog: Catalog) -> None:
    """1, 1.0, "1" and True draw differently (or not at all), and so does a reordered table."""
    values: list[object] = [1, 1.0, "1", True, None, "", (1,), [1, 2], [2, 1]]
    prints = [fingerprint(v) for v in values]
    assert len(set(prints)) == len(prints)
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(frame.iloc[::-1])
    assert fingerprint(frame) != fingerprint(frame.rename(columns={"b": "c"}))
    assert fingerprint(frame["a"]) != fingerprint(frame["b"])
    assert fingerprint(catalog) == fingerprint(catalog)


def test_the_records_of_an_analysis_are_fingerprinted_by_their_contents(tmp_path: Path) -> None:
    """The group chart takes a whole record: equal records from two loads must match, a changed one must not."""
    session = answered_session(tmp_path / "w")
    groups = Handout.load(session.path, "de").analysis.groups
    assert fingerprint(groups) == fingerprint(Handout.load(session.path, "de").analysis.groups)
    assert fingerprint(groups) != fingerprint(Handout.load(session.path, "de", min_group_size=1).analysis.groups)


def test_a_value_that_cannot_be_fingerprinted_is_refused() -> None:
    """Guessing would risk taking a stale chart; an unknown argument type must be a loud error."""
    with pytest.raises(TypeError, match="dict"):
        fingerprint({"a": 1})
    with pytest.raises(TypeError):
        chart_key("answers/health", (object(),))


# --- the chart folder ----------------------------------------------------------------------------------


def test_a_chart_is_drawn_once_and_then_taken_from_the_folder(small: Handout, folder: Path, draws: Draws) -> None:
    """The second process (or section) asking for a chart gets the stored one, equal to what was drawn."""
    name, function, args = job(small, "answers/health")
    first = ChartDir(folder).chart(name, function, *args)
    assert draws.calls == [function]
    assert first == REAL_DRAW(function, *args)
    key = chart_key(name, args)
    assert (folder / f"{key}.png").read_bytes() == first.png
    assert stored_keys(folder) == {key}
    assert not list(folder.glob("*.part"))  # nothing half-written is left behind
    again = ChartDir(folder, timeout=5).chart(name, function, *args)  # as another process would open the folder
    assert again == first
    assert draws.calls == [function]


def test_draw_unclaimed_stores_a_chart_the_notebook_then_takes(small: Handout, folder: Path, draws: Draws) -> None:
    """What the helper draws is what the notebook shows, without drawing it again."""
    name, function, args = job(small, "field_index")
    ChartDir(folder).draw_unclaimed(name, function, *args)
    ChartDir(folder).draw_unclaimed(name, function, *args)  # already there: not drawn twice
    assert draws.calls == [function]
    assert ChartDir(folder, timeout=5).chart(name, function, *args) == REAL_DRAW(function, *args)
    assert draws.calls == [function]


def test_a_chart_claimed_by_a_process_that_has_ended_is_drawn_here(small: Handout, folder: Path, draws: Draws) -> None:
    """A helper that crashed mid-chart must not make the notebook wait for the whole timeout."""
    name, function, args = job(small, "field_index")
    (folder / f"{chart_key(name, args)}.claim").write_text(str(finished_pid()), encoding="ascii")
    started = time.monotonic()
    chart = ChartDir(folder, timeout=60).chart(name, function, *args)
    assert time.monotonic() - started < 30
    assert chart == REAL_DRAW(function, *args)
    assert draws.calls == [function]


def test_a_chart_claimed_by_a_live_process_is_waited_for_then_drawn_here(
    small: Handout, folder: Path, draws: Draws, live_pid: int
) -> None:
    """A helper that is alive but never finishes the chart delays the notebook only by the timeout."""
    name, function, args = job(small, "field_index")
    (folder / f"{chart_key(name, args)}.claim").write_text(str(live_pid), encoding="ascii")
    started = time.monotonic()
    chart = ChartDir(folder, timeout=0.3).chart(name, function, *args)
    assert time.monotonic() - started >= 0.3  # it did wait for the live claimer
    assert chart == REAL_DRAW(function, *args)
    assert draws.calls == [function]


def test_a_chart_another_thread_is_drawing_is_waited_for_and_taken(small: Handout, folder: Path, draws: Draws) -> None:
    """Whoever claimed a chart first draws it; the other side takes the result instead of drawing it too."""
    name, function, args = job(small, "field_index")
    claimed = threading.Event()

    def slow(_: str) -> None:
        claimed.set()
        time.sleep(0.2)

    draws.before = slow
    drawn: list[Chart] = []
    thread = threading.Thread(target=lambda: drawn.append(ChartDir(folder).chart(name, function, *args)))
    thread.start()
    try:
        assert claimed.wait(10)
        assert (folder / f"{chart_key(name, args)}.claim").exists()
        taken = ChartDir(folder, timeout=30).chart(name, function, *args)
    finally:
        thread.join()
    assert drawn == [taken]
    assert taken == REAL_DRAW(function, *args)
    assert draws.calls == [function]  # drawn by the thread only


def test_a_failed_drawing_gives_up_its_claim(small: Handout, folder: Path, draws: Draws) -> None:
    """An interrupted or failing drawing must not leave a claim that the next call then waits on."""
    name, function, args = job(small, "field_index")

    def interrupted(_: str) -> None:
        raise KeyboardInterrupt

    draws.before = interrupted
    with pytest.raises(KeyboardInterrupt):
        ChartDir(folder).chart(name, function, *args)
    assert not list(folder.glob("*.claim"))
    draws.before = None
    started = time.monotonic()
    assert ChartDir(folder, timeout=60).chart(name, function, *args) == REAL_DRAW(function, *args)
    assert time.monotonic() - started < 30


def test_a_claim_left_without_a_process_id_is_taken_over_after_a_grace_period(
    small: Handout, folder: Path, draws: Draws
) -> None:
    """A drawer killed between creating its claim and writing its id must not stall the notebook."""
    name, function, args = job(small, "field_index")
    claim = folder / f"{chart_key(name, args)}.claim"
    claim.touch()
    old = time.time() - 60
    os.utime(claim, (old, old))
    started = time.monotonic()
    assert ChartDir(folder, timeout=60).chart(name, function, *args) == REAL_DRAW(function, *args)
    assert time.monotonic() - started < 30
    assert draws.calls == [function]


def test_nested_values_do_not_run_together() -> None:
    """[[1], 2] and [[1, 2]] are different arguments and must never share a chart."""
    assert fingerprint([[1], 2]) != fingerprint([[1, 2]])
    assert fingerprint(["a|b"]) != fingerprint(["a", "b"])
    assert chart_key("x", (1, 2)) != chart_key("x", ((1, 2),))


def test_a_missing_folder_still_gives_the_right_chart(small: Handout, tmp_path: Path, draws: Draws) -> None:
    """If the helper's folder is gone (removed, never made), the notebook simply draws."""
    folder = tmp_path / "gone"
    name, function, args = job(small, "answers/health")
    chart = ChartDir(folder).chart(name, function, *args)
    assert chart == REAL_DRAW(function, *args)
    ChartDir(folder).draw_unclaimed(name, function, *args)  # the helper, too, just carries on
    assert not folder.exists()
    assert draws.calls == [function, function]


def test_a_handout_with_a_chart_folder_shows_the_same_as_one_without(small: Handout, folder: Path) -> None:
    """Taking charts from a folder is an optimisation only: the handout must not change by it."""
    session_dir = small.analysis.session.path
    with_folder = Handout.load(session_dir, "de", chart_dir=folder)
    assert everything(with_folder) == everything(small)
    assert stored_keys(folder) == {chart_key(name, args) for name, _, args in small.chart_jobs()}
    assert everything(Handout.load(session_dir, "de", chart_dir=folder)) == everything(small)


def test_changed_answers_are_not_shown_with_a_stale_chart(tmp_path: Path, folder: Path, draws: Draws) -> None:
    """A chart stored for the old answers must not be shown after someone changed an answer."""
    session = answered_session(tmp_path / "w")
    old = Handout.load(session.path, "de", chart_dir=folder)
    before = old.fields().html
    assert draws.calls  # drawn and stored
    SessionStore.open(session).record_response(
        respondent_id="R-A", stakeholder_group="administration", standard_id="HEA-1-1", response="rated", rating=3
    )
    new = Handout.load(session.path, "de", chart_dir=folder)
    name, _, new_args = job(new, "answers/health")
    _, _, old_args = job(old, "answers/health")
    assert chart_key(name, new_args) != chart_key(name, old_args)
    draws.calls.clear()
    after = new.fields().html
    assert draws.calls == ["answer_distribution", "priority_vs_rating"]
    assert after != before
    assert after == Handout.load(session.path, "de").fields().html


# --- the helper process --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prerendered:
    """A session, its previous session and the folder ``prerender.main`` drew their charts into."""

    session: Path
    previous: Path
    folder: Path


@pytest.fixture(scope="module")
def prerendered(tmp_path_factory: pytest.TempPathFactory) -> Prerendered:
    """Two fields, groups big enough to show, and a previous session: every kind of chart, drawn by main()."""
    directory = tmp_path_factory.mktemp("prerendered")
    previous = new_session(directory, fields="health,housing", date="2024-06-12", language="de")
    answer(previous, ["HEA-1-1", "HEA-2-1", "HOU-1-1"], shift=1, people=6)
    session = new_session(directory, fields="health,housing", previous=previous.path, language="de")
    answer(session, ["HEA-1-1", "HEA-2-1", "HOU-1-1"], people=6)
    folder = directory / "charts"
    folder.mkdir()
    command = [sys.executable, "-m", "wholecomm_kit.prerender", str(folder), str(session.path), "de"]
    done = subprocess.run([*command, str(previous.path), ""], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return Prerendered(session.path, previous.path, folder)


def test_main_draws_every_chart_of_the_handout_into_the_folder(prerendered: Prerendered) -> None:
    """The helper's whole point: each chart the notebook will ask for is there, once, complete."""
    handout = Handout.load(prerendered.session, "de", prerendered.previous)
    jobs = handout.chart_jobs()
    assert {name.split("/")[0] for name, _, _ in jobs} == {
        "field_index",
        "stakeholder_groups",
        "change",
        "answers",
        "priorities",
    }
    assert len(jobs) == 7
    assert stored_keys(prerendered.folder) == {chart_key(name, args) for name, _, args in jobs}
    assert len(list(prerendered.folder.glob("*.png"))) == len(jobs)
    assert not list(prerendered.folder.glob("*.part"))


def test_the_notebook_shows_the_helpers_charts_without_drawing_any(prerendered: Prerendered, draws: Draws) -> None:
    """Charts from another process give exactly the handout this process would have drawn."""
    with_folder = Handout.load(prerendered.session, "de", prerendered.previous, chart_dir=prerendered.folder)
    shown = everything(with_folder)
    assert draws.calls == []
    assert shown == everything(Handout.load(prerendered.session, "de", prerendered.previous))
    assert len(draws.calls) == 7  # the comparison really drew them here


def test_a_helper_draws_every_chart_and_ends_by_itself(tmp_path: Path, draws: Draws) -> None:
    """As ``report`` uses it: the helper finishes, the notebook takes every chart, close() tidies up."""
    session = answered_session(tmp_path / "w")
    helper = Helper(tmp_path, session.path, "de", None)
    try:
        assert helper.path.is_dir()
        assert helper.path.parent == tmp_path
        assert helper.finished.wait(60)
        handout = Handout.load(session.path, "de", chart_dir=helper.path)
        assert stored_keys(helper.path) == {chart_key(name, args) for name, _, args in handout.chart_jobs()}
        shown = everything(handout)
        assert draws.calls == []
        assert shown == everything(Handout.load(session.path, "de"))
    finally:
        helper.close()
    assert not helper.path.exists()
    assert helper_processes(helper.path) == []


def test_closing_a_helper_stops_it_and_its_drawers_and_removes_its_folder(tmp_path: Path) -> None:
    """The report must not leave processes drawing into a folder it has removed."""
    from wholecomm_kit.demo import create_demo

    demo = create_demo(tmp_path / "w")  # twelve charts: the helper is still drawing when it is closed
    helper = Helper(tmp_path, demo.path, "de", None)
    try:
        assert wait_until(lambda: any(helper.path.glob("*.claim")) or helper.finished.is_set())
        assert not helper.finished.is_set()
        assert helper_processes(helper.path)  # the helper (and the drawers it forked) are running
    finally:
        helper.close()
    assert not helper.path.exists()
    assert wait_until(lambda: helper_processes(helper.path) == [], seconds=10)
    assert helper.finished.wait(10)


def test_closing_a_helper_ends_it_even_when_it_would_never_finish(tmp_path: Path) -> None:
    """close() runs when the report is done: it must stop the helper, not wait for it."""
    stuck = tmp_path / "stuck"
    stuck.mkdir()
    fifo = stuck / SESSION_FILE
    os.mkfifo(fifo)  # reading it blocks until someone writes: this helper never gets past loading the session
    helper = Helper(tmp_path, stuck, "de", None)
    closing = threading.Thread(target=helper.close, daemon=True)
    try:
        assert helper_processes(helper.path)
        closing.start()
        closing.join(30)
        assert not closing.is_alive()
    finally:
        if closing.is_alive():  # unblock the helper so that it ends after a failure, too
            with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "w") as out:
                out.write("{}")
            closing.join(30)
    assert helper.finished.wait(10)
    assert not helper.path.exists()
    assert wait_until(lambda: helper_processes(helper.path) == [], seconds=10)


def test_a_helper_that_fails_ends_and_says_it_has_finished(tmp_path: Path) -> None:
    """If the helper cannot load the session, the notebook must not wait for it (and draws everything itself)."""
    helper = Helper(tmp_path, tmp_path / "no-such-session", "de", None)
    try:
        assert helper.finished.wait(60)
        assert stored_keys(helper.path) == set()
    finally:
        helper.close()
    assert not helper.path.exists()


def test_one_drawer_per_core_at_most_four_and_one_where_forking_is_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough drawers to use the machine, never more than the charts could keep busy, none forked on macOS."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(2)), raising=False)
    assert drawers() == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(16)), raising=False)
    assert drawers() == 4
    monkeypatch.setattr(sys, "platform", "darwin")
    assert drawers() == 1
