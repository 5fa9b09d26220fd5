"""The response store: round trips, audit trail, concurrency and crashes."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholecomm_kit.exceptions import InputError, StoreError
from wholecomm_kit.records import RESPONSES, Response, RowProblem, parse_timestamp, utc_now
from wholecomm_kit.session import Session
from wholecomm_kit.store import SessionStore, latest

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
    with pytest.raises(StoreError, match="No space left on device"):
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
    with pytest.raises(
        StoreError, match=r"Zeile 1: Die Kopfzeile enthält nicht die erwarteten Spalten .*Sicherungskopie"
    ):
        store.record_response(
            respondent_id="R-AAAA", stakeholder_group="politics", standard_id="GOV-1-1", response="dont_know"
        )
