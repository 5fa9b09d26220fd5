"""Drawing the handout's charts in a helper process while the notebook's kernel starts.

Charts are most of the handout's work, and a notebook kernel draws on one core. ``report``
therefore starts this module as a helper process the moment it starts: it forks one drawer per
core, and the drawers go through the handout's charts in order while the kernel is still
starting. Whoever comes first to a chart claims it (an exclusively created file), so no chart is
drawn twice; the notebook takes the charts as they are finished and draws only those nobody has
claimed. A chart is stored under a key computed from exactly the data it shows, so the notebook
only ever takes a chart that matches its own tables: if the session changed in between, or the
helper failed, the notebook simply draws the chart itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .catalog import Catalog

if TYPE_CHECKING:
    from .rendered import Chart

CLAIM_TIMEOUT = 120.0
"""Seconds to wait for a chart another process claimed before drawing it here after all."""
_POLL = 0.01
EMPTY_CLAIM_GRACE = 2.0
"""Seconds after which a claim without a process id counts as abandoned."""
IDLE = "idle"
"""Created in the folder by the first drawer that finds no chart left to claim."""


def fingerprint(value: object) -> bytes:
    """Bytes that change whenever ``value`` (tables, records, plain values) would draw differently."""
    import pandas as pd

    if isinstance(value, Catalog):
        return _framed("catalog", f"{value.version}:{','.join(value.languages)}".encode())
    if isinstance(value, pd.DataFrame | pd.Series):
        return _framed("frame", value.to_csv().encode())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = (fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value))
        return _framed(f"record {type(value).__name__}", b"".join(parts))
    if isinstance(value, tuple | list):
        return _framed("seq", b"".join(fingerprint(v) for v in value))
    if value is None or isinstance(value, str | int | float | bool):
        return _framed(type(value).__name__, repr(value).encode())
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _framed(kind: str, payload: bytes) -> bytes:
    """Kind and length before the payload, so that no two different values give the same bytes."""
    return f"{kind}:{len(payload)}:".encode() + payload


def chart_key(name: str, args: Sequence[object]) -> str:
    return hashlib.sha256(_framed(name, fingerprint(list(args)))).hexdigest()[:32]


class ChartDir:
    """A folder of drawn charts shared by the notebook's kernel and the helper process."""

    def __init__(self, path: str | Path, timeout: float = CLAIM_TIMEOUT) -> None:
        self.path = Path(path)
        self.timeout = timeout

    def chart(self, name: str, function: str, *args: object) -> Chart:
        """The chart ``charts.<function>(*args)``: taken from the folder, waited for, or drawn here and stored."""
        from .handout import draw

        key = chart_key(name, args)
        started = time.monotonic()
        while True:
            stored = self._load(key)
            if stored is not None:
                return stored
            drawn = self._claim_and_draw(key, function, args)
            if drawn is not None:
                return drawn
            if _claimer_gone(self.path / f"{key}.claim") or time.monotonic() - started > self.timeout:
                return draw(function, *args)
            time.sleep(_POLL)

    def draw_unclaimed(self, name: str, function: str, *args: object) -> None:
        """Draw and store the chart unless another process has claimed it (then it is theirs to finish)."""
        key = chart_key(name, args)
        if self._load(key) is None:
            self._claim_and_draw(key, function, args)

    def _claim_and_draw(self, key: str, function: str, args: Sequence[object]) -> Chart | None:
        """The chart drawn and stored here, or None when another process claimed it first."""
        from .handout import draw

        try:
            handle = os.open(self.path / f"{key}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return None
        except OSError:  # the folder is gone or read-only: drawing here is always right
            return draw(function, *args)
        with os.fdopen(handle, "w") as out:
            out.write(str(os.getpid()))
        try:
            chart = draw(function, *args)
        except BaseException:  # nobody must wait for a chart that will never come
            (self.path / f"{key}.claim").unlink(missing_ok=True)
            raise
        self._store(key, chart)
        return chart

    def _load(self, key: str) -> Chart | None:
        from .rendered import Chart

        meta = self.path / f"{key}.json"
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            png = (self.path / f"{key}.png").read_bytes()
        except (OSError, ValueError):
            return None
        return Chart(png=png, **info)

    def _store(self, key: str, chart: Chart) -> None:
        """PNG first, description last: a chart is complete once its ``.json`` exists."""
        info = {f.name: getattr(chart, f.name) for f in dataclasses.fields(chart) if f.name != "png"}
        for suffix, data in ((".png", chart.png), (".json", json.dumps(info).encode())):
            part = self.path / f"{key}{suffix}.{os.getpid()}.part"
            try:
                part.write_bytes(data)
                os.replace(part, self.path / f"{key}{suffix}")
            except OSError:
                return


def _claimer_gone(claim: Path) -> bool:
    try:
        text = claim.read_text(encoding="ascii").strip()
        age = time.time() - claim.stat().st_mtime
    except OSError:
        return False
    if not text:
        return age > EMPTY_CLAIM_GRACE  # just created and its owner is writing its process id, or it died doing so
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False


class Helper:
    """The helper process of one ``report`` run and its scratch folder (removed by :meth:`close`)."""

    def __init__(
        self, parent: Path, session: Path, language: str, previous: Path | None, min_group_size: int | None = None
    ) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=".charts-", dir=parent))
        self.finished = threading.Event()
        """Set when the helper has ended: every chart is drawn (or it failed and the notebook draws the rest)."""
        self.nearly_done = threading.Event()
        """Set when one of its drawers has run out of charts to claim (so a core is free), or when it has ended."""
        command = [sys.executable, "-m", __name__, str(self.path), str(session), language, str(previous or "")]
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [*command, "" if min_group_size is None else str(min_group_size)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: close() stops the drawers it forked too
            )
        except OSError:  # no helper: the notebook draws every chart itself
            self._process = None
            self.finished.set()
            self.nearly_done.set()
        else:
            # Reaped as soon as it ends, so a crashed helper is seen as gone and its claims are taken over.
            threading.Thread(target=self._reap, args=(self._process,), daemon=True).start()

    def _reap(self, process: subprocess.Popen[bytes]) -> None:
        while True:
            try:
                process.wait(timeout=_POLL * 2)
                break
            except subprocess.TimeoutExpired:
                if not self.nearly_done.is_set() and (self.path / IDLE).exists():
                    self.nearly_done.set()
        self.nearly_done.set()
        self.finished.set()

    def close(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:  # once it has ended, its process id may belong to someone else
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        shutil.rmtree(self.path, ignore_errors=True)


def drawers() -> int:
    """How many processes draw: one per core (at most four), and one where forking is unsafe or impossible.

    macOS: system libraries may hang in a process forked after they started threads (Python's own
    multiprocessing stopped forking there for this reason).
    """
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 4))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m wholecomm_kit.prerender CHART_DIR SESSION LANGUAGE PREVIOUS MIN_GROUP_SIZE``."""
    from . import charts  # noqa: F401  (matplotlib once, before forking, so every drawer has it)
    from .analysis import DEFAULT_MIN_GROUP_SIZE
    from .handout import Handout

    chart_dir, session, language, previous, min_group_size = list(argv if argv is not None else sys.argv[1:])
    handout = Handout.load(session, language, previous or None, int(min_group_size or DEFAULT_MIN_GROUP_SIZE))
    folder = ChartDir(chart_dir)
    jobs = handout.chart_jobs()
    count = drawers()
    if count > 1:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children leave no zombies, so a crashed one is seen as gone
    children = []
    for _ in range(count - 1):
        child = os.fork()
        if child == 0:  # pragma: no cover (runs in the forked process)
            try:
                _draw_all(folder, jobs)
            finally:
                os._exit(0)
        children.append(child)
    _draw_all(folder, jobs)
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
    return 0


def _draw_all(folder: ChartDir, jobs: Sequence[tuple[str, str, tuple[object, ...]]]) -> None:
    """Every drawer goes through the charts in the handout's order, drawing those nobody has claimed yet."""
    for name, function, args in jobs:
        folder.draw_unclaimed(name, function, *args)
    with contextlib.suppress(OSError):
        (folder.path / IDLE).touch()


if __name__ == "__main__":
    raise SystemExit(main())
