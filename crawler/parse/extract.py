"""Article pages to clean text: main text, title, author, date, language and the
page's own idea of its URL.

``extract_page`` is a pure function of bytes, so it runs in worker processes
(crawler.pool): extraction is the costly step of every article, and off the
event loop it neither blocks other crawls nor is limited to one core.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document

from crawler.parse.decode import decode_html
from crawler.parse.links import parse_html
from crawler.parse.urls import canonical_url, is_http, site_of

# Magic numbers of the binary types article links most often turn out to be.
_BINARY_MAGIC = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"RIFF", "RIFF media"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


@dataclass(frozen=True)
class Extracted:
    """What an article page yielded."""

    title: str | None
    text: str
    author: str | None
    published: str | None  # a date as trafilatura found it, "YYYY-MM-DD"
    language: str | None


@dataclass(frozen=True)
class PageResult:
    """Everything learnt from one fetched article page."""

    extracted: Extracted | None = None
    canonical: str | None = None  # from rel=canonical / og:url, same site only
    charset_note: str | None = None  # set when the declared charset was wrong
    html: str | None = None  # the decoded page, when asked to keep it
    skipped: str | None = None  # why the page was not extracted at all
    # The extracted text's story signature (kind, shingles, MinHash bytes; empty bytes:
    # too short to group), when the extractor computes one next to the extraction.
    signature: tuple[str, int, bytes] | None = None


def binary_kind(body: bytes) -> str | None:
    """What binary file ``body`` is ("PDF document", "PNG image", ...), or None."""
    head = body.lstrip()[:8]
    for magic, label in _BINARY_MAGIC:
        if head.startswith(magic):
            return label
    return None


def not_html(body: bytes, content_type: str | None) -> str | None:
    """Why ``body`` is not an HTML page (a PDF, an image, ...), or None when it is."""
    kind = binary_kind(body)
    if kind:
        return f"not HTML: {kind}"
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and not kind.startswith(_HTML_TYPES):
        return f"not HTML: {kind}"
    return None


def extract_article(html: str | bytes | HtmlElement, url: str) -> Extracted | None:
    """Extract the main text and metadata of an article page.

    Navigation, sidebars, related links and comments are left out; the date
    comes from JSON-LD, then meta tags, then the page (trafilatura/htmldate).
    Returns None when the page has no main text worth keeping.
    """
    # bare_extraction is trafilatura's public call for a Python result (in its __all__,
    # documented); extract_with_metadata renders the text with a YAML header instead.
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    if not isinstance(document, Document):  # None: no text (a dict only with as_dict=True)
        return None
    text = _without_headline((document.text or "").strip(), document.title)
    if not text:
        return None
    return Extracted(
        title=document.title or None,
        text=text,
        author=document.author or None,
        published=document.date or None,
        language=document.language or None,
    )


def _normal(line: str) -> str:
    return " ".join(line.casefold().split())


def _without_headline(text: str, title: str | None) -> str:
    """The text without its first line when that line is the headline (the page's
    <h1>): the title is stored apart, and a mention in it must count once."""
    first, _, rest = text.partition("\n")
    if title and len(first) >= 8 and _normal(first) in _normal(title):
        return rest.strip()
    return text


def page_canonical(tree: etree._Element | None, url: str) -> str | None:
    """The URL the page names as its own (rel=canonical, else og:url), canonicalized.

    Only a URL on the page's own site counts: a page must not be able to claim
    another site's article (and so hide it) by naming it canonical.
    """
    if tree is None:
        return None
    candidates = tree.xpath(
        "//head/link[contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', "
        "'canonil')), ' '), ' canonical ')]/@href"
        " | //head/meta[@property='og:url']/@content"
    )
    for candidate in candidates:
        canonical = canonical_url(str(candidate), base=url)
        if is_http(canonical) and site_of(canonical) == site_of(url):
            return canonical
    return None


def _declared_language(tree: etree._Element) -> str | None:
    """The page's declared language (``<html lang>``, else og:locale), as "en"."""
    values = [tree.get("lang"), *tree.xpath("//head/meta[@property='og:locale']/@content")]
    for value in values:
        code = str(value or "").strip().replace("_", "-").split("-")[0].lower()
        if code.isalpha() and 2 <= len(code) <= 3:
            return code
    return None


def extract_page(
    body: bytes, url: str, content_type: str | None = None, keep_html: bool = False
) -> PageResult:
    """Decode, check and extract one fetched article page (runs in a worker process)."""
    if not body.strip():
        return PageResult(skipped="empty body")
    reason = not_html(body, content_type)
    if reason:
        return PageResult(skipped=reason)
    decoded = decode_html(body, content_type)
    tree = parse_html(decoded.text)
    if tree is None:
        return PageResult(skipped="unparseable HTML", charset_note=decoded.note)
    canonical = page_canonical(tree, url)
    declared_language = _declared_language(tree)
    extracted = extract_article(tree, url)
    if extracted is not None and extracted.language is None and declared_language:
        extracted = replace(extracted, language=declared_language)
    return PageResult(
        extracted=extracted,
        canonical=canonical,
        charset_note=decoded.note,
        html=decoded.text if keep_html else None,
    )
