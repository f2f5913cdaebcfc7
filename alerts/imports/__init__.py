"""Watchlists from the lists analysts already trust: the UN Security Council
Consolidated List (XML) and FollowTheMoney entities (OpenSanctions' JSON lines).

``import_list`` reads one list file, maps its people and groups to watchlist entries
and merges them into a YAML or CSV watchlist file (see ``merge`` for how a user's
edits survive a re-import). Nothing is fetched: the user downloads the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

# Only the light names here: `newsradar --help` imports this package for FORMATS.
from alerts.imports.records import (
    FORMATS,
    MAX_LIST_BYTES,
    ListImportError,
    ListRecord,
    read_capped,
)

if TYPE_CHECKING:
    from alerts.imports.merge import MergeReport

__all__ = [
    "FORMATS",
    "MAX_LIST_BYTES",
    "ImportResult",
    "ListImportError",
    "ListRecord",
    "import_list",
    "read_records",
]

QUALITIES = ("all", "good")


@dataclass
class ImportResult:
    """What an import read and what it did to the watchlist file."""

    text: str  # the watchlist file's new content
    records: int  # people and groups imported
    report: MergeReport
    skipped: list[str] = field(default_factory=list)  # records not imported, and why
    written: Path | None = None  # the file written (None: the caller prints ``text``)


def read_records(
    path: Path, fmt: str, lists: tuple[str, ...] = (), quality: str = "all"
) -> tuple[list[ListRecord], list[str], set[str] | None]:
    """The records of list file ``path`` on ``lists`` (all when empty), the skipped
    records, and the selected lists (casefolded; None for all). Raises ListImportError."""
    if fmt not in FORMATS:
        raise ListImportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if quality not in QUALITIES:
        raise ListImportError(f"unknown quality {quality!r}: use one of {', '.join(QUALITIES)}")
    data = read_capped(path)
    if fmt == "un-xml":
        from alerts.imports.un_xml import list_tag, parse_un_xml

        records, skipped = parse_un_xml(data, str(path), quality)
        wanted = {list_tag(name) for name in lists}
    else:
        from alerts.imports.ftm import parse_ftm

        records, skipped = parse_ftm(data, str(path), quality)
        wanted = {name.casefold() for name in lists}
    if not records:
        raise ListImportError(f"{path}: no people or groups found in this {fmt} file")
    ids: set[str] = set()
    for record in records:
        if record.id in ids:
            raise ListImportError(f"{path}: two records share the reference {record.reference!r}")
        ids.add(record.id)
    if not wanted:
        return records, skipped, None
    chosen = [r for r in records if wanted & {name.casefold() for name in r.lists}]
    if not chosen:
        known = sorted({name for r in records for name in r.lists})
        raise ListImportError(
            f"{path}: no record on {', '.join(lists)}; this file has: {', '.join(known)}"
        )
    return chosen, skipped, wanted


def import_list(
    path: Path,
    fmt: str,
    *,
    lists: tuple[str, ...] = (),
    quality: str = "all",
    out: Path | None = None,
    remove_missing: bool = False,
    today: date | None = None,
) -> ImportResult:
    """Import list file ``path`` (format "un-xml" or "ftm") into watchlist file ``out``.

    An existing ``out`` is merged into, keeping the user's edits; records no longer on
    the list are kept and marked unless ``remove_missing``. Without ``out`` nothing is
    written and ``ImportResult.text`` holds a new YAML watchlist. On any error
    (ListImportError) ``out`` is left as it was.
    """
    from alerts.imports.merge import merge_entities
    from alerts.imports.yamlfile import is_csv, read_entries, render, write_atomically

    records, skipped, scope = read_records(path, fmt, lists, quality)
    existing = read_entries(out) if out is not None else []
    merged, report = merge_entities(
        existing,
        records,
        fmt,
        scope=scope,
        remove_missing=remove_missing,
        today=(today or date.today()).isoformat(),
    )
    text = render(merged, csv_format=out is not None and is_csv(out))
    if out is not None:
        write_atomically(out, text)
    return ImportResult(text, len(records), report, skipped, out)
