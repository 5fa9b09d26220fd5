"""Shared pieces of the benchmarks: timing, medians and the result table."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One measured quantity, its baseline from the same run, and the target ratio."""

    name: str
    value: float
    baseline_name: str
    baseline: float
    unit: str
    target: float | None

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.ratio <= self.target else "MISSED"


def timed(command: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(list(command), check=True, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(title: str, rows: Sequence[Row]) -> None:
    headers = ("measure", "value", "baseline (same run)", "ratio", "target", "")
    body = [
        (
            r.name,
            f"{r.value:.2f} {r.unit}",
            f"{r.baseline_name}: {r.baseline:.2f} {r.unit}",
            f"{r.ratio:.2f}x",
            f"<= {r.target:.2f}x" if r.target is not None else "",
            r.verdict,
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *body, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(f"\n{title}")
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for row in body:
        print(line.format(*row))
