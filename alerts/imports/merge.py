"""Re-importing a list into a watchlist file the user has edited since.

Each imported entity carries an ``imported`` record of what the list gave it (name,
kind, aliases, weak aliases, tags). Comparing the entity with that record tells the
user's edits apart: an alias, weak alias or tag the list did not give is the user's
and stays; one the list gave that the user deleted stays deleted; a name or kind the
user changed stays changed. Keys the import does not manage (``exclude``,
``context``...) are never touched. Hand-written entities are never touched either.

A record no longer on the list is reported and kept, marked ``missing_since``,
unless ``remove_missing`` drops it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alerts.imports.records import ListRecord

_MANAGED = ("aliases", "weak_aliases", "tags")


@dataclass
class MergeReport:
    """What a re-import changed, by entity id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # no longer on the list, kept
    removed: list[str] = field(default_factory=list)  # no longer on the list, dropped
    hand_written: list[str] = field(default_factory=list)  # id taken by the user's own entity


def as_list(value: Any) -> list[str]:
    """A list cell as a list: YAML lists stay, CSV's "a; b" strings are split."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(";") if item.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [str(value)]


def _imported_block(record: ListRecord, fmt: str) -> dict[str, Any]:
    block: dict[str, Any] = {
        "from": fmt,
        "reference": record.reference,
        "lists": list(record.lists),
        "name": record.name,
        "kind": record.kind,
    }
    for key in _MANAGED:
        block[key] = list(getattr(record, key))
    if record.notes:
        block["notes"] = list(record.notes)
    return block


def fresh_entity(record: ListRecord, fmt: str) -> dict[str, Any]:
    """The watchlist entry of a record imported for the first time."""
    entry: dict[str, Any] = {"id": record.id, "name": record.name, "kind": record.kind}
    for key in _MANAGED:
        if getattr(record, key):
            entry[key] = list(getattr(record, key))
    entry["imported"] = _imported_block(record, fmt)
    return entry


def _merge_values(old: list[str], old_imported: list[str], new: list[str]) -> list[str]:
    user_added = [value for value in old if value not in old_imported]
    user_removed = {value for value in old_imported if value not in old}
    merged = [value for value in new if value not in user_removed] + user_added
    return list(dict.fromkeys(merged))


def _reimported(old: dict[str, Any], record: ListRecord, fmt: str) -> dict[str, Any]:
    imported = old.get("imported")
    before = imported if isinstance(imported, dict) else {}
    entry = dict(old)
    for key, value in (("name", record.name), ("kind", record.kind)):
        user_changed = key in before and old.get(key) != before.get(key)
        entry[key] = old.get(key) if user_changed else value
    for key in _MANAGED:
        new = list(getattr(record, key))
        values = _merge_values(as_list(old.get(key)), as_list(before.get(key)), new)
        if values:
            entry[key] = values
        else:
            entry.pop(key, None)
    entry.pop("imported", None)
    entry["imported"] = _imported_block(record, fmt)
    return entry


def _in_scope(entry: dict[str, Any], fmt: str, scope: set[str] | None) -> bool:
    block = entry.get("imported")
    if not isinstance(block, dict) or block.get("from") != fmt:
        return False
    lists = {item.casefold() for item in as_list(block.get("lists"))}
    return scope is None or bool(lists & scope)


def merge_entities(
    existing: list[dict[str, Any]],
    records: list[ListRecord],
    fmt: str,
    *,
    scope: set[str] | None,
    remove_missing: bool,
    today: str,
) -> tuple[list[dict[str, Any]], MergeReport]:
    """The watchlist after importing ``records`` (format ``fmt``) over ``existing``.

    ``scope`` is the lists this import read (casefolded; None: the whole file): only
    their entities can be missing. Entries keep their order; new ones come last.
    """
    report = MergeReport()
    by_id = {record.id: record for record in records}
    seen: set[str] = set()
    merged: list[dict[str, Any]] = []
    for old in existing:
        entity_id = str(old.get("id", ""))
        record = by_id.get(entity_id)
        if record is not None and "imported" not in old:
            report.hand_written.append(entity_id)
            seen.add(entity_id)
            merged.append(old)
        elif record is not None:
            seen.add(entity_id)
            entry = _reimported(old, record, fmt)
            (report.updated if entry != old else report.unchanged).append(entity_id)
            merged.append(entry)
        elif _in_scope(old, fmt, scope):
            if remove_missing:
                report.removed.append(entity_id)
                continue
            report.missing.append(entity_id)
            entry = dict(old)
            entry["imported"] = {**old["imported"]}
            entry["imported"].setdefault("missing_since", today)
            merged.append(entry)
        else:
            merged.append(old)
    for record in records:
        if record.id not in seen:
            report.added.append(record.id)
            merged.append(fresh_entity(record, fmt))
    return merged, report
