"""Polls inside the service's event loop: Scrapy on its asyncio reactor.

Scrapy's Twisted reactor runs on the same asyncio loop as APScheduler. One
long-lived crawl engine (crawler.engine) runs every poll: a poll is a PollRequest
built here from the config and the source's stored state, and the PollResult it
brings back is recorded here (crawler.record). That is the fetch stage's seam:
a remote fetch worker could answer the same requests with the same results.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from scheduler.config import Config, SourceConfig
from scheduler.runtime import poll_request, scrapy_settings

if TYPE_CHECKING:
    import sqlite_utils

    from crawler.engine import Engine
    from crawler.poll import PollRequest, PollResult
    from crawler.pool import ExtractionPool
    from crawler.robots import RobotsCache
    from scheduler.cluster.remote import RemoteEngine

log = logging.getLogger("newsradar.crawl")

# Articles are fetched again (conditionally) this long after they were first seen,
# in case they were edited without their feed saying so.
SILENT_EDIT_CHECKS = (timedelta(hours=1), timedelta(hours=6), timedelta(hours=24))
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
T = TypeVar("T")


@dataclass(frozen=True)
class CrawlOutcome:
    """How polling one source went."""

    source: str
    articles_new: int
    error: str | None
    articles_updated: int = 0  # re-checked articles whose text changed: to match again
    not_modified: bool = False  # the source answered 304: nothing was parsed


def run_in_reactor(main: Callable[[], Awaitable[T]]) -> T:
    """Install Scrapy's asyncio reactor, run ``main()`` on its loop and return its result.

    Signal handling is left to ``main`` (the reactor's own would stop abruptly).
    """
    from scrapy.utils.reactor import install_reactor

    install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import defer, reactor

    outcome: dict[str, object] = {}

    def finish(result: object) -> None:
        outcome["result"] = result
        reactor.stop()

    def start() -> None:
        future = asyncio.ensure_future(main())
        defer.Deferred.fromFuture(future).addBoth(finish)

    reactor.callWhenRunning(start)
    # IReactorCore.run() declares no arguments; every reactor's run() takes this one.
    reactor.run(installSignalHandlers=False)  # type: ignore[call-arg]
    result = outcome.get("result")
    if hasattr(result, "raiseException"):  # a twisted Failure
        result.raiseException()
    return result  # type: ignore[return-value]


class CrawlRunner:
    """Runs one poll per source on demand, never two of the same source at once.

    Every poll goes to one crawl engine: the one handed in (the service keeps one
    for its lifetime, across reloads), else one of its own, stopped by ``stop()``.
    """

    def __init__(
        self,
        config: Config,
        *,
        verbose: bool = False,
        locks: dict[str, asyncio.Lock] | None = None,
        extraction: ExtractionPool | None = None,
        robots: RobotsCache | None = None,
        engine: Engine | RemoteEngine | None = None,
        db: sqlite_utils.Database | None = None,
    ) -> None:
        from crawler import store
        from crawler.engine import Engine

        self.config = config
        # Shared with the CrawlRunner a config reload replaces: a source polled by the
        # old one must not be polled by the new one at the same time.
        self.locks: dict[str, asyncio.Lock] = {} if locks is None else locks
        self._owns_db = db is None
        self.db = store.open_db(config.database_path) if db is None else db
        self._owns_engine = engine is None
        self.engine = engine or Engine(
            scrapy_settings(config, verbose=verbose),
            extraction=extraction,
            robots=robots,
            articles=self.db,
        )

    async def crawl(self, source: SourceConfig) -> CrawlOutcome:
        """Poll ``source`` once; record what it brought; report the outcome."""
        from crawler import store
        from crawler.record import record_poll
        from crawler.spiders.state import SourceState

        lock = self.locks.setdefault(source.url, asyncio.Lock())
        if lock.locked():
            log.info(
                "source %s: still being polled, skipping this turn",
                source.name,
                extra={"source": source.name},
            )
            return CrawlOutcome(source.name, 0, None)
        async with lock:
            try:
                source_id = store.upsert_source(
                    self.db, url=source.url, name=source.name, kind=source.kind
                )
                state = SourceState.load(self.db, source.url)
                due = store.due_rechecks(self.db, source_id, store.utcnow(), SILENT_EDIT_CHECKS)
                run_id = store.start_run(self.db, source_id)
            except sqlite3.Error as err:  # a full disk...: this poll fails, in one line
                problem = str(store.explain(err, self.config.database_path))
                log.warning(
                    "source %s: failed: %s", source.name, problem, extra={"source": source.name}
                )
                return CrawlOutcome(source.name, 0, problem)
            request = poll_request(self.config, source, state, due)
            result = await self._fetch(source, request)
            recorded = record_poll(self.db, source_id, run_id, result)
        outcome = CrawlOutcome(
            source.name,
            recorded.articles_new,
            recorded.error,
            recorded.articles_updated,
            recorded.not_modified,
        )
        if outcome.error:
            log.warning(
                "source %s: failed: %s", source.name, outcome.error, extra={"source": source.name}
            )
        else:
            log.info(
                "source %s: %d new articles",
                source.name,
                outcome.articles_new,
                extra={"source": source.name},
            )
        return outcome

    async def _fetch(self, source: SourceConfig, request: PollRequest) -> PollResult:
        from crawler.poll import PollResult

        try:
            return await self.engine.poll(request)
        except Exception as err:  # a poll that dies must not take the service with it
            log.exception("source %s: crawl failed", source.name, extra={"source": source.name})
            return PollResult.failed(source.url, f"{type(err).__name__}: {err}")

    async def stop(self) -> None:
        """End the polls in flight; stop the engine and close the database if they are ours."""
        if self._owns_engine:
            await self.engine.stop()
        if self._owns_db:
            self.db.close()
