"""The watchlist: the entities a user tracks, as plain values."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ENTITY_KINDS = ("group", "official", "other")


@dataclass(frozen=True)
class Entity:
    """One tracked entity.

    ``aliases`` are extra names besides ``name``; for an ``official`` they are full
    names (the matcher derives surnames and titles itself). ``exclude`` lists phrases
    inside which a match does not count ("West Bank" for a "West" alias). ``tags``
    route alerts to targets. ``weak_aliases`` are names matched only as a complete
    multi-word name: never as a surname and never alone as a single word (a sanctions
    list's low-quality spellings). ``imported_from`` says which list an imported
    entity came from ("un-xml TAi.024"); empty for an entity written by hand.
    """

    id: str
    name: str
    kind: str = "other"
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())
    weak_aliases: tuple[str, ...] = ()
    imported_from: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return tuple(seen)


class WatchlistError(Exception):
    """A watchlist file is invalid."""


_COLUMNS = ("id", "name", "kind", "aliases", "weak_aliases", "exclude", "tags", "imported")
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


def _imported_label(value: object, where: str) -> str:
    """The ``imported`` record of an entity written by `newsradar watchlist import`:
    a mapping in YAML, a JSON object in a CSV cell. Returns "FORMAT REFERENCE"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise WatchlistError(f"{where}: 'imported' must be a mapping (as the import wrote it)")
    label = " ".join(str(value.get(key) or "").strip() for key in ("from", "reference"))
    return label.strip() or "imported"


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
        weak_aliases=_cell_list(record.get("weak_aliases"), where, "weak_aliases"),
        imported_from=_imported_label(record.get("imported"), where),
    )


def load_watchlist_file(path: Path) -> list[Entity]:
    """Read entities from a CSV file (columns id,name,kind,aliases,weak_aliases,exclude,
    tags,imported; ";" inside a cell) or a YAML file (a list of mappings with the same
    keys). Only id and name are required."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise WatchlistError(f"{path}: cannot read: {err}") from err
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        try:
            # libyaml's loader when present: an imported list is thousands of lines.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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
