"""Changes the console writes to the configuration: planned first (the new text, a
diff, the configuration it would give, validated), written only on confirmation, and
only if the file did not change in between.

The TOML config is edited with tomlkit and a YAML watchlist file with ruamel.yaml's
round-trip mode (scheduler.web.yamledit): both keep every comment and the layout. A
CSV watchlist file is rewritten from its rows.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from alerts.imports import MAX_LIST_BYTES
from alerts.watchlist import Entity, WatchlistError, load_watchlist_file
from scheduler.config import Config, ConfigError, parse_config
from scheduler.web.yamledit import YamlEditError, edit_entity


class EditError(Exception):
    """A change cannot be planned or written; says why (nothing was written)."""


@dataclass(frozen=True)
class Edit:
    """A planned change of one file: its text before and after, and the watchlist
    (entities) the configuration would hold once it is written."""

    path: Path
    before: str
    after: str
    entities: list[Entity]
    words: str  # the change in words, for people and for the marks table
    config: Config | None = None  # the whole configuration after it (for a TOML edit)

    @property
    def diff(self) -> str:
        """The change as a unified diff."""
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"{self.path.name} (now)",
                tofile=f"{self.path.name} (changed)",
            )
        )

    def apply(self) -> None:
        """Write the change, atomically; EditError when the file changed since it was
        planned (plan again) or cannot be written."""
        try:
            current = self.path.read_text(encoding="utf-8")
        except OSError as err:
            raise EditError(f"{self.path}: cannot read: {err}") from err
        if current != self.before:
            raise EditError(f"{self.path} changed since this change was proposed: propose again")
        try:
            fd, tmp = tempfile.mkstemp(prefix=".newsradar-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
                file.write(self.after)
            os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, self.path)
        except OSError as err:
            raise EditError(f"{self.path}: cannot write: {err}") from err


def config_file(config: Config) -> Path:
    """The TOML file the configuration was read from; EditError for the built-in one."""
    if config.path is None:
        raise EditError(
            "the built-in configuration is in use: write a config file with "
            "`newsradar init` (and start the console with -c) to change it here"
        )
    return config.path


def edit_config(config: Config, change: Callable[[Any], None], words: str) -> Edit:
    """Plan a change of the TOML config: ``change`` edits the tomlkit document in place.
    The result must be a valid configuration (EditError with its message otherwise)."""
    path = config_file(config)
    try:
        before = path.read_text(encoding="utf-8")
        document = tomlkit.parse(before)
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as err:
        raise EditError(f"{path}: cannot read: {err}") from err
    change(document)
    after = tomlkit.dumps(document)
    try:
        changed = parse_config(after, path)
    except ConfigError as err:
        raise EditError(f"the change would make the configuration invalid: {err}") from err
    return Edit(path, before, after, changed.entities(), words, changed)


def append_table(array: str, values: dict[str, Any]) -> Callable[[Any], None]:
    """A change for ``edit_config``: add ``values`` as a new ``[[array]]`` table at the
    end of the config file (creating the array if the file has none)."""

    def change(document: Any) -> None:
        table = tomlkit.table()
        for key, value in values.items():
            table[key] = value
        if array not in document:
            document[array] = tomlkit.aot()
        document[array].append(table)

    return change


def entity_table(document: Any, entity_id: str) -> Any:
    """The ``[[entity]]`` table of ``entity_id`` in a tomlkit document; EditError if none."""
    for table in document.get("entity", []):
        if table.get("id") == entity_id:
            return table
    raise EditError(f"no [[entity]] with id {entity_id!r} in the config file")


def edit_watchlist_file(
    config: Config, entity_id: str, change: Callable[[dict[str, Any]], None], words: str
) -> Edit:
    """Plan a change of one entity's record in the YAML or CSV watchlist file;
    ``change`` edits the record (a dict of its keys) in place."""
    path = _file_of(config, entity_id)
    try:
        # The bound of an imported list: a larger file is not one `watchlist import` wrote.
        if path.stat().st_size > MAX_LIST_BYTES:
            raise EditError(
                f"{path}: larger than the {MAX_LIST_BYTES // 1048576} MB the console edits: "
                "change it by hand"
            )
        before = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise EditError(f"{path}: cannot read: {err}") from err
    if path.suffix.lower() == ".csv":
        after = _edit_csv(before, entity_id, change, path)
    else:
        after = _edit_yaml(before, entity_id, change, path)
    with tempfile.TemporaryDirectory(prefix="newsradar-edit-") as tmp:
        trial = Path(tmp) / path.name
        trial.write_text(after, encoding="utf-8")
        try:
            from_file = load_watchlist_file(trial)
        except WatchlistError as err:
            raise EditError(f"the change would make {path.name} invalid: {err}") from err
    others = [
        entity
        for name in config.watchlist_files
        if config.resolve(name) != path
        for entity in load_watchlist_file(config.resolve(name))
    ]
    entities = [entry.to_entity() for entry in config.entity] + from_file + others
    return Edit(path, before, after, entities, words)


def _file_of(config: Config, entity_id: str) -> Path:
    """The watchlist file (of the several the config may name) that holds ``entity_id``."""
    if not config.watchlist_files:
        raise EditError("no watchlist file is configured")
    for name in config.watchlist_files:
        path = config.resolve(name)
        try:
            if any(e.id == entity_id for e in load_watchlist_file(path)):
                return path
        except WatchlistError as err:
            raise EditError(f"{path}: cannot read: {err}") from err
    raise EditError(f"no watchlist file holds an entity with id {entity_id!r}")


def _edit_csv(
    text: str, entity_id: str, change: Callable[[dict[str, Any]], None], path: Path
) -> str:
    reader = csv.DictReader(io.StringIO(text))
    fields = list(reader.fieldnames or [])
    rows = list(reader)
    row = next((r for r in rows if (r.get("id") or "").strip() == entity_id), None)
    if row is None:
        raise EditError(f"{path}: no entity {entity_id!r}")
    record: dict[str, Any] = {
        key: [part.strip() for part in (value or "").split(";") if part.strip()]
        if key in ("aliases", "exclude", "tags", "context")
        else value
        for key, value in row.items()
    }
    change(record)
    for key, value in record.items():
        if key not in fields:
            fields.append(key)
        if isinstance(value, list):
            value = "; ".join(value)
        elif isinstance(value, bool):
            value = str(value).lower()
        row[key] = value
    out = io.StringIO()
    terminator = "\r\n" if "\r\n" in text else "\n"
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator=terminator)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _edit_yaml(
    text: str, entity_id: str, change: Callable[[dict[str, Any]], None], path: Path
) -> str:
    try:
        return edit_entity(text, entity_id, change)
    except YamlEditError as err:
        raise EditError(f"{path}: {err}") from err
