"""The service: poll every source on its schedule, then match, then alert.

One process, one event loop: APScheduler's AsyncIOScheduler and Scrapy's
asyncio reactor share it. After each crawl the new articles are matched and the
due alerts sent at once, so alerts follow a poll within seconds.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.dispatch import DeliveryPolicy, DispatchReport, dispatch_due, send_digest
from alerts.match import MatchReport, match_pending
from alerts.matcher import Watchlist
from alerts.render import Templates
from alerts.targets import Target, apprise_config_urls, console_target
from crawler import store
from scheduler.config import CRON_ALIASES, Config, SourceConfig
from scheduler.crawl import Crawler, CrawlOutcome

log = logging.getLogger("newsradar.service")

DISPATCH_EVERY = timedelta(seconds=15)
SHUTDOWN_GRACE = 20.0
MAX_JITTER = timedelta(seconds=60)


def targets_of(config: Config) -> list[Target]:
    """The configured alert targets (an Apprise config file gives one target per
    URL in it), or the console when none is configured."""
    if not config.alert:
        return [console_target()]
    targets: list[Target] = []
    for alert in config.alert:
        common = {
            "mode": alert.mode,
            "schedule": alert.schedule,
            "max_per_hour": alert.max_per_hour,
            "body_format": alert.format,
            "templates": Templates(alert.title_template, alert.body_template),
        }
        if alert.url is not None:
            targets.append(Target(url=alert.url, name=alert.name, tags=tuple(alert.tags), **common))
            continue
        for url, tags in apprise_config_urls(str(config.resolve(alert.apprise_config))):
            # A URL's own tags in the Apprise file route it; untagged ones take the [[alert]]'s.
            targets.append(Target(url=url, tags=tags or tuple(alert.tags), **common))
    return targets


def delivery_policy(config: Config) -> DeliveryPolicy:
    """The dispatcher's retry policy from ``[delivery]``."""
    delivery = config.delivery
    return DeliveryPolicy(
        retry_after=delivery.retry_after,
        retry_max=delivery.retry_max,
        max_attempts=delivery.max_attempts,
        timeout=delivery.timeout.total_seconds(),
    )


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


class Service:
    """Everything `newsradar run` does, on the running event loop."""

    def __init__(self, config: Config, *, verbose: bool = False) -> None:
        self.config = config
        self.watchlist = Watchlist.compile(config.entities())
        self.targets = targets_of(config)
        self.policy = delivery_policy(config)
        self.db = store.open_db(config.database_path)
        store.close_interrupted_runs(self.db)
        for source in config.source:
            store.upsert_source(self.db, url=source.url, name=source.name, kind=source.kind)
        self.crawler = Crawler(config, verbose=verbose)
        self._after_crawl = asyncio.Lock()
        self._polls: set[asyncio.Task[CrawlOutcome]] = set()

    async def poll(self, source_url: str) -> CrawlOutcome:
        """Crawl one source, then match and alert what it brought.

        The work runs in a task of its own, shielded: when the scheduler shuts
        down it cancels its jobs, but a crawl in flight is allowed to finish
        (or is stopped cleanly) so its run is recorded.
        """
        source = next(s for s in self.config.source if s.url == source_url)
        task = asyncio.create_task(self._poll(source), name=f"poll {source.name}")
        self._polls.add(task)
        task.add_done_callback(self._polls.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # The scheduler is shutting down; run_forever waits for the task itself.
            return CrawlOutcome(source.name, 0, "shutting down")

    async def _poll(self, source: SourceConfig) -> CrawlOutcome:
        outcome = await self.crawler.crawl(source)
        if outcome.articles_new:
            await self.process()
        return outcome

    async def process(self) -> tuple[MatchReport, DispatchReport]:
        """Match the articles not matched yet, then send every due alert."""
        async with self._after_crawl:
            matched = match_pending(self.db, self.watchlist, self.targets)
            dispatched = await dispatch_due(
                self.db, self.targets, self.watchlist.entities, self.policy
            )
        return matched, dispatched

    async def dispatch(self) -> None:
        """Send due alerts (retries included) without waiting for a crawl."""
        async with self._after_crawl:
            await dispatch_due(self.db, self.targets, self.watchlist.entities, self.policy)

    async def digest(self, label: str) -> None:
        """Send one digest target everything it has pending."""
        target = next(t for t in self.targets if t.label == label)
        async with self._after_crawl:
            await send_digest(self.db, target, self.watchlist.entities, self.policy)

    async def run_once(self) -> CycleReport:
        """Crawl every source concurrently, then match and deliver."""
        crawls = await asyncio.gather(*(self.crawler.crawl(s) for s in self.config.source))
        matched, dispatched = await self.process()
        return CycleReport(list(crawls), matched, dispatched)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll every source on its interval until ``stop`` is set, then shut down cleanly."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger

        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone="UTC")
        now = datetime.now().astimezone()
        for source in self.config.source:
            interval = self.config.source_interval(source)
            scheduler.add_job(
                self.poll,
                "interval",
                args=[source.url],
                id=f"source:{source.url}",
                name=f"poll {source.name}",
                seconds=interval.total_seconds(),
                # Spread a thousand sources so they don't all fire together.
                jitter=min(interval / 10, MAX_JITTER).total_seconds(),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(max(interval.total_seconds() / 2, 1)),
                next_run_time=now,
            )
        scheduler.add_job(
            self.dispatch,
            "interval",
            id="dispatch",
            seconds=DISPATCH_EVERY.total_seconds(),
            max_instances=1,
            coalesce=True,
        )
        for target in self.targets:
            if target.mode == "digest":
                scheduler.add_job(
                    self.digest,
                    CronTrigger.from_crontab(
                        CRON_ALIASES.get(target.schedule, target.schedule), timezone="UTC"
                    ),
                    args=[target.label],
                    id=f"digest:{target.label}",
                    name=f"digest for {target.label}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=3600,
                )
        scheduler.start()
        log.info(
            "newsradar running: %d sources, %d entities, %d alert targets, database %s",
            len(self.config.source),
            len(self.watchlist.entities),
            len(self.targets),
            self.config.database_path,
        )
        await stop.wait()
        log.info("stopping: no new polls; waiting up to %gs for crawls in flight", SHUTDOWN_GRACE)
        scheduler.shutdown(wait=False)
        if self._polls:
            _, pending = await asyncio.wait(set(self._polls), timeout=SHUTDOWN_GRACE)
            if pending:
                log.warning("aborting %d crawls still running", len(pending))
                await self.crawler.stop()
                await asyncio.wait(pending, timeout=5)
        await self.process()
        log.info("stopped")

    def close(self) -> None:
        """Release the database."""
        self.db.close()


def run_service(config: Config, *, once: bool, verbose: bool = False) -> CycleReport | None:
    """Run the service in this process until SIGTERM/SIGINT (or one cycle with ``once``)."""
    from scheduler.crawl import run_in_reactor

    async def main() -> CycleReport | None:
        service = Service(config, verbose=verbose)
        try:
            if once:
                return await service.run_once()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await service.run_forever(stop)
            return None
        finally:
            service.close()

    return run_in_reactor(main)
