"""Feed documents to entries: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser,
JSON Feed 1.0/1.1 through the json module.

Feeds in the wild are sloppy: relative links, missing dates, the same guid twice,
entries with no link, HTML in titles. Each is handled here so the spiders see a
clean list of entries with absolute, canonical links.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

import feedparser

from crawler.parse.dates import from_struct_time, parse_date
from crawler.parse.safexml import UnsafeXML, clean_xml
from crawler.parse.urls import canonical_url, is_http


class FeedError(Exception):
    """The document is not a feed newsradar can read."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: where the article lives and what the feed says of it."""

    link: str  # absolute and canonical (crawler.parse.urls.canonical_url)
    title: str | None
    summary: str | None
    published: str | None  # ISO 8601 UTC
    updated: str | None = None  # ISO 8601 UTC: when the feed says the entry last changed
    author: str | None = None


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its entries, the site it says it belongs to, and any damage."""

    entries: list[FeedEntry]
    version: str
    home: str | None = None  # the channel's <link>: the site the feed speaks for
    title: str | None = None
    problem: str | None = None  # set when the document was malformed but partly readable
    skipped: int = 0  # entries without a usable link


_TAGS = re.compile(r"<[^>]+>")
# feedparser reports these as "bozo" though the feed is fine.
_BENIGN = ("CharacterEncodingOverride", "NonXMLContentType")
# Entries read per document: a feed of 500,000 items costs what 10,000 cost.
MAX_ENTRIES = 10_000


def _plain(text: str | None) -> str | None:
    """Feed titles and summaries often carry HTML: keep the words only."""
    if not text:
        return None
    cleaned = " ".join(html.unescape(_TAGS.sub(" ", html.unescape(text))).split())
    return cleaned or None


def _literal(text: str | None) -> str | None:
    """A text-type value (Atom type="text", RSS titles) as written: "History of the
    <blink> tag" is a title about a tag, not markup."""
    if not text:
        return None
    return " ".join(text.split()) or None


def _detail_text(entry: Any, key: str) -> str | None:
    """``entry[key]`` as words: kept literally when its type is plain text."""
    value = entry.get(key)
    if not isinstance(value, str):
        return None
    detail = entry.get(f"{key}_detail") or {}
    if detail.get("type") == "text/plain":
        return _literal(value)
    return _plain(value)


def is_json_feed(body: bytes) -> bool:
    """True when ``body`` looks like a JSON document rather than XML."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_feed(
    body: bytes, url: str, content_type: str | None = None, *, max_entries: int = MAX_ENTRIES
) -> Feed:
    """Parse the feed document fetched from ``url`` (served as ``content_type``).

    The document is decoded as its BOM, XML declaration or HTTP charset says, or
    as detected (crawler.parse.safexml), and handed to feedparser without its
    DOCTYPE. Relative links are resolved against ``url`` (or the feed's xml:base);
    entries without a link are skipped (an entry whose guid is a permalink uses
    it); a link or guid listed twice is kept once; at most ``max_entries`` entries
    are read. Raises FeedError when the document is not a feed at all, or declares
    entities it may not (refused, never expanded).
    """
    if not body.strip():
        raise FeedError("empty document")
    if is_json_feed(body):
        return _parse_json_feed(body, url, max_entries)
    try:
        clean = clean_xml(body, content_type)
    except UnsafeXML as err:
        raise FeedError(str(err)) from err
    parsed = feedparser.parse(
        clean.data,
        response_headers={
            "content-location": url,
            "content-type": "application/xml; charset=utf-8",
        },
        # Feed HTML is reduced to plain text here; feedparser's own sanitizer is
        # not needed, and resolving relative URIs is (for links).
        sanitize_html=False,
    )
    version = parsed.get("version") or ""
    problems = [clean.note] if clean.note else []
    if parsed.get("bozo"):
        error = parsed.get("bozo_exception")
        if error is not None and type(error).__name__ not in _BENIGN:
            problems.append(f"malformed XML: {error}")
    problem = "; ".join(problems) or None
    if not version and not parsed.entries:
        raise FeedError(f"not a feed: {problem or 'no RSS, Atom or JSON feed found'}")
    channel = parsed.get("feed", {})
    home = channel.get("link")
    entries: dict[str, FeedEntry] = {}
    guids: set[str] = set()
    skipped = 0
    for entry in parsed.entries[:max_entries]:
        link = entry.get("link")
        guid = entry.get("id")
        if not link and isinstance(guid, str) and is_http(guid):
            link = guid
        if not link:
            skipped += 1
            continue
        link = canonical_url(link, base=url)
        if not is_http(link):
            skipped += 1
            continue
        if link in entries or (guid and guid in guids):
            continue
        if guid:
            guids.add(guid)
        # dict.get: FeedParserDict.get("updated_parsed") would fall back to the
        # published date with a DeprecationWarning; the two are kept apart here.
        published = from_struct_time(dict.get(entry, "published_parsed"))
        updated = from_struct_time(dict.get(entry, "updated_parsed")) or published
        entries[link] = FeedEntry(
            link=link,
            title=_detail_text(entry, "title"),
            summary=_detail_text(entry, "summary") or _plain(_content(entry)),
            published=published or updated,
            updated=updated,
            author=_plain(entry.get("author")),
        )
    return Feed(
        entries=list(entries.values()),
        version=version or "unknown",
        home=canonical_url(home, base=url) if isinstance(home, str) and home else None,
        title=_detail_text(channel, "title"),
        problem=problem,
        skipped=skipped,
    )


def _content(entry: Any) -> str | None:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value") if hasattr(content, "get") else None
        if value:
            return value
    return None


def _parse_json_feed(body: bytes, url: str, max_entries: int) -> Feed:
    """JSON Feed (https://jsonfeed.org/version/1.1)."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FeedError(f"malformed JSON feed: {err}") from err
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("not a feed: JSON without a jsonfeed.org version")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError("malformed JSON feed: 'items' is not a list")
    base = document.get("feed_url") if isinstance(document.get("feed_url"), str) else url
    entries: dict[str, FeedEntry] = {}
    ids: set[str] = set()
    skipped = 0
    for item in items[:max_entries]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link.strip():
            skipped += 1
            continue
        link = canonical_url(link, base=base)
        item_id = str(item.get("id", "")) or None
        if not is_http(link):
            skipped += 1
            continue
        if link in entries or (item_id and item_id in ids):
            continue
        if item_id:
            ids.add(item_id)
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
        published = parse_date(item.get("date_published"))
        updated = parse_date(item.get("date_modified")) or published
        text = item.get("summary") or item.get("content_text") or item.get("content_html")
        entries[link] = FeedEntry(
            link=link,
            title=_plain(item.get("title") if isinstance(item.get("title"), str) else None),
            summary=_plain(text if isinstance(text, str) else None),
            published=published or updated,
            updated=updated,
            author=_plain(author) if isinstance(author, str) else None,
        )
    home = document.get("home_page_url")
    return Feed(
        entries=list(entries.values()),
        version="json" + str(document["version"]).rsplit("/", 1)[-1],
        home=canonical_url(home, base=url) if isinstance(home, str) and home else None,
        title=_plain(document.get("title") if isinstance(document.get("title"), str) else None),
        skipped=skipped,
    )
