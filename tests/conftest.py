"""Shared fixtures: fresh sessions in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wholecomm_kit.catalog import Catalog, load_catalog
from wholecomm_kit.session import Session, create_session
from wholecomm_kit.store import SessionStore

# The tests read the kit's messages in English, whatever this computer's language; tests of the German
# messages set it themselves. Set here, before anything runs, so that every process the tests start inherits it.
os.environ["WHOLECOMM_LANG"] = "en"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return create_session(
        municipality="Neustadt am See",
        country="DE",
        size="small_town",
        date="2025-06-12",
        fields="governance,housing",
        language="de",
        directory=tmp_path / "workshops",
    )


@pytest.fixture
def store(session: Session) -> SessionStore:
    return SessionStore.open(session)
