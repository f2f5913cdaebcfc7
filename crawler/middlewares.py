"""Downloader middlewares: the fetch guard (site and address rules) and a robots.txt
cache shared by the crawls it is handed to."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from crawler.guard import IPAddress, LinkPolicy, port_of
from crawler.parse.urls import host_of, is_http
from crawler.resolver import resolver_of
from crawler.robots import RobotsCache

log = logging.getLogger(__name__)


class FetchRefused(IgnoreRequest):
    """A request the fetch guard refused (offsite, or a private address)."""


class FetchGuard:
    """Refuse requests that break the source's LinkPolicy (crawler.guard).

    Runs before every other downloader middleware, robots.txt included, and
    again for each redirect, so no byte is sent to a refused host. Only http(s)
    URLs are fetched. Names are resolved by the reactor's VettedResolver
    (crawler.resolver), the one the connection uses: every address of the name is
    vetted here, and the connection is handed that same answer, vetted again.
    """

    def __init__(self, crawler: Crawler) -> None:
        from twisted.internet import reactor

        self.crawler = crawler
        self.stats = crawler.stats
        self.resolver = resolver_of(reactor)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchGuard:
        return cls(crawler)

    async def _addresses(self, host: str) -> tuple[IPAddress, ...]:
        try:
            return await maybe_deferred_to_future(self.resolver.lookup(host))
        except Exception as err:
            raise IgnoreRequest(f"DNS lookup failed for {host}") from err

    async def process_request(self, request: Request, spider: Any = None) -> None:
        # A poll run inside a long-lived crawl carries its own policy (crawler.engine).
        policy: LinkPolicy | None = request.meta.get("newsradar_policy") or getattr(
            self.crawler.spider, "link_policy", None
        )
        if policy is None:
            return
        url = request.url
        if not is_http(url):
            self.stats.inc_value("newsradar/refused_scheme")
            log.warning("refused %s: only http and https URLs are fetched", url[:200])
            raise FetchRefused(f"not an http(s) URL: {urlparse_cached(request).scheme}")
        host = host_of(url)
        if not policy.source_endpoints:
            source_addresses = await self._addresses(host_of(policy.source_url))
            source_port = port_of(policy.source_url)
            policy.source_endpoints.update((str(a), source_port) for a in source_addresses)
            self.resolver.register_source(source_addresses, source_port)
        # The configured URL (and its redirects) may be anywhere public; robots.txt
        # is only ever asked of a host a request already passed for.
        configured = request.meta.get("newsradar_configured") or (
            request.meta.get("dont_obey_robotstxt")
            and urlparse_cached(request).path == "/robots.txt"
        )
        if not configured and not policy.allows_site(url):
            self.stats.inc_value("newsradar/refused_offsite")
            log.info("refused offsite link %s (allowed: %s)", url, sorted(policy.sites))
            raise FetchRefused(f"offsite link refused: {host}")
        refused = policy.refused_addresses(await self._addresses(host), url)
        if refused:
            self.stats.inc_value("newsradar/refused_private")
            shown = ", ".join(map(str, refused))
            log.warning("refused %s: %s is a private address", url, shown)
            raise FetchRefused(f"private address refused: {host} ({shown})")


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware over a RobotsCache shared by crawls.

    The cache is the spider's ``robots`` (handed to it by whoever runs the
    crawls); a spider without one gets a cache for its crawl alone. Parsers are
    kept ``NEWSRADAR_ROBOTSTXT_TTL`` seconds.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.ttl = crawler.settings.getfloat("NEWSRADAR_ROBOTSTXT_TTL", 3600)
        shared = getattr(crawler.spider, "robots", None)
        self.cache = shared if isinstance(shared, RobotsCache) else RobotsCache()

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc

        async def fetch() -> Any:
            # Scrapy keeps every host's parser for the crawler's whole life, and the
            # crawl engine lives as long as the service: forget it, so that an expired
            # entry of the cache is fetched again rather than handed back unchanged.
            self._parsers.pop(netloc, None)
            return await RobotsTxtMiddleware.robot_parser(self, request)

        return await self.cache.parser(netloc, fetch, self.ttl)
