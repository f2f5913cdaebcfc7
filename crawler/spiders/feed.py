"""The feed spider: poll an RSS, Atom or JSON feed and follow each new entry to its page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.parse.extract import binary_kind
from crawler.parse.feeds import Feed, FeedError, parse_feed
from crawler.spiders.base import ArticleRef, SourceSpider


class FeedHandling:
    """Reading a fetched feed document (shared by the feed and auto spiders)."""

    def read_feed(self: Any, response: Response) -> Feed:
        """Parse the feed; raises FeedError with a reason a user can act on."""
        kind = binary_kind(response.body)
        if kind:
            raise FeedError(f"not a feed: {kind}")
        return parse_feed(response.body, response.url)

    async def handle_feed(
        self: Any, response: Response, feed: Feed | None = None
    ) -> AsyncIterator[Any]:
        """The source's status, its validators, then a request per new entry."""
        if feed is None:
            try:
                feed = self.read_feed(response)
            except FeedError as err:
                yield self.source_error(str(err))
                return
        self.link_policy.add_site(response.url)
        self.link_policy.add_site(feed.home)
        if feed.problem:
            # Still read what could be read; the source is reported damaged and
            # the document is fetched in full next time (no validators saved).
            yield self.source_error(feed.problem, entries=len(feed.entries))
        else:
            yield self.status_ok(len(feed.entries))
            yield self.validators_of(response)
        refs = [
            ArticleRef(
                url=entry.link,
                title=entry.title,
                summary=entry.summary,
                published=entry.published,
                updated=entry.updated,
                author=entry.author,
            )
            for entry in feed.entries
        ]
        for request in self.follow(refs):
            yield request


class FeedSpider(FeedHandling, SourceSpider):
    """``scrapy crawl feed -a url=https://example.org/feed.xml [-a source_name=...]``."""

    name = "feed"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.document_request(self.source_url, self.parse_document, configured=True)

    async def parse_document(self, response: Response) -> AsyncIterator[Any]:
        """A 304 ends the poll; anything else is read as a feed."""
        if response.status == 304:
            yield self.not_modified(response)
            return
        async for result in self.handle_feed(response):
            yield result
