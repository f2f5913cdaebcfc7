"""The watchlist: the entities a user tracks, the one rule that turns an alias into
what the matcher looks for, and the compiled form the matcher reads."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from alerts.normalize import is_arabic, normalize_key

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
    route alerts to targets. ``context`` lists words whose presence in an article
    supports a bare acronym alias ("Waziristan" for "TTP"). ``variants = False``
    turns off the transliteration variants the matcher generates for the names.
    ``weak_aliases`` count only as complete names of several uncommon words, never
    give a surname and never count alone (a sanctions list's low-quality spellings).
    ``imported_from`` says which list an imported entity came from
    ("un-xml TAi.024"); empty for an entity written by hand.
    """

    id: str
    name: str
    kind: str = "other"
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())
    # Keyword-only from here: a positional call cannot shift a list into the wrong key.
    _: KW_ONLY
    context: tuple[str, ...] = ()
    variants: bool = True
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
    key without apostrophes (scraped text loses them: "al-Qa'ida" as "al-Qaida"); for
    an Arabic-script alias, its words written apart or together, since a zero-width
    non-joiner (or joiner) between them, which text loses, stands for a space or for
    nothing ("سراج‌الدین" = "سراج الدین" = "سراجالدین"); and for one starting with ال,
    the form after the preposition ل (لل)."""
    key = alias_key(alias)
    if not key:
        return ()
    keys = {key: None}
    if "'" in key:
        keys[key.replace("'", "")] = None
    if is_arabic(key):
        if any(joiner in alias for joiner in _JOINERS):
            keys[alias_key(alias.replace("\u200c", " ").replace("\u200d", " "))] = None
        for written in list(keys):
            for joined in _joined_forms(written):
                keys.setdefault(joined, None)
        for written in list(keys):
            if written.startswith("\u0627\u0644"):
                keys.setdefault("\u0644\u0644" + written[2:], None)
    return tuple(keys)


_JOINERS = ("\u200c", "\u200d")
# An Arabic article inside a word, after two letters or more: a compound name.
_ARTICLE_INSIDE = re.compile("([\u0621-\u064a]{2,})(\u0627\u0644[\u0621-\u064a]{2,})")


def _joined_forms(key: str) -> list[str]:
    """An Arabic-script key with one, or every, space between two of its words dropped,
    and with a compound written as one word split before its article ("سراجالدين" ->
    "سراج الدين", "عبدالله" -> "عبد الله")."""
    words = key.split(" ")
    split = [_ARTICLE_INSIDE.sub("\\1 \\2", w) for w in words]
    if split != words:
        return [" ".join(split)]
    if not 1 < len(words) <= 4:
        return []
    forms = [
        " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])
        for i in range(len(words) - 1)
        if is_arabic(words[i]) and is_arabic(words[i + 1])
    ]
    if len(words) > 2 and forms:
        forms.append("".join(words))
    return forms


@dataclass(frozen=True, eq=False)
class Watchlist:
    """The entities compiled for ``alerts.matcher.find_mentions``: built once (and on
    config reload), immutable, safe to share across threads."""

    entities: Mapping[str, Entity]
    _automaton: Any = field(repr=False)  # keys in their alerts.keys.word_starts form
    _given_names: Mapping[str, frozenset[str]] = field(repr=False)
    _name_parts: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = field(repr=False)
    key_count: int = 0  # automaton keys: aliases, their variants, surnames, excludes
    _arabic_automaton: Any = field(default=None, repr=False)  # Arabic-script keys

    @classmethod
    def compile(cls, entities: Iterable[Entity]) -> Watchlist:
        """Build the automata for ``entities``; raise DuplicateEntityError when two share an id."""
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
            _name_parts=MappingProxyType(dict(compiled.name_parts)),
            key_count=compiled.key_count,
            _arabic_automaton=compiled.arabic_automaton,
        )


_COLUMNS = (
    "id",
    "name",
    "kind",
    "aliases",
    "exclude",
    "tags",
    "context",
    "variants",
    "weak_aliases",
    "imported",
)
_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")
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


def _cell_bool(value: object, where: str, key: str) -> bool:
    """A yes/no cell (default yes): a YAML boolean, or true/false, yes/no, 1/0 as text."""
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise WatchlistError(f"{where}: '{key}' must be true or false")


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
        context=_cell_list(record.get("context"), where, "context"),
        variants=_cell_bool(record.get("variants"), where, "variants"),
        weak_aliases=_cell_list(record.get("weak_aliases"), where, "weak_aliases"),
        imported_from=_imported_label(record.get("imported"), where),
    )


def load_watchlist_file(path: Path) -> list[Entity]:
    """Read entities from a CSV file (columns id,name,kind,aliases,exclude,tags and the
    optional context,variants,weak_aliases,imported; ";" inside a cell) or a YAML file
    (a list of mappings with the same keys). Only id and name are required."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise WatchlistError(f"{path}: cannot read: {err}") from err
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        try:
            # libyaml's loader when present: an imported list is thousands of lines.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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
                f"{path}: the first row must name the columns: {','.join(_COLUMNS[:6])}"
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
