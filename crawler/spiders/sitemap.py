"""The sitemap spider: poll a sitemap (plain, Google News, or an index of sitemaps) and
follow its recent entries. Given a site's root URL, it finds the sitemaps in robots.txt.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from protego import Protego
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.parse.dates import iso_utc
from crawler.parse.extract import binary_kind
from crawler.parse.sitemaps import Sitemap, SitemapError, parse_sitemap
from crawler.parse.urls import is_site_root, site_root
from crawler.spiders.articles import ArticleRef
from crawler.spiders.base import SourceSpider, validators_of

# Where sites put their sitemap when robots.txt does not say.
COMMON_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
# An index may list thousands of monthly sitemaps; only the newest few are read.
MAX_CHILD_SITEMAPS = 10
MAX_DEPTH = 2


def sitemaps_in_robots(body: bytes) -> list[str]:
    """The ``Sitemap:`` URLs a robots.txt lists."""
    try:
        return list(dict.fromkeys(Protego.parse(body.decode("utf-8", "replace")).sitemaps))
    except Exception:  # robots.txt is free text; a broken one simply lists nothing
        return []


def read_sitemap(spider: SourceSpider, response: Response) -> Sitemap:
    """Parse a fetched sitemap, keeping the entries of the spider's window (at most
    max_articles); raises SitemapError with a reason a user can act on."""
    kind = binary_kind(response.body)
    if kind and kind != "gzip archive":
        raise SitemapError(f"not a sitemap: {kind}")
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=spider.window)
    return parse_sitemap(
        response.body,
        response.url,
        since=iso_utc(since),
        limit=spider.max_articles,
        max_size=spider.settings.getint("DOWNLOAD_MAXSIZE"),
    )


def poll_sitemap(
    spider: SourceSpider, response: Response, depth: int = 0, *, top: bool = True
) -> Iterator[Any]:
    """Status and validators, then the recent child sitemaps or article links.

    A sitemap an index lists (not ``top``) reports its failures to the log, not as
    the source's health.
    """
    if response.status == 304:
        if top:
            yield spider.not_modified()
        return
    try:
        sitemap = read_sitemap(spider, response)
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
    yield from spider.follow(refs)


def _child_failed(spider: SourceSpider, failure: Failure) -> None:
    spider.logger.warning("sitemap %s: %s", failure.request.url, failure.value)


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

    def parse_document(self, response: Response) -> Iterator[Any]:
        yield from poll_sitemap(self, response)
