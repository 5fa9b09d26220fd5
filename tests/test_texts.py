"""Interface texts: complete in both languages, placeholders consistent, every message in the interface language."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import wholecomm_kit
from wholecomm_kit.exceptions import CatalogError, KitError
from wholecomm_kit.texts import all_texts, interface_language, placeholders, say, speaking, t

PACKAGE = Path(wholecomm_kit.__file__).parent


def test_every_text_has_german_and_english_with_the_same_placeholders() -> None:
    texts = all_texts()
    assert texts, "data/texts holds no texts"
    for key, text in texts.items():
        assert text.de.strip(), key
        assert text.en.strip(), key
        assert placeholders(text.de) == placeholders(text.en), key


def test_unknown_keys_and_languages_fail_loudly() -> None:
    key = next(iter(all_texts()))
    with pytest.raises(KeyError):
        t(key, "fr")
    with pytest.raises(KeyError):
        t("no.such.text", "de")


# --- the interface language and the messages ---------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"WHOLECOMM_LANG": "de", "LANG": "en_GB.UTF-8"}, "de"),
        ({"WHOLECOMM_LANG": "EN", "LANG": "de_DE.UTF-8"}, "en"),
        ({"WHOLECOMM_LANG": "fr", "LANG": "de_AT.UTF-8"}, "de"),  # a language the kit lacks: the computer's
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANGUAGE": "de:en", "LANG": "C.UTF-8"}, "de"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_interface_language_follows_the_setting_then_the_computer(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("WHOLECOMM_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert interface_language() == expected


def test_say_speaks_the_interface_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert say("cli.valid", session="x") == "x: in Ordnung."
    monkeypatch.setenv("WHOLECOMM_LANG", "en")
    assert say("cli.valid", session="x") == "x: valid."


BOOTSTRAP = {("texts.py", "all_texts")}
"""Where errors stay English: they report broken text files, which say() itself would need."""


def _kit_error_names() -> set[str]:
    for module in sorted(PACKAGE.glob("*.py")):
        if module.stem != "__main__":  # that one runs the command line
            importlib.import_module(f"wholecomm_kit.{module.stem}")
    names: set[str] = set()
    pending: list[type] = [KitError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return names | {"Problem", "RowProblem"}


def _has_words(node: ast.AST) -> bool:
    """Whether an expression spells out text of its own (a literal, or the literal parts of an f-string)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    return False


REASON_AT = {"Problem": 3, "RowProblem": 1}
"""Where the words are among a problem's arguments."""


def _on_click(node: ast.Call) -> bool:
    """``click.option(…)``, ``cli.command(…)``, ``click.group(…)``: not a regular expression's ``match.group(…)``."""
    return isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") in ("click", "cli")


def _called(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def test_every_message_for_the_person_running_the_kit_is_a_text_in_both_languages() -> None:
    """No error, problem, CLI line or option help is spelled out in the code: all go through say()."""
    errors = _kit_error_names()
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exempt = {
            id(inner)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef) and (path.name, function.name) in BOOTSTRAP
            for inner in ast.walk(function)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in exempt:
                continue
            name = _called(node)
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if name in REASON_AT:  # the other arguments are places (files, columns), not words
                position = REASON_AT[name]
                reasons = [*node.args[position : position + 1], *(k.value for k in node.keywords if k.arg == "reason")]
                spelled = [a for a in reasons if _has_words(a)]
            elif name in errors or name == "echo":
                spelled = [a for a in arguments if _has_words(a)]
            elif name in ("option", "command", "group") and _on_click(node):
                spelled = [k.value for k in node.keywords if k.arg == "help" and _has_words(k.value)]
                if name in ("command", "group") and not any(k.arg == "help" for k in node.keywords):
                    spelled = [node]
            else:
                continue
            found += [f"{path.name}:{a.lineno}: {ast.unparse(a)[:90]}" for a in spelled]
    assert found == [], "messages not in data/texts/messages:\n" + "\n".join(found)


def test_every_message_the_code_asks_for_exists() -> None:
    texts = all_texts()
    missing = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called(node) in ("say", "_help") and node.args:
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    full = key.value if key.value.startswith("messages.") else f"messages.{key.value}"
                    if full not in texts:
                        missing.append(f"{path.name}:{node.lineno}: {key.value}")
    assert missing == []


def test_a_broken_text_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.yaml").write_text("key: {de: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr("wholecomm_kit.texts.texts_dir", lambda: tmp_path)
    all_texts.cache_clear()
    try:
        with pytest.raises(CatalogError, match=r"broken\.yaml: not readable as UTF-8 YAML"):
            all_texts()
    finally:
        all_texts.cache_clear()


@pytest.mark.parametrize(
    ("text", "where", "key", "first"),
    [
        (
            'saved:\n  de: "Gespeichert"\n  en: "Saved"\nsaved:\n  de: "Gesichert"\n  en: "Kept"\n',
            "4, column 1",
            "saved",
            1,
        ),
        ('saved:\n  de: "Gespeichert"\n  en: "Saved"\n  de: "Gesichert"\n', "4, column 3", "de", 2),
        ("saved: {de: Gespeichert, en: Saved, en: Kept}\n", "1, column 37", "en", 1),
    ],
)
def test_a_key_given_twice_in_a_text_file_is_named_with_its_line_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, where: str, key: str, first: int
) -> None:
    """Plain YAML loading keeps the last of two equal keys without a word: a text would change unseen."""
    (tmp_path / "messages").mkdir()
    path = tmp_path / "messages" / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr("wholecomm_kit.texts.texts_dir", lambda: tmp_path)
    all_texts.cache_clear()
    try:
        with pytest.raises(CatalogError) as caught:
            all_texts()
    finally:
        all_texts.cache_clear()
    assert str(caught.value) == (
        f"{path}, line {where}: '{key}' is given twice in the same mapping (first in line {first}); YAML allows each "
        "key only once per mapping (else the last would count without a word): delete the wrong one"
    )


def test_speaking_sets_the_language_inside_a_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "en")
    with speaking("de"):
        assert say("cli.valid", session="x") == "x: in Ordnung."
        with speaking("en"):
            assert interface_language() == "en"
        assert interface_language() == "de"
    assert say("cli.valid", session="x") == "x: valid."


def test_the_operating_systems_reasons_are_given_in_the_interface_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from wholecomm_kit.texts import os_reason

    folder = IsADirectoryError(errno.EISDIR, "Is a directory")
    assert os_reason(folder) == "this is a folder, not a file"
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert os_reason(folder) == "das ist ein Ordner, keine Datei"
    assert os_reason(OSError(errno.EIO, "Input/output error")) == "Input/output error"  # rare ones as the system says


def test_every_reworded_message_of_another_library_has_its_text() -> None:
    """The keys in these tables are not literal say() calls, so the scan above cannot see them."""
    from wholecomm_kit.session import _JSON_REASONS
    from wholecomm_kit.store import _CSV_REASONS
    from wholecomm_kit.texts import _OS_REASONS, all_texts

    texts = all_texts()
    keys = [*_JSON_REASONS.values(), *_CSV_REASONS.values(), *(f"os.{k}" for k in _OS_REASONS.values())]
    assert [k for k in keys if f"messages.{k}" not in texts] == []
