"""Interface texts in German and English, kept in declarative YAML files.

Each file in ``data/texts`` holds the texts of one part of the kit
(``checklist.yaml``, ``handout.yaml`` …); a text's key is the file name and the
entry name, e.g. ``checklist.saved``; files in subfolders add the folder, e.g.
``messages.session.missing`` from ``messages/session.yaml``. Placeholders use
``{name}`` and must be the same in both languages.

Workshop texts (checklists, charts, handout) follow the session's language. Messages
for the person running the kit (the command line, errors) follow the *interface
language*: ``WHOLECOMM_LANG`` if set, else the computer's language setting.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import os
import string
from collections.abc import Iterator
from pathlib import Path

import yaml

from .catalog import LANGUAGES, Text, _CatalogLoader, _RepeatedKey
from .exceptions import CatalogError
from .resources import data_dir


def texts_dir() -> Path:
    return data_dir() / "texts"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@functools.cache
def all_texts() -> dict[str, Text]:
    """Every interface text, checked for both languages and matching placeholders.

    Its errors stay in English: they are about the text files themselves, so :func:`say` cannot be used to word them.
    The files are read as the catalogue's are: a key given twice in one mapping (which plain YAML loading would let
    pass, keeping the last) is an error naming the file, line and column.
    """
    texts: dict[str, Text] = {}
    root = texts_dir()
    for path in sorted(root.rglob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CatalogLoader) or {}
        except _RepeatedKey as exc:
            line, column, first = exc.mark.line + 1, exc.mark.column + 1, exc.first.line + 1
            raise CatalogError(
                f"{path}, line {line}, column {column}: '{exc.key}' is given twice in the same mapping (first in line"
                f" {first}); YAML allows each key only once per mapping (else the last would count without a word):"
                " delete the wrong one"
            ) from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CatalogError(f"{path}: not readable as UTF-8 YAML: {exc}") from None
        if not isinstance(data, dict):
            raise CatalogError(f"{path}: expected entries of the form  key: {{de: …, en: …}}")
        for key, value in data.items():
            if not isinstance(value, dict) or set(value) != set(LANGUAGES):
                raise CatalogError(f"{path}: {key}: needs exactly the languages {', '.join(LANGUAGES)}")
            if not all(isinstance(value[lang], str) and value[lang].strip() for lang in LANGUAGES):
                raise CatalogError(f"{path}: {key}: every language needs a non-empty text")
            if placeholders(value["de"]) != placeholders(value["en"]):
                raise CatalogError(f"{path}: {key}: the German and English texts use different placeholders")
            prefix = ".".join(path.relative_to(root).with_suffix("").parts)
            texts[f"{prefix}.{key}"] = Text(de=value["de"], en=value["en"])
    return texts


def t(key: str, language: str, /, **values: object) -> str:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled in."""
    try:
        text = all_texts()[key].get(language)
    except KeyError:  # a mistake in the kit's code, not something the person running it can fix: English
        raise KeyError(f"no interface text {key!r} in language {language!r}") from None
    return text.format(**values) if values else text


LANGUAGE_ENV = "WHOLECOMM_LANG"
"""``de`` or ``en``: the language of the kit's messages, whatever the computer's setting."""
_LOCALE_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


_speaking: contextvars.ContextVar[str | None] = contextvars.ContextVar("speaking", default=None)


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Messages made inside the block speak ``language``: a checklist explains a failed save in the workshop's."""
    token = _speaking.set(language)
    try:
        yield
    finally:
        _speaking.reset(token)


def interface_language() -> str:
    """The language for messages to the person running the kit: ``WHOLECOMM_LANG``, else the locale, else English.

    Read on every call, so a test (or a long-running server) sees a change at once. Inside
    :func:`speaking` it is that block's language.
    """
    inside = _speaking.get()
    if inside in LANGUAGES:
        return inside
    chosen = os.environ.get(LANGUAGE_ENV, "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in _LOCALE_ENV:
        value = os.environ.get(name, "").strip()
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


def say(key: str, /, **values: object) -> str:
    """The message ``messages.<key>`` in the interface language, with ``{placeholders}`` filled in."""
    return t(f"messages.{key}", interface_language(), **values)


_OS_REASONS = {
    errno.ENOENT: "missing",
    errno.EISDIR: "is_a_folder",
    errno.ENOTDIR: "not_a_folder",
    errno.EACCES: "no_permission",
    errno.EPERM: "no_permission",
    errno.ENOSPC: "disk_full",
    errno.EROFS: "read_only",
    errno.EEXIST: "exists",
    errno.ENAMETOOLONG: "name_too_long",
    errno.EBUSY: "busy",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in the interface language (its own text is English)."""
    key = _OS_REASONS.get(exc.errno or 0)
    if key is not None:
        return say(f"os.{key}")
    return exc.strerror or str(exc)


def reworded(message: str, reasons: dict[str, str]) -> str:
    """Another library's English message in the kit's words: ``reasons`` maps its beginnings to message keys.

    A message not in the list is quoted as it is (rare ones are not worth a translation that may go stale).
    """
    for start, key in reasons.items():
        if message.startswith(start):
            return say(key)
    return message
