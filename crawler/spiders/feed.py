"""The feed spider: poll an RSS or Atom feed and follow each new entry to its page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract import extract_article
from crawler.feeds import FeedEntry, FeedError, parse_feed
from crawler.items import ArticleItem, SourceStatusItem
from crawler.spiders import describe_failure


class FeedSpider(scrapy.Spider):
    """``scrapy crawl feed -a url=https://example.org/feed.xml [-a source_name=...]``."""

    name = "feed"

    def __init__(self, url: str, source_name: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_url = url
        self.source_name = source_name or url

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            self.source_url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            dont_filter=True,
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """Yield the source's status, then a request for each entry's page."""
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as err:
            self.logger.warning("source %s: %s", self.source_name, err)
            yield SourceStatusItem(self.source_url, error=str(err))
            return
        yield SourceStatusItem(self.source_url, entries=len(entries))
        for entry in entries:
            yield scrapy.Request(
                entry.link,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={"newsradar_entry": entry},
            )

    def feed_failed(self, failure: Failure) -> Iterator[SourceStatusItem]:
        reason = describe_failure(failure)
        self.logger.warning("source %s unreachable: %s", self.source_name, reason)
        yield SourceStatusItem(self.source_url, error=reason)

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """Extract the article; fall back to the feed entry when the page has no text."""
        entry: FeedEntry = response.meta["newsradar_entry"]
        extracted = None
        if isinstance(response, TextResponse):
            extracted = extract_article(response.text, response.url)
        if extracted is None:
            yield self._from_entry(entry)
            return
        yield ArticleItem(
            url=entry.link,
            source_url=self.source_url,
            title=entry.title or extracted.title,
            text=extracted.text,
            extracted_from="page",
            author=extracted.author,
            published=entry.published or extracted.published,
            language=extracted.language,
        )

    def article_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        entry: FeedEntry = failure.request.meta["newsradar_entry"]
        self.logger.info(
            "article %s: %s; using the feed's text", entry.link, describe_failure(failure)
        )
        yield self._from_entry(entry)

    def _from_entry(self, entry: FeedEntry) -> ArticleItem:
        return ArticleItem(
            url=entry.link,
            source_url=self.source_url,
            title=entry.title,
            text=entry.summary,
            extracted_from="feed",
            published=entry.published,
        )
