"""The Whole-COMM toolbox as typed, validated objects.

The catalogue lives in declarative YAML files (``data/toolbox``), one per field
of action plus ``scale.yaml`` for the shared vocabularies. Everything
downstream (sessions, the store, analysis, handouts) takes its ids and labels
from here, so the loader refuses anything inconsistent: a duplicate id, a
missing translation or a reference to an id that does not exist.

It refuses what YAML itself lets pass as well: a key given twice in one mapping
(PyYAML would keep the last one without a word) and a key the kit does not know (a
typo such as ``titel:`` would otherwise leave a text out unnoticed, or be reported as
the right key missing). Both errors name the file, the line and the column. A file
that cannot be read (a folder, no permission) is a :class:`CatalogError` too.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .exceptions import CatalogError
from .resources import data_dir

# libyaml's loader where PyYAML was built with it (its wheels are): the same result, ten times faster.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LANGUAGES: tuple[str, ...] = ("de", "en")
FIELD_KEYS = ("id", "prefix", "number", "title", "description", "challenges", "groups", "practices")
"""The keys of a field's file (``governance.yaml`` …); any other key is an error."""
CHALLENGE_KEYS = ("id", "text")
GROUP_KEYS = ("id", "number", "title", "standards")
STANDARD_KEYS = ("id", "short", "text", "source")
PRACTICE_KEYS = ("id", "name", "place", "country", "summary", "standards")
SCALE_KEYS = (
    "version",
    "languages",
    "fields",
    "ratings",
    "responses",
    "priorities",
    "stakeholder_groups",
    "sizes",
    "challenge_answers",
    "action_statuses",
)
"""The keys of ``scale.yaml``."""
RATING_KEYS = ("value", "label")
OPTION_KEYS = ("id", "label")
_K = TypeVar("_K")
FIELD_IDS: tuple[str, ...] = ("governance", "employment", "education", "health", "housing")


@dataclass(frozen=True)
class Text:
    """A text in every language of the kit."""

    de: str
    en: str

    def get(self, language: str) -> str:
        if language not in LANGUAGES:
            raise KeyError(language)
        return str(getattr(self, language))

    def as_dict(self) -> dict[str, str]:
        return {"de": self.de, "en": self.en}


@dataclass(frozen=True)
class Option:
    """One value of a vocabulary (a priority, a stakeholder group …) with its label."""

    id: str
    label: Text


@dataclass(frozen=True)
class Rating:
    value: int
    label: Text


@dataclass(frozen=True)
class Standard:
    """One rateable statement, derived from one principle bullet of the toolbox."""

    id: str
    field_id: str
    group_id: str
    number: int
    short: Text
    text: Text
    source: str


@dataclass(frozen=True)
class Group:
    """A principle group ("Schlüsselprinzip") with its standards."""

    id: str
    field_id: str
    number: int
    title: Text
    standards: tuple[Standard, ...]


@dataclass(frozen=True)
class Challenge:
    id: str
    field_id: str
    number: int
    text: Text


@dataclass(frozen=True)
class Practice:
    """A practice example from the toolbox, for inspiration."""

    id: str
    field_id: str
    name: Text
    place: Text
    """Named alike in both languages ("Rostock") or not ("Flandern", "Flanders")."""
    country: str
    summary: Text
    standard_ids: tuple[str, ...]


@dataclass(frozen=True)
class Field:
    """A field of action with its challenges, principle groups and practices."""

    id: str
    prefix: str
    number: int
    title: Text
    description: Text
    challenges: tuple[Challenge, ...]
    groups: tuple[Group, ...]
    practices: tuple[Practice, ...]

    @property
    def standards(self) -> tuple[Standard, ...]:
        return tuple(s for g in self.groups for s in g.standards)

    @property
    def items(self) -> tuple[Challenge | Group | Standard | Practice, ...]:
        """Everything in the field that has an id of its own."""
        return (*self.challenges, *self.groups, *self.standards, *self.practices)


@dataclass(frozen=True)
class Catalog:
    """The whole toolbox plus the vocabularies of the data contract."""

    version: str
    languages: tuple[str, ...]
    fields: tuple[Field, ...]
    ratings: tuple[Rating, ...]
    responses: tuple[Option, ...]
    priorities: tuple[Option, ...]
    stakeholder_groups: tuple[Option, ...]
    sizes: tuple[Option, ...]
    challenge_answers: tuple[Option, ...]
    action_statuses: tuple[Option, ...]
    _by_id: dict[str, object] = dataclasses.field(init=False, repr=False, compare=False)
    _ids: dict[str, tuple[str, ...]] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", _index(self))
        # Asked for every row of every session file read: worked out once, not once a row.
        object.__setattr__(self, "_ids", {"fields": tuple(f.id for f in self.fields)})

    def field(self, field_id: str) -> Field:
        return self._lookup(field_id, Field)

    def standard(self, standard_id: str) -> Standard:
        return self._lookup(standard_id, Standard)

    def challenge(self, challenge_id: str) -> Challenge:
        return self._lookup(challenge_id, Challenge)

    def group(self, group_id: str) -> Group:
        return self._lookup(group_id, Group)

    def practice(self, practice_id: str) -> Practice:
        return self._lookup(practice_id, Practice)

    def _lookup(self, key: str, kind: type[_K]) -> _K:
        found = self._by_id.get(key)
        if not isinstance(found, kind):
            raise KeyError(key)
        return found

    @property
    def field_ids(self) -> tuple[str, ...]:
        return self._ids["fields"]

    @property
    def standards(self) -> tuple[Standard, ...]:
        return tuple(s for f in self.fields for s in f.standards)

    @property
    def challenges(self) -> tuple[Challenge, ...]:
        return tuple(c for f in self.fields for c in f.challenges)

    @property
    def groups(self) -> tuple[Group, ...]:
        return tuple(g for f in self.fields for g in f.groups)

    @property
    def practices(self) -> tuple[Practice, ...]:
        return tuple(p for f in self.fields for p in f.practices)

    def label(self, vocabulary: str, value: str | int, language: str) -> str:
        """The label of ``value`` in one of the vocabularies, e.g. ``("priorities", "high", "de")``."""
        options: tuple[Option | Rating, ...] = getattr(self, vocabulary)
        for option in options:
            key = option.value if isinstance(option, Rating) else option.id
            if str(key) == str(value):
                return option.label.get(language)
        raise KeyError(f"{vocabulary}: {value}")

    def ids(self, vocabulary: str) -> tuple[str, ...]:
        found = self._ids.get(vocabulary)
        if found is None:
            options: tuple[Option, ...] = getattr(self, vocabulary)
            found = self._ids[vocabulary] = tuple(o.id for o in options)
        return found

    def to_dict(self) -> dict[str, Any]:
        """The catalogue as plain JSON-ready data, for other tools."""

        def options(items: tuple[Option, ...]) -> list[dict[str, Any]]:
            return [{"id": o.id, "label": o.label.as_dict()} for o in items]

        return {
            "version": self.version,
            "languages": list(self.languages),
            "fields": [
                {
                    "id": f.id,
                    "prefix": f.prefix,
                    "number": f.number,
                    "title": f.title.as_dict(),
                    "description": f.description.as_dict(),
                    "challenge_ids": [c.id for c in f.challenges],
                    "group_ids": [g.id for g in f.groups],
                    "standard_ids": [s.id for s in f.standards],
                    "practice_ids": [p.id for p in f.practices],
                }
                for f in self.fields
            ],
            "groups": [
                {
                    "id": g.id,
                    "field_id": g.field_id,
                    "number": g.number,
                    "title": g.title.as_dict(),
                    "standard_ids": [s.id for s in g.standards],
                }
                for g in self.groups
            ],
            "standards": [
                {
                    "id": s.id,
                    "field_id": s.field_id,
                    "group_id": s.group_id,
                    "number": s.number,
                    "short": s.short.as_dict(),
                    "text": s.text.as_dict(),
                    "source": s.source,
                }
                for s in self.standards
            ],
            "challenges": [
                {"id": c.id, "field_id": c.field_id, "number": c.number, "text": c.text.as_dict()}
                for c in self.challenges
            ],
            "practices": [
                {
                    "id": p.id,
                    "field_id": p.field_id,
                    "name": p.name.as_dict(),
                    "place": p.place.as_dict(),
                    "country": p.country,
                    "summary": p.summary.as_dict(),
                    "standard_ids": list(p.standard_ids),
                }
                for p in self.practices
            ],
            "scale": {
                "ratings": [{"value": r.value, "label": r.label.as_dict()} for r in self.ratings],
                "responses": options(self.responses),
            },
            "priorities": options(self.priorities),
            "stakeholder_groups": options(self.stakeholder_groups),
            "sizes": options(self.sizes),
            "challenge_answers": options(self.challenge_answers),
            "action_statuses": options(self.action_statuses),
        }


def _index(catalog: Catalog) -> dict[str, object]:
    index: dict[str, object] = {}
    for f in catalog.fields:
        index[f.id] = f
        items: tuple[Challenge | Group | Standard | Practice, ...] = (
            *f.challenges,
            *f.groups,
            *f.standards,
            *f.practices,
        )
        for item in items:
            index[item.id] = item
    return index


class _Place:
    """A place in a catalogue file ("top level", "governance challenge 3" …), put into words when an error names it.

    The words come from ``data/texts/messages/catalog.yaml`` in the interface language; reading a sound catalogue
    never needs the texts.
    """

    __slots__ = ("name", "values")

    def __init__(self, name: str, /, **values: object) -> None:
        self.name = name
        self.values = values

    def __str__(self) -> str:
        from .texts import say  # texts imports this module

        return say(f"catalog.{self.name}", **self.values)


_Where = str | _Place
"""Where in a file an error is: an id or key as it stands in the file, or a place put into words."""
_TOP_LEVEL = _Place("top_level")


def _error(path: Path, where: _Where, reason: str, /, *, mark: Any = None, **values: object) -> CatalogError:
    """``path: where: reason``, with the text ``messages.catalog.<reason>`` in the interface language.

    With the ``mark`` of a YAML node the message names its line and column as well.
    """
    from .texts import say  # texts imports this module

    text = say(f"catalog.{reason}", **values)
    if mark is None:
        return CatalogError(say("catalog.at", path=path, where=where, reason=text))
    return CatalogError(
        say("catalog.at_line", path=path, line=mark.line + 1, column=mark.column + 1, where=where, reason=text)
    )


class _Mapping(dict[Any, Any]):
    """A mapping read from a catalogue file that knows where each of its keys stands (its YAML mark)."""

    __slots__ = ("marks",)

    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[Any, tuple[Any, str]] = {}
        """Each key's mark (line and column from 0) and the key as written in the file."""


class _RepeatedKey(yaml.YAMLError):
    """A key given twice in one mapping; YAML forbids it, PyYAML would keep the last value without a word."""

    def __init__(self, key: str, mark: Any, first: Any) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


class _CatalogLoader(SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, refusing repeated keys and building :class:`_Mapping` with every key's place."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> Iterator[_Mapping]:
    mapping = _Mapping()
    yield mapping  # first, as PyYAML's own constructor does, so that an alias to the mapping can refer to it
    marks: dict[Any, tuple[Any, str]] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *defaults" may be overridden on purpose
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = marks.get(key)
        except TypeError:  # an unhashable key: PyYAML's own constructor below says so
            continue
        written = str(getattr(key_node, "value", key))
        if first is not None:
            raise _RepeatedKey(written, key_node.start_mark, first[0])
        marks[key] = (key_node.start_mark, written)
    mapping.update(loader.construct_mapping(node))
    mapping.marks = marks


_CatalogLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class _Reader:
    """Walks one YAML file and raises errors that name the file and the id."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: _Where, reason: str, /, **values: object) -> CatalogError:
        """The error ``messages.catalog.<reason>`` (with ``values``) at ``where`` in this file."""
        return _error(self.path, where, reason, **values)

    def fail_at(
        self, data: Mapping[Any, Any], key: Any, where: _Where, reason: str, /, **values: object
    ) -> CatalogError:
        """The error at ``where``, naming the line and column of ``key`` in ``data`` when they are known."""
        marks = getattr(data, "marks", {})
        mark = marks[key][0] if key in marks else None
        return _error(self.path, where, reason, mark=mark, **values)

    def only(self, data: Mapping[Any, Any], keys: tuple[str, ...], where: _Where) -> None:
        """Refuse a key other than ``keys`` (the first in the file), with its line and column and a likely fix."""
        marks = getattr(data, "marks", {})
        unknown = [key for key in data if key not in keys]
        if not unknown:
            return
        first = unknown[0]  # a mapping keeps the order of the file
        written = marks[first][1] if first in marks else str(first)
        allowed = ", ".join(keys)
        guess = difflib.get_close_matches(written, [k for k in keys if k not in data], n=1, cutoff=0.6)
        if guess:
            raise self.fail_at(data, first, where, "unknown_key_guess", key=written, guess=guess[0], allowed=allowed)
        raise self.fail_at(data, first, where, "unknown_key", key=written, allowed=allowed)

    def mapping(self, value: object, where: _Where) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "not_a_mapping")
        return value

    def items(self, data: Mapping[str, Any], key: str, where: _Where) -> Iterator[Mapping[str, Any]]:
        value = self.get(data, key, where)
        if not isinstance(value, list) or not value:
            raise self.fail(where, "not_a_list", entry=key)
        for i, item in enumerate(value, start=1):
            yield self.mapping(item, _Place("list_item", where=where, entry=key, number=i))

    def get(self, data: Mapping[str, Any], key: str, where: _Where) -> Any:
        if key not in data or data[key] is None:
            raise self.fail(where, "key_missing", entry=key)
        return data[key]

    def string(self, data: Mapping[str, Any], key: str, where: _Where) -> str:
        value = self.get(data, key, where)
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise self.fail(where, "not_a_text", entry=key)
        return str(value).strip()

    def integer(self, data: Mapping[str, Any], key: str, where: _Where) -> int:
        value = self.get(data, key, where)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, "not_a_whole_number", entry=key)
        return value

    def name(self, data: Mapping[str, Any], key: str, where: _Where) -> Text:
        """A name written alike in every language (a plain string) or a text per language."""
        if isinstance(self.get(data, key, where), Mapping):
            return self.text(data, key, where)
        value = self.string(data, key, where)
        return Text(de=value, en=value)

    def text(self, data: Mapping[str, Any], key: str, where: _Where) -> Text:
        value = self.mapping(self.get(data, key, where), _Place("key", where=where, entry=key))
        unknown = [language for language in value if language not in LANGUAGES]
        if unknown:
            languages = sorted(map(str, unknown))
            raise self.fail_at(value, unknown[0], where, "unknown_languages", entry=key, languages=languages)
        for language in LANGUAGES:
            if not isinstance(value.get(language), str) or not value[language].strip():
                raise self.fail(where, "no_translation", entry=key, language_name=_Place(f"language_{language}"))
        return Text(de=value["de"].strip(), en=value["en"].strip())

    def pattern(self, value: str, regex: str, where: _Where, what: str) -> str:
        """``value`` if it matches ``regex``; ``what`` names it: the text ``messages.catalog.what_<what>``."""
        if not re.fullmatch(regex, value):
            raise self.fail(where, "pattern", what=_Place(f"what_{what}"), value=repr(value), pattern=regex)
        return value


def _load_yaml(path: Path, keys: tuple[str, ...]) -> Mapping[str, Any]:
    """The file's top-level mapping, which may hold only ``keys``."""
    from .texts import os_reason, say  # texts imports this module

    try:
        if path.exists() and not path.is_file() and not path.is_dir():  # a pipe or a device would never end
            raise CatalogError(say("catalog.not_a_file", path=path))
        with path.open(encoding="utf-8") as stream:
            data = yaml.load(stream, Loader=_CatalogLoader)
    except FileNotFoundError as exc:
        raise CatalogError(say("catalog.file_missing", path=path)) from exc
    except OSError as exc:  # a folder of that name, no permission …
        raise CatalogError(say("catalog.unreadable", path=path, reason=os_reason(exc))) from None
    except _RepeatedKey as exc:
        line, column, first = exc.mark.line + 1, exc.mark.column + 1, exc.first.line + 1
        raise CatalogError(
            say("catalog.repeated_key", path=path, line=line, column=column, key=exc.key, first=first)
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        # PyYAML's and Python's own description of the fault stays in English.
        raise CatalogError(say("catalog.not_yaml", path=path, error=exc)) from exc
    r = _Reader(path)
    data = r.mapping(data, _TOP_LEVEL)
    r.only(data, keys, _TOP_LEVEL)
    return data


def _options(reader: _Reader, data: Mapping[str, Any], key: str) -> tuple[Option, ...]:
    seen: set[str] = set()
    options = []
    for n, item in enumerate(reader.items(data, key, key), start=1):
        reader.only(item, OPTION_KEYS, _Place("option_n", vocabulary=key, number=n))
        option_id = reader.string(item, "id", key)
        if option_id in seen:
            raise reader.fail(f"{key} {option_id}", "duplicate_id")
        seen.add(option_id)
        options.append(Option(option_id, reader.text(item, "label", f"{key} {option_id}")))
    return tuple(options)


def _field(path: Path, expected_id: str) -> Field:
    r = _Reader(path)
    data = _load_yaml(path, FIELD_KEYS)
    field_id = r.string(data, "id", _TOP_LEVEL)
    if field_id != expected_id:
        raise r.fail("id", "wrong_field", declared=repr(field_id), expected=repr(expected_id))
    prefix = r.pattern(r.string(data, "prefix", field_id), r"[A-Z]{3}", field_id, "prefix")
    challenges = []
    for n, item in enumerate(r.items(data, "challenges", field_id), start=1):
        place = _Place("challenge_n", field=field_id, number=n)
        r.only(item, CHALLENGE_KEYS, place)
        cid = r.string(item, "id", place)
        cid = r.pattern(cid, rf"{prefix}-C{n}", field_id, "challenge_id")
        challenges.append(Challenge(cid, field_id, n, r.text(item, "text", cid)))
    groups = []
    for n, item in enumerate(r.items(data, "groups", field_id), start=1):
        place = _Place("group_n", field=field_id, number=n)
        r.only(item, GROUP_KEYS, place)
        gid = r.string(item, "id", place)
        gid = r.pattern(gid, rf"{prefix}-G{n}", field_id, "group_id")
        if r.integer(item, "number", gid) != n:
            raise r.fail(gid, "group_number", number=n)
        standards = []
        for m, s in enumerate(r.items(item, "standards", gid), start=1):
            place = _Place("standard_n", group=gid, number=m)
            r.only(s, STANDARD_KEYS, place)
            sid = r.string(s, "id", place)
            sid = r.pattern(sid, rf"{prefix}-{n}-{m}", gid, "standard_id")
            standards.append(
                Standard(
                    id=sid,
                    field_id=field_id,
                    group_id=gid,
                    number=m,
                    short=r.text(s, "short", sid),
                    text=r.text(s, "text", sid),
                    source=r.string(s, "source", sid),
                )
            )
        groups.append(Group(gid, field_id, n, r.text(item, "title", gid), tuple(standards)))
    practices = []
    for n, item in enumerate(r.items(data, "practices", field_id), start=1):
        place = _Place("practice_n", field=field_id, number=n)
        r.only(item, PRACTICE_KEYS, place)
        pid = r.string(item, "id", place)
        pid = r.pattern(pid, rf"{prefix}-P{n}", field_id, "practice_id")
        refs = r.get(item, "standards", pid)
        if not isinstance(refs, list) or not refs or not all(isinstance(x, str) for x in refs):
            raise r.fail(pid, "practice_standards")
        practices.append(
            Practice(
                id=pid,
                field_id=field_id,
                name=r.text(item, "name", pid),
                place=r.name(item, "place", pid),
                country=r.pattern(r.string(item, "country", pid), r"[A-Z]{2}", pid, "country_code"),
                summary=r.text(item, "summary", pid),
                standard_ids=tuple(refs),
            )
        )
    return Field(
        id=field_id,
        prefix=prefix,
        number=r.integer(data, "number", field_id),
        title=r.text(data, "title", field_id),
        description=r.text(data, "description", field_id),
        challenges=tuple(challenges),
        groups=tuple(groups),
        practices=tuple(practices),
    )


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read and validate the catalogue; the default one is read once per process."""
    if directory is None:
        return _default_catalog()
    return _read_catalog(Path(directory))


@functools.cache
def _default_catalog() -> Catalog:
    return _read_catalog(data_dir() / "toolbox")


def _read_catalog(directory: Path) -> Catalog:
    scale_path = directory / "scale.yaml"
    r = _Reader(scale_path)
    scale = _load_yaml(scale_path, SCALE_KEYS)
    languages = r.get(scale, "languages", _TOP_LEVEL)
    if list(languages) != list(LANGUAGES):
        raise r.fail("languages", "languages", languages=list(LANGUAGES))
    field_ids = r.get(scale, "fields", _TOP_LEVEL)
    if not isinstance(field_ids, list) or not field_ids:
        raise r.fail("fields", "fields_not_a_list")
    repeated = sorted({f for f in field_ids if field_ids.count(f) > 1})
    if repeated:
        raise r.fail("fields", "fields_repeated", ids=", ".join(map(str, repeated)))
    fields = tuple(_field(directory / f"{fid}.yaml", fid) for fid in field_ids)

    ratings = []
    for n, item in enumerate(r.items(scale, "ratings", "ratings")):
        r.only(item, RATING_KEYS, _Place("rating_n", number=n))
        if r.integer(item, "value", "ratings") != n:
            raise r.fail("ratings", "rating_values", value=repr(item["value"]), position=n)
        ratings.append(Rating(n, r.text(item, "label", _Place("rating_n", number=n))))

    catalog = Catalog(
        version=r.string(scale, "version", _TOP_LEVEL),
        languages=tuple(languages),
        fields=fields,
        ratings=tuple(ratings),
        responses=_options(r, scale, "responses"),
        priorities=_options(r, scale, "priorities"),
        stakeholder_groups=_options(r, scale, "stakeholder_groups"),
        sizes=_options(r, scale, "sizes"),
        challenge_answers=_options(r, scale, "challenge_answers"),
        action_statuses=_options(r, scale, "action_statuses"),
    )
    _check_unique_and_references(directory, catalog)
    return catalog


def _check_unique_and_references(directory: Path, catalog: Catalog) -> None:
    seen: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for f in catalog.fields:
        path = directory / f"{f.id}.yaml"
        if f.prefix in prefixes:
            raise _error(path, f.id, "prefix_used", prefix=f.prefix, other=prefixes[f.prefix])
        prefixes[f.prefix] = str(path)
        for item_id in (f.id, *(x.id for x in f.items)):
            if item_id in seen:
                raise _error(path, item_id, "duplicate_id_in", other=seen[item_id])
            seen[item_id] = str(path)
    for p in catalog.practices:
        for ref in p.standard_ids:
            if not isinstance(catalog._by_id.get(ref), Standard):
                path = directory / f"{p.field_id}.yaml"
                raise _error(path, p.id, "unknown_standard", standard=repr(ref))
