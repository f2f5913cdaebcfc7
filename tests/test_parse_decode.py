"""Bytes to text for HTML whose declared charset may be wrong or missing."""

from __future__ import annotations

import codecs

from crawler.parse.decode import declared_charset, decode_html

ARABIC = "أعلنت الحكومة اليمنية اليوم عن خطة جديدة لإعادة بناء المدارس في عدن وتعز. " * 8
FRENCH = "Les éleveurs du Sahel vendent leurs bêtes à bas prix sur les marchés. " * 8


def page(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


def test_declared_charset_header_first_then_meta() -> None:
    body = page("x", '<meta charset="windows-1256">').encode()
    assert declared_charset(body, "text/html; charset=ISO-8859-1") == "iso8859-1"
    assert declared_charset(body, "text/html") == "cp1256"
    assert declared_charset(body, None) == "cp1256"
    assert declared_charset(b"<html></html>", "text/html; charset=no-such-codec") is None
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    assert declared_charset(page("x", meta).encode(), None) == "utf-8"


def test_valid_utf8_is_utf8_whatever_is_declared() -> None:
    decoded = decode_html(page(FRENCH).encode("utf-8"), "text/html; charset=iso-8859-1")
    assert decoded.encoding == "utf-8"
    assert "éleveurs" in decoded.text
    assert decoded.note == "declared iso8859-1, but the page is valid UTF-8: decoded as utf-8"
    plain = decode_html(page("plain ascii").encode(), "text/html; charset=iso-8859-1")
    assert plain.note is None  # ASCII reads the same in both: nothing to say


def test_a_declared_legacy_charset_is_trusted() -> None:
    body = page(FRENCH, '<meta charset="iso-8859-1">').encode("iso-8859-1")
    decoded = decode_html(body)
    assert decoded.encoding == "iso8859-1"
    assert "éleveurs" in decoded.text and decoded.note is None


def test_utf8_declared_but_legacy_bytes_are_detected_and_flagged() -> None:
    body = page(ARABIC, '<meta charset="utf-8">').encode("windows-1256")
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert "الحكومة" in decoded.text
    assert "\ufffd" not in decoded.text
    assert decoded.note is not None and decoded.note.startswith("declared utf-8, but the page")


def test_no_declaration_and_legacy_bytes() -> None:
    decoded = decode_html(page(ARABIC).encode("windows-1256"))
    assert "الحكومة" in decoded.text
    assert decoded.note is not None and "no charset" in decoded.note


def test_byte_order_marks_win() -> None:
    text = page(FRENCH)
    assert decode_html(codecs.BOM_UTF8 + text.encode()).text == text
    utf16 = decode_html(text.encode("utf-16"), "text/html; charset=iso-8859-1")
    assert utf16.encoding == "utf-16" and utf16.text == text
