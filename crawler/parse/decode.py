"""Bytes to text for HTML pages whose declared charset may be wrong or missing.

Sites declare UTF-8 and serve windows-1256 or latin-1 (old CMS templates, copied
headers), or declare nothing. Decoding with the declared charset then gives
mojibake or U+FFFD everywhere, and the matcher misses every name. The rule: a
body that is valid UTF-8 is UTF-8 (random legacy bytes almost never are); a
declared legacy charset is trusted otherwise; when the declaration is UTF-8 and
the bytes are not, charset-normalizer picks the encoding, and the page is flagged
with what was declared and what was used.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    """A page's text, the encoding used, and a note when it was not the declared one."""

    text: str
    encoding: str
    note: str | None = None


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset the HTTP header declares, else the one in a ``<meta>`` near the top."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and _codec(match.group(1)):
            return _codec(match.group(1))
    meta = _META_CHARSET.search(body[:4096])
    return _codec(meta.group(1)) if meta else None


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML body, never silently producing mojibake (see the module doc)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(encoding, "replace"), encoding)
    declared = declared_charset(body, content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        if declared not in (None, "utf-8", "ascii") and not text.isascii():
            note = f"declared {declared}, but the page is valid UTF-8: decoded as utf-8"
        return Decoded(text, "utf-8", note)
    if declared not in (None, "utf-8"):
        try:
            return Decoded(body.decode(declared), declared)
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(body[:262144]).best()
    said = declared or "no charset"
    if best is not None and best.encoding:
        encoding = _codec(best.encoding) or best.encoding
        return Decoded(
            body.decode(encoding, "replace"),
            encoding,
            f"declared {said}, but the page is not: decoded as {encoding}",
        )
    return Decoded(
        body.decode("utf-8", "replace"),
        "utf-8",
        f"declared {said}; encoding undetectable, undecodable bytes replaced",
    )
