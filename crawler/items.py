"""What the spiders yield: plain dataclasses, as Scrapy's item adapters expect."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    """One article, extracted from its page or, failing that, from its feed entry."""

    url: str  # canonical: the article's identity
    source_url: str
    title: str | None
    text: str | None
    extracted_from: str  # "page" or "feed"
    author: str | None = None
    published: str | None = None  # ISO 8601 UTC
    language: str | None = None
    # Every URL this article was reached by (the link followed, redirects, the
    # canonical one), so none of them is fetched again.
    aliases: list[str] = field(default_factory=list)
    entry_updated: str | None = None  # when the feed or sitemap says it last changed
    recheck: bool = False  # fetched again because the feed or sitemap said it changed
    html: str | None = None  # the raw page, when the source keeps it
    charset_note: str | None = None
    page_etag: str | None = None  # the page's validators, for silent-edit re-checks
    page_last_modified: str | None = None
    # The text's story signature (kind, shingles, MinHash bytes), computed where the
    # page was extracted, so matching need not compute it again; None: not computed.
    signature: tuple[str, int, bytes] | None = None


@dataclass
class SourceStatusItem:
    """The outcome of polling a source itself (its feed): ok, or the reason it failed."""

    source_url: str
    error: str | None = None
    entries: int = 0
    not_modified: bool = False  # the server answered 304: nothing was parsed
    note: str | None = None  # what was odd about a readable document (malformed XML, ...)


@dataclass
class ValidatorsItem:
    """A document's ETag / Last-Modified, saved once the crawl has used it fully."""

    url: str
    etag: str | None
    last_modified: str | None


@dataclass
class DiscoveryItem:
    """What `auto` found behind a source URL: the document to poll, and its kind."""

    source_url: str
    kind: str  # "feed", "sitemap" or "page"
    url: str
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (kind, url) all found
    note: str | None = None  # how it was found and why it was chosen, in words


@dataclass
class RecheckedItem:
    """A stored article's page was fetched again to look for a silent edit (whether or
    not its text changed: an ArticleItem follows when the page answered)."""

    url: str


@dataclass
class RediscoverItem:
    """The document `auto` found behind a source failed: forget it, so the next poll
    discovers again."""

    source_url: str
    url: str  # the document that failed
