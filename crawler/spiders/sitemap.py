"""The sitemap spider: poll a sitemap (plain, Google News, or an index of sitemaps) and
follow its recent entries. Given a site's root URL, it finds the sitemaps in robots.txt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import scrapy
from protego import Protego
from scrapy.http import Response

from crawler import store
from crawler.parse.extract import binary_kind
from crawler.parse.sitemaps import SitemapError, parse_sitemap
from crawler.parse.urls import is_site_root, site_root
from crawler.spiders.base import ArticleRef, SourceSpider

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


class SitemapHandling:
    """Reading fetched sitemaps (shared by the sitemap and auto spiders)."""

    def since(self: Any) -> str:
        """Entries dated before this (ISO 8601 UTC) are not followed."""
        return store.isotime(store.utcnow() - timedelta(seconds=self.window))

    def read_sitemap(self: Any, response: Response) -> Any:
        """Parse the sitemap; raises SitemapError with a reason a user can act on."""
        kind = binary_kind(response.body)
        if kind and kind != "gzip archive":
            raise SitemapError(f"not a sitemap: {kind}")
        return parse_sitemap(
            response.body,
            response.url,
            since=self.since(),
            limit=self.max_articles,
            max_size=self.settings.getint("DOWNLOAD_MAXSIZE"),
        )

    async def handle_sitemap(
        self: Any, response: Response, depth: int = 0, *, top: bool = True
    ) -> AsyncIterator[Any]:
        """Status and validators, then the recent child sitemaps or article links."""
        if response.status == 304:
            if top:
                yield self.not_modified(response)
            return
        try:
            sitemap = self.read_sitemap(response)
        except SitemapError as err:
            if top:
                yield self.source_error(str(err))
            else:
                self.logger.warning("sitemap %s: %s", response.url, err)
            return
        self.link_policy.add_site(response.url)
        if top:
            yield self.status_ok(len(sitemap.entries))
        yield self.validators_of(response)
        self.crawler.stats.inc_value("newsradar/sitemap_entries_too_old", sitemap.too_old)
        if sitemap.is_index:
            if depth >= MAX_DEPTH:
                return
            for entry in sitemap.entries[:MAX_CHILD_SITEMAPS]:
                yield self.document_request(
                    entry.loc,
                    self.parse_child_sitemap,
                    errback=self.child_failed,
                    meta={"newsradar_depth": depth + 1},
                )
            return
        refs = [
            ArticleRef(
                url=entry.loc, title=entry.title, published=entry.published, updated=entry.updated
            )
            for entry in sitemap.entries
        ]
        for request in self.follow(refs):
            yield request

    async def parse_child_sitemap(self: Any, response: Response) -> AsyncIterator[Any]:
        """A sitemap listed by an index: its failures are logged, not the source's."""
        depth = response.meta.get("newsradar_depth", 1)
        async for result in self.handle_sitemap(response, depth, top=False):
            yield result

    def child_failed(self: Any, failure: Any) -> None:
        self.logger.warning("sitemap %s: %s", failure.request.url, failure.value)


class SitemapSpider(SitemapHandling, SourceSpider):
    """``scrapy crawl sitemap -a url=https://example.org/news-sitemap.xml`` (or the site root)."""

    name = "sitemap"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if is_site_root(self.source_url):
            yield scrapy.Request(
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
            return
        yield self.document_request(self.source_url, self.parse_document, configured=True)

    async def parse_robots(self, response: Response) -> AsyncIterator[Any]:
        """Poll the sitemaps robots.txt lists (or the usual /sitemap.xml)."""
        found = sitemaps_in_robots(response.body) if response.status == 200 else []
        if not found:
            found = [site_root(self.source_url) + COMMON_SITEMAP_PATHS[0].lstrip("/")]
        for url in found[:MAX_CHILD_SITEMAPS]:
            yield self.document_request(url, self.parse_document, configured=True)

    async def parse_document(self, response: Response) -> AsyncIterator[Any]:
        async for result in self.handle_sitemap(response):
            yield result
