"""Reading and writing the watchlist file an import produces (YAML or CSV).

Entries are plain mappings here, not ``Entity`` values, so that keys this version
does not know are carried through a re-import untouched. Writes are atomic: the
file is either the old one or the new one, never half of each.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from alerts.imports.merge import as_list
from alerts.imports.records import ListImportError

# libyaml when present: a whole sanctions list is thousands of lines.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
if TYPE_CHECKING:
    _BaseDumper = yaml.SafeDumper  # the C dumper, where present, has the same API
else:
    _BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_LIST_KEYS = ("aliases", "weak_aliases", "exclude", "tags")
_CSV_FIRST = ("id", "name", "kind", "aliases", "weak_aliases", "exclude", "tags")

HEADER = """\
# Watchlist written by `newsradar watchlist import`. Edit freely: a re-import keeps
# aliases, weak_aliases and tags you add or delete, a name or kind you change, and
# every other key (exclude...). `imported` records what the list gave; leave it be.
# weak_aliases match only as the whole name, never alone or as a surname.
"""


def is_csv(path: Path) -> bool:
    """Whether ``path`` names a CSV watchlist (else YAML)."""
    return path.suffix.lower() == ".csv"


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".csv", ".yml", ".yaml"):
        raise ListImportError(f"{path}: a watchlist file is .yaml, .yml or .csv")


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The entries of an existing watchlist file ([] when there is none yet)."""
    _check_suffix(path)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ListImportError(f"{path}: cannot read the watchlist to merge into: {err}") from err
    if is_csv(path):
        return [_csv_entry(row, path, number) for number, row in _csv_rows(text)]
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        raise ListImportError(f"{path}: not valid YAML, nothing merged: {err}") from err
    if isinstance(data, dict) and "entities" in data:
        data = data["entities"]
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(e, dict) and "id" in e for e in data):
        raise ListImportError(f"{path}: expected a list of entities with ids, nothing merged")
    return data


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        if any((value or "").strip() for value in row.values() if isinstance(value, str)):
            yield reader.line_num, row


def _csv_entry(row: dict[str, Any], path: Path, number: int) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None or not str(value).strip():
            continue
        key = key.strip()
        if key in _LIST_KEYS:
            entry[key] = as_list(value)
        elif key == "imported":
            try:
                entry[key] = json.loads(value)
            except ValueError as err:
                raise ListImportError(
                    f"{path}: line {number}: the 'imported' cell is not JSON, nothing merged"
                ) from err
        else:
            entry[key] = str(value).strip()
    if "id" not in entry:
        raise ListImportError(f"{path}: line {number}: no id, nothing merged")
    return entry


class _Dumper(_BaseDumper):
    """Block style for what users edit; the ``imported`` record's lists on one line each."""


class _Inline(list):
    pass


_Dumper.add_representer(
    _Inline, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, True)
)


def _for_yaml(entry: dict[str, Any]) -> dict[str, Any]:
    block = entry.get("imported")
    if not isinstance(block, dict):
        return entry
    inline = {k: _Inline(v) if isinstance(v, list) else v for k, v in block.items()}
    return {**entry, "imported": inline}


def render(entries: list[dict[str, Any]], csv_format: bool) -> str:
    """The text of a watchlist file holding ``entries``."""
    if csv_format:
        return _render_csv(entries)
    body = yaml.dump(
        [_for_yaml(entry) for entry in entries],
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=4096,  # one line per list in the `imported` record
        default_flow_style=False,
    )
    return HEADER + ("" if not entries else body)


def _render_csv(entries: list[dict[str, Any]]) -> str:
    extra = [k for e in entries for k in e if k not in _CSV_FIRST and k != "imported"]
    columns = [*_CSV_FIRST, *dict.fromkeys(extra), "imported"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row: dict[str, str] = {}
        for key, value in entry.items():
            if key == "imported":
                row[key] = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, list):
                # ";" separates items in a cell: one inside a name would split it.
                row[key] = "; ".join(str(item).replace(";", ",") for item in value)
            else:
                row[key] = "" if value is None else str(value)
        writer.writerow(row)
    return out.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a temporary file, then a rename)."""
    _check_suffix(path)
    directory = path.parent if str(path.parent) else Path(".")
    temporary: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=directory, prefix=f".{path.name}.", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
        temporary = None
    except OSError as err:
        raise ListImportError(f"{path}: cannot write: {err.strerror or err}") from err
    finally:
        if temporary is not None:  # the rename did not happen
            temporary.unlink(missing_ok=True)
