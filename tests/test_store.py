"""The response store: round trips, audit trail, concurrency and crashes."""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholecomm_kit.exceptions import InputError, StoreError
from wholecomm_kit.records import (
    ACTIONS,
    CHALLENGES,
    RESPONSES,
    TABLES,
    ChallengeAnswer,
    Record,
    Response,
    RowProblem,
    Table,
    parse_timestamp,
    to_row,
    utc_now,
)
from wholecomm_kit.schema import validate_session
from wholecomm_kit.session import Session
from wholecomm_kit.store import (
    ActionChanged,
    DamagedRowWarning,
    SessionFileError,
    SessionStore,
    decode_csv,
    detect_delimiter,
    encode_rows,
    latest,
    parse_csv,
)

HEADER = ",".join(RESPONSES.columns) + "\r\n"


def test_a_new_session_has_header_only_files(store: SessionStore) -> None:
    assert store.path(RESPONSES).read_bytes() == HEADER.encode()
    assert store.responses() == []


def test_every_change_is_a_new_row_and_the_latest_counts(store: SessionStore) -> None:
    first = store.record_response(
        respondent_id="R-AAAA", stakeholder_group="administration", standard_id="GOV-1-1", response="rated", rating=1
    )
    second = store.record_response(
        respondent_id="R-AAAA", stakeholder_group="administration", standard_id="GOV-1-1", response="dont_know"
    )
    rows = store.responses()
    assert rows == [first, second]
    assert store.current_responses() == [second]
    assert second.rating is None
    assert second.recorded_at.endswith("Z")


def test_latest_breaks_timestamp_ties_by_row_order() -> None:
    rows = [("a", "t1", 1), ("a", "t1", 2), ("b", "t0", 3), ("a", "t0", 4)]
    current = latest(rows, key=lambda r: r[0], when=lambda r: r[1])
    assert current == [("a", "t1", 2), ("b", "t0", 3)]


def test_removed_actions_leave_the_plan_but_stay_in_the_file(store: SessionStore) -> None:
    store.record_action(action_id="A1", field_id="governance", standard_ids=["GOV-1-1"], action="Konzept schreiben")
    store.record_action(action_id="A2", field_id="housing", standard_ids=[], action="Vermieter:innen einladen")
    store.record_action(
        action_id="A1", field_id="governance", standard_ids=["GOV-1-1"], action="Konzept schreiben", status="removed"
    )
    assert [a.action_id for a in store.current_actions()] == ["A2"]
    assert len(store.actions()) == 3
    assert store.next_action_id() == "A3"


def test_a_new_action_gets_the_next_free_number(store: SessionStore) -> None:
    first = store.record_action(field_id="governance", standard_ids=[], action="Konzept")
    second = store.record_action(field_id="housing", standard_ids=[], action="Treffen")
    assert (first.action_id, second.action_id) == ("A1", "A2")


def test_a_change_from_an_outdated_version_writes_nothing(store: SessionStore) -> None:
    loaded = store.record_action(field_id="governance", standard_ids=[], action="Konzept")
    other_window = store.record_action(
        action_id="A1", expected=loaded, field_id="governance", standard_ids=[], action="Konzept bis Mai"
    )
    before = store.path(ACTIONS).read_bytes()
    with pytest.raises(ActionChanged) as caught:
        store.record_action(
            action_id="A1", expected=loaded, field_id="governance", standard_ids=[], action="Konzept bis Juni"
        )
    assert caught.value.current == other_window
    assert "A1" in str(caught.value)
    assert store.path(ACTIONS).read_bytes() == before
    # from the version current now, the change is saved
    store.record_action(
        action_id="A1", expected=other_window, field_id="governance", standard_ids=[], action="Konzept bis Juni"
    )
    assert [a.action for a in store.current_actions()] == ["Konzept bis Juni"]


ACTION_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from wholecomm_kit.session import load_session
    from wholecomm_kit.store import ActionChanged, SessionStore

    store = SessionStore.open(load_session(Path(sys.argv[1])))
    expected = {a.action_id: a for a in store.current_actions()}.get("A1")
    print("ready", flush=True)
    sys.stdin.readline()  # released together with the others, each having read the plan before
    try:
        if sys.argv[2] == "add":
            print(store.record_action(field_id="governance", standard_ids=[], action="new").action_id)
        else:
            values = dict(field_id="governance", standard_ids=[], action=sys.argv[2])
            store.record_action(action_id="A1", expected=expected, **values)
            print("saved")
    except ActionChanged:
        print("conflict")
    """
)


def _at_once(session: Session, arguments: Sequence[str]) -> list[str]:
    """Run one action writer per argument, all released at the same moment once each has read the plan; their
    outputs. (A fixed head start was not enough on a busy machine: a late writer read what another had saved.)"""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", ACTION_WRITER, str(session.path), argument],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for argument in arguments
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        outputs.append(out.strip())
    return outputs


@pytest.mark.slow
def test_windows_adding_at_the_same_moment_get_different_numbers(session: Session) -> None:
    numbers = _at_once(session, ["add"] * 8)
    assert sorted(numbers, key=lambda n: int(n[1:])) == [f"A{n}" for n in range(1, 9)]
    assert len(SessionStore.open(session).current_actions()) == 8


@pytest.mark.slow
def test_windows_changing_one_action_at_the_same_moment_replace_nothing_unseen(session: Session) -> None:
    SessionStore.open(session).record_action(field_id="governance", standard_ids=[], action="start")
    texts = [f"version {n}" for n in range(8)]
    outputs = _at_once(session, texts)
    assert sorted(outputs) == ["conflict"] * 7 + ["saved"]
    (current,) = SessionStore.open(session).current_actions()
    assert current.action == texts[outputs.index("saved")]


def test_saving_over_the_current_answer_merges_with_it_as_stored_and_writes_only_news(store: SessionStore) -> None:
    store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=1
    )
    store.record_response(
        respondent_id="R-BBBB", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=3
    )
    seen: list[Response] = []

    def with_priority(current: Response | ChallengeAnswer | None) -> Response:
        assert isinstance(current, Response)
        seen.append(current)
        return replace(current, priority="high", recorded_at=utc_now())

    saved = store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-1", with_priority)
    assert [(r.respondent_id, r.rating) for r in seen] == [("R-AAAA", 1)]  # the person's own, latest answer
    assert isinstance(saved, Response)
    assert (saved.rating, saved.priority) == (1, "high")
    assert store.current_responses()[0] == saved
    before = store.path(RESPONSES).read_bytes()
    assert store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-1", lambda current: current) == saved  # nothing new
    assert store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-2", lambda current: current) is None  # nothing yet
    assert store.path(RESPONSES).read_bytes() == before


def test_saving_over_the_current_answer_tells_a_damaged_file_from_a_bad_answer(store: SessionStore) -> None:
    store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=1
    )
    path = store.path(RESPONSES)

    def out_of_range(current: Response | ChallengeAnswer | None) -> Response:
        assert isinstance(current, Response)
        return replace(current, rating=4)

    with pytest.raises(InputError, match="out of range"):  # the answer: the person can change it
        store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-1", out_of_range)
    path.write_text(path.read_text(encoding="utf-8").replace(",1,rated,", ",7,rated,"), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="line 2") as info:  # the file: nothing the person typed is wrong
        store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-1", lambda current: current)
    assert not isinstance(info.value, InputError)
    assert path.read_bytes() == before


def test_invalid_records_are_refused_before_writing(store: SessionStore) -> None:
    before = store.path(RESPONSES).read_bytes()
    with pytest.raises(InputError, match="out of range"):
        store.record_response(
            respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=4
        )
    with pytest.raises(InputError, match="not assessed in this session"):
        store.record_response(
            respondent_id="R-AAAA", stakeholder_group="politics", standard_id="EDU-1-1", response="dont_know"
        )
    assert store.path(RESPONSES).read_bytes() == before


comment_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=200,
) | st.sampled_from(['a, "b"\r\nc', "Zeile 1\nZeile 2\r\n", "Grüße 👋🏽, «ja»", "\r", '"', ""])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(comment=comment_text)
def test_comments_round_trip_exactly(store: SessionStore, comment: str) -> None:
    record = store.record_response(
        respondent_id="R-HYPO",
        stakeholder_group="civil_society",
        standard_id="HOU-1-1",
        response="rated",
        rating=2,
        comment=comment,
        priority="high",
    )
    assert store.responses()[-1] == record
    assert store.responses()[-1].comment == comment


def test_a_hand_edited_bad_row_is_reported_with_line_and_column(store: SessionStore) -> None:
    store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    path = store.path(RESPONSES)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",dont_know,", ",maybe,"), encoding="utf-8", newline="")
    with pytest.raises(InputError) as caught:
        store.responses()
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (path, 2, "response")
    assert "'maybe' is not allowed" in problem.reason


def test_a_changed_header_is_refused(store: SessionStore) -> None:
    path = store.path(RESPONSES)
    path.write_text(HEADER.replace("comment", "remark"), encoding="utf-8", newline="")
    with pytest.raises(StoreError, match="line 1"):
        store.record_response(
            respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
        )


def test_a_failed_write_leaves_the_file_as_it_was(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    path = store.path(RESPONSES)
    before = path.read_bytes()
    real_write = os.write

    def half_then_disk_full(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 20:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_disk_full)
    with pytest.raises(StoreError, match="the disk is full"):
        store.record_response(
            respondent_id="R-BBBB", stakeholder_group="politics", standard_id="GOV-1-2", response="rated", rating=3
        )
    monkeypatch.undo()
    assert path.read_bytes() == before


def test_a_torn_last_row_is_moved_aside_and_earlier_rows_survive(store: SessionStore) -> None:
    kept = store.record_response(
        respondent_id="R-AAAA",
        stakeholder_group="politics",
        standard_id="GOV-1-1",
        response="rated",
        rating=1,
        comment="zwei\nZeilen",
    )
    path = store.path(RESPONSES)
    torn = f'{store.session.session_id},R-BBBB,politics,governance,GOV-1-2,2,rated,,"unvollst'.encode()
    with path.open("ab") as stream:
        stream.write(torn)
    with pytest.warns(DamagedRowWarning, match=r"responses\.csv, line 4: .*responses\.csv\.damaged"):
        assert store.responses() == [kept]
    assert Path(f"{path}.damaged").read_bytes() == torn + b"\n"
    added = store.record_response(
        respondent_id="R-CCCC", stakeholder_group="politics", standard_id="GOV-2-1", response="not_applicable"
    )
    assert store.responses() == [kept, added]


WRITER = textwrap.dedent(
    """
    import sys
    from wholecomm_kit.session import load_session
    from wholecomm_kit.store import SessionStore

    store = SessionStore.open(load_session(sys.argv[1]))
    worker, count = sys.argv[2], int(sys.argv[3])
    standards = [s.id for s in store.catalog.field("governance").standards]
    for i in range(count):
        store.record_response(
            respondent_id=f"P{worker}",
            stakeholder_group="civil_society",
            standard_id=standards[i % len(standards)],
            response="rated",
            rating=i % 4,
            comment=f"worker {worker} answer {i}, with a comma and a\\nline break",
        )
    print("done", flush=True)
    """
)


def _writers(session: Session, workers: int, count: int) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(session.path), f"{n:02d}", str(count)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]


@pytest.mark.slow
def test_thirty_processes_writing_at_once_lose_and_interleave_nothing(session: Session) -> None:
    processes = _writers(session, workers=30, count=100)
    for process in processes:
        out, _ = process.communicate(timeout=300)
        assert process.returncode == 0
        assert out.strip() == "done"
    rows = SessionStore.open(session).responses()
    assert len(rows) == 3000
    for n in range(30):
        mine = [r for r in rows if r.respondent_id == f"P{n:02d}"]
        assert [r.comment for r in mine] == [
            f"worker {n:02d} answer {i}, with a comma and a\nline break" for i in range(100)
        ]
        assert [r.rating for r in mine] == [i % 4 for i in range(100)]


@pytest.mark.slow
def test_killing_writers_mid_write_leaves_every_earlier_row_readable(session: Session) -> None:
    store = SessionStore.open(session)
    processes = _writers(session, workers=6, count=100_000)
    deadline = time.monotonic() + 30
    while store.path(RESPONSES).stat().st_size < 60_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    for process in processes:
        process.send_signal(signal.SIGKILL)
    for process in processes:
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
    with warnings.catch_warnings(record=True):  # a row torn by the kill is moved aside, with a warning
        warnings.simplefilter("always", DamagedRowWarning)
        rows = store.responses()
    assert len(rows) > 100
    for n in range(6):
        mine = [r.comment for r in rows if r.respondent_id == f"P{n:02d}"]
        assert mine == [f"worker {n:02d} answer {i}, with a comma and a\nline break" for i in range(len(mine))]
    # the store keeps working after the crash
    store.record_response(
        respondent_id="R-LAST", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    assert store.responses()[-1].respondent_id == "R-LAST"
    assert len(store.responses()) == len(rows) + 1


def test_recorded_at_is_utc_iso8601() -> None:
    stamp = utc_now()
    assert stamp.endswith("Z")
    assert "T" in stamp


def test_append_refuses_mixed_tables(store: SessionStore) -> None:
    response = Response(
        store.session.session_id,
        "R-A",
        "politics",
        "governance",
        "GOV-1-1",
        None,
        "dont_know",
        "",
        "",
        utc_now(),
        "de",
        store.catalog.version,
    )
    from wholecomm_kit.records import ChallengeAnswer

    challenge = ChallengeAnswer(store.session.session_id, "R-A", "politics", "GOV-C1", "yes", utc_now())
    with pytest.raises(ValueError, match="one table"):
        store.append([response, challenge])


def test_a_file_saved_with_lf_line_ends_keeps_working(store: SessionStore) -> None:
    first = store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    path = store.path(RESPONSES)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    second = store.record_response(
        respondent_id="R-BBBB", stakeholder_group="politics", standard_id="GOV-1-2", response="rated", rating=1
    )
    assert store.responses() == [first, second]
    assert not Path(f"{path}.damaged").exists()


# --- files changed by hand or cut by a crash ----------------------------------------------------


def _fill(store: SessionStore, table: Table) -> Callable[[], Sequence[Record]]:
    """Two rows in the table (one with a quoted comment over two lines); returns how to read the table back."""
    if table is RESPONSES:
        store.record_response(
            respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
        )
        store.record_response(
            respondent_id="R-BBBB",
            stakeholder_group="politics",
            standard_id="GOV-1-2",
            response="rated",
            rating=2,
            comment='zwei\r\nZeilen, "zitiert"',
        )
        return store.responses
    if table is CHALLENGES:
        store.record_challenge(
            respondent_id="R-AAAA", stakeholder_group="politics", challenge_id="GOV-C1", applies="yes"
        )
        store.record_challenge(
            respondent_id="R-BBBB", stakeholder_group="politics", challenge_id="GOV-C1", applies="no"
        )
        return store.challenge_answers
    store.record_action(action_id="A1", field_id="governance", standard_ids=["GOV-1-1"], action="Konzept")
    store.record_action(action_id="A2", field_id="housing", standard_ids=[], action='Treffen\r\n"bald"')
    return store.actions


def _damaged(store: SessionStore, table: Table = RESPONSES) -> Path:
    return Path(f"{store.path(table)}.damaged")


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
@pytest.mark.parametrize("first", ["read", "append"])
def test_a_whole_last_row_without_its_line_break_is_kept(store: SessionStore, table: Table, first: str) -> None:
    read = _fill(store, table)
    rows = read()
    path = store.path(table)
    path.write_bytes(path.read_bytes().removesuffix(b"\r\n"))  # an editor that strips the final line break
    if first == "append":  # no warning: warnings are errors in the tests
        _fill(store, table)
        assert read()[: len(rows)] == rows
        assert len(read()) == 2 * len(rows)
    else:
        assert read() == rows
    assert path.read_bytes().endswith(b"\r\n")
    assert not _damaged(store, table).exists()


def test_a_row_cut_inside_a_quoted_field_after_a_line_break_is_torn(store: SessionStore) -> None:
    kept = store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    path = store.path(RESPONSES)
    torn = f'{store.session.session_id},R-BBBB,politics,governance,GOV-1-2,2,rated,,"half a comment\r\n'.encode()
    with path.open("ab") as stream:
        stream.write(torn)
    with pytest.warns(DamagedRowWarning, match="line 3"):
        added = store.record_response(
            respondent_id="R-CCCC", stakeholder_group="politics", standard_id="GOV-2-1", response="not_applicable"
        )
    assert store.responses() == [kept, added]
    assert _damaged(store).read_bytes() == torn


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(comment=comment_text, data=st.data(), read_first=st.booleans())
def test_a_last_row_cut_anywhere_is_kept_whole_or_moved_aside(
    store: SessionStore, comment: str, data: st.DataObject, read_first: bool
) -> None:
    path = store.path(RESPONSES)
    path.write_bytes(HEADER.encode())
    _damaged(store).unlink(missing_ok=True)
    kept = store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    new = Response(
        store.session.session_id, "R-BBBB", "civil_society", "housing", "HOU-1-1", 1, "rated", "high", comment,
        utc_now(), "de", store.catalog.version,
    )  # fmt: skip
    row = encode_rows([to_row(new)])
    cut = data.draw(st.integers(1, len(row)), label="cut")
    with path.open("ab") as stream:
        stream.write(row[:cut])
    whole = cut >= len(row) - 2  # at most the line break is missing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if read_first:
            assert store.responses() == ([kept, new] if whole else [kept])
        added = store.record_response(
            respondent_id="R-CCCC", stakeholder_group="politics", standard_id="GOV-2-1", response="not_applicable"
        )
        assert store.responses() == ([kept, new, added] if whole else [kept, added])
    assert [w.category for w in caught] == ([] if whole else [DamagedRowWarning])
    if not whole:
        torn = row[:cut]
        assert _damaged(store).read_bytes() == (torn if torn.endswith(b"\n") else torn + b"\n")


@pytest.mark.parametrize("ending", ["whole", "no line break", "torn row after it"])
def test_a_bad_byte_in_the_middle_is_an_error_and_no_good_row_is_moved(store: SessionStore, ending: str) -> None:
    for n, comment in enumerate(["eins", "zwei", "drei"]):
        store.record_response(
            respondent_id=f"R-{n}", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=1,
            comment=comment,
        )  # fmt: skip
    path = store.path(RESPONSES)
    latin1 = path.read_bytes().replace(b",zwei,", ",zwei·".encode("latin-1") + b",")
    torn = b"de-x,R-9,politics,gov"
    written = {"whole": latin1, "no line break": latin1.removesuffix(b"\r\n"), "torn row after it": latin1 + torn}
    path.write_bytes(written[ending])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError) as error:
            store.responses()
        # a file another program saved is never added to either: new rows would land after the bad byte
        with pytest.raises(SessionFileError) as refused:
            store.record_response(
                respondent_id="R-9", stakeholder_group="politics", standard_id="GOV-1-2", response="dont_know"
            )
    [problem] = error.value.problems
    assert (problem.file, problem.line, problem.column) == (path, 3, "comment")
    assert "0xB7" in problem.reason
    assert "Nothing in the file was changed" in problem.reason
    assert refused.value.problem == problem
    # Not all UTF-8, so not a file the kit wrote as it is: nothing is completed or moved, not even a torn row.
    assert path.read_bytes() == written[ending]
    assert caught == []
    assert not _damaged(store).exists()


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n", b"\r"])
def test_a_bad_byte_is_named_by_line_and_column_after_a_bom_and_with_any_line_ends(line_end: bytes) -> None:
    data = b"\xef\xbb\xbfrespondent_id,comment" + line_end + b"R-1,gut" + line_end + b"R-2,gr\xfcn" + line_end
    with pytest.raises(InputError) as caught:
        decode_csv(Path("paper.csv"), data, ["respondent_id", "comment"])
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, "comment")
    assert "0xFC" in problem.reason


def test_a_quotation_mark_typed_by_hand_moves_nothing_and_swallows_no_answer(store: SessionStore) -> None:
    for n, comment in enumerate(["eins", "zwei", "drei"]):
        store.record_response(
            respondent_id=f"R-{n}", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=1,
            comment=comment,
        )  # fmt: skip
    path = store.path(RESPONSES)
    path.write_bytes(path.read_bytes().replace(b",zwei,", b',"zwei,'))
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"responses\.csv, line 3: .*not saved"):
        store.record_response(
            respondent_id="R-9", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
        )
    with pytest.raises(InputError) as caught:
        store.responses()
    assert [p.line for p in caught.value.problems] == [3]
    assert path.read_bytes() == before
    assert not _damaged(store).exists()


def test_cr_line_ends_of_old_mac_spreadsheets_are_read(store: SessionStore, tmp_path: Path) -> None:
    text = "respondent_id;comment\rR-1;eins\rR-2;zwei\r"
    assert detect_delimiter(text, ["respondent_id", "comment"]) == ";"
    rows = [cells for _, cells in parse_csv(tmp_path / "paper.csv", text, ";")]
    assert rows == [["respondent_id", "comment"], ["R-1", "eins"], ["R-2", "zwei"]]
    # a session file saved that way keeps working too, and nothing is moved aside
    _fill(store, RESPONSES)
    rows_before = store.responses()
    path = store.path(RESPONSES)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r").removesuffix(b"\r"))
    assert store.responses() == [replace(r, comment=r.comment.replace("\r\n", "\r")) for r in rows_before]
    _fill(store, RESPONSES)
    assert len(store.responses()) == 2 * len(rows_before)
    assert not _damaged(store).exists()


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_a_time_beyond_the_calendar_in_utc_is_a_row_problem(store: SessionStore, value: str) -> None:
    row = store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    path = store.path(RESPONSES)
    path.write_bytes(path.read_bytes().replace(row.recorded_at.encode(), value.encode()))
    with pytest.raises(InputError) as caught:
        store.responses()
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "recorded_at")
    assert "year 1 or after the year 9999" in problem.reason
    assert [(p.line, p.column) for p in validate_session(store.session.path)] == [(2, "recorded_at")]


edge_times = st.datetimes(max_value=dt.datetime(1, 1, 2)) | st.datetimes(min_value=dt.datetime(9999, 12, 30))


@given(moment=st.datetimes() | edge_times, offset=st.integers(-(24 * 60 - 1), 24 * 60 - 1))
def test_every_time_with_an_offset_is_utc_or_a_row_problem(moment: dt.datetime, offset: int) -> None:
    sign = "+" if offset >= 0 else "-"
    value = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    try:
        utc = moment.replace(microsecond=0) - dt.timedelta(minutes=offset)
    except OverflowError:
        with pytest.raises(RowProblem) as caught:
            parse_timestamp(value)
        assert caught.value.column == "recorded_at"
    else:
        assert parse_timestamp(value) == f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.000Z"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_folder_in_place_of_a_session_file_is_a_clear_error(store: SessionStore, table: Table) -> None:
    path = store.path(table)
    path.unlink()
    path.mkdir()
    read = {RESPONSES: store.responses, CHALLENGES: store.challenge_answers, ACTIONS: store.actions}[table]
    with pytest.raises(StoreError, match=f"{path} is a folder"):
        read()
    with pytest.raises(StoreError, match=f"{path} is a folder"):
        _fill(store, table)
    [problem] = validate_session(store.session.path)
    assert problem.file == path
    assert "is a folder" in problem.reason


# --- files the kit cannot have written: another encoding, no header row, missing --------------------------------


def _readers(store: SessionStore, table: Table) -> dict[str, Callable[[], object]]:
    """Every way the store reads or adds to one table, each a function of no arguments."""
    read = {RESPONSES: store.responses, CHALLENGES: store.challenge_answers, ACTIONS: store.actions}[table]
    add: dict[Table, Callable[[], object]] = {
        RESPONSES: lambda: store.record_response(
            respondent_id="R-NEW", stakeholder_group="politics", standard_id="GOV-3-1", response="dont_know"
        ),
        CHALLENGES: lambda: store.record_challenge(
            respondent_id="R-NEW", stakeholder_group="politics", challenge_id="GOV-C2", applies="yes"
        ),
        ACTIONS: lambda: store.record_action(field_id="governance", standard_ids=[], action="Neu"),
    }
    merge = {
        RESPONSES: lambda: store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-1", lambda current: current),
        CHALLENGES: lambda: store.save_over_current(CHALLENGES, "R-AAAA", "GOV-C1", lambda current: current),
        ACTIONS: lambda: store.next_action_id(),
    }
    return {"read": read, "append": add[table], "merge": merge[table]}


@pytest.mark.parametrize("how", ["read", "append", "merge"])
@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
@pytest.mark.parametrize(
    ("encoding", "name", "torn"),
    [
        ("utf-16", "UTF-16", False),  # with a byte order mark: a text editor's "Unicode"
        ("utf-16-le", "UTF-16", False),  # without one, as Excel's "Unicode Text" may be
        ("utf-16-be", "UTF-16", True),
        ("utf-32", "UTF-32", False),
    ],
)
def test_a_file_in_another_encoding_is_said_plainly_and_left_exactly_as_it_is(
    store: SessionStore, table: Table, how: str, encoding: str, name: str, torn: bool
) -> None:
    _fill(store, table)
    path = store.path(table)
    text = path.read_bytes().decode("utf-8")
    if torn:  # it even ends as if cut off: still nothing to move, the whole file is in another encoding
        text += "R-9,politics,gov"
    path.write_bytes(text.encode(encoding))
    before = path.read_bytes()
    with pytest.raises(SessionFileError) as caught:
        _readers(store, table)[how]()
    problem = caught.value.problem
    assert (problem.file, problem.line, problem.column) == (path, 1, None)
    assert f"saved as {name} text" in problem.reason
    assert "only UTF-8" in problem.reason
    assert "Nothing in the file was changed" in problem.reason
    assert str(caught.value) == str(problem)
    assert isinstance(caught.value, StoreError)
    assert path.read_bytes() == before
    assert not _damaged(store, table).exists()
    [reported] = validate_session(store.session.path)
    assert reported == problem
    assert path.read_bytes() == before


def test_a_file_in_utf16_is_said_in_german(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store.path(RESPONSES)
    path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(SessionFileError) as caught:
        store.responses()
    assert str(caught.value).startswith(f"{path}, Zeile 1: Die Datei ist als UTF-16-Text gespeichert")
    assert "nur UTF-8" in str(caught.value)


@pytest.mark.parametrize("how", ["read", "append", "merge"])
@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n"], ids=["empty", "bom only", "blank line"])
def test_a_session_file_without_its_header_row_is_an_error_not_an_empty_table(
    store: SessionStore, table: Table, how: str, content: bytes
) -> None:
    path = store.path(table)
    path.write_bytes(content)
    with pytest.raises(SessionFileError) as caught:
        _readers(store, table)[how]()
    problem = caught.value.problem
    assert (problem.file, problem.line, problem.column) == (path, 1, None)
    assert "the file is empty" in problem.reason
    assert ",".join(table.columns) in problem.reason  # the line to write, if nothing had been saved yet
    assert path.read_bytes() == content
    assert validate_session(store.session.path) == [problem]


@pytest.mark.parametrize("how", ["read", "append", "merge"])
@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_missing_session_file_is_an_error_not_an_empty_table(store: SessionStore, table: Table, how: str) -> None:
    path = store.path(table)
    path.unlink()
    with pytest.raises(SessionFileError) as caught:
        _readers(store, table)[how]()
    problem = caught.value.problem
    assert (problem.file, problem.line, problem.column) == (path, None, None)
    assert problem.reason.startswith("the file is missing. Every session has it")
    assert not path.exists(), "an answer saved into a new file would hide that the others are gone"
    assert validate_session(store.session.path) == [problem]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_header_only_file_is_a_table_without_rows_yet(store: SessionStore, table: Table) -> None:
    path = store.path(table)
    assert path.read_bytes() == encode_rows([table.columns])
    assert _readers(store, table)["read"]() == []
    path.write_bytes(path.read_bytes().removesuffix(b"\r\n"))  # an editor dropped the line break
    assert _readers(store, table)["read"]() == []
    assert path.read_bytes() == encode_rows([table.columns])
    assert validate_session(store.session.path) == []


def test_a_cut_header_is_an_error_and_nothing_is_moved(store: SessionStore) -> None:
    path = store.path(RESPONSES)
    path.write_bytes(HEADER.encode()[:30])
    with pytest.raises(InputError) as caught:
        store.responses()
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (1, None)
    assert "the header must be exactly" in problem.reason
    with pytest.raises(StoreError, match="line 1"):
        _readers(store, RESPONSES)["append"]()
    assert path.read_bytes() == HEADER.encode()[:30]
    assert not _damaged(store).exists()


@pytest.mark.parametrize(("separator", "words"), [(b";", "semicolons"), (b"\t", "tabs")])
def test_a_torn_row_under_another_header_is_not_moved_and_the_separator_is_named(
    store: SessionStore, separator: bytes, words: str
) -> None:
    _fill(store, RESPONSES)
    path = store.path(RESPONSES)
    saved = path.read_bytes().replace(b",", separator) + b"de-x;R-9;politics;gov"  # re-saved by a spreadsheet
    path.write_bytes(saved)
    with pytest.raises(InputError) as caught:
        store.responses()
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (1, None)
    assert problem.reason.startswith(f"the values are separated by {words}, not by commas")
    with pytest.raises(SessionFileError) as refused:
        _readers(store, RESPONSES)["append"]()
    assert refused.value.problem == problem
    assert path.read_bytes() == saved
    assert not _damaged(store).exists()


def test_a_bad_byte_in_the_header_names_no_column() -> None:
    data = b"respondent_id,comm\xe9nt\r\nR-1,gut\r\n"
    with pytest.raises(InputError) as caught:
        decode_csv(Path("paper.csv"), data, ["respondent_id", "comment"])
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (1, None)
    assert "0xE9" in problem.reason


def test_saving_over_the_current_answer_in_a_file_saved_as_latin1_is_the_files_fault(store: SessionStore) -> None:
    store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=1,
        comment="Grüße",
    )  # fmt: skip
    path = store.path(RESPONSES)
    path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1"))
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:  # the checklist says "not saved" and keeps the change to try again
        store.save_over_current(RESPONSES, "R-AAAA", "GOV-1-1", lambda current: current)
    assert not isinstance(caught.value, InputError)
    assert "line 2, column 'comment'" in str(caught.value)
    assert path.read_bytes() == before


def test_report_refuses_a_session_whose_answers_file_is_missing(store: SessionStore) -> None:
    from click.testing import CliRunner

    from wholecomm_kit.cli import cli

    store.path(RESPONSES).unlink()
    result = CliRunner().invoke(cli, ["report", str(store.session.path), "--format", "html"])
    assert result.exit_code == 1
    assert f"{store.path(RESPONSES)}: the file is missing" in result.stderr
    assert "Traceback" not in result.output
    assert not (store.session.path / "report" / "handout.html").exists()


# --- in German ---------------------------------------------------------------------------------


def test_a_hand_edited_bad_row_is_reported_in_german(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.record_response(
        respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
    )
    path = store.path(RESPONSES)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",dont_know,", ",maybe,"), encoding="utf-8", newline="")
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(InputError) as caught:
        store.responses()
    assert str(caught.value) == (
        f"{path}, Zeile 2, Spalte 'response': 'maybe' ist nicht erlaubt; erlaubt sind rated, dont_know, not_applicable"
    )


def test_a_row_problem_gives_its_reason_in_german(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(RowProblem) as caught:
        parse_timestamp("gestern 10 Uhr")
    assert caught.value.column == "recorded_at"
    assert caught.value.reason == (
        "'gestern 10 Uhr' ist keine Zeitangabe nach ISO 8601 mit Zeitzone, z. B. 2025-03-14T09:30:00Z"
    )
    with pytest.raises(RowProblem) as caught:
        parse_timestamp("")
    assert caught.value.reason == "ist leer"


def test_a_changed_header_is_refused_in_german(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store.path(RESPONSES)
    path.write_text(HEADER.replace("comment", "remark"), encoding="utf-8", newline="")
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(StoreError, match=r"Zeile 1: Die Kopfzeile muss genau so lauten: .*Sicherungskopie") as saving:
        store.record_response(
            respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
        )
    with pytest.raises(InputError) as reading:  # the same words whether the kit reads or saves
        store.responses()
    assert str(saving.value) == str(reading.value)
