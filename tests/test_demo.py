"""The fictional demo workshop: reproducible, realistic, and valid."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from wholecomm_kit.catalog import Catalog
from wholecomm_kit.cli import cli
from wholecomm_kit.demo import COMMENTS, create_demo
from wholecomm_kit.exceptions import SessionError
from wholecomm_kit.session import Session, create_session, load_session
from wholecomm_kit.store import SessionStore


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return create_demo(tmp_path_factory.mktemp("demo"))


def test_the_demo_is_clearly_fictional(demo: Session) -> None:
    assert demo.demo is True
    assert "fiktiv" in demo.municipality
    assert load_session(demo.path).demo is True


def test_the_demo_covers_all_fields_and_stakeholder_groups(demo: Session, catalog: Catalog) -> None:
    current = SessionStore.open(demo).current_responses()
    respondents = {r.respondent_id: r.stakeholder_group for r in current}
    assert 20 <= len(respondents) <= 30
    assert set(respondents.values()) == set(catalog.ids("stakeholder_groups")) - {"other"}
    assert {r.field_id for r in current} == set(catalog.field_ids)
    assert demo.fields == catalog.field_ids


def test_the_demo_has_a_realistic_spread(demo: Session) -> None:
    store = SessionStore.open(demo)
    current = store.current_responses()
    kinds = Counter(r.response for r in current)
    assert kinds["dont_know"] > 30
    assert kinds["not_applicable"] > 5
    assert set(Counter(r.rating for r in current if r.rating is not None)) == {0, 1, 2, 3}
    by_standard: dict[str, list[int]] = {}
    for r in current:
        if r.rating is not None:
            by_standard.setdefault(r.standard_id, []).append(r.rating)
    disputed = [s for s, ratings in by_standard.items() if len(ratings) >= 3 and statistics.stdev(ratings) >= 1.0]
    assert len(disputed) >= 3
    assert sum(1 for r in current if r.comment) > 20
    assert any("\n" in r.comment for r in current)
    assert len(store.responses()) > len(current), "some answers were changed later (audit trail)"
    assert len(store.current_challenge_answers()) > 100
    plan = store.current_actions()
    assert [a.action_id for a in plan] == ["A1", "A2", "A3", "A5"]
    assert plan[0].status == "in_progress"


def test_the_demo_is_reproducible(demo: Session, tmp_path: Path) -> None:
    again = create_demo(tmp_path)
    for name in ("responses.csv", "challenges.csv", "actions.csv"):
        assert (again.path / name).read_bytes() == (demo.path / name).read_bytes()


def test_the_demo_is_the_same_in_another_process(demo: Session, tmp_path: Path) -> None:
    """String hashing differs between processes: the guides quote the demo, so it must not depend on it."""
    script = "import sys; from wholecomm_kit.demo import create_demo; create_demo(sys.argv[1])"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / seed)], check=True, env=env)
        [again] = (tmp_path / seed).iterdir()
        assert (again / "responses.csv").read_bytes() == (demo.path / "responses.csv").read_bytes()


def test_each_comment_fits_its_field_and_none_is_repeated_on_a_standard(demo: Session) -> None:
    current = [r for r in SessionStore.open(demo).current_responses() if r.comment]
    assert {r.field_id for r in current} == set(COMMENTS)
    assert all(r.comment in COMMENTS[r.field_id] for r in current)
    made = Counter((r.standard_id, r.comment) for r in current)
    assert max(made.values()) == 1


def test_running_the_demo_twice_replaces_the_demo_only(tmp_path: Path) -> None:
    first = create_demo(tmp_path)
    second = create_demo(tmp_path)
    assert first.path == second.path
    assert len(list(tmp_path.iterdir())) == 1


def test_a_real_session_is_never_replaced_by_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = create_session(
        municipality="Musterstadt (fiktives Beispiel)",
        country="DE",
        size="small_town",
        date="2025-05-20",
        fields="all",
        language="de",
        directory=tmp_path,
    )
    with pytest.raises(SessionError, match="not a demo session"):
        create_demo(tmp_path)
    assert (real.path / "session.json").exists()
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(SessionError, match="gibt es schon, und es ist keine Demo-Sitzung"):
        create_demo(tmp_path)


def test_the_demo_command_without_handout_prints_the_session_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--no-handout"])
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()).is_dir()
    assert (Path(result.stdout.strip()) / "responses.csv").stat().st_size > 100_000


@pytest.mark.slow
@pytest.mark.browser
def test_the_demo_command_ends_with_the_handout(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    session, html, pdf = (Path(line) for line in result.stdout.splitlines())
    assert html == session / "report" / "handout.html"
    assert pdf == session / "report" / "handout.pdf"
    assert pdf.stat().st_size > 10_000
    assert "[1/3] Running the handout notebook" in result.stderr
