"""Respondent ids: what the kit makes and what it recognises as its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wholecomm_kit.records import ID_ALPHABET, kit_id, new_respondent_id


def test_new_ids_spell_no_words() -> None:
    """No vowels (and no 0/O, 1/I/L): an id card must not read as a word, nor be misread."""
    made = {new_respondent_id(prefix="P") for _ in range(2000)}
    letters = {c for made_id in made for c in made_id[2:]}
    assert not letters & set("AEIOU01L")
    assert len(letters) == len(ID_ALPHABET) - 3  # every other character is used


@given(st.text(alphabet=ID_ALPHABET, min_size=4, max_size=4), st.sampled_from("RPrp"))
def test_ids_made_before_with_vowels_are_still_the_kits(body: str, prefix: str) -> None:
    """Sessions from before keep ids such as R-HERE: they must still be read in any case as one person."""
    assert kit_id(f"{prefix}-{body.lower()}") == f"{prefix.upper()}-{body}"
