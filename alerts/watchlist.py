"""The watchlist: the entities a user tracks, as plain values."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

ENTITY_KINDS = ("group", "official", "other")
#: The longest id, name, alias, exclusion or tag: a real name is far shorter, and a
#: megabyte-long alias would only slow, or break, the matcher's automaton.
MAX_NAME_LENGTH = 200


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
    """A watchlist file is invalid."""


_COLUMNS = ("id", "name", "kind", "aliases", "exclude", "tags")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _cell_list(value: object, where: str, key: str) -> tuple[str, ...]:
    """A list cell: a YAML list, or a string with items separated by ";"."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = tuple(item.strip() for item in value.split(";") if item.strip())
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = tuple(item.strip() for item in value if item.strip())
    else:
        raise WatchlistError(
            f"{where}: '{key}' must be a list of strings or a ';'-separated string"
        )
    for item in items:
        _check_length(item, where, key)
    return items


def _check_length(value: str, where: str, key: str) -> None:
    if len(value) > MAX_NAME_LENGTH:
        raise WatchlistError(
            f"{where}: '{key}' has a value of {len(value):,} characters "
            f"(at most {MAX_NAME_LENGTH}): {value[:40]!r}…"
        )


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
    _check_length(entity_id, where, "id")
    _check_length(name, where, "name")
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
        except (yaml.YAMLError, RecursionError) as err:
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
    try:
        if not reader.fieldnames or not {"id", "name"} <= set(reader.fieldnames):
            raise WatchlistError(
                f"{path}: the first row must name the columns: {','.join(_COLUMNS)}"
            )
        return [
            entity_from_record(
                {key.strip(): value for key, value in row.items() if key is not None},
                f"{path}: line {reader.line_num}",
            )
            for row in reader
            if any((value or "").strip() for value in row.values() if isinstance(value, str))
        ]
    except csv.Error as err:  # a cell over the csv module's field limit (128 KB), a NUL…
        raise WatchlistError(f"{path}: line {reader.line_num}: not valid CSV: {err}") from err
