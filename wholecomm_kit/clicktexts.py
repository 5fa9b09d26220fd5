"""click's own messages (usage lines, "Missing option", "Invalid value for …") in the interface language.

click marks its texts for gettext but ships no translations. The German ones live with the kit's
other texts (``data/texts/messages/click.yaml``, the English original as the key), and
:func:`use_interface_language` hands them to click's modules in place of gettext. A text click
changes or adds simply stays English.
"""

from __future__ import annotations

import functools
import gettext
import importlib
from collections.abc import Callable

from .texts import all_texts, interface_language

_CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
)
_PREFIX = "messages.click."


@functools.cache
def translations(language: str) -> dict[str, str]:
    """click's English text → the text in ``language``."""
    return {text.en: text.get(language) for key, text in all_texts().items() if key.startswith(_PREFIX)}


def use_interface_language() -> None:
    """Have click speak the interface language (a no-op for English)."""
    language = interface_language()
    if language == "en":
        return
    table = translations(language)

    def translate(message: str) -> str:
        return table.get(message, message)

    def translate_plural(singular: str, plural: str, n: int) -> str:
        return translate(singular if n == 1 else plural)

    for name in _CLICK_MODULES:
        module = importlib.import_module(name)
        _replace(module, "_", gettext.gettext, translate)
        _replace(module, "ngettext", gettext.ngettext, translate_plural)


def _replace(module: object, name: str, original: Callable[..., str], replacement: Callable[..., str]) -> None:
    if getattr(module, name, None) is original:
        setattr(module, name, replacement)
