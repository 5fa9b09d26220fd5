"""The toolbox catalogue: exact contents, id rules, vocabularies, validation errors and the JSON export."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wholecomm_kit.catalog import LANGUAGES, Catalog, Standard, Text, load_catalog
from wholecomm_kit.cli import cli
from wholecomm_kit.exceptions import CatalogError, KitError
from wholecomm_kit.resources import data_dir
from wholecomm_kit.session import slugify

FIELD_IDS = ("governance", "employment", "education", "health", "housing")
PREFIXES = ("GOV", "EMP", "EDU", "HEA", "HOU")
CHALLENGES = (8, 6, 6, 4, 6)
GROUPS = (6, 6, 5, 6, 7)
STANDARDS = (22, 18, 14, 10, 16)
PRACTICE_PLACES = (
    ("Avigliana, Susa Valley", "IT"),
    ("Dessau-Roßlau", "DE"),
    ("Hudiksvall", "SE"),
    ("Flanders", "BE"),
    ("Rostock", "DE"),
    ("Coevorden", "NL"),
    ("Leuven", "BE"),
    ("St. Pölten", "AT"),
)
STAKEHOLDER_GROUPS = (
    "administration",
    "politics",
    "civil_society",
    "migrant_organisation",
    "business",
    "service_provider",
    "research",
    "other",
)
JSON_KEYS = {
    "fields",
    "groups",
    "standards",
    "challenges",
    "practices",
    "scale",
    "stakeholder_groups",
    "sizes",
    "priorities",
    "version",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --------------------------------------------------------------------------- exact contents


def test_the_five_fields_in_order(catalog: Catalog) -> None:
    assert catalog.field_ids == FIELD_IDS
    assert tuple(f.prefix for f in catalog.fields) == PREFIXES
    assert tuple(f.number for f in catalog.fields) == (1, 2, 3, 4, 5)
    assert catalog.fields[0].title.en == "Governance"


def test_counts_per_field(catalog: Catalog) -> None:
    assert tuple(len(f.challenges) for f in catalog.fields) == CHALLENGES
    assert tuple(len(f.groups) for f in catalog.fields) == GROUPS
    assert tuple(len(f.standards) for f in catalog.fields) == STANDARDS


def test_totals(catalog: Catalog) -> None:
    assert len(catalog.challenges) == 30
    assert len(catalog.groups) == 30
    assert len(catalog.standards) == 80
    assert len(catalog.practices) == 8


def test_practice_examples_with_places_and_countries(catalog: Catalog) -> None:
    assert tuple((p.place.en, p.country) for p in catalog.practices) == PRACTICE_PLACES
    avigliana = catalog.practices[0]
    assert avigliana.place.en == "Avigliana, Susa Valley"
    assert avigliana.place.de == "Avigliana, Susatal"  # as the toolbox writes it
    assert [p.place.de for p in catalog.practices if p.country == "BE"] == ["Flandern", "Leuven"]
    assert catalog.practices[4].place == Text(de="Rostock", en="Rostock")  # a plain name in the file is both


def test_default_catalog_is_read_once(catalog: Catalog) -> None:
    assert load_catalog() is load_catalog()
    assert load_catalog() == catalog


# --------------------------------------------------------------------------- ids and texts


def test_standard_ids_are_prefix_group_item(catalog: Catalog) -> None:
    for field in catalog.fields:
        for group in field.groups:
            for m, standard in enumerate(group.standards, start=1):
                assert standard.id == f"{field.prefix}-{group.number}-{m}"
                assert re.fullmatch(r"[A-Z]{3}-[1-9][0-9]*-[1-9][0-9]*", standard.id)
                assert standard.field_id == field.id
                assert standard.group_id == group.id
                assert standard.number == m
    assert catalog.standards[0].id == "GOV-1-1"


def test_challenge_and_group_ids(catalog: Catalog) -> None:
    for field in catalog.fields:
        assert [c.id for c in field.challenges] == [f"{field.prefix}-C{n}" for n in range(1, len(field.challenges) + 1)]
        assert [g.id for g in field.groups] == [f"{field.prefix}-G{n}" for n in range(1, len(field.groups) + 1)]
        assert [g.number for g in field.groups] == list(range(1, len(field.groups) + 1))
        assert [p.id for p in field.practices] == [f"{field.prefix}-P{n}" for n in range(1, len(field.practices) + 1)]
    assert catalog.challenges[0].id == "GOV-C1"
    assert catalog.groups[0].id == "GOV-G1"


def test_all_ids_are_unique(catalog: Catalog) -> None:
    ids = [
        *catalog.field_ids,
        *(c.id for c in catalog.challenges),
        *(g.id for g in catalog.groups),
        *(s.id for s in catalog.standards),
        *(p.id for p in catalog.practices),
    ]
    assert len(ids) == len(set(ids)) == 5 + 30 + 30 + 80 + 8


def test_every_standard_is_phrased_as_a_statement_about_our_municipality(catalog: Catalog) -> None:
    for standard in catalog.standards:
        assert standard.text.de.startswith("In unserer Kommune"), standard.id
        assert standard.text.en.startswith("In our municipality"), standard.id
        assert standard.source.strip(), standard.id


def _all_texts(catalog: Catalog) -> list[Text]:
    texts: list[Text] = []
    for f in catalog.fields:
        texts += [f.title, f.description]
        texts += [c.text for c in f.challenges]
        texts += [g.title for g in f.groups]
        texts += [t for s in f.standards for t in (s.short, s.text)]
        texts += [t for p in f.practices for t in (p.name, p.summary)]
    for vocabulary in (
        catalog.responses,
        catalog.priorities,
        catalog.stakeholder_groups,
        catalog.sizes,
        catalog.challenge_answers,
        catalog.action_statuses,
    ):
        texts += [o.label for o in vocabulary]
    texts += [r.label for r in catalog.ratings]
    return texts


def test_every_text_has_both_languages(catalog: Catalog) -> None:
    texts = _all_texts(catalog)
    # 5 fields x 2 + 30 challenges + 30 groups + 80 standards x 2 + 8 practices x 2 + 24 options + 4 ratings
    assert len(texts) == 274
    for text in texts:
        for language in LANGUAGES:
            value = text.get(language)
            assert value.strip() == value != ""
        assert text.as_dict() == {"de": text.de, "en": text.en}


def test_every_practice_refers_to_existing_standards(catalog: Catalog) -> None:
    known = {s.id for s in catalog.standards}
    for practice in catalog.practices:
        assert practice.standard_ids, practice.id
        assert set(practice.standard_ids) <= known, practice.id
        for ref in practice.standard_ids:
            assert catalog.standard(ref).id == ref


def test_lookups_by_id(catalog: Catalog) -> None:
    assert catalog.field("health").prefix == "HEA"
    assert catalog.standard("GOV-1-1").group_id == "GOV-G1"
    assert catalog.challenge("HEA-C4").field_id == "health"
    assert catalog.group("HOU-G7").field_id == "housing"
    assert catalog.practice("HOU-P3").place.get("de") == "St. Pölten"


@pytest.mark.parametrize(
    ("method", "key"),
    [("standard", "GOV-9-9"), ("standard", "GOV-C1"), ("challenge", "GOV-1-1"), ("field", "GOV"), ("practice", "")],
)
def test_lookups_refuse_unknown_ids_and_ids_of_another_kind(catalog: Catalog, method: str, key: str) -> None:
    lookup: Callable[[str], object] = getattr(catalog, method)
    with pytest.raises(KeyError):
        lookup(key)


@given(st.data())
def test_any_standard_is_found_by_its_id_in_its_group_and_field(data: st.DataObject) -> None:
    catalog = load_catalog()
    standard = data.draw(st.sampled_from(catalog.standards))
    assert catalog.standard(standard.id) is standard
    assert standard in catalog.group(standard.group_id).standards
    assert standard in catalog.field(standard.field_id).standards
    assert isinstance(standard, Standard)


# --------------------------------------------------------------------------- the scale and vocabularies


def test_ratings_run_from_0_to_3_with_labels(catalog: Catalog) -> None:
    assert [r.value for r in catalog.ratings] == [0, 1, 2, 3]
    assert catalog.label("ratings", 0, "de") == "Nicht vorhanden"
    assert catalog.label("ratings", 3, "en") == "Fully in place"
    assert catalog.label("ratings", "2", "en") == "Partly in place"
    assert len({r.label.en for r in catalog.ratings}) == 4


def test_vocabularies(catalog: Catalog) -> None:
    assert catalog.ids("responses") == ("rated", "dont_know", "not_applicable")
    assert catalog.ids("priorities") == ("low", "medium", "high")
    assert catalog.ids("stakeholder_groups") == STAKEHOLDER_GROUPS
    assert catalog.ids("sizes") == ("rural", "small_town", "medium_town")
    assert catalog.label("priorities", "high", "de") == "Hoch"
    assert catalog.label("sizes", "small_town", "en") == "Small town"
    assert catalog.label("responses", "dont_know", "de") == "Weiß nicht"


@pytest.mark.parametrize("vocabulary", ["responses", "priorities", "stakeholder_groups", "sizes"])
def test_every_option_is_labelled_in_german_and_english(catalog: Catalog, vocabulary: str) -> None:
    for option_id in catalog.ids(vocabulary):
        de = catalog.label(vocabulary, option_id, "de")
        en = catalog.label(vocabulary, option_id, "en")
        assert de.strip()
        assert en.strip()
    labels_en = [catalog.label(vocabulary, o, "en") for o in catalog.ids(vocabulary)]
    assert len(set(labels_en)) == len(labels_en)


def test_unknown_labels_and_languages_are_refused(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        catalog.label("priorities", "urgent", "de")
    with pytest.raises(KeyError):
        catalog.label("ratings", 4, "en")
    with pytest.raises(KeyError):
        catalog.label("priorities", "high", "fr")
    with pytest.raises(KeyError):
        catalog.fields[0].title.get("fr")


def test_version_and_languages(catalog: Catalog) -> None:
    assert isinstance(catalog.version, str)
    assert catalog.version == "2024.1-kit.1"
    assert catalog.languages == LANGUAGES == ("de", "en")


# --------------------------------------------------------------------------- validation errors


@pytest.fixture
def toolbox(tmp_path: Path) -> Path:
    """A private copy of data/toolbox to break on purpose."""
    target = tmp_path / "toolbox"
    shutil.copytree(data_dir() / "toolbox", target)
    return target


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _error(directory: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(directory)
    assert isinstance(info.value, KitError)
    return str(info.value)


def test_an_untouched_copy_loads_like_the_original(toolbox: Path, catalog: Catalog) -> None:
    copy = load_catalog(toolbox)
    assert copy is not catalog
    assert copy == catalog


def test_a_yaml_round_trip_of_the_copy_still_loads(toolbox: Path, catalog: Catalog) -> None:
    for path in toolbox.glob("*.yaml"):
        _write(path, _read(path))
    assert load_catalog(toolbox).to_dict() == catalog.to_dict()


@pytest.mark.parametrize("place", ['{de: "Flandern"}', "[Flanders, Flandern]", '""'])
def test_a_place_is_a_name_or_a_text_in_every_language(toolbox: Path, place: str) -> None:
    _replace(toolbox / "education.yaml", 'place: {de: "Flandern", en: "Flanders"}', f"place: {place}")
    message = _error(toolbox)
    assert str(toolbox / "education.yaml") in message
    assert "EDU-P1" in message
    assert "place" in message


def test_duplicate_standard_id_in_a_group(toolbox: Path) -> None:
    _replace(toolbox / "governance.yaml", "- id: GOV-1-2", "- id: GOV-1-1")
    message = _error(toolbox)
    assert str(toolbox / "governance.yaml") in message
    assert "GOV-1-1" in message


def test_duplicate_standard_id_in_another_file(toolbox: Path) -> None:
    data = _read(toolbox / "employment.yaml")
    data["groups"][0]["standards"][0]["id"] = "GOV-1-1"
    _write(toolbox / "employment.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "employment.yaml") in message
    assert "GOV-1-1" in message


def _give_employment_the_governance_prefix(toolbox: Path) -> Path:
    """Rewrite employment.yaml with the prefix GOV: its ids GOV-C1, GOV-1-1 … now clash with governance.yaml."""
    path = toolbox / "employment.yaml"
    text = re.sub(r"\bEMP-", "GOV-", path.read_text(encoding="utf-8")).replace("prefix: EMP", "prefix: GOV")
    path.write_text(text, encoding="utf-8")
    return path


def test_ids_clashing_across_files_are_refused(toolbox: Path) -> None:
    _give_employment_the_governance_prefix(toolbox)
    message = _error(toolbox)
    assert "prefix GOV" in message
    assert "already used by" in message


def test_ids_clashing_across_files_name_the_offending_file(toolbox: Path) -> None:
    path = _give_employment_the_governance_prefix(toolbox)
    message = _error(toolbox)
    assert str(path) in message
    assert "employment" in message


def test_missing_english_translation_of_a_standard(toolbox: Path) -> None:
    data = _read(toolbox / "education.yaml")
    standard = data["groups"][1]["standards"][0]
    assert standard["id"] == "EDU-2-1"
    del standard["text"]["en"]
    _write(toolbox / "education.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "education.yaml") in message
    assert "EDU-2-1" in message
    assert "English" in message


def test_blank_english_translation_counts_as_missing(toolbox: Path) -> None:
    data = _read(toolbox / "health.yaml")
    data["challenges"][2]["text"]["en"] = "   "
    _write(toolbox / "health.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "health.yaml") in message
    assert "HEA-C3" in message
    assert "English" in message


def test_missing_english_label_in_the_scale(toolbox: Path) -> None:
    data = _read(toolbox / "scale.yaml")
    assert data["sizes"][1]["id"] == "small_town"
    del data["sizes"][1]["label"]["en"]
    _write(toolbox / "scale.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "scale.yaml") in message
    assert "small_town" in message
    assert "English" in message


def test_unknown_language_is_refused(toolbox: Path) -> None:
    data = _read(toolbox / "housing.yaml")
    data["groups"][0]["title"]["fr"] = "Logement"
    _write(toolbox / "housing.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "housing.yaml") in message
    assert "HOU-G1" in message
    assert "fr" in message


def test_practice_referring_to_a_missing_standard(toolbox: Path) -> None:
    data = _read(toolbox / "housing.yaml")
    practice = data["practices"][1]
    assert practice["id"] == "HOU-P2"
    practice["standards"].append("HOU-9-9")
    _write(toolbox / "housing.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "housing.yaml") in message
    assert "HOU-P2" in message
    assert "HOU-9-9" in message


@pytest.mark.parametrize("name", ["health.yaml", "scale.yaml"])
def test_missing_file(toolbox: Path, name: str) -> None:
    (toolbox / name).unlink()
    message = _error(toolbox)
    assert str(toolbox / name) in message
    assert "missing" in message


def test_broken_yaml_names_file_and_line(toolbox: Path) -> None:
    path = toolbox / "governance.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    line_no = lines.index("      - id: GOV-1-2") + 1
    _replace(path, "- id: GOV-1-2", "- id: [GOV-1-2")
    message = _error(toolbox)
    assert str(path) in message
    assert f"line {line_no}" in message


def test_file_that_is_not_utf8(toolbox: Path) -> None:
    path = toolbox / "education.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    message = _error(toolbox)
    assert str(path) in message
    assert "UTF-8" in message


def test_file_that_is_not_a_mapping(toolbox: Path) -> None:
    (toolbox / "health.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    message = _error(toolbox)
    assert str(toolbox / "health.yaml") in message
    assert "mapping" in message


def test_file_declaring_the_wrong_field(toolbox: Path) -> None:
    _replace(toolbox / "health.yaml", "id: health", "id: healthcare")
    message = _error(toolbox)
    assert str(toolbox / "health.yaml") in message
    assert "healthcare" in message


def test_standard_id_out_of_place(toolbox: Path) -> None:
    _replace(toolbox / "housing.yaml", "- id: HOU-2-3", "- id: HOU-2-33")
    message = _error(toolbox)
    assert str(toolbox / "housing.yaml") in message
    assert "HOU-2-33" in message


def test_bad_country_code_of_a_practice(toolbox: Path) -> None:
    data = _read(toolbox / "employment.yaml")
    data["practices"][0]["country"] = "SWE"
    _write(toolbox / "employment.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "employment.yaml") in message
    assert "EMP-P1" in message
    assert "SWE" in message


def test_ratings_must_run_from_zero(toolbox: Path) -> None:
    data = _read(toolbox / "scale.yaml")
    data["ratings"][2]["value"] = 5
    _write(toolbox / "scale.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "scale.yaml") in message
    assert "ratings" in message


def test_duplicate_option_in_a_vocabulary(toolbox: Path) -> None:
    data = _read(toolbox / "scale.yaml")
    data["priorities"].append(dict(data["priorities"][0]))
    _write(toolbox / "scale.yaml", data)
    message = _error(toolbox)
    assert str(toolbox / "scale.yaml") in message
    assert "priorities low" in message
    assert "duplicate" in message


def test_errors_in_the_catalogue_are_told_in_german(toolbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    data = _read(toolbox / "education.yaml")
    del data["groups"][1]["standards"][0]["text"]["en"]
    _write(toolbox / "education.yaml", data)
    assert _error(toolbox) == f"{toolbox / 'education.yaml'}: EDU-2-1: „text“ hat keinen Text auf Englisch (en)"
    (toolbox / "governance.yaml").unlink()
    assert _error(toolbox) == f"{toolbox / 'governance.yaml'}: die Katalogdatei fehlt"


def test_places_in_the_catalogue_are_named_in_german(toolbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _read(toolbox / "housing.yaml")
    del data["challenges"][1]["id"]
    _write(toolbox / "housing.yaml", data)
    english = _error(toolbox)
    assert english == f"{toolbox / 'housing.yaml'}: housing challenge 2: 'id' is missing"
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert _error(toolbox) == f"{toolbox / 'housing.yaml'}: housing Herausforderung 2: „id“ fehlt"


# --------------------------------------------------------------------------- keys YAML lets pass

KNOWN_KEYS = {
    "id", "prefix", "number", "title", "description", "challenges", "groups", "practices", "text", "standards",
    "short", "source", "name", "place", "country", "summary", "version", "languages", "fields", "ratings",
    "responses", "priorities", "stakeholder_groups", "sizes", "challenge_answers", "action_statuses", "value",
    "label", *LANGUAGES,
}  # fmt: skip
KEY_LINE = re.compile(r"( *)([a-z_]+):(?: .*)?")
"""A line ``key: value`` or ``key:`` opening a block (not ``- key: …``, which starts a list item)."""


def _key_lines() -> list[tuple[str, int, int, str]]:
    """Every (file, line index, indentation, key) of a ``key:`` line in the catalogue."""
    found = []
    for path in sorted((data_dir() / "toolbox").glob("*.yaml")):
        for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            match = KEY_LINE.fullmatch(line)
            if match:
                found.append((path.name, index, len(match.group(1)), match.group(2)))
    return found


KEY_LINES = _key_lines()


def _broken_copy(directory: Path, name: str, index: int, line: str) -> Path:
    """A copy of the catalogue in ``directory`` with ``line`` inserted before line ``index`` (from 0) of ``name``."""
    target = directory / "toolbox"
    shutil.copytree(data_dir() / "toolbox", target)
    path = target / name
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(index, line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@settings(max_examples=40, deadline=None)
@given(spot=st.sampled_from(KEY_LINES))
def test_any_key_given_twice_is_refused_with_file_line_and_column(spot: tuple[str, int, int, str]) -> None:
    """PyYAML keeps the last of two equal keys without a word; the catalogue names the second one."""
    name, index, indent, key = spot
    with tempfile.TemporaryDirectory() as scratch:
        toolbox = _broken_copy(Path(scratch), name, index, f"{' ' * indent}{key}: 4")  # the file's own comes second
        message = _error(toolbox)
    assert message == (
        f"{toolbox / name}, line {index + 2}, column {indent + 1}: '{key}' is given twice in the same mapping "
        f"(first in line {index + 1}); YAML allows each key only once per mapping: delete the wrong one"
    )


@settings(max_examples=40, deadline=None)
@given(
    spot=st.sampled_from(KEY_LINES),
    key=st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(lambda k: k not in KNOWN_KEYS),
)
def test_any_unknown_key_is_refused_with_file_line_and_column(spot: tuple[str, int, int, str], key: str) -> None:
    """A key the kit does not read would be lost without a word (``titel:`` for ``title:``); it is an error."""
    name, index, indent, _ = spot
    with tempfile.TemporaryDirectory() as scratch:
        toolbox = _broken_copy(Path(scratch), name, index, f"{' ' * indent}{key}: x")
        message = _error(toolbox)
    assert message.startswith(f"{toolbox / name}, line {index + 1}, column {indent + 1}: ")
    assert f"'{key}'" in message  # an unknown key, or an unknown language of a text (['fr'])


def test_a_misspelt_key_is_named_with_the_key_meant(toolbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = toolbox / "governance.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = lines.index("  - id: GOV-G2") + 2
    assert lines[index] == "    title:"
    _replace(path, "  - id: GOV-G2\n    number: 2\n    title:", "  - id: GOV-G2\n    number: 2\n    titel:")
    assert _error(toolbox) == (
        f"{path}, line {index + 1}, column 5: governance group 2: unknown key 'titel' (did you mean 'title'?); "
        "only id, number, title, standards are allowed here: correct its spelling or delete it"
    )
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert _error(toolbox) == (
        f"{path}, Zeile {index + 1}, Spalte 5: governance Gruppe 2: unbekannter Schlüssel „titel“ (gemeint ist wohl "
        "„title“); erlaubt sind hier nur id, number, title, standards: Korrigieren Sie die Schreibweise oder "
        "löschen Sie ihn"
    )


def test_an_unknown_key_without_a_likely_meaning(toolbox: Path) -> None:
    _replace(toolbox / "scale.yaml", "version:", "remark: draft\nversion:")
    line = (toolbox / "scale.yaml").read_text(encoding="utf-8").splitlines().index("remark: draft") + 1
    assert _error(toolbox) == (
        f"{toolbox / 'scale.yaml'}, line {line}, column 1: top level: unknown key 'remark'; only version, languages, "
        "fields, ratings, responses, priorities, stakeholder_groups, sizes, challenge_answers, action_statuses are "
        "allowed here: delete it or correct its spelling"
    )


def test_a_key_given_twice_is_told_in_german(toolbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    _replace(toolbox / "health.yaml", "number: 4\n", "number: 4\nnumber: 5\n")
    lines = (toolbox / "health.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("number: 5") + 1
    assert _error(toolbox) == (
        f"{toolbox / 'health.yaml'}, Zeile {line}, Spalte 1: „number“ steht in diesem Abschnitt zweimal (zuerst in "
        f"Zeile {line - 1}); YAML erlaubt jeden Schlüssel nur einmal je Abschnitt: Löschen Sie den falschen Eintrag"
    )


def test_an_unknown_language_names_its_line(toolbox: Path) -> None:
    _replace(toolbox / "education.yaml", 'place: {de: "Flandern", en: "Flanders"}', 'place: {de: "Flandern",\n fr: x}')
    lines = (toolbox / "education.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text == " fr: x}")
    assert _error(toolbox) == (
        f"{toolbox / 'education.yaml'}, line {line}, column 2: EDU-P1: 'place' has unknown languages ['fr']"
    )


def test_a_catalogue_file_that_is_a_folder_is_an_error(toolbox: Path) -> None:
    (toolbox / "health.yaml").unlink()
    (toolbox / "health.yaml").mkdir()
    assert (
        _error(toolbox) == f"{toolbox / 'health.yaml'}: the catalogue file cannot be read: this is a folder, not a file"
    )


def test_a_catalogue_file_that_cannot_be_read_is_an_error(toolbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "scale.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert _error(toolbox) == f"{toolbox / 'scale.yaml'}: the catalogue file cannot be read: no permission"
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert (
        _error(toolbox) == f"{toolbox / 'scale.yaml'}: die Katalogdatei kann nicht gelesen werden: keine Berechtigung"
    )


def test_a_catalogue_file_that_is_a_pipe_is_an_error_not_a_wait(toolbox: Path) -> None:
    (toolbox / "housing.yaml").unlink()
    os.mkfifo(toolbox / "housing.yaml")
    assert "this is not an ordinary file" in _error(toolbox)


# --------------------------------------------------------------------------- the catalogue as JSON


def _check_json(data: dict[str, Any]) -> None:
    assert set(data) >= JSON_KEYS
    assert data["version"] == "2024.1-kit.1"
    assert [f["id"] for f in data["fields"]] == list(FIELD_IDS)
    assert [len(f["challenge_ids"]) for f in data["fields"]] == list(CHALLENGES)
    assert [len(f["group_ids"]) for f in data["fields"]] == list(GROUPS)
    assert [len(f["standard_ids"]) for f in data["fields"]] == list(STANDARDS)
    assert len(data["challenges"]) == 30
    assert len(data["groups"]) == 30
    assert len(data["standards"]) == 80
    assert len(data["practices"]) == 8
    assert [(p["place"]["en"], p["country"]) for p in data["practices"]] == list(PRACTICE_PLACES)
    assert [r["value"] for r in data["scale"]["ratings"]] == [0, 1, 2, 3]
    assert [o["id"] for o in data["scale"]["responses"]] == ["rated", "dont_know", "not_applicable"]
    assert [o["id"] for o in data["priorities"]] == ["low", "medium", "high"]
    assert [o["id"] for o in data["stakeholder_groups"]] == list(STAKEHOLDER_GROUPS)
    assert [o["id"] for o in data["sizes"]] == ["rural", "small_town", "medium_town"]
    first = data["standards"][0]
    assert first["id"] == "GOV-1-1"
    assert first["text"]["de"].startswith("In unserer Kommune")
    assert first["text"]["en"].startswith("In our municipality")
    assert data["sizes"][0]["label"] == {"de": "Ländliche Gemeinde", "en": "Rural municipality"}


def test_catalog_json_via_cli_runner(catalog: Catalog) -> None:
    result = CliRunner().invoke(cli, ["catalog", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_json(data)
    assert data == json.loads(json.dumps(catalog.to_dict()))
    assert "Dessau-Roßlau" in result.stdout  # not escaped as \u00df


def test_catalog_json_as_a_real_process(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "wholecomm_kit", "catalog", "--json"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    assert completed.stderr == b""
    _check_json(json.loads(completed.stdout.decode("utf-8")))


def test_catalog_summary_in_english() -> None:
    result = CliRunner().invoke(cli, ["catalog", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Whole-COMM Toolbox catalogue 2024.1-kit.1" in result.stdout
    assert "Governance [governance]: 22 standards, 8 challenges, 2 practice example(s)" in result.stdout
    assert "GOV-1-1   In our municipality" in result.stdout
    assert "GOV-C1" in result.stdout
    assert "HOU-P3" in result.stdout
    assert "HOU-7-1" in result.stdout


@pytest.mark.parametrize(
    ("language", "title"), [("en", "1. Governance [governance]"), ("de", "1. Politische Gestaltung")]
)
def test_catalog_summary_speaks_the_interface_language_without_lang(
    monkeypatch: pytest.MonkeyPatch, language: str, title: str
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", language)
    result = CliRunner().invoke(cli, ["catalog"])
    assert result.exit_code == 0, result.output
    assert title in result.stdout


@pytest.mark.slow
def test_a_broken_catalogue_is_a_plain_error_for_every_command_not_a_traceback(tmp_path: Path) -> None:
    """The command line reads the catalogue while it starts (for --size); a broken one must still be said plainly."""
    repo = Path(__file__).resolve().parent.parent
    for name in ("wholecomm_kit", "data", "notebooks"):
        shutil.copytree(repo / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    governance = tmp_path / "data" / "toolbox" / "governance.yaml"
    text = governance.read_text(encoding="utf-8")
    governance.write_text(text.replace("number: 1\n", "number: 1\nnumber: 1\n", 1), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "WHOLECOMM_LANG": "en"}
    for command in (["catalog"], ["validate", str(tmp_path)], ["new-session", "--help"]):
        run = subprocess.run(
            [sys.executable, "-m", "wholecomm_kit", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp_path,
        )
        assert "Traceback" not in run.stderr, run.stderr
        if command[-1] != "--help":
            assert run.returncode == 1, run.stderr
            assert f"{governance}, line " in run.stderr
            assert "'number' is given twice" in run.stderr


# --------------------------------------------------------------------------- slugify


@given(st.text())
def test_slugify_yields_safe_lowercase_names(text: str) -> None:
    slug = slugify(text)
    assert "/" not in slug
    assert "\\" not in slug
    assert ".." not in slug
    assert slug == slug.lower()
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", slug)


@given(st.text())
def test_slugify_is_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slugify(slug) == slug


@given(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True))
def test_slugify_keeps_a_slug_unchanged(slug: str) -> None:
    assert slugify(slug) == slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Groß Köris", "gross-koeris"),
        ("Dessau-Roßlau", "dessau-rosslau"),
        ("St. Pölten", "st-poelten"),
        ("ÄÖÜ äöü", "aeoeue-aeoeue"),
        ("Avigliana, Susa Valley", "avigliana-susa-valley"),
        ("Hudiksvall", "hudiksvall"),
        ("Šibenik", "sibenik"),
        ("  --Musterstadt--  ", "musterstadt"),
        ("../../etc/passwd", "etc-passwd"),
        ("東京", ""),
    ],
)
def test_slugify_examples(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_does_not_depend_on_unicode_normalisation() -> None:
    name = unicodedata.normalize("NFD", "Groß Köris")
    assert slugify(name) == "gross-koeris"
