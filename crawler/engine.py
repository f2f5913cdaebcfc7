"""One long-lived Scrapy crawl that runs every poll handed to it.

Building a Scrapy crawler per poll costs more CPU than an unchanged feed's 304,
and gives each poll a downloader of its own, so per-site politeness held within
one poll only. Here one crawler lives as long as its owner (the service): one
engine, one downloader (crawler.throttle: one slot per site for every request,
whatever made it, so ``CONCURRENT_REQUESTS_PER_DOMAIN`` and AutoThrottle hold
across every source of a site), one robots.txt cache, one DNS cache, kept-alive
connections.

Its spider's ``start()`` never ends: it awaits the next poll on a queue (Scrapy
≥ 2.13 reads ``start()`` as the crawl goes, so a poll handed over starts at once).
Each poll is the per-kind spider of its source (crawler.spiders) run *hosted*:
its requests carry the poll, their callbacks run the spider's own, and what they
yield is gathered into the poll's PollResult instead of the item pipeline. A poll
ends when none of its requests is left; one that raises ends with that error and
costs nothing else.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.python.failure import Failure
from w3lib.http import basic_auth_header

from crawler.poll import PollRequest, PollResult, PollStats
from crawler.pool import ExtractionPool, worker_count
from crawler.robots import RobotsCache
from crawler.spiders.base import SourceSpider
from crawler.spiders.failures import failed_request
from crawler.spiders.state import SourceState

log = logging.getLogger(__name__)

# Requests in flight across every poll (each site still gets per_domain at most).
CONCURRENT_REQUESTS = 256
# A poll none of whose requests has come back for this long lost track of one
# (a request dropped without callback); it is ended rather than held forever.
STALL_TIMEOUT = 600.0
META_POLL = "newsradar_poll"


class Poll:
    """One poll in flight: its spider, its result, and how many requests it still waits for."""

    def __init__(self, request: PollRequest, spider: SourceSpider) -> None:
        self.request = request
        self.spider = spider
        self.stats = PollStats()
        self.result = PollResult(request.source_url)
        self.pending = 0
        self.done: asyncio.Future[PollResult] = asyncio.get_running_loop().create_future()
        self.last_activity = asyncio.get_running_loop().time()

    def collect(self, item: Any) -> None:
        self.result.add(item)

    def release(self) -> None:
        """One of its requests was handled; the last one ends the poll."""
        self.pending -= 1
        self.last_activity = asyncio.get_running_loop().time()
        if self.pending <= 0:
            self.finish("finished")

    def finish(self, reason: str, error: str | None = None) -> None:
        if self.done.done():
            return
        if error is not None and self.result.error is None:
            self.result.error = error
            self.result.answered = True
        self.result.reason = reason
        self.result.stats = dict(self.stats.values)
        self.done.set_result(self.result)


def spider_class(kind: str) -> type[SourceSpider] | None:
    """The spider class that polls sources of ``kind``, or None for an unknown kind."""
    from crawler.spiders.auto import AutoSpider
    from crawler.spiders.feed import FeedSpider
    from crawler.spiders.page import PageSpider
    from crawler.spiders.sitemap import SitemapSpider

    spiders = {"auto": AutoSpider, "feed": FeedSpider, "sitemap": SitemapSpider, "page": PageSpider}
    return spiders.get(kind)


class EngineSpider(scrapy.Spider):
    """The long-lived crawl's spider: reads polls from ``queue`` and runs them hosted."""

    name = "newsradar-engine"

    def __init__(
        self,
        queue: asyncio.Queue[Poll],
        robots: RobotsCache,
        extraction: ExtractionPool,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.queue = queue
        self.robots = robots  # read by crawler.middlewares.SharedRobotsTxtMiddleware
        self.extraction = extraction

    async def start(self) -> AsyncIterator[scrapy.Request]:
        while True:
            poll = await self.queue.get()
            try:
                first = list(poll.spider.poll_requests())
            except Exception as err:  # a poll that cannot start costs that poll only
                log.exception("source %s: poll failed to start", poll.request.source_url)
                poll.finish("failed", f"{type(err).__name__}: {err}")
                continue
            if not first:
                poll.finish("finished")
            for request in first:
                yield self._adopt(poll, request)

    # -- requests of the hosted polls

    def _adopt(self, poll: Poll, request: scrapy.Request) -> scrapy.Request:
        """Route ``request`` (made by the poll's spider) through this spider's callbacks."""
        poll.pending += 1
        request.meta[META_POLL] = poll
        request.meta["newsradar_callback"] = request.callback
        request.meta["newsradar_errback"] = request.errback
        # The fetch guard's rules are the poll's own (crawler.middlewares.FetchGuard).
        request.meta["newsradar_policy"] = poll.spider.link_policy
        credentials = poll.request.credentials
        if credentials is not None and _same_origin(request.url, poll.request.source_url):
            # Basic auth for the source's own host and port only, never another site
            # (Scrapy drops the header on a redirect to another domain).
            request.headers["Authorization"] = basic_auth_header(*credentials)
        request.callback = self._callback
        request.errback = self._errback
        return request

    async def _callback(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        async for output in self._run(meta[META_POLL], meta["newsradar_callback"], response):
            yield output

    async def _errback(self, failure: Failure) -> AsyncIterator[Any]:
        meta = failed_request(failure).meta
        errback = meta["newsradar_errback"]
        async for output in self._run(meta[META_POLL], errback, failure):
            yield output

    async def _run(
        self, poll: Poll, step: Callable[[Any], Any] | None, argument: Any
    ) -> AsyncIterator[Any]:
        """Run one of the poll's callbacks: its requests go on, the rest is the poll's."""
        try:
            if step is not None and not poll.done.done():
                output = step(argument)
                if inspect.isawaitable(output):
                    output = await output
                if hasattr(output, "__aiter__"):
                    async for value in output:
                        for adopted in self._take(poll, value):
                            yield adopted
                elif isinstance(output, Iterable) and not isinstance(output, (dict, str)):
                    for value in output:
                        for adopted in self._take(poll, value):
                            yield adopted
                else:
                    for adopted in self._take(poll, output):
                        yield adopted
        except Exception as err:  # a poll that raises ends with that error, nothing else
            log.exception("source %s: poll failed", poll.request.source_url)
            poll.finish("failed", f"{type(err).__name__}: {err}")
        finally:
            poll.release()

    def _take(self, poll: Poll, value: Any) -> list[scrapy.Request]:
        if isinstance(value, scrapy.Request):
            if poll.done.done():
                return []
            limit = self.settings.getint("URLLENGTH_LIMIT", 2083)
            if limit and len(value.url) > limit:
                # Scrapy's UrlLengthMiddleware would drop it with no callback.
                poll.spider.logger.info("ignoring link longer than %d: %s", limit, value.url)
                return []
            return [self._adopt(poll, value)]
        if value is not None:
            poll.collect(value)
        return []


class Engine:
    """The long-lived crawl and the polls in flight in it.

    ``await engine.poll(request)`` runs one poll and returns its PollResult; the
    crawl starts with the first poll and runs until ``stop()``. A crawl that ends
    by itself (it should not) is started again with the next poll.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        extraction: ExtractionPool | None = None,
        robots: RobotsCache | None = None,
        articles: Any = None,
    ) -> None:
        self.settings = settings.copy()
        self.settings.set("ITEM_PIPELINES", {}, priority="cmdline")  # results go to the owner
        # One downloader slot now serves every poll of a site: a 304 must let its delay
        # fall as a 200 does (crawler.throttle).
        self.settings.set(
            "EXTENSIONS",
            {
                **self.settings.getdict("EXTENSIONS"),
                "scrapy.extensions.throttle.AutoThrottle": None,
                "crawler.throttle.ConditionalAutoThrottle": 0,
            },
            priority="cmdline",
        )
        self.settings.set(
            "CONCURRENT_REQUESTS",
            max(CONCURRENT_REQUESTS, self.settings.getint("CONCURRENT_REQUESTS")),
            priority="cmdline",
        )
        self._owns_extraction = extraction is None
        self.extraction = extraction or ExtractionPool(
            worker_count(self.settings.get("NEWSRADAR_EXTRACT_WORKERS"))
        )
        self.robots = robots or RobotsCache()
        self.articles = articles  # the database connection stored articles are looked up in
        self.queue: asyncio.Queue[Poll] = asyncio.Queue()
        self.polls: set[Poll] = set()
        self.crawler: Crawler | None = None
        self._crawl: asyncio.Future[Any] | None = None
        self._opened = asyncio.Event()  # replaced by each start of the engine
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._crawl is not None and not self._crawl.done()

    async def _ensure_running(self) -> Crawler:
        if self.running and self.crawler is not None:
            await self._opened.wait()
            return self.crawler
        if self._crawl is not None and self._crawl.done() and not self._crawl.cancelled():
            error = self._crawl.exception()
            log.error("the crawl engine stopped (%s); starting it again", error or "closed")
        runner = AsyncCrawlerRunner(self.settings)
        self.crawler = runner.create_crawler(EngineSpider)
        self._opened = asyncio.Event()
        self.crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        self.crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        self._crawl = asyncio.ensure_future(
            runner.crawl(
                self.crawler, queue=self.queue, robots=self.robots, extraction=self.extraction
            )
        )
        if self._watchdog is None:
            self._watchdog = asyncio.create_task(self._watch(), name="poll watchdog")
        opened = asyncio.ensure_future(self._opened.wait())
        await asyncio.wait([opened, self._crawl], return_when=asyncio.FIRST_COMPLETED)
        if not opened.done():
            opened.cancel()
            self._crawl.result()  # raises why it could not start
            raise RuntimeError("the crawl engine closed as it started")
        return self.crawler

    def _spider_opened(self, spider: scrapy.Spider) -> None:
        self._opened.set()

    def _spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        for poll in list(self.polls):
            poll.finish(reason)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(STALL_TIMEOUT / 10)
            now = asyncio.get_running_loop().time()
            for poll in list(self.polls):
                if poll.pending > 0 and now - poll.last_activity > STALL_TIMEOUT:
                    log.error(
                        "source %s: %d requests never came back; ending the poll",
                        poll.request.source_url,
                        poll.pending,
                    )
                    poll.finish("stalled")

    async def poll(self, request: PollRequest) -> PollResult:
        """Run one poll of ``request.source_url`` and return what it brought."""
        crawler = await self._ensure_running()
        kind = spider_class(request.kind)
        if kind is None:
            return PollResult.failed(request.source_url, f"no spider polls {request.kind!r}")
        spider = kind(extraction=self.extraction, robots=self.robots, **request.spider_arguments())
        state = SourceState(
            request.source_url, request.resolved, dict(request.validators), self.articles
        )
        poll = Poll(request, spider)
        spider.host(crawler, state, poll.stats)
        self.polls.add(poll)
        try:
            await self.queue.put(poll)
            return await asyncio.shield(poll.done)
        finally:
            self.polls.discard(poll)

    async def stop_when_idle(self) -> None:
        """Stop once no poll is in flight (an engine replaced by a reload)."""
        while self.polls:
            await asyncio.wait([asyncio.ensure_future(p.done) for p in self.polls])
        await self.stop()

    async def stop(self) -> None:
        """End the crawl: polls in flight end as cut short ("shutdown")."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        for poll in list(self.polls):
            poll.finish("shutdown")
        if self.running and self.crawler is not None and self.crawler.engine is not None:
            await self.crawler.stop_async()
        if self._crawl is not None:
            await asyncio.gather(self._crawl, return_exceptions=True)
            self._crawl = None
        if self._owns_extraction:
            self.extraction.close()


def _same_origin(url: str, source_url: str) -> bool:
    """Whether ``url`` is on the scheme, host and port of ``source_url``."""
    a, b = urlsplit(url), urlsplit(source_url)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())
