"""One entity of a YAML watchlist file changed through ruamel.yaml's round-trip mode:
comments, quoting, flow lists and indentation of everything else are written back as
they were read.

Round-trip loading is safe (ruamel.yaml >= 0.18): it builds only mappings, sequences
and scalars; a ``!!python/...`` tag gives a tagged value, never a Python object.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

LIST_KEYS = ("aliases", "exclude", "tags", "context")
_EXPLICIT_START = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*---")


class YamlEditError(Exception):
    """The file is not a YAML list of entities holding the one asked for."""


def edit_entity(text: str, entity_id: str, change: Callable[[dict[str, Any]], None]) -> str:
    """``text`` with the entity ``entity_id`` changed by ``change`` (which edits a dict of
    its keys in place); a ``;``-separated string is read as a list only for a list key
    ``change`` alters. YamlEditError (with YAMLError's message) when it cannot be done."""
    try:
        _, indent, offset = load_yaml_guess_indent(text)
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 1_000_000  # never fold a long value that was on one line
        yaml.indent(mapping=indent or 2, sequence=indent or 2, offset=offset or 0)
        yaml.explicit_start = bool(_EXPLICIT_START.match(text))
        data = yaml.load(text)
    except (YAMLError, RecursionError) as err:
        raise YamlEditError(f"not valid YAML: {err}") from err
    records = data["entities"] if isinstance(data, dict) and "entities" in data else data
    if not isinstance(records, list):
        raise YamlEditError("expected a list of entities")
    record = next(
        (r for r in records if isinstance(r, CommentedMap) and str(r.get("id")) == entity_id),
        None,
    )
    if record is None:
        raise YamlEditError(f"no entity {entity_id!r}")
    trailing = _detach_trailing(record)
    _change(record, change)
    _attach_trailing(record, trailing)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _change(record: CommentedMap, change: Callable[[dict[str, Any]], None]) -> None:
    """Run ``change`` on a copy where string cells of list keys read as lists; write
    back only what it altered, so every other key keeps its node (and comments)."""
    split = {
        key: [part.strip() for part in record[key].split(";") if part.strip()]
        for key in LIST_KEYS
        if isinstance(record.get(key), str)
    }
    view: dict[str, Any] = dict(record) | {key: list(value) for key, value in split.items()}
    change(view)
    for key in [key for key in record if key not in view]:
        del record[key]
    for key, value in view.items():
        if key in split and value == split[key]:
            continue  # read as a list, left as it was: the string stays
        if key in record and record[key] is value:
            continue  # unchanged, or changed in place
        record[key] = CommentedSeq(value) if isinstance(value, list) else value


def _trailing_slot(node: Any) -> tuple[list[Any], int] | None:
    """Where the comment after the last line of ``node`` is kept: ruamel hangs the
    comment lines that follow an entity (a blank line, "# the next one") on it."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        inner = _trailing_slot(node[key]) if _is_block(node[key]) else None
        return inner or (node.ca.items.setdefault(key, [None, None, None, None]), 2)
    if isinstance(node, CommentedSeq) and node:
        index = len(node) - 1
        inner = _trailing_slot(node[index]) if _is_block(node[index]) else None
        return inner or (node.ca.items.setdefault(index, [None, None, None, None]), 0)
    return None


def _is_block(node: Any) -> bool:
    return (
        isinstance(node, (CommentedMap, CommentedSeq)) and bool(node) and not node.fa.flow_style()
    )


def _detach_trailing(record: CommentedMap) -> str:
    """Take the comment lines after the entity's last line off it (its own inline
    comment stays): they belong before the next entity, wherever its last line ends up."""
    slot = _trailing_slot(record)
    if slot is None or slot[0][slot[1]] is None:
        return ""
    items, index = slot
    inline, _, rest = items[index].value.partition("\n")
    if not rest:
        return ""
    if inline.strip():
        items[index].value = inline + "\n"
    else:
        items[index] = None
    return rest


def _attach_trailing(record: CommentedMap, rest: str) -> None:
    slot = _trailing_slot(record)
    if not rest or slot is None:
        return
    items, index = slot
    if items[index] is None:
        items[index] = CommentToken("\n" + rest, CommentMark(0), None)
    else:
        items[index].value = items[index].value + rest
