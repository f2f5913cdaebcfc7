"""The watchlist: the entities a user tracks, the one rule that turns an alias into
what the matcher looks for, and the compiled form the matcher reads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from alerts.normalize import is_arabic, normalize_key

ENTITY_KINDS = ("group", "official", "other")


@dataclass(frozen=True)
class Entity:
    """One tracked entity.

    ``aliases`` are extra names besides ``name``; for an ``official`` they are full
    names (the matcher derives surnames and titles itself). ``exclude`` lists phrases
    inside which a match does not count ("West Bank" for a "West" alias). ``tags``
    route alerts to targets.
    """

    id: str
    name: str
    kind: str = "other"
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return tuple(seen)


class WatchlistError(Exception):
    """A watchlist (a file, or the entities given to compile) is invalid."""


class DuplicateEntityError(WatchlistError):
    """Two entities of one watchlist share an id."""


def alias_key(alias: str) -> str:
    """The key the matcher looks an alias up by: the alias normalised as text is
    (``alerts.normalize``: case, diacritics, dashes and spaces, apostrophes, Arabic
    letter forms), so "al-Qaeda", "al Qaeda" and "AL–QAEDA" share one key."""
    return normalize_key(alias)


def alias_keys(alias: str) -> tuple[str, ...]:
    """Every key the matcher finds an alias under, its ``alias_key`` first: then the
    key without apostrophes (scraped text loses them: "al-Qa'ida" as "al-Qaida"), and
    for an Arabic-script alias starting with ال the form after the preposition ل (لل)."""
    key = alias_key(alias)
    if not key:
        return ()
    keys = [key]
    if "'" in key:
        keys.append(key.replace("'", ""))
    if key.startswith("\u0627\u0644") and is_arabic(key):
        keys.append("\u0644\u0644" + key[2:])
    return tuple(keys)


@dataclass(frozen=True, eq=False)
class Watchlist:
    """The entities compiled for ``alerts.matcher.find_mentions``: built once (and on
    config reload), immutable, safe to share across threads."""

    entities: Mapping[str, Entity]
    _automaton: Any = field(repr=False)
    _given_names: Mapping[str, frozenset[str]] = field(repr=False)
    key_count: int = 0  # automaton keys: aliases, their variants, surnames, excludes

    @classmethod
    def compile(cls, entities: Iterable[Entity]) -> Watchlist:
        """Build the automaton for ``entities``; raise DuplicateEntityError when two share an id."""
        from alerts.keys import build  # keys reads alias_keys from this module

        by_id: dict[str, Entity] = {}
        for entity in entities:
            if entity.id in by_id:
                raise DuplicateEntityError(f"duplicate entity id {entity.id!r}")
            by_id[entity.id] = entity
        compiled = build(by_id.values())
        return cls(
            entities=MappingProxyType(by_id),
            _automaton=compiled.automaton,
            _given_names=MappingProxyType(dict(compiled.given_names)),
            key_count=compiled.key_count,
        )


_COLUMNS = ("id", "name", "kind", "aliases", "exclude", "tags")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _cell_list(value: object, where: str, key: str) -> tuple[str, ...]:
    """A list cell: a YAML list, or a string with items separated by ";"."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(";") if item.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise WatchlistError(f"{where}: '{key}' must be a list of strings or a ';'-separated string")


def entity_from_record(record: dict[str, object], where: str) -> Entity:
    """Build an entity from one CSV row or YAML mapping; raise WatchlistError naming ``where``."""
    unknown = set(record) - set(_COLUMNS)
    if unknown:
        raise WatchlistError(f"{where}: unknown column {sorted(unknown)[0]!r}")
    entity_id = str(record.get("id") or "").strip()
    name = str(record.get("name") or "").strip()
    if not entity_id or not _ID.match(entity_id):
        raise WatchlistError(f"{where}: 'id' is missing or not letters, digits, '-', '_', '.'")
    if not name:
        raise WatchlistError(f"{where}: 'name' is required")
    kind = str(record.get("kind") or "other").strip()
    if kind not in ENTITY_KINDS:
        raise WatchlistError(f"{where}: 'kind' must be one of {', '.join(ENTITY_KINDS)}")
    return Entity(
        id=entity_id,
        name=name,
        kind=kind,
        aliases=_cell_list(record.get("aliases"), where, "aliases"),
        exclude=_cell_list(record.get("exclude"), where, "exclude"),
        tags=_cell_list(record.get("tags"), where, "tags"),
    )


def load_watchlist_file(path: Path) -> list[Entity]:
    """Read entities from a CSV file (columns id,name,kind,aliases,exclude,tags,
    ";" inside a cell) or a YAML file (a list of mappings with the same keys)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise WatchlistError(f"{path}: cannot read: {err}") from err
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise WatchlistError(f"{path}: not valid YAML: {err}") from err
        if isinstance(data, dict) and "entities" in data:
            data = data["entities"]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise WatchlistError(f"{path}: expected a list of entities (mappings)")
        return [
            entity_from_record(item, f"{path}: entity #{number}")
            for number, item in enumerate(data, start=1)
        ]
    if path.suffix.lower() != ".csv":
        raise WatchlistError(f"{path}: a watchlist file is .csv, .yml or .yaml")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"id", "name"} <= set(reader.fieldnames):
        raise WatchlistError(f"{path}: the first row must name the columns: {','.join(_COLUMNS)}")
    return [
        entity_from_record(
            {key.strip(): value for key, value in row.items() if key is not None},
            f"{path}: line {reader.line_num}",
        )
        for row in reader
        if any((value or "").strip() for value in row.values() if isinstance(value, str))
    ]
