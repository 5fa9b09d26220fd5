"""Benchmark of `wholecomm-kit report` on the demo session (issue: handout).

Four routes, measured in the same run, each repeated and summarised by the median:
  floor     an empty notebook through the same pipeline (papermill → HTML → PDF)
  report    `wholecomm-kit report` on the demo session (HTML and PDF)
  naive     `papermill handout.ipynb … && jupyter nbconvert --to html --no-input …` (HTML only)
  predrawn  `report` again, with every chart taken ready-drawn from a file (predrawn/sitecustomize.py):
            no drawing at all, so the lowest time any speed-up of the charts could reach
Targets: report <= 1.5x floor and <= 0.6x naive. The predrawn row has no target: it shows how far
below the report's time the floor target lies even without charts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from common import REPO, Row, median, print_table, timed

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per route (the median counts)")
    args = parser.parse_args()
    kit = str(BIN / "wholecomm-kit")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        session = timed_demo(kit, work)
        routes = {
            "floor": [kit, "report", str(session), "--notebook", str(REPO / "benchmarks" / "empty_handout.ipynb")],
            "report": [kit, "report", str(session)],
        }
        naive_out = work / "naive.ipynb"
        naive = [
            [
                str(BIN / "papermill"),
                str(REPO / "notebooks" / "handout.ipynb"),
                str(naive_out),
                "-p",
                "session_dir",
                str(session),
                "-k",
                "python3",
                "--cwd",
                str(session),
                "--no-progress-bar",
            ],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(naive_out)],
        ]
        predrawn_env = predrawn(session, work)
        times: dict[str, list[float]] = {"floor": [], "report": [], "naive": [], "predrawn": []}
        timed(routes["report"])  # warm the disk cache and the font cache once
        for _ in range(args.repeat):  # interleaved, so drift on the machine hits every route alike
            times["floor"].append(timed(routes["floor"]))
            times["report"].append(timed(routes["report"]))
            times["naive"].append(sum(timed(step) for step in naive))
            times["predrawn"].append(timed(routes["report"], env=predrawn_env))
    floor, report, naive_time, without_charts = (median(times[k]) for k in ("floor", "report", "naive", "predrawn"))
    print_table(
        f"wholecomm-kit report on the demo session (median of {args.repeat} runs each)",
        [
            Row("report (html+pdf)", report, "empty notebook, same pipeline", floor, "s", 1.5),
            Row("report (html+pdf)", report, "papermill && nbconvert (html)", naive_time, "s", 0.6),
            Row("report, charts predrawn", without_charts, "empty notebook, same pipeline", floor, "s", None),
        ],
    )
    return 0


def predrawn(session: Path, work: Path) -> dict[str, str]:
    """Draw the demo's charts once into a file; the environment that makes `report` take them from there."""
    import subprocess

    charts = work / "charts.pickle"
    draw = (
        "import pickle, sys\n"
        "from wholecomm_kit.handout import Handout, draw\n"
        "handout = Handout.load(sys.argv[1])\n"
        "charts = {name: draw(function, *args) for name, function, args in handout.chart_jobs()}\n"
        "pickle.dump(charts, open(sys.argv[2], 'wb'))\n"
    )
    subprocess.run([sys.executable, "-c", draw, str(session), str(charts)], check=True)
    shim = str(REPO / "benchmarks" / "predrawn")
    path = os.pathsep.join(p for p in (shim, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "WHOLECOMM_BENCH_PREDRAWN": str(charts)}


def timed_demo(kit: str, work: Path) -> Path:
    import subprocess

    out = subprocess.run([kit, "demo", "--dir", str(work), "--no-handout"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[0])


if __name__ == "__main__":
    raise SystemExit(main())
