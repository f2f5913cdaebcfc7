"""The service: poll every source on its schedule, then match, then alert.

One process, one event loop: APScheduler's AsyncIOScheduler and Scrapy's
asyncio reactor share it. After each crawl the new articles are matched and the
due alerts sent at once, so alerts follow a poll within seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.dispatch import DispatchReport, dispatch_due, send, send_digest
from alerts.pending import MatchReport, StoryTracker, match_pending
from alerts.render import Message
from crawler import store
from crawler.robots import RobotsCache
from scheduler.config import (
    ClusterConfig,
    Config,
    ConfigError,
    CrawlConfig,
    SourceConfig,
    cron_trigger,
    load_config,
)
from scheduler.crawl import CrawlOutcome, CrawlRunner
from scheduler.health import expected_silence, notice_for
from scheduler.runtime import (
    compile_watchlist,
    delivery_policy,
    extraction_pool,
    scrapy_settings,
    targets_of,
)

if TYPE_CHECKING:
    from crawler.engine import Engine
    from scheduler.cluster.remote import RemoteEngine

log = logging.getLogger("newsradar.service")

DISPATCH_EVERY = timedelta(seconds=15)
HEARTBEAT_EVERY = timedelta(seconds=30)
UPKEEP_EVERY = timedelta(hours=1)
SHUTDOWN_GRACE = 20.0
MAX_JITTER = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=6)
FIRST_POLL_SPREAD = timedelta(seconds=0.1)
OPERATOR_TAG = "operator"


@dataclass
class CycleReport:
    """What one full cycle (every source once, then match and alert) did."""

    crawls: list[CrawlOutcome] = field(default_factory=list)
    matched: MatchReport = field(default_factory=MatchReport)
    dispatched: DispatchReport = field(default_factory=DispatchReport)

    @property
    def sources_ok(self) -> int:
        """How many sources answered."""
        return sum(1 for c in self.crawls if c.error is None)


def poll_interval(base: timedelta, failures: int) -> timedelta:
    """A source's interval after ``failures`` failed polls in a row: the base
    interval until the second failure, then doubling, capped at six hours (or
    the base interval, if longer)."""
    if failures < 2:
        return base
    return min(base * 2 ** min(failures - 1, 20), max(base, BACKOFF_CAP))


class Service:
    """Everything `newsradar run` does, on the running event loop."""

    def __init__(
        self, config: Config, *, verbose: bool = False, config_option: Path | None = None
    ) -> None:
        self.verbose = verbose
        self.config_option = config_option
        self.db = store.open_db(config.database_path)
        store.close_interrupted_runs(self.db)
        # The recent stories' index, rebuilt once here rather than on the first match.
        self.stories = StoryTracker.load(self.db)
        self.scheduler: Any = None  # the AsyncIOScheduler once started (APScheduler 3 is untyped)
        self._locks: dict[str, asyncio.Lock] = {}
        self._after_crawl = asyncio.Lock()
        self._polls: set[asyncio.Task[CrawlOutcome]] = set()
        self._last_upkeep: datetime | None = None
        self._stopping = False
        self._skipped = 0  # polls APScheduler skipped (the source still busy): logged in upkeep
        self._new_articles = asyncio.Event()
        # Shared by every poll for the service's lifetime (and across reloads).
        self.extraction = extraction_pool(config)
        self.robots = RobotsCache()
        self.engine: Engine | RemoteEngine | None = None  # set by _apply, below
        # The settings the engine runs with: [crawl] and [cluster].
        self.config_crawl: tuple[CrawlConfig, ClusterConfig | None] | None = None
        self._retired: set[asyncio.Task[None]] = set()
        self._apply(config)

    def _apply(self, config: Config) -> None:
        """Take ``config`` as the running configuration: everything that can fail is
        built before anything is replaced, so a failure leaves the running one whole."""
        watchlist = compile_watchlist(config)
        targets = targets_of(config)
        policy = delivery_policy(config)
        self._engine_for(config)
        crawler = CrawlRunner(
            config, verbose=self.verbose, locks=self._locks, engine=self.engine, db=self.db
        )
        self.config, self.watchlist, self.targets, self.policy = config, watchlist, targets, policy
        self.operators = [t for t in self.targets if OPERATOR_TAG in t.tags]
        self.crawler = crawler
        for target in targets:
            # Older versions labelled webhooks with their path token: rename their alerts.
            if target.legacy_label != target.label:
                store.rename_target(self.db, target.legacy_label, target.label)
        for source in config.source:
            store.upsert_source(self.db, url=source.url, name=source.name, kind=source.kind)

    def _engine_for(self, config: Config) -> None:
        """One crawl engine runs every poll; a reload that changes ``[crawl]`` (the
        engine's settings) starts a new one, and the old one ends once its polls have."""
        from crawler.engine import Engine

        wanted = (config.crawl, config.cluster)
        if self.engine is not None and wanted == self.config_crawl:
            return
        engine: Engine | RemoteEngine
        if config.cluster is not None:  # fetch workers poll, through Redis
            from scheduler.cluster.remote import RemoteEngine

            engine = RemoteEngine(
                config.cluster.redis,
                self.db,
                job_timeout=config.cluster.job_timeout.total_seconds(),
                secret=config.cluster.secret,
            )
        else:
            engine = Engine(
                scrapy_settings(config, verbose=self.verbose),
                extraction=self.extraction,
                robots=self.robots,
                articles=self.db,
            )
        old, self.engine = self.engine, engine
        self.config_crawl = wanted
        if old is not None:
            task = asyncio.ensure_future(old.stop_when_idle())
            self._retired.add(task)
            task.add_done_callback(self._retired.discard)

    # --- polling ------------------------------------------------------------------

    async def poll(self, source_url: str) -> CrawlOutcome | None:
        """Crawl one source, then match and alert what it brought.

        The work runs in a task of its own, shielded: when the scheduler shuts
        down it cancels its jobs, but a crawl in flight is allowed to finish
        (or is stopped cleanly) so its run is recorded.
        """
        source = next((s for s in self.config.source if s.url == source_url), None)
        if source is None or self._stopping:  # removed by a reload, or shutting down
            return None
        if store.is_paused(self.db, source_url):  # paused in the console
            return None
        task = asyncio.create_task(self._poll(source), name=f"poll {source.name}")
        self._polls.add(task)
        task.add_done_callback(self._polls.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # The scheduler is shutting down; run_forever waits for the task itself.
            return None

    async def _poll(self, source: SourceConfig) -> CrawlOutcome:
        outcome = await self.crawler.crawl(source)
        if outcome.articles_new or outcome.articles_updated:
            # Matching and alerting happen in one background task: a poll that waited
            # for them would count as still running and hold up its source's next poll.
            self._new_articles.set()
        row = store.source_row(self.db, source.url)
        if row is not None and self.scheduler is not None:
            self._pace(source, row["consecutive_failures"])
            await self._tell_operators(source, row)
        return outcome

    def _pace(self, source: SourceConfig, failures: int) -> None:
        """Back a failing source off (longer intervals, capped); restore it when it recovers."""
        job = self.scheduler.get_job(f"source:{source.url}")
        if job is None or not isinstance(job.trigger, IntervalTrigger):
            return
        wanted = poll_interval(self.config.source_interval(source), failures)
        if job.trigger.interval != wanted:
            if wanted > self.config.source_interval(source):
                log.warning(
                    "source %s: %d failures in a row; polling it every %s until it recovers",
                    source.name,
                    failures,
                    wanted,
                    extra={"source": source.name},
                )
            job.reschedule(_interval_trigger(wanted))
        store.set_next_poll(self.db, source.url, job.next_run_time)

    # --- matching and alerting -------------------------------------------------------

    async def process(self) -> tuple[MatchReport, DispatchReport]:
        """Match the articles not matched yet, then send every due alert."""
        async with self._after_crawl:
            matched = match_pending(self.db, self.watchlist, self.targets, tracker=self.stories)
            dispatched = await dispatch_due(
                self.db, self.targets, self.watchlist.entities, self.policy
            )
        return matched, dispatched

    async def _process_forever(self) -> None:
        """Match and alert whenever polls brought something new, one pass at a time."""
        while True:
            await self._new_articles.wait()
            self._new_articles.clear()
            try:
                await self.process()
            except Exception:  # the next pass retries; the service must not die of it
                log.exception("matching and alerting failed; retrying on the next poll")

    async def dispatch(self) -> None:
        """Send due alerts (retries included) without waiting for a crawl."""
        if self._stopping:
            return
        async with self._after_crawl:
            await dispatch_due(self.db, self.targets, self.watchlist.entities, self.policy)

    async def digest(self, label: str) -> None:
        """Send one digest target everything it has pending."""
        target = next((t for t in self.targets if t.label == label), None)
        if target is None:
            return
        async with self._after_crawl:
            await send_digest(self.db, target, self.watchlist.entities, self.policy)

    # --- operators ---------------------------------------------------------------------

    async def _tell_operators(self, source: SourceConfig, row: dict) -> None:
        """Send targets tagged "operator" one notice per change of a source's health."""
        if not self.operators:
            return
        interval = self.config.source_interval(source)
        silence = expected_silence(
            store.article_gaps(self.db, row["id"]),
            interval,
            source.expect_update_every,
        )
        notice = notice_for(
            row,
            failures_threshold=self.config.operator_alert_after,
            silence=silence,
            last_article=store.last_article_at(self.db, row["id"]),
            now=store.utcnow(),
        )
        if notice is None:
            return
        message = Message(title=notice.title, body=notice.body, format="text")
        deliveries = await asyncio.gather(
            *(send(target, message, self.policy.timeout) for target in self.operators)
        )
        for target, delivery in zip(self.operators, deliveries, strict=True):
            if not delivery.ok:
                log.warning("operator notice to %s failed: %s", target.label, delivery.reason)
        if any(delivery.ok for delivery in deliveries):  # told someone: don't repeat it
            store.set_operator_alerted(self.db, source.url, notice.state)
            log.info("operators told: %s", notice.title, extra={"source": source.name})

    # --- upkeep ----------------------------------------------------------------------------

    async def upkeep(self) -> None:
        """Heartbeat; silent-source checks; hourly retention and database upkeep."""
        if self._stopping:
            return
        store.heartbeat(self.db)
        if self._skipped:
            log.warning(
                "%d polls skipped since the last check: their sources were still being "
                "polled (too many sources for their interval on this machine?)",
                self._skipped,
            )
            self._skipped = 0
        for source in self.config.source:
            row = store.source_row(self.db, source.url)
            if row is not None:
                await self._tell_operators(source, row)
        now = store.utcnow()
        if self._last_upkeep is None or now - self._last_upkeep >= UPKEEP_EVERY:
            self._last_upkeep = now
            if self.config.retention is not None:
                dropped = store.drop_old_text(self.db, now - self.config.retention)
                if dropped:
                    log.info("retention: dropped the text of %d old articles", dropped)
            store.optimize(self.db)

    # --- one cycle, or the service ---------------------------------------------------------

    async def run_once(self) -> CycleReport:
        """Crawl every source concurrently, then match and deliver."""
        polled = [s for s in self.config.source if not store.is_paused(self.db, s.url)]
        crawls = await asyncio.gather(*(self.crawler.crawl(s) for s in polled))
        if self.engine is not None:
            await self.engine.stop()
        matched, dispatched = await self.process()
        return CycleReport(list(crawls), matched, dispatched)

    def _schedule(self) -> None:
        """(Re)create the jobs of every source and digest target of the running config."""
        wanted = {f"source:{s.url}" for s in self.config.source}
        wanted |= {f"digest:{t.label}" for t in self.targets if t.mode == "digest"}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(("source:", "digest:")) and job.id not in wanted:
                job.remove()
        now = datetime.now().astimezone()
        # Spread first polls (0.1 s per source, within one interval) so that a thousand
        # sources do not fire, and stay, in one wave.
        spread = FIRST_POLL_SPREAD * len(self.config.source)
        for source in self.config.source:
            job_id = f"source:{source.url}"
            trigger = source_trigger(self.config, source)
            existing = self.scheduler.get_job(job_id)
            if existing is not None:
                if str(existing.trigger) != str(trigger):
                    existing.reschedule(trigger)
                continue
            self.scheduler.add_job(
                self.poll,
                trigger,
                args=[source.url],
                id=job_id,
                name=f"poll {source.name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(
                    max(self.config.source_interval(source).total_seconds() / 2, 1)
                ),
                next_run_time=now
                + random.uniform(0, 1) * min(spread, self.config.source_interval(source)),
            )
        for target in self.targets:
            if target.mode != "digest" or target.schedule is None:
                continue
            if self.scheduler.get_job(f"digest:{target.label}"):
                continue
            self.scheduler.add_job(
                self.digest,
                cron_trigger(target.schedule),
                args=[target.label],
                id=f"digest:{target.label}",
                name=f"digest for {target.label}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )

    def reload(self) -> bool:
        """Re-read the config file; apply it, or keep the running one if it is broken
        (for whatever reason: a reload must never stop the service)."""
        try:
            config = load_config(self.config_option)
        except ConfigError as err:
            log.error("reload refused, the running configuration stays: %s", err)
            return False
        except Exception as err:  # not the file's named fault, but still no reason to die
            log.error(
                "reload refused, the running configuration stays: %s: %s",
                type(err).__name__,
                err,
            )
            return False
        if config.database_path.resolve() != self.config.database_path.resolve():
            log.error("reload refused: changing `database` needs a restart")
            return False
        before = {s.url for s in self.config.source}
        running = self.config
        try:
            self._apply(config)
            self._schedule()
        except Exception as err:
            log.error(
                "reload failed (%s: %s); going back to the running configuration",
                type(err).__name__,
                err,
            )
            self._apply(running)
            self._schedule()
            return False
        after = {s.url for s in config.source}
        log.info(
            "configuration reloaded: %d sources (%d added, %d removed), %d entities, "
            "%d alert targets",
            len(after),
            len(after - before),
            len(before - after),
            len(self.watchlist.entities),
            len(self.targets),
        )
        return True

    async def run_forever(self, stop: asyncio.Event, reload: asyncio.Event | None = None) -> None:
        """Poll every source on its schedule until ``stop`` is set, then shut down
        cleanly; re-read the config whenever ``reload`` is set."""
        self.scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone="UTC")
        self._schedule()
        self.scheduler.add_job(
            self.dispatch,
            "interval",
            id="dispatch",
            # Retries come due every retry_after at the soonest.
            seconds=min(DISPATCH_EVERY, self.config.delivery.retry_after).total_seconds(),
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self.upkeep,
            "interval",
            id="upkeep",
            seconds=HEARTBEAT_EVERY.total_seconds(),
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_listener(self._count_skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        store.service_started(self.db, os.getpid(), str(self.config.path or "built-in"))
        processor = asyncio.create_task(self._process_forever(), name="match and alert")
        self.scheduler.start()
        log.info(
            "newsradar running: %d sources, %d entities, %d alert targets, database %s",
            len(self.config.source),
            len(self.watchlist.entities),
            len(self.targets),
            self.config.database_path,
        )
        reload = reload or asyncio.Event()
        while not stop.is_set():
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(reload.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if reload.is_set() and not stop.is_set():
                reload.clear()
                self.reload()
        log.info("stopping: no new polls; waiting up to %gs for crawls in flight", SHUTDOWN_GRACE)
        self._stopping = True
        self.scheduler.pause()
        deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE
        # Polls the scheduler had already started may still be arriving: wait until none runs.
        while self._polls and asyncio.get_running_loop().time() < deadline:
            await asyncio.wait(
                set(self._polls), timeout=deadline - asyncio.get_running_loop().time()
            )
        if self._polls:
            log.warning("aborting %d crawls still running", len(self._polls))
        if self.engine is not None:  # what is still in flight ends as cut short, recorded
            await self.engine.stop()
        if self._polls:
            await asyncio.wait(set(self._polls), timeout=5)
        await asyncio.gather(*self._retired, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        processor.cancel()
        await asyncio.gather(processor, return_exceptions=True)
        await self.process()
        store.service_stopped(self.db)
        log.info("stopped")

    def _count_skipped(self, event: JobEvent) -> None:
        if event.job_id.startswith("source:"):
            self._skipped += 1

    def close(self) -> None:
        """Stop the extraction workers and release the database."""
        self.extraction.close()
        self.db.close()


def source_trigger(config: Config, source: SourceConfig) -> CronTrigger | IntervalTrigger:
    """When a source is polled: its cron ``schedule``, else its interval (with jitter)."""
    if source.schedule:
        return cron_trigger(source.schedule)
    return _interval_trigger(config.source_interval(source))


def _interval_trigger(interval: timedelta) -> IntervalTrigger:
    # Jitter spreads a thousand sources so they don't all fire together.
    return IntervalTrigger(
        seconds=interval.total_seconds(),
        jitter=min(interval / 10, MAX_JITTER).total_seconds(),
        timezone="UTC",
    )


def run_service(
    config: Config,
    *,
    once: bool,
    verbose: bool = False,
    config_option: Path | None = None,
    web: bool = False,
) -> CycleReport | None:
    """Run the service in this process until SIGTERM/SIGINT (or one cycle with
    ``once``); SIGHUP re-reads the config file. ``web``: serve the console too."""
    from scheduler.crawl import run_in_reactor
    from scheduler.instance import InstanceLock

    async def main() -> CycleReport | None:
        service = Service(config, verbose=verbose, config_option=config_option)
        try:
            if once:
                return await service.run_once()
            stop, reload = asyncio.Event(), asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            loop.add_signal_handler(signal.SIGHUP, reload.set)
            console = None
            if web:
                from scheduler.web.serve import start_console

                console = await start_console(config, config_option, reload.set)
            try:
                await service.run_forever(stop, reload)
            finally:
                if console is not None:
                    await console.stop()
            return None
        finally:
            service.close()

    with InstanceLock(config.database_path):
        return run_in_reactor(main)
