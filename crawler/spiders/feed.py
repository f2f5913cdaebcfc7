"""The feed spider: poll an RSS, Atom or JSON feed and follow each new entry to its page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.parse.extract import binary_kind
from crawler.parse.feeds import Feed, FeedError, parse_feed
from crawler.spiders.articles import ArticleRef
from crawler.spiders.base import SourceSpider, validators_of


def read_feed(response: Response) -> Feed:
    """Parse a fetched feed; raises FeedError with a reason a user can act on."""
    kind = binary_kind(response.body)
    if kind:
        raise FeedError(f"not a feed: {kind}")
    return parse_feed(response.body, response.url)


def feed_refs(feed: Feed) -> list[ArticleRef]:
    """The feed's entries as article links, with what the feed says of each."""
    return [
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


def poll_feed(spider: SourceSpider, response: Response, feed: Feed | None = None) -> Iterator[Any]:
    """The source's status, its validators, then a request per new entry."""
    if feed is None:
        try:
            feed = read_feed(response)
        except FeedError as err:
            yield spider.source_error(str(err))
            return
    spider.link_policy.add_site(response.url)
    spider.link_policy.add_site(feed.home)
    if feed.problem:
        # Still read what could be read; the source is reported damaged and
        # the document is fetched in full next time (no validators saved).
        yield spider.source_error(feed.problem, entries=len(feed.entries))
    else:
        yield spider.status_ok(len(feed.entries))
        yield validators_of(response)
    yield from spider.follow(feed_refs(feed))


class FeedSpider(SourceSpider):
    """``scrapy crawl feed -a url=https://example.org/feed.xml [-a source_name=...]``."""

    name = "feed"

    def first_requests(self) -> Iterable[scrapy.Request]:
        return [self.document_request(self.source_url, self.parse_document, configured=True)]

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A 304 ends the poll; anything else is read as a feed."""
        if response.status == 304:
            yield self.not_modified()
            return
        yield from poll_feed(self, response)
