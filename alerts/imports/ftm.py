"""FollowTheMoney entities, as OpenSanctions publishes them: JSON lines, one entity each
(``{"id", "schema", "properties": {"name": [...], "alias": [...], ...}, "datasets"}``).

Read with the ``followthemoney`` library, which knows the schemata: ``Person`` becomes
an ``official``, any other legal entity (``Organization``, ``Company``,
``LegalEntity``, ``PublicBody``) a ``group``; other schemata (vessels, addresses,
sanctions) are skipped. ``name`` and ``previousName`` are names, ``alias`` good
aliases, ``weakAlias`` the list's own low-quality spellings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from alerts.imports.names import clean, place_names, split_names
from alerts.imports.records import ListImportError, ListRecord, decode_utf8, slug_id

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _entity(line: str, number: int, where: str) -> dict:
    try:
        data = json.loads(line)
    except ValueError as err:
        raise ListImportError(
            f"{where}: line {number}: not valid JSON ({err}); a truncated download?"
        ) from err
    if not isinstance(data, dict) or not isinstance(data.get("schema"), str):
        raise ListImportError(f"{where}: line {number}: not a FollowTheMoney entity")
    if not isinstance(data.get("id"), str) or not data["id"].strip():
        raise ListImportError(f"{where}: line {number}: the entity has no 'id'")
    if not isinstance(data.get("properties", {}), dict):
        raise ListImportError(f"{where}: line {number}: 'properties' is not an object")
    return data


def parse_ftm(data: bytes, where: str, quality: str = "all") -> tuple[list[ListRecord], list[str]]:
    """The people and groups of a FollowTheMoney JSON-lines file, and what was skipped.

    A record's ``lists`` are its datasets and topics. ``quality`` "good" drops
    ``weakAlias`` values. Raises ListImportError on a malformed line or an unknown schema.
    """
    from followthemoney import model
    from followthemoney.exc import FollowTheMoneyException

    text = decode_utf8(data, where)
    records: list[ListRecord] = []
    skipped: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        raw = _entity(line, number, where)
        try:
            proxy = model.get_proxy(raw, cleaned=False)
        except FollowTheMoneyException as err:
            raise ListImportError(f"{where}: line {number}: {err}") from err
        if proxy.id is None:  # the library drops an id of control characters only
            raise ListImportError(f"{where}: line {number}: the entity has no 'id'")
        if not proxy.schema.is_a("LegalEntity"):
            continue
        datasets = [clean(d) for d in _strings(raw.get("datasets")) if clean(d)]
        topics = [clean(t) for t in proxy.get("topics", quiet=True) if clean(t)]
        memberships = tuple(dict.fromkeys([*datasets, *topics]))
        kind = "official" if proxy.schema.is_a("Person") else "group"

        def spelled(prop: str, kind: str = kind, proxy: EntityProxy = proxy) -> list[str]:
            values = proxy.get(prop, quiet=True)
            return [n for value in values for n in split_names(value, kind)]

        low = spelled("weakAlias") if quality == "all" else []
        placed = place_names(kind, spelled("name") + spelled("previousName"), spelled("alias"), low)
        if placed is None:
            skipped.append(f"{proxy.id} ({proxy.caption}): no name safe to match on its own")
            continue
        name, aliases, weak = placed
        records.append(
            ListRecord(
                id=slug_id("ftm", proxy.id),
                name=name,
                kind=kind,
                aliases=tuple(aliases),
                weak_aliases=tuple(weak),
                tags=memberships,
                reference=proxy.id,
                lists=memberships,
                notes=tuple(f"position: {p}" for p in proxy.get("position", quiet=True)),
            )
        )
    return records, skipped
