"""The auto spider: given any URL, find what to poll there, then poll it.

The URL may itself be a feed or a sitemap. If it is a page, the feeds it
advertises (``<link rel="alternate">``) are tried, then the paths where sites
usually publish feeds, then the sitemaps robots.txt lists; failing all of them,
the page is read as a listing page. When the URL itself fails (404, 403 to bots;
5xx too for the site's root) or is not what it looked like (a broken feed, an
empty page), the site's usual feed paths and robots.txt sitemaps are still tried
before giving up. What was found is saved with the source, with how it was found
and why it was chosen, so later polls go straight to it (conditionally); if it
stops working, the next poll discovers again. ``-a discover_only=1`` reports every
candidate and follows none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import DiscoveryItem, RediscoverItem, SourceStatusItem
from crawler.middlewares import FetchRefused
from crawler.parse.decode import decode_html
from crawler.parse.feeds import FeedError, is_json_feed
from crawler.parse.links import COMMON_FEED_PATHS, article_links, feed_links, parse_html
from crawler.parse.sitemaps import SitemapError
from crawler.parse.urls import is_site_root, site_root
from crawler.spiders.base import SourceSpider, content_type_of, flag
from crawler.spiders.failures import describe_failure
from crawler.spiders.feed import poll_feed, read_feed
from crawler.spiders.page import poll_listing
from crawler.spiders.sitemap import poll_sitemap, read_sitemap, sitemaps_in_robots


def sniff(body: bytes) -> str:
    """ "feed", "sitemap" or "html": what a document looks like from its first bytes."""
    if is_json_feed(body):
        return "feed"
    head = body[:2048].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    return "html"


# Answers that say the configured page is not coming back (or not for bots): look
# elsewhere on the site. A 5xx is looked past only for the site's root URL.
GONE_OR_FORBIDDEN = (401, 403, 404, 410)


def _because(how: str, why: str | None) -> str:
    return f"{how} (because {why})" if why else how


# How a document of each kind is polled once discovery has chosen it.
POLLERS = {"feed": poll_feed, "sitemap": poll_sitemap, "page": poll_listing}


class AutoSpider(SourceSpider):
    """``scrapy crawl auto -a url=https://example.org/`` (any URL of a news site)."""

    name = "auto"

    def __init__(self, url: str, discover_only: Any = False, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.discover_only = flag(discover_only)
        self.candidates: list[tuple[str, str]] = []
        self._settled = False  # discovery chose a document, or gave up with a reason

    def first_requests(self) -> Iterable[scrapy.Request]:
        resolved = self.state.resolved
        if not self.discover_only and resolved is not None:
            kind, url = resolved
            return [
                self.document_request(
                    url,
                    self.parse_resolved,
                    configured=True,
                    errback=self.resolved_failed,
                    meta={"newsradar_kind": kind},
                )
            ]
        return [
            self.document_request(
                self.source_url,
                self.parse_discover,
                configured=True,
                conditional=False,
                errback=self.discover_failed,
            )
        ]

    # -- polling what an earlier poll found

    def parse_resolved(self, response: Response) -> Iterator[Any]:
        """Poll the document discovery found; rediscover next time if it is gone."""
        if response.status == 304:
            yield self.not_modified()
            return
        broken = False
        for result in POLLERS[response.meta["newsradar_kind"]](self, response):
            if isinstance(result, SourceStatusItem) and result.error and not result.entries:
                broken = True
            yield result
        if broken:
            yield RediscoverItem(self.source_url, response.url)

    def resolved_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self.source_failed(failure)
        if isinstance(failure.value, HttpError) and failure.value.response.status in (404, 410):
            yield RediscoverItem(self.source_url, failure.request.url)

    # -- discovery

    async def fetch(
        self, url: str, *, configured: bool = False, robots_txt: bool = False
    ) -> Response | None:
        """Download ``url`` now (downloader middlewares apply: robots.txt, the fetch
        guard, redirects); None when it fails or does not answer 200."""
        request = scrapy.Request(
            url,
            callback=NO_CALLBACK,
            dont_filter=True,
            meta={
                "newsradar_configured": configured,
                "dont_obey_robotstxt": robots_txt,
                "newsradar_policy": self.link_policy,
            },
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as err:
            self.logger.info("discovery: %s: %s", url, err)
            return None
        return response if response.status == 200 else None

    def _found(self, kind: str, url: str) -> None:
        if (kind, url) not in self.candidates:
            self.candidates.append((kind, url))

    async def parse_discover(self, response: Response) -> AsyncIterator[Any]:
        """Find the source's document, save it, and poll it at once."""
        looks = sniff(response.body)
        if looks == "feed":
            try:
                feed = read_feed(response)
            except FeedError as err:
                why = f"the configured URL looked like a feed but {err}"
                async for result in self.search_site(response.url, why):
                    yield result
                return
            self._found("feed", response.url)
            chosen = self._chosen("feed", response, poll_feed(self, response, feed), "as given")
            for result in chosen:
                yield result
            return
        if looks == "sitemap":
            self._found("sitemap", response.url)
            for result in self._chosen(
                "sitemap", response, poll_sitemap(self, response), "as given"
            ):
                yield result
            return
        page = decode_html(response.body, content_type_of(response))
        tree = parse_html(page.text) if response.body.strip() else None
        if tree is None:
            why = "the configured URL is an empty or unreadable page"
            async for result in self.search_site(response.url, why):
                yield result
            return
        # Feeds a page advertises may live on another host (feeds.example.org):
        # they count as configured; the address rule still applies to them.
        async for result in self.search_site(response.url, None, feed_links(tree, response.url)):
            yield result
        if self._settled:
            return
        self.link_policy.add_site(response.url)
        if article_links(tree, response.url, self.link_policy.sites, limit=1):
            self._found("page", response.url)
        if not self.discover_only:
            polled = poll_listing(self, response, tree)
            for result in self._chosen("page", response, polled, "no feed or sitemap found"):
                yield result
            return
        yield self._report()

    async def discover_failed(self, failure: Failure) -> AsyncIterator[Any]:
        """The configured URL failed: look for the site's feeds and sitemaps all the same
        (a home page answering 404 or 403 to bots may sit over a working sitemap)."""
        error = failure.value
        if (
            isinstance(error, FetchRefused)
            or not isinstance(error, HttpError)
            or not (error.response.status in GONE_OR_FORBIDDEN or is_site_root(failure.request.url))
        ):
            # Refused (robots.txt, the address rule), unreachable, or a page that is only
            # down for now (5xx): it is polled again as configured, not replaced.
            for result in self.source_failed(failure):
                yield result
            return
        why = f"the configured URL answered {describe_failure(failure)}"
        self.logger.info("source %s: %s; looking elsewhere on the site", self.source_name, why)
        async for result in self.search_site(failure.request.url, why):
            yield result

    async def search_site(
        self, url: str, why: str | None, advertised: list[str] = ()
    ) -> AsyncIterator[Any]:
        """Try the feeds ``advertised``, the usual feed paths, then the sitemaps robots.txt
        lists, of the site of ``url``; poll the first that works (``_settled`` is then
        set). ``why`` says what was wrong with the configured URL: given, finding
        nothing is the source's error."""
        root = site_root(url)
        common = [root + path.lstrip("/") for path in COMMON_FEED_PATHS]
        for url, configured in [(u, True) for u in advertised] + [(u, False) for u in common]:
            if url in (u for _, u in self.candidates):
                continue
            found = await self.fetch(url, configured=configured)
            if found is None or sniff(found.body) != "feed":
                continue
            try:
                feed = read_feed(found)
            except FeedError:
                continue
            self._found("feed", found.url)
            if not self.discover_only:
                how = "advertised by the page" if configured else "at a usual feed path"
                for result in self._chosen(
                    "feed", found, poll_feed(self, found, feed), _because(how, why)
                ):
                    yield result
                self._settled = True
                return
        robots = await self.fetch(root + "robots.txt", robots_txt=True)
        for url in sitemaps_in_robots(robots.body) if robots is not None else []:
            found = await self.fetch(url)
            if found is None:
                continue
            try:
                read_sitemap(self, found)
            except SitemapError:
                continue
            self._found("sitemap", found.url)
            if not self.discover_only:
                how = "listed in robots.txt"
                for result in self._chosen(
                    "sitemap", found, poll_sitemap(self, found), _because(how, why)
                ):
                    yield result
                self._settled = True
                return
        if why is None:
            return  # the page itself is read next
        self._settled = True
        if self.discover_only and self.candidates:
            yield self._report()
            return
        yield self.source_error(f"{why}; no feed at the usual paths, no sitemap in robots.txt")

    def _chosen(
        self, kind: str, response: Response, polled: Iterator[Any], how: str
    ) -> Iterator[Any]:
        """Save the discovery, then poll the document (or just report, discover_only)."""
        if self.discover_only:
            yield self._report()
            return
        note = f"{kind} {response.url}, {how}"
        self.logger.info("source %s: polling %s", self.source_name, note)
        self.stats.set_value("newsradar/discovery_note", note)
        yield DiscoveryItem(self.source_url, kind, response.url, list(self.candidates), note)
        yield from polled

    def _report(self) -> SourceStatusItem | DiscoveryItem:
        self.stats.set_value("newsradar/discovery", list(self.candidates))
        if not self.candidates:
            return self.source_error("no feed, sitemap or article links found")
        kind, url = self.candidates[0]
        return DiscoveryItem(self.source_url, kind, url, list(self.candidates))
