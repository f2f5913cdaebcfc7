"""Sitemaps to recent article URLs: plain sitemaps, Google News sitemaps and indexes.

A news site's sitemap may list fifty thousand archive URLs; only entries dated
within the window (``lastmod``, or the News sitemap's ``publication_date``) are
kept, so polling it costs a fetch per *recent* article, not per URL. The document
is streamed through lxml's iterparse with entity resolution and network access
off, once crawler.parse.safexml has decoded it and removed its DOCTYPE.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from io import BytesIO

from lxml import etree

from crawler.parse.dates import parse_date
from crawler.parse.safexml import UnsafeXML, clean_xml
from crawler.parse.urls import canonical_url, is_http

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# The sitemap protocol's own limit of URLs per file: entries past it are not read.
MAX_ENTRIES = 50_000


class SitemapError(Exception):
    """The document is not a sitemap newsradar can read."""


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` (or, in an index, one ``<sitemap>``)."""

    loc: str  # absolute and canonical
    updated: str | None  # lastmod or publication_date, ISO 8601 UTC
    title: str | None = None  # news:title
    published: str | None = None  # news:publication_date


@dataclass
class Sitemap:
    """A parsed sitemap: recent entries, and counts of what was left out and why."""

    is_index: bool
    entries: list[SitemapEntry] = field(default_factory=list)
    news: bool = False
    total: int = 0
    too_old: int = 0
    undated: int = 0
    over_limit: int = 0


def gunzip_bounded(body: bytes, max_size: int) -> bytes:
    """Decompress a gzipped sitemap (``.xml.gz``) without exceeding ``max_size`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, max_size + 1)
    if len(out) > max_size or inflater.unconsumed_tail:
        raise SitemapError(f"gzipped sitemap larger than {max_size} bytes when decompressed")
    return out


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(
    body: bytes,
    url: str,
    *,
    since: str | None,
    limit: int,
    max_size: int = 50 * 1024 * 1024,
    keep_undated: bool = False,
) -> Sitemap:
    """Parse a sitemap or sitemap index fetched from ``url``.

    Entries dated before ``since`` (ISO 8601 UTC) are dropped; undated entries of
    a plain sitemap are dropped too unless ``keep_undated`` (News sitemaps list
    recent articles only, so theirs are kept). At most ``limit`` entries are kept,
    the newest first. Raises SitemapError for anything that is not a sitemap.
    """
    if body[:2] == b"\x1f\x8b":
        body = gunzip_bounded(body, max_size)
    if not body.strip():
        raise SitemapError("empty document")
    try:
        body = clean_xml(body).data
    except UnsafeXML as err:
        raise SitemapError(str(err)) from err
    sitemap: Sitemap | None = None
    dated: list[SitemapEntry] = []
    undated: list[SitemapEntry] = []
    try:
        events = etree.iterparse(
            BytesIO(body),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
        )
        for event, element in events:
            name = _local(element.tag)
            if sitemap is None:
                if event != "start":
                    continue
                if name not in ("urlset", "sitemapindex"):
                    raise SitemapError(f"not a sitemap: root element <{name}>")
                sitemap = Sitemap(is_index=name == "sitemapindex")
                continue
            if event != "end" or name not in ("url", "sitemap"):
                continue
            entry, is_news = _entry(element)
            element.clear(keep_tail=False)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]  # free what was already read
            if entry is None:
                continue
            if sitemap.total >= MAX_ENTRIES:
                sitemap.over_limit += 1  # and the rest of the document is not read
                break
            sitemap.total += 1
            sitemap.news = sitemap.news or is_news
            if entry.updated is None:
                sitemap.undated += 1
                if keep_undated or is_news or sitemap.is_index:
                    undated.append(entry)
            elif since is not None and entry.updated < since:
                sitemap.too_old += 1
            else:
                dated.append(entry)
    except etree.XMLSyntaxError as err:
        if sitemap is None:
            raise SitemapError(f"not a sitemap: malformed XML: {err}") from err
        raise SitemapError(f"malformed sitemap after {sitemap.total} entries: {err}") from err
    if sitemap is None:
        raise SitemapError("not a sitemap: no <urlset> or <sitemapindex>")
    dated.sort(key=lambda e: e.updated or "", reverse=True)
    kept = dated + undated
    sitemap.over_limit += max(len(kept) - limit, 0)
    for entry in kept[:limit]:
        loc = canonical_url(entry.loc, base=url)
        if is_http(loc):
            sitemap.entries.append(SitemapEntry(loc, entry.updated, entry.title, entry.published))
    return sitemap


def _entry(element: etree._Element) -> tuple[SitemapEntry | None, bool]:
    loc = lastmod = title = published = None
    is_news = False
    for child in element.iter():
        name = _local(child.tag)
        text = (child.text or "").strip()
        if name == "loc" and loc is None:
            loc = text
        elif name == "lastmod":
            lastmod = parse_date(text)
        elif child.tag == f"{{{NEWS_NS}}}news":
            is_news = True
        elif name == "publication_date":
            published = parse_date(text)
        elif child.tag == f"{{{NEWS_NS}}}title":
            title = " ".join(text.split()) or None
    if not loc:
        return None, is_news
    # Canonicalized later, for the entries kept: it is the costly part.
    return SitemapEntry(loc, lastmod or published, title, published), is_news
