"""For `bench_report.py` only: the handout with every chart already drawn, to measure what is left.

Python imports this module at start-up when its folder is on PYTHONPATH, in the command and in
the notebook's kernel alike. With $WHOLECOMM_BENCH_PREDRAWN naming a pickle of the demo's charts,
the handout takes each chart from that file instead of drawing it, and `report` starts no chart
helper. Nothing else changes, so the time left is the pipeline without any chart drawing: the
lowest any drawing of the charts could reach.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

PREDRAWN = os.environ.get("WHOLECOMM_BENCH_PREDRAWN", "")


@functools.cache
def _charts() -> dict[str, Any]:
    with open(PREDRAWN, "rb") as handle:
        charts: dict[str, Any] = pickle.load(handle)
    return charts


class _NoHelper:
    """Stands in for `prerender.Helper`: no process, nothing to wait for."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.path = None
        self.finished = self.nearly_done = threading.Event()
        self.nearly_done.set()

    def close(self) -> None:
        pass


def _patch_handout(module: ModuleType) -> None:
    # Fail loudly if the kit was changed under the benchmark, rather than silently measure a normal report.
    if not callable(getattr(module.Handout, "_chart", None)):
        raise RuntimeError("predrawn: Handout._chart is gone; update benchmarks/predrawn/sitecustomize.py")
    figure = module._figure
    setattr(module.Handout, "_chart", lambda self, name: figure(_charts()[name]))  # noqa: B010


def _patch_report(module: ModuleType) -> None:
    if not hasattr(module, "Helper"):
        raise RuntimeError("predrawn: report.Helper is gone; update benchmarks/predrawn/sitecustomize.py")
    setattr(module, "Helper", _NoHelper)  # noqa: B010


PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "wholecomm_kit.handout": _patch_handout,
    "wholecomm_kit.report": _patch_report,
}


class _Patcher(importlib.abc.MetaPathFinder):
    """Patches a module right after it is first imported."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        patch = PATCHES.get(fullname)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if PREDRAWN:
    sys.meta_path.insert(0, _Patcher())
