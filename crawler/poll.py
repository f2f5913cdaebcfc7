"""The fetch stage's seam: what a poll is asked to do, and what it brought back.

Plain data only (no Scrapy, no database): the service builds a ``PollRequest``
from the config and the source's stored state, a fetch engine turns it into a
``PollResult``, and the store records that (crawler.record). Today the engine
runs in the service's own event loop (crawler.engine); a fetch worker on another
machine could take its place by receiving the same requests and sending the same
results, without storage, matching or alerting changing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.items import (
    ArticleItem,
    DiscoveryItem,
    RecheckedItem,
    RediscoverItem,
    SourceStatusItem,
    ValidatorsItem,
)

Validators = tuple[str | None, str | None]  # (ETag, Last-Modified)


@dataclass(frozen=True)
class Recheck:
    """A stored article to fetch again (conditionally) in case it was edited silently."""

    url: str
    title: str | None = None  # as stored: a re-check compares the text, not the title source
    published: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class PollRequest:
    """One poll of one source: its settings and what the last complete poll left."""

    source_url: str
    kind: str  # "feed", "sitemap", "page" or "auto"
    source_name: str | None = None
    allow_domains: tuple[str, ...] = ()
    window: float = 2 * 86400  # seconds: how old a sitemap entry may be
    max_articles: int = 500
    store_html: bool = False
    # What `auto` found behind the URL last time: (kind, document URL).
    resolved: tuple[str, str] | None = None
    # Per document URL, for conditional requests.
    validators: dict[str, Validators] = field(default_factory=dict)
    # Stored articles of the source due for a silent-edit check.
    rechecks: tuple[Recheck, ...] = ()

    def spider_arguments(self) -> dict[str, Any]:
        """The arguments of the spider that polls this source (crawler.spiders)."""
        return {
            "url": self.source_url,
            "source_name": self.source_name or self.source_url,
            "allow_domains": self.allow_domains,
            "window": self.window,
            "max_articles": self.max_articles,
            "store_html": self.store_html,
            "rechecks": self.rechecks,
        }


class PollStats:
    """Counters of one poll (the subset of Scrapy's stats API the spiders use)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


@dataclass
class PollResult:
    """What one poll brought: articles, validators, discovery and the source's health.

    ``reason`` is why the fetch ended ("finished", or "shutdown", "failed: ..."
    when it was cut short): validators are saved only for a finished poll, so a
    poll cut short never turns the next one into a 304 hiding unread entries.
    """

    source_url: str
    articles: list[ArticleItem] = field(default_factory=list)
    validators: dict[str, ValidatorsItem] = field(default_factory=dict)
    discovery: DiscoveryItem | None = None
    rediscover: bool = False
    rechecked: list[str] = field(default_factory=list)  # article URLs fetched again
    answered: bool = False  # the source said something (a document, or an error)
    error: str | None = None
    not_modified: bool = False
    entries: int = 0
    reason: str = "finished"
    stats: dict[str, Any] = field(default_factory=dict)

    def add(self, item: Any) -> None:
        """Take one thing a spider yielded (an unknown type is ignored)."""
        if isinstance(item, ArticleItem):
            self.articles.append(item)
        elif isinstance(item, SourceStatusItem):
            # The first word on the source wins; a later error (a truncated
            # document after its entries were read) is still an error.
            self.answered = True
            self.error = self.error or item.error
            self.not_modified = self.not_modified or item.not_modified
            self.entries += item.entries
        elif isinstance(item, ValidatorsItem):
            self.validators[item.url] = item
        elif isinstance(item, DiscoveryItem):
            self.discovery = item
        elif isinstance(item, RediscoverItem):
            self.rediscover = True
        elif isinstance(item, RecheckedItem):
            self.rechecked.append(item.url)

    def final_error(self) -> str | None:
        """Why the poll failed, or None: a source that never answered failed too."""
        if self.error is None and not self.answered:
            return f"crawl ended ({self.reason}) before the source answered"
        return self.error

    @classmethod
    def failed(cls, source_url: str, reason: str) -> PollResult:
        """The result of a poll that could not run at all."""
        return cls(source_url, answered=True, error=reason, reason=f"failed: {reason}")
