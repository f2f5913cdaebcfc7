"""The feed spider: poll an RSS, Atom or JSON feed and follow each new entry to its page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.parse.extract import binary_kind
from crawler.parse.feeds import Feed, FeedError, parse_feed
from crawler.spiders.articles import ArticleRef
from crawler.spiders.base import ParseTimeout, SourceSpider, content_type_of, validators_of


async def read_feed(spider: SourceSpider, response: Response) -> Feed:
    """Parse a fetched feed off the event loop; raises FeedError with a reason a user
    can act on."""
    kind = binary_kind(response.body)
    if kind:
        raise FeedError(f"not a feed: {kind}")
    try:
        return await spider.parse_off_loop(
            parse_feed, response.body, response.url, content_type_of(response)
        )
    except ParseTimeout as err:
        raise FeedError(f"feed not read: {err}") from err
    except FeedError:
        raise
    except Exception as err:  # a parser bug must cost this poll, never the crawl
        spider.logger.warning("feed %s: %s: %s", response.url, type(err).__name__, err)
        raise FeedError(f"feed not read: {type(err).__name__} in the parser") from err


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


def poll_feed(spider: SourceSpider, response: Response, feed: Feed) -> Iterator[Any]:
    """The source's status, its validators, then a request per new entry.

    A feed that yields entries is a good poll even when it is slightly malformed
    (an undefined ``&nbsp;``, a stray ``&``: feedparser reads it as a reader
    would); what was odd is noted on the run. One with a problem and no entry
    is a failed poll.
    """
    spider.link_policy.add_site(response.url)
    spider.link_policy.add_site(feed.home)
    if feed.problem and not feed.entries:
        yield spider.source_error(feed.problem)
        return
    yield spider.status_ok(len(feed.entries), note=feed.problem)
    yield validators_of(response)
    yield from spider.follow(feed_refs(feed))


async def read_and_poll_feed(spider: SourceSpider, response: Response) -> AsyncIterator[Any]:
    """Read the fetched feed (off the event loop), then poll it (``poll_feed``)."""
    try:
        feed = await read_feed(spider, response)
    except FeedError as err:
        yield spider.source_error(str(err))
        return
    for result in poll_feed(spider, response, feed):
        yield result


class FeedSpider(SourceSpider):
    """``scrapy crawl feed -a url=https://example.org/feed.xml [-a source_name=...]``."""

    name = "feed"

    def first_requests(self) -> Iterable[scrapy.Request]:
        return [self.document_request(self.source_url, self.parse_document, configured=True)]

    async def parse_document(self, response: Response) -> AsyncIterator[Any]:
        """A 304 ends the poll; anything else is read as a feed."""
        if response.status == 304:
            yield self.not_modified()
            return
        async for result in read_and_poll_feed(self, response):
            yield result
