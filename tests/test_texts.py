"""Interface texts: complete in both languages, placeholders consistent."""

from __future__ import annotations

import pytest

from wholecomm_kit.texts import all_texts, placeholders, t


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
