"""Write configuration values as TOML text, for configs newsradar generates itself
(the demo's, the interactive `init`'s).

The standard library reads TOML but cannot write it; configs only hold strings,
numbers, booleans and lists of strings, which is all this module writes.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from scheduler.config import EntityConfig, default_config_text


def value(item: Any) -> str:
    """``item`` (str, bool, int, float or a list of those) as a TOML value."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int | float):
        return repr(item)
    if isinstance(item, str):
        # A JSON string is a valid TOML basic string: same quotes, same escapes.
        return json.dumps(item, ensure_ascii=False)
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(element) for element in item) + "]"
    raise TypeError(f"cannot write {type(item).__name__} as a TOML value")


def table(header: str, fields: Mapping[str, Any], comment: str | None = None) -> str:
    """A TOML table (``[crawl]``) or array-of-tables entry (``[[source]]``), with an
    optional comment line above it; empty lists and None values are left out."""
    lines = [f"# {comment}"] if comment else []
    lines.append(header)
    lines += [
        f"{key} = {value(item)}"
        for key, item in fields.items()
        if item is not None and item != [] and item != ()
    ]
    return "\n".join(lines) + "\n"


def builtin_entities() -> list[dict[str, Any]]:
    """The built-in watchlist: the ``[[entity]]`` tables of the default config."""
    return list(tomllib.loads(default_config_text()).get("entity", []))


def entity_tables(entities: Sequence[Mapping[str, Any]]) -> str:
    """``[[entity]]`` tables for these entities, separated by blank lines."""
    keys = tuple(EntityConfig.model_fields)  # every key an [[entity]] table may hold
    return "\n".join(
        table("[[entity]]", {key: entity.get(key) for key in keys}) for entity in entities
    )
