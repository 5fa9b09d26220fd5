"""click's own messages in the interface language: German usage lines and errors, English unchanged."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from wholecomm_kit.clicktexts import translations

PASSED_THROUGH = {"required"}
"""Texts click hands to gettext from a variable (``_(extra["required"])``), so no call names them."""


def kit(*args: str, language: str) -> subprocess.CompletedProcess[str]:
    """The command line as a facilitator runs it, with its messages in ``language``."""
    environment = {**os.environ, "WHOLECOMM_LANG": language}
    return subprocess.run(
        [sys.executable, "-m", "wholecomm_kit", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def click_texts() -> set[str]:
    """Every text click's modules hand to gettext."""
    found: set[str] = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_translated_text_is_one_click_really_uses() -> None:
    """After a click upgrade that rewords a message, this names the entry that no longer matches."""
    assert set(translations("de")) - click_texts() - PASSED_THROUGH == set()


def test_a_missing_option_and_a_wrong_value_are_explained_in_german() -> None:
    missing = kit("new-session", "--municipality", "Testdorf", language="de")
    assert missing.returncode == 2
    assert "Aufruf: wholecomm-kit new-session" in missing.stderr
    assert "Hilfe: 'wholecomm-kit new-session --help'." in missing.stderr
    assert "[OPTIONEN]" in missing.stderr
    assert "Fehler: Es fehlt die Option '--country'." in missing.stderr
    wrong = kit(
        "new-session", "--municipality", "X", "--country", "DE", "--size", "big", "--date", "2025-01-01",
        "--fields", "all", language="de",
    )  # fmt: skip
    assert "Fehler: Ungültiger Wert für '--size': 'big' ist keiner der Werte" in wrong.stderr


def test_a_mistyped_command_gets_a_german_suggestion() -> None:
    result = kit("repot", language="de")
    assert result.returncode == 2
    assert "Fehler: Den Befehl 'repot' gibt es nicht. Meinten Sie 'report'?" in result.stderr


def test_help_is_german_and_english_stays_as_it_was() -> None:
    german = kit("import", "--help", language="de")
    assert german.returncode == 0
    assert german.stdout.startswith("Aufruf: wholecomm-kit import")
    assert "Antworten aus einer CSV-Datei oder einer Excel-Arbeitsmappe" in german.stdout
    assert "Optionen:" in german.stdout
    assert "Diese Hilfe zeigen und beenden." in german.stdout
    english = kit("import", "--help", language="en")
    assert english.stdout.startswith("Usage: wholecomm-kit import")
    assert "Show this message and exit." in english.stdout


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_overview_lists_the_steps_of_a_workshop(language: str) -> None:
    result = kit("--help", language=language)
    assert result.returncode == 0
    assert ("Ablauf eines Workshops:" if language == "de" else "Running a workshop:") in result.stdout
    assert "wholecomm-kit paper-forms SESSION" in result.stdout


def test_the_version_line_and_its_help_are_german_too() -> None:
    assert kit("--version", language="de").stdout.startswith("wholecomm-kit, Version ")
    assert "--version   Die Version zeigen und beenden." in kit("--help", language="de").stdout
    assert kit("--version", language="en").stdout.startswith("wholecomm-kit, version ")
