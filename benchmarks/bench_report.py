"""Benchmark of `wholecomm-kit report` on the demo session (issue: handout).

Three routes, measured in the same run, each repeated and summarised by the median:
  floor   an empty notebook through the same pipeline (papermill → HTML → PDF)
  report  `wholecomm-kit report` on the demo session (HTML and PDF)
  naive   `papermill handout.ipynb … && jupyter nbconvert --to html --no-input …` (HTML only)
Targets: report <= 1.5x floor and <= 0.6x naive.
"""

from __future__ import annotations

import argparse
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
        times: dict[str, list[float]] = {"floor": [], "report": [], "naive": []}
        timed(routes["report"])  # warm the disk cache and the font cache once
        for _ in range(args.repeat):  # interleaved, so drift on the machine hits every route alike
            times["floor"].append(timed(routes["floor"]))
            times["report"].append(timed(routes["report"]))
            times["naive"].append(sum(timed(step) for step in naive))
    floor, report, naive_time = (median(times[k]) for k in ("floor", "report", "naive"))
    print_table(
        f"wholecomm-kit report on the demo session (median of {args.repeat} runs each)",
        [
            Row("report (html+pdf)", report, "empty notebook, same pipeline", floor, "s", 1.5),
            Row("report (html+pdf)", report, "papermill && nbconvert (html)", naive_time, "s", 0.6),
        ],
    )
    return 0


def timed_demo(kit: str, work: Path) -> Path:
    import subprocess

    out = subprocess.run([kit, "demo", "--dir", str(work), "--no-handout"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[0])


if __name__ == "__main__":
    raise SystemExit(main())
