"""XML documents made safe to hand to any parser: decoded properly, their DOCTYPE
removed, the plain entities it declared expanded here within a bound.

A feed or sitemap is attacker-controlled input. "Billion laughs" entity bombs grow
a few hundred bytes into gigabytes when expanded, external entities
(``<!ENTITY x SYSTEM "http://10.0.0.1/">``) make a parser read files or URLs, and a
lenient parser (feedparser's) expands what a strict one refused. So no parser ever
sees a DOCTYPE: ``clean_xml`` decodes the whole document (BOM, UTF-16/32 without
one, the XML declaration, the HTTP charset, else detection: a declaration cannot
hide behind an encoding), reads its one DOCTYPE, and returns it as UTF-8 without
that DOCTYPE. Entities the DOCTYPE declares with a plain text value (``<!ENTITY nbsp
"&#160;">``, the XHTML Latin-1 set) are expanded by ``clean_xml`` itself, at most
``MAX_ENTITIES`` of them and ``MAX_EXPANSION`` characters in all. Refused outright:
an entity whose value refers to another (nesting: the bomb), external and parameter
entities, unparsed entities, and an entity declaration anywhere outside the
prolog's DOCTYPE (hidden after garbage, where a lenient parser would find it).

An external DTD (``<!DOCTYPE rss PUBLIC ... "...rss-0.91.dtd">``) is allowed: it is
dropped with the DOCTYPE, never fetched.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

MAX_ENTITIES = 1024
MAX_EXPANSION = 1_000_000  # characters entity references may add to a document
_MAX_VALUE = 1024


class UnsafeXML(Exception):
    """The document declares entities it may not; it is refused unparsed."""


@dataclass(frozen=True)
class CleanXML:
    """A document ready for any XML parser: UTF-8, no DOCTYPE, entities expanded."""

    data: bytes
    encoding: str  # what the original was decoded from
    note: str | None = None  # what was odd about its encoding


_XML_DECL = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["'][^>]*\?>""", re.I)
_XML_DECL_ANY = re.compile(r"^\s*<\?xml\b[^>]*\?>", re.I)
_XML_DECL_BYTES = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# "<" in UTF-32/UTF-16 without a byte order mark (XML 1.0 appendix F).
_UNMARKED = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_WIDE = ("utf-16", "utf-32")
_NAME = r"[^\s%&;<>\"'\[\]]+"
_ENTITY_DECL = re.compile(
    rf"""<!ENTITY\s+(?P<pe>%\s+)?(?P<name>{_NAME})\s+"""
    r"""(?:(?P<value>"[^"]*"|'[^']*')|(?P<external>SYSTEM|PUBLIC)\b[^>]*)\s*>""",
    re.I,
)
_PLAIN_VALUE = re.compile(r"^(?:[^<&%]|&#[0-9]{1,7};|&#x[0-9a-fA-F]{1,6};)*$")
_UNPARSED = re.compile(r"\bNDATA\b", re.I)
_ELEMENT = re.compile(r"<[A-Za-z_:]")
_PASSAGES = re.compile(r"(<!\[CDATA\[.*?\]\]>|<!--.*?-->)", re.S)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def wide_encoding(body: bytes) -> str | None:
    """The UTF-16/32 codec ``body`` is in, by its byte order mark or its first "<"."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding if encoding != "utf-8-sig" else None
    for mark, encoding in _UNMARKED:
        if body.startswith(mark) and body[len(mark) : len(mark) + 1] != b"\x00":
            return encoding
    return None


def head_bytes(body: bytes, size: int = 2048) -> bytes:
    """The first ``size`` characters of ``body`` as ASCII-compatible bytes, for sniffing
    what a document is: a UTF-16 feed starts ``<rss`` too."""
    encoding = wide_encoding(body)
    if encoding is None:
        return body[:size]
    text = body[: size * 4].decode(encoding, "replace")
    return text[:size].encode("utf-8", "replace")


def decode_xml(body: bytes, content_type: str | None = None) -> tuple[str, str, str | None]:
    """(text, encoding, note) of an XML document, never raising for its encoding.

    The order: a byte order mark; UTF-16/32 without one; valid UTF-8; the encoding
    the XML declaration names; the HTTP charset; else charset-normalizer. An unknown
    or wrong declaration is noted, not fatal.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, "replace"), encoding, None
    for mark, encoding in _UNMARKED:
        if body.startswith(mark) and body[len(mark) : len(mark) + 1] != b"\x00":
            return body.decode(encoding, "replace"), encoding, None
    match = _XML_DECL_BYTES.match(body[:1024])
    said = match.group(1).decode("ascii", "replace").strip() if match else None
    declared = _codec(said)
    if declared in _WIDE or (declared or "").startswith(_WIDE):
        declared = None  # a wide encoding would have shown in the bytes above
    header = _HEADER_CHARSET.search(content_type or "")
    http = _codec(header.group(1)) if header else None
    note = f"unknown encoding {said!r} declared" if said and not _codec(said) else None
    if declared and declared.startswith("iso2022") and b"\x1b" in body:
        # 7-bit encodings (ISO-2022-JP mail-era feeds) are also valid UTF-8: trust them.
        try:
            return body.decode(declared), declared, note
        except UnicodeDecodeError:
            pass
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared not in (None, "utf-8", "ascii") and not text.isascii():
            note = f"declared {declared}, but the document is valid UTF-8: decoded as utf-8"
        return text, "utf-8", note
    for candidate in dict.fromkeys((declared, http)):
        if candidate and candidate != "utf-8":
            try:
                return body.decode(candidate), candidate, note
            except UnicodeDecodeError:
                pass
    best = charset_normalizer.from_bytes(body[:262144]).best()
    encoding = (_codec(best.encoding) or best.encoding) if best is not None else "utf-8"
    return (
        body.decode(encoding, "replace"),
        encoding,
        f"declared {said or http or 'no charset'}, but the document is not: decoded as {encoding}",
    )


def _skip_declaration(text: str, start: int) -> int:
    """The index after a markup declaration starting at ``start`` (quotes respected)."""
    quote = None
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index + 1
    raise UnsafeXML("unterminated declaration in the DOCTYPE")


def _read_doctype(text: str, start: int, allow_entities: bool) -> tuple[int, dict[str, str]]:
    """(end, entities) of the DOCTYPE at ``start``: its plain entities, or UnsafeXML."""
    entities: dict[str, str] = {}
    index = start + len("<!DOCTYPE")
    quote = None
    while index < len(text):  # the name and external id, up to "[" or ">"
        char = text[index]
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index + 1, entities
        elif char == "[":
            break
        index += 1
    else:
        raise UnsafeXML("unterminated DOCTYPE")
    index += 1
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            raise UnsafeXML("unterminated DOCTYPE")
        rest = text[index : index + 9].upper()
        if text[index] == "]":
            close = text.find(">", index)
            if close < 0 or text[index + 1 : close].strip():
                raise UnsafeXML("malformed DOCTYPE")
            return close + 1, entities
        if rest.startswith("<!--"):
            end = text.find("-->", index)
            if end < 0:
                raise UnsafeXML("unterminated comment in the DOCTYPE")
            index = end + 3
        elif rest.startswith("<?"):
            end = text.find("?>", index)
            if end < 0:
                raise UnsafeXML("unterminated instruction in the DOCTYPE")
            index = end + 2
        elif rest.startswith("<!ENTITY"):
            if not allow_entities:
                words = text[index + 8 : index + 80].split()
                raise UnsafeXML(
                    f"XML entity declarations are refused (entity {(words or [''])[0]!r})"
                )
            end = _skip_declaration(text, index)
            name, value = _entity(text[index:end])
            if name not in entities:  # XML: the first declaration binds
                entities[name] = value
            if len(entities) > MAX_ENTITIES:
                raise UnsafeXML(f"XML entity declarations are refused (over {MAX_ENTITIES})")
            index = end
        elif rest.startswith(("<!ELEMENT", "<!ATTLIST", "<!NOTATION")):
            index = _skip_declaration(text, index)
        elif text[index] == "%":
            raise UnsafeXML("XML parameter entity references are refused")
        else:
            raise UnsafeXML("malformed DOCTYPE")


def _entity(declaration: str) -> tuple[str, str]:
    """The (name, value) of a plain internal entity declaration, else UnsafeXML."""
    match = _ENTITY_DECL.fullmatch(declaration.strip())
    if match is None or match.group("pe") or match.group("external"):
        raise UnsafeXML(
            "XML entity declarations are refused (external, parameter or malformed entity"
            + (f" {match.group('name')!r})" if match else ")")
        )
    name, value = match.group("name"), match.group("value")[1:-1]
    if _UNPARSED.search(declaration) or len(value) > _MAX_VALUE or not _PLAIN_VALUE.match(value):
        raise UnsafeXML(
            f"XML entity declarations are refused (entity {name!r} is not a plain text value)"
        )
    return name, value


def _expand(text: str, entities: dict[str, str]) -> str:
    """``text`` with each declared entity's references replaced, within MAX_EXPANSION."""
    if not entities:
        return text
    pattern = re.compile("&(" + "|".join(map(re.escape, entities)) + ");")
    added = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal added
        value = entities[match.group(1)]
        added += len(value)
        if added > MAX_EXPANSION:
            raise UnsafeXML(
                f"XML entities refused: they would expand past {MAX_EXPANSION} characters"
            )
        return value

    # Nothing is expanded inside CDATA sections or comments, as a parser would not.
    parts = _PASSAGES.split(text)
    return "".join(part if i % 2 else pattern.sub(replace, part) for i, part in enumerate(parts))


def clean_xml(
    body: bytes, content_type: str | None = None, *, allow_entities: bool = True
) -> CleanXML:
    """``body`` decoded, without its DOCTYPE, plain entities expanded (module doc).

    Raises UnsafeXML for what is refused; with ``allow_entities`` false any entity
    declaration is. A document that is not XML at all passes through re-encoded.
    """
    text, encoding, note = decode_xml(body, content_type)
    lowered = text.lower()
    # The DOCTYPE belongs in the prolog, before the first element; one later on (an
    # HTML page quoted in a CDATA section) can declare nothing, as every entity
    # declaration outside the prolog's DOCTYPE is refused below.
    first_element = _ELEMENT.search(text)
    start = lowered.find("<!doctype", 0, first_element.start() if first_element else len(text))
    entities: dict[str, str] = {}
    if start >= 0:
        end, entities = _read_doctype(text, start, allow_entities)
        text = text[:start] + text[end:]
        lowered = text.lower()
    if "<!entity" in lowered:
        raise UnsafeXML("XML entity declarations are refused (outside the DOCTYPE)")
    text = _expand(text, entities)
    # The original declaration names the encoding the text no longer is in.
    text = _XML_DECL_ANY.sub("", text.lstrip("\ufeff"), count=1)
    return CleanXML(('<?xml version="1.0" encoding="utf-8"?>' + text).encode(), encoding, note)


def check_xml(body: bytes) -> None:
    """Raise UnsafeXML when ``body`` declares XML entities or references external ones."""
    head = body.lstrip()[:64]
    if head.startswith((b"{", b"[")):
        return  # JSON Feed
    clean_xml(body, allow_entities=False)
