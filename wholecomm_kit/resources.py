"""Where the kit's packaged files live: in an installed wheel, or in the repository checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    packaged = _PACKAGE / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def data_dir() -> Path:
    return _find("data")


def notebooks_dir() -> Path:
    return _find("notebooks")


def templates_dir() -> Path:
    return _PACKAGE / "templates"
