"""The UN Security Council Consolidated List, in its published XML form.

The file (``CONSOLIDATED_LIST``) holds ``INDIVIDUALS/INDIVIDUAL`` and
``ENTITIES/ENTITY`` records. Each has ``DATAID``, ``REFERENCE_NUMBER`` ("TAi.024"),
``UN_LIST_TYPE`` ("Taliban", "Al-Qaida", "DPRK"...), its name in parts
(``FIRST_NAME`` to ``FOURTH_NAME``; an entity's whole name is in ``FIRST_NAME``),
``NAME_ORIGINAL_SCRIPT``, ``TITLE``/``DESIGNATION`` values and aliases
(``INDIVIDUAL_ALIAS``/``ENTITY_ALIAS`` with ``QUALITY`` "Good" or "Low" and
``ALIAS_NAME``).

Parsed with defusedxml: a DOCTYPE (and so any entity, internal or external) is
refused, nothing is fetched, and the file size is capped before parsing.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from alerts.imports.names import clean, place_names, split_names
from alerts.imports.records import ListImportError, ListRecord, decode_utf8, slug_id

# UN_LIST_TYPE -> the sanctions committee's resolution, the number analysts use.
_COMMITTEES = {
    "al-qaida": "1267",
    "taliban": "1988",
    "dprk": "1718",
    "iraq": "1518",
    "libya": "1970",
    "drc": "1533",
    "sudan": "1591",
    "south sudan": "2206",
    "somalia": "2713",
    "al-shabaab": "2713",
    "yemen": "2140",
    "car": "2127",
    "mali": "2374",
    "haiti": "2653",
    "guinea-bissau": "2048",
    "lebanon": "1636",
}
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def list_tag(list_type: str) -> str:
    """The tag of a UN list: "Taliban" -> "un-1988"; "1988" and "un-1988" stay "un-1988"."""
    text = " ".join(list_type.casefold().split())
    text = text.removeprefix("un-")
    number = _COMMITTEES.get(text, text)
    return "un-" + re.sub(r"[^a-z0-9]+", "-", number).strip("-")


def _parse(data: bytes, where: str) -> Element:
    declared = _DECLARED.match(data)
    encoding = declared.group(1).decode().lower() if declared else "utf-8"
    if encoding.replace("_", "-") not in ("utf-8", "utf8"):
        raise ListImportError(
            f"{where}: declares encoding {encoding!r}; the UN list is published in UTF-8"
        )
    decode_utf8(data, where)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise ListImportError(
            f"{where}: refused: the file declares a DTD or entities "
            f"({type(err).__name__}), which the UN list never does"
        ) from err
    except ParseError as err:
        raise ListImportError(f"{where}: not well-formed XML: {err}") from err
    if _local(root.tag) != "CONSOLIDATED_LIST":
        raise ListImportError(
            f"{where}: not the UN Consolidated List (the root element is "
            f"<{_local(root.tag)}>, not <CONSOLIDATED_LIST>)"
        )
    return root


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _text(element: Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return clean(child.text)
    return ""


def _values(element: Element, name: str) -> list[str]:
    """The ``VALUE`` texts of every child ``name`` (TITLE, DESIGNATION...)."""
    values: list[str] = []
    for child in element:
        if _local(child.tag) == name:
            values.extend(clean(v.text) for v in child if _local(v.tag) == "VALUE")
            if clean(child.text):
                values.append(clean(child.text))
    return [v for v in values if v]


def _aliases(element: Element, name: str, kind: str) -> tuple[list[str], list[str]]:
    good: list[str] = []
    low: list[str] = []
    for child in element:
        if _local(child.tag) != name:
            continue
        spelling = _text(child, "ALIAS_NAME")
        quality = _text(child, "QUALITY").casefold()
        (low if quality == "low" else good).extend(split_names(spelling, kind))
    return good, low


def _record(element: Element, kind: str, quality: str, skipped: list[str]) -> ListRecord | None:
    reference = _text(element, "REFERENCE_NUMBER")
    dataid = _text(element, "DATAID")
    label = reference or (f"DATAID {dataid}" if dataid else "a record without reference")
    if reference:
        entity_id = slug_id("un", reference, lower=True)
    elif dataid:
        entity_id = slug_id("un-dataid", dataid, lower=True)
    else:
        skipped.append(f"{label}: no REFERENCE_NUMBER or DATAID to give it a stable id")
        return None
    parts = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
    full = " ".join(p for p in (_text(element, part) for part in parts) if p)
    alias_tag = "INDIVIDUAL_ALIAS" if kind == "official" else "ENTITY_ALIAS"
    good, low = _aliases(element, alias_tag, kind)
    good += split_names(_text(element, "NAME_ORIGINAL_SCRIPT"), kind)
    placed = place_names(kind, split_names(full, kind), good, low if quality == "all" else [])
    if placed is None:
        skipped.append(f"{label} ({full or 'no name'}): no name safe to match on its own")
        return None
    name, aliases, weak = placed
    list_type = _text(element, "UN_LIST_TYPE")
    tags = (list_tag(list_type),) if list_type else ()
    notes = [f"title: {t}" for t in _values(element, "TITLE")]
    notes += [f"designation: {d}" for d in _values(element, "DESIGNATION")]
    return ListRecord(
        id=entity_id,
        name=name,
        kind=kind,
        aliases=tuple(aliases),
        weak_aliases=tuple(weak),
        tags=tags,
        reference=reference or dataid,
        lists=tags,
        notes=tuple(notes),
    )


def parse_un_xml(
    data: bytes, where: str, quality: str = "all"
) -> tuple[list[ListRecord], list[str]]:
    """The records of a UN Consolidated List file, and why any record was skipped.

    ``quality`` "all" keeps low-quality aliases as weak aliases; "good" drops them.
    Raises ListImportError on a malformed, hostile or foreign file.
    """
    root = _parse(data, where)
    records: list[ListRecord] = []
    skipped: list[str] = []
    sections = (("INDIVIDUALS", "INDIVIDUAL", "official"), ("ENTITIES", "ENTITY", "group"))
    for group, item, kind in sections:
        for section in (child for child in root if _local(child.tag) == group):
            for element in (child for child in section if _local(child.tag) == item):
                record = _record(element, kind, quality, skipped)
                if record is not None:
                    records.append(record)
    return records, skipped
