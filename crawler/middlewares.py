"""Downloader middlewares: the fetch guard (site and address rules) and a robots.txt
cache shared by every crawl of the process."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from typing import Any, ClassVar

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from crawler.guard import LinkPolicy, port_of
from crawler.parse.urls import host_of

log = logging.getLogger(__name__)


class FetchRefused(IgnoreRequest):
    """A request the fetch guard refused (offsite, or a private address)."""


class FetchGuard:
    """Refuse requests that break the source's LinkPolicy (crawler.guard).

    Runs before every other downloader middleware, robots.txt included, and
    again for each redirect, so no byte is sent to a refused host. Names are
    resolved through the reactor's resolver, whose cache the download then uses:
    the address checked is the address connected to.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchGuard:
        return cls(crawler)

    async def _address(self, host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        from twisted.internet import reactor

        try:
            return ipaddress.ip_address(host)
        except ValueError:
            pass
        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception as err:
            raise IgnoreRequest(f"DNS lookup failed for {host}") from err
        return ipaddress.ip_address(resolved)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        policy: LinkPolicy | None = getattr(self.crawler.spider, "link_policy", None)
        if policy is None:
            return
        url = request.url
        host = host_of(url)
        if not policy.source_endpoints:
            source_host = host_of(policy.source_url)
            source_address = await self._address(source_host)
            policy.source_endpoints.add((str(source_address), port_of(policy.source_url)))
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
        address = await self._address(host)
        if not policy.allows_address(address, url):
            self.stats.inc_value("newsradar/refused_private")
            log.warning("refused %s: %s is a private address", url, address)
            raise FetchRefused(f"private address refused: {host} ({address})")


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with one cache for all crawls of the process.

    Each poll is a new crawler; without this every poll of every feed would
    fetch robots.txt again, doubling the cost of an unchanged feed. Parsers are
    kept ``NEWSRADAR_ROBOTSTXT_TTL`` seconds; a failed fetch (no parser: all
    allowed) only a minute.
    """

    _cache: ClassVar[dict[str, tuple[float, Any]]] = {}
    _pending: ClassVar[dict[str, asyncio.Future[Any]]] = {}
    MAX_ENTRIES = 10_000
    FAILURE_TTL = 60.0

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.ttl = crawler.settings.getfloat("NEWSRADAR_ROBOTSTXT_TTL", 3600)

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        now = time.monotonic()
        cached = self._cache.get(netloc)
        if cached is not None and cached[0] > now:
            return cached[1]
        pending = self._pending.get(netloc)
        if pending is not None:  # another crawl is fetching it right now
            with contextlib.suppress(Exception):
                return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._pending[netloc] = future
        try:
            parser = await super().robot_parser(request)
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        else:
            future.set_result(parser)
        finally:
            if self._pending.get(netloc) is future:
                del self._pending[netloc]
        if len(self._cache) >= self.MAX_ENTRIES:
            for key in [k for k, (expiry, _) in self._cache.items() if expiry <= now]:
                del self._cache[key]
            if len(self._cache) >= self.MAX_ENTRIES:
                self._cache.clear()
        ttl = self.ttl if parser is not None else min(self.ttl, self.FAILURE_TTL)
        self._cache[netloc] = (now + ttl, parser)
        return parser
