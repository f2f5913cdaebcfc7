"""The sitemap spider: poll a sitemap (plain, Google News, or an index of sitemaps) and
follow its recent entries. Given a site's root URL, it finds the sitemaps in robots.txt.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from protego import Protego
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.parse.dates import iso_utc
from crawler.parse.extract import binary_kind
from crawler.parse.sitemaps import Sitemap, SitemapError, parse_sitemap
from crawler.parse.urls import is_http, is_site_root, site_root
from crawler.spiders.articles import ArticleRef
from crawler.spiders.base import ParseTimeout, SourceSpider, validators_of
from crawler.spiders.failures import failed_request

# Where sites put their sitemap when robots.txt does not say.
COMMON_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
# An index may list thousands of monthly sitemaps; only the newest few are read.
MAX_CHILD_SITEMAPS = 10
MAX_DEPTH = 2


def sitemaps_in_robots(body: bytes) -> list[str]:
    """The http(s) ``Sitemap:`` URLs a robots.txt lists (a ``file://`` or ``ftp://`` one
    is a hostile site's attempt to make the crawler read something else)."""
    try:
        listed = Protego.parse(body.decode("utf-8", "replace")).sitemaps
        return [url for url in dict.fromkeys(listed) if is_http(url)]
    except Exception:  # robots.txt is free text; a broken one simply lists nothing
        return []


async def read_sitemap(spider: SourceSpider, response: Response) -> Sitemap:
    """Parse a fetched sitemap off the event loop, keeping the entries of the spider's
    window (at most max_articles); raises SitemapError with a reason a user can act on."""
    kind = binary_kind(response.body)
    if kind and kind != "gzip archive":
        raise SitemapError(f"not a sitemap: {kind}")
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=spider.window)
    parse = functools.partial(
        parse_sitemap,
        since=iso_utc(since),
        limit=spider.max_articles,
        max_size=spider.settings.getint("DOWNLOAD_MAXSIZE"),
    )
    try:
        return await spider.parse_off_loop(parse, response.body, response.url)
    except ParseTimeout as err:
        raise SitemapError(f"sitemap not read: {err}") from err
    except SitemapError:
        raise
    except Exception as err:  # a parser bug must cost this poll, never the crawl
        spider.logger.warning("sitemap %s: %s: %s", response.url, type(err).__name__, err)
        raise SitemapError(f"sitemap not read: {type(err).__name__} in the parser") from err


async def poll_sitemap(
    spider: SourceSpider,
    response: Response,
    depth: int = 0,
    *,
    top: bool = True,
    sitemap: Sitemap | None = None,
) -> AsyncIterator[Any]:
    """Status and validators, then the recent child sitemaps or article links.

    A sitemap an index lists (not ``top``) reports its failures to the log, not as
    the source's health. ``sitemap`` is the document already parsed, if it was.
    """
    if response.status == 304:
        if top:
            yield spider.not_modified()
        return
    try:
        sitemap = sitemap or await read_sitemap(spider, response)
    except SitemapError as err:
        if top:
            yield spider.source_error(str(err))
        else:
            spider.logger.warning("sitemap %s: %s", response.url, err)
        return
    spider.link_policy.add_site(response.url)
    if top:
        yield spider.status_ok(len(sitemap.entries))
    yield validators_of(response)
    spider.stats.inc_value("newsradar/sitemap_entries_too_old", sitemap.too_old)
    if sitemap.is_index:
        if depth >= MAX_DEPTH:
            return
        for entry in sitemap.entries[:MAX_CHILD_SITEMAPS]:
            yield spider.document_request(
                entry.loc,
                functools.partial(poll_sitemap, spider, depth=depth + 1, top=False),
                errback=functools.partial(_child_failed, spider),
            )
        return
    refs = [
        ArticleRef(
            url=entry.loc, title=entry.title, published=entry.published, updated=entry.updated
        )
        for entry in sitemap.entries
    ]
    for request in spider.follow(refs):
        yield request


def _child_failed(spider: SourceSpider, failure: Failure) -> None:
    spider.logger.warning("sitemap %s: %s", failed_request(failure).url, failure.value)


class SitemapSpider(SourceSpider):
    """``scrapy crawl sitemap -a url=https://example.org/news-sitemap.xml`` (or the site root)."""

    name = "sitemap"

    def first_requests(self) -> Iterable[scrapy.Request]:
        if not is_site_root(self.source_url):
            return [self.document_request(self.source_url, self.parse_document, configured=True)]
        robots = scrapy.Request(
            site_root(self.source_url) + "robots.txt",
            callback=self.parse_robots,
            errback=self.source_failed,
            dont_filter=True,
            meta={
                "dont_obey_robotstxt": True,
                "newsradar_configured": True,
                # No robots.txt: try /sitemap.xml. (Not handle_httpstatus_all:
                # that would also stop redirects from being followed.)
                "handle_httpstatus_list": list(range(400, 600)),
            },
        )
        return [robots]

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """Poll the sitemaps robots.txt lists (or the usual /sitemap.xml)."""
        found = sitemaps_in_robots(response.body) if response.status == 200 else []
        if not found:
            found = [site_root(self.source_url) + COMMON_SITEMAP_PATHS[0].lstrip("/")]
        for url in found[:MAX_CHILD_SITEMAPS]:
            yield self.document_request(url, self.parse_document, configured=True)

    async def parse_document(self, response: Response) -> AsyncIterator[Any]:
        async for result in poll_sitemap(self, response):
            yield result
