"""RSS and Atom documents to entries, parsed with feedparser."""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser


class FeedError(Exception):
    """The document is not a feed newsradar can read."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: where the article lives and what the feed says of it."""

    link: str
    title: str | None
    summary: str | None
    published: str | None  # ISO 8601 UTC


_TAGS = re.compile(r"<[^>]+>")


def _plain(text: str | None) -> str | None:
    """Feed titles and summaries often carry HTML: keep the words only."""
    if not text:
        return None
    cleaned = " ".join(html.unescape(_TAGS.sub(" ", text)).split())
    return cleaned or None


def _published(entry: feedparser.FeedParserDict) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """Parse an RSS or Atom document fetched from ``url`` into entries with links.

    Relative links are resolved against ``url``; entries without a link are
    skipped; a link listed twice is kept once. Raises FeedError when the
    document is not a feed at all.
    """
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom feed found"
        raise FeedError(f"not a feed: {reason}")
    entries: dict[str, FeedEntry] = {}
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        link = urljoin(url, link.strip())
        if link in entries:
            continue
        entries[link] = FeedEntry(
            link=link,
            title=_plain(entry.get("title")),
            summary=_plain(entry.get("summary")),
            published=_published(entry),
        )
    return list(entries.values())
