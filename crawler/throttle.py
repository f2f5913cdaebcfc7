"""Politeness: one download slot per site for every request, and AutoThrottle that
counts a 304 as a healthy answer.

Scrapy keys a download slot by the request's ``download_slot`` meta, else by its
host. The engine used to set that meta on the requests its polls made, so the
requests Scrapy or a spider made by other means took a slot of their own, keyed by
the bare host: robots.txt (Scrapy's RobotsTxtMiddleware) and discovery fetches
(``engine.download_async``); and a redirect or a retry, which copies the meta of the
request it replaces, stayed in that request's slot even when it led to another site.
A site's ``per_domain`` held per kind of request, not per site. ``SiteDownloader``
(the ``DOWNLOADER`` setting) keys every request by the site of its URL instead,
whatever made it.

Scrapy counts a request against its slot's concurrency only once the task that
downloads it has started: the requests let out of a slot's queue in one turn of the
event loop all see the same free places, so twenty requests queued at once for a site
went out at once whatever ``per_domain`` said. Here a request takes its place as it
leaves the queue.

Scrapy also frees a slot's place as soon as a request times out, while the server
may still be serving it: against a slow site, each timeout let one more request in
beside the ones the server was still working on. A timed-out request keeps its place
for one more download timeout here, so ``per_domain`` bounds what the server sees.

``DOWNLOAD_DELAY`` (``[crawl] min_delay``) is a floor on the delay between two
requests to a site: AutoThrottle never goes below it (Scrapy's own rule), and Scrapy's
random variation of the delay (``DOWNLOAD_DELAY_JITTER``) is not let below it either.
"""

from __future__ import annotations

import asyncio
import functools
from time import monotonic
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import DownloadTimeoutError
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.httpobj import urlparse_cached

from crawler.parse.urls import host_of, is_ip, site_of

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response


@functools.lru_cache(maxsize=4096)
def _site_slot(netloc: str) -> str:
    host = host_of(f"//{netloc}/")
    if not host or is_ip(host) or "." not in host:
        return netloc  # an address is no registered domain: its port tells sites apart
    return site_of(host)


def download_slot(url: str) -> str:
    """The downloader slot (politeness limits) of ``url``: its site, so www. and
    feeds. of one domain share a limit."""
    return _site_slot(urlsplit(url).netloc.lower())


class ConditionalAutoThrottle(AutoThrottle):
    """AutoThrottle, with 304 Not Modified treated as 200 OK.

    Scrapy's AutoThrottle never lowers a site's delay on a non-200 answer (error pages
    are small and fast, and would otherwise make it speed up against a failing site).
    A poll of an unchanged feed is a 304 by design: with one downloader for every
    source of a site, a site whose feeds mostly answer 304 would stay at the start
    delay (0.5 s) for good, two requests a second however fast it answers.
    """

    def _adjust_delay(self, slot: Any, latency: float, response: Any) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)


class SiteSlot(Slot):
    """A site's download slot: its places are taken by the requests in ``placed``,
    and its delay never goes below ``min_delay``."""

    def __init__(self, slot: Slot, min_delay: float) -> None:
        super().__init__(slot.concurrency, slot.delay, slot.jitter)
        self.min_delay = min_delay
        # Every request let out of the queue, from then until its download ends (a
        # timed-out one until a download timeout later).
        self.placed: set[Request] = set()
        # When each timed-out request gives its place back.
        self.releases: dict[Request, CallLaterResult] = {}

    def free_transfer_slots(self) -> int:
        return self.concurrency - len(self.placed)

    def download_delay(self) -> float:
        return max(self.min_delay, super().download_delay())

    def close(self) -> None:
        super().close()
        for release in self.releases.values():
            release.cancel()
        self.releases.clear()


class SiteDownloader(Downloader):
    """Scrapy's downloader with one ``SiteSlot`` per site for every request (see the
    module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.min_delay = self.settings.getfloat("DOWNLOAD_DELAY")
        self.timeout = self.settings.getfloat("DOWNLOAD_TIMEOUT")
        self._downloads: set[asyncio.Task[None]] = set()  # the loop keeps weak references

    def get_slot_key(self, request: Request) -> str:
        # Not the request's download_slot meta: a redirect or retry copies the meta of
        # the request it replaces, which may be another site's. (Asked twice a request,
        # by the scheduler's queue too: the URL's parse is Scrapy's cached one.)
        return _site_slot(urlparse_cached(request).netloc.lower())

    def _get_slot(self, request: Request, spider: Spider | None = None) -> tuple[str, Slot]:
        key, slot = super()._get_slot(request)
        if not isinstance(slot, SiteSlot):  # just made by Scrapy, with its settings
            slot = self.slots[key] = SiteSlot(slot, self.min_delay)
        return key, slot

    def _process_queue(self, slot: Slot) -> None:
        # Scrapy's, but each request takes its place as it leaves the queue.
        assert isinstance(slot, SiteSlot)  # every slot is one (_get_slot)
        if slot.latercall:
            return  # the delay is running: the call at its end lets the next one out
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.placed.add(request)
            task = asyncio.get_running_loop().create_task(
                self._wait_for_download(slot, request, queue_dfd)
            )
            self._downloads.add(task)
            task.add_done_callback(self._downloads.discard)
            if delay:  # one request per delay: the next waits for it
                self._process_queue(slot)
                break

    async def _download(self, slot: Slot, request: Request) -> Response:
        assert isinstance(slot, SiteSlot)
        held = False
        try:
            return await super()._download(slot, request)
        except DownloadTimeoutError:
            # The server may still be serving it (a timeout only closes our end).
            timeout = request.meta.get("download_timeout") or self.timeout
            slot.releases[request] = call_later(timeout, self._release, slot, request)
            held = True
            raise
        finally:
            if not held:
                self._release(slot, request)

    def _release(self, slot: SiteSlot, request: Request) -> None:
        slot.placed.discard(request)
        slot.releases.pop(request, None)
        self._process_queue(slot)

    def _slot_gc(self, age: float = 60) -> None:
        # Scrapy's, but a slot still holding a timed-out request's place is kept: its
        # site would otherwise get a new slot with every place free.
        mintime = monotonic() - age
        for key, slot in list(self.slots.items()):
            placed = isinstance(slot, SiteSlot) and slot.placed
            if not slot.active and not placed and slot.lastseen + slot.delay <= mintime:
                self.slots.pop(key).close()
