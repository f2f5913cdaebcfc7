"""`newsradar worker`: take poll jobs from Redis, run them in the crawl engine, send results.

A worker has no database. What a poll reads of its source travels with the job:
validators and what `auto` found (in the PollRequest), and the source's stored
articles (so a worker does not fetch an article page the service has already).
It keeps those in a small in-memory SQLite that the engine asks as it would ask
the service's database.

Redis does the queueing: jobs are read through the consumer group ``workers``
(one worker per entry), acknowledged only once their result is in the results
stream. A worker renews the lease of the jobs it holds (XCLAIM of its own entries
resets their idle time) and claims the jobs of dead workers once idle for longer
than the lease (XAUTOCLAIM). Per-site politeness across workers: a worker polls a
site only while it holds that site's lock in Redis (SET NX PX, renewed with the
lease), so one site sees one worker at a time, and that worker's engine keeps its
``per_domain`` limit.

A job that kills or hangs every worker that takes it (a page that crashes the
parser, say) would go round the workers for ever: Redis counts how many times
each pending entry was delivered, and a job claimed past ``max_deliveries`` is
not run again but answered as a failed poll, so the service records the source
as failed and polls it again on its schedule. (A job put back in the queue because
its site was busy is a new entry, counted afresh by Redis: it carries the old
entry's count with it.)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import socket
import sqlite3
import time
import uuid
from typing import Any

from redis.exceptions import ResponseError

from crawler.poll import PollRequest, PollResult
from scheduler.cluster.connection import UNREACHABLE, Backoff, close, connect, ensure_groups
from scheduler.cluster.queue import (
    EARLIER_RUNS,
    JOBS,
    RESULTS,
    SITE_LOCK,
    WORKERS,
    WORKERS_GROUP,
    BadMessage,
    Job,
    Known,
    Sealer,
    SealError,
    check,
    decode_job,
    earlier_runs,
    encode_result,
)
from scheduler.cluster.replies import Entry, autoclaim, pending, read_group
from scheduler.config import Config

log = logging.getLogger("newsradar.worker")

READ_BLOCK_MS = 1000
LOCK_WAIT = 2.0  # seconds a job waits for its site's lock before going back to the queue
MAX_KNOWN = 200_000  # article URLs remembered between polls before starting afresh

# Take the site's lock, or renew it if it is already ours (atomic, in Redis).
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class KnownArticles:
    """The stored articles of the sources this worker polled, as jobs told it: an
    in-memory stand-in for the service's ``articles`` and ``article_urls`` tables,
    read by crawler.store.article_states."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self._create()

    def _create(self) -> None:
        self.db.executescript(
            "CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT UNIQUE, entry_updated TEXT);"
            "CREATE TABLE article_urls (url TEXT PRIMARY KEY, article_id INTEGER);"
        )

    def add(self, known: list[Known]) -> None:
        """Remember ``known`` (article URL, entry_updated, aliases)."""
        if not known:
            return
        if self.count() > MAX_KNOWN:  # each job brings its source's again: start afresh
            self.db.executescript("DROP TABLE articles; DROP TABLE article_urls;")
            self._create()
        for url, updated, aliases in known:
            article_id = self.db.execute(
                "INSERT INTO articles (url, entry_updated) VALUES (?, ?) ON CONFLICT(url) "
                "DO UPDATE SET entry_updated = excluded.entry_updated RETURNING id",
                (url, updated),
            ).fetchone()[0]
            self.db.executemany(
                "INSERT OR REPLACE INTO article_urls (url, article_id) VALUES (?, ?)",
                [(alias, article_id) for alias in aliases],
            )

    def count(self) -> int:
        """How many articles are remembered."""
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        """Run a query (the subset of sqlite_utils.Database the store's lookups use)."""
        return self.db.execute(sql, parameters)


def worker_name() -> str:
    """This worker's consumer name: host, pid and a random tail (a restarted worker
    is a new consumer; the old one's jobs are claimed after the lease)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """One worker process: up to ``concurrency`` polls at once in one crawl engine."""

    def __init__(
        self,
        url: str,
        config: Config,
        *,
        concurrency: int = 16,
        lease: float = 60.0,
        max_deliveries: int = 3,
        secret: str | None = None,
        name: str | None = None,
        engine: Any = None,
    ) -> None:
        self.url = url
        self.config = config
        self.concurrency = concurrency
        self.lease = lease
        self.max_deliveries = max_deliveries
        # Opens the credentials sealed into jobs ([cluster] secret, the service's own).
        self.sealer = Sealer(secret) if secret is not None else None
        self.name = name or worker_name()
        self.known = KnownArticles()
        self._engine = engine
        self.client = connect(url)
        self.tasks: dict[str, asyncio.Task[None]] = {}  # entry id -> its job's task
        self.sites: dict[str, int] = {}  # download slot -> jobs of it running here
        self.polls = 0
        self.given_up = 0  # jobs answered as failed after max_deliveries
        self.started = time.time()
        self._acquire = self.client.register_script(_ACQUIRE)
        self._release = self.client.register_script(_RELEASE)
        self.backoff = Backoff(log, f"worker {self.name}")

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from crawler.engine import Engine
            from crawler.pool import ExtractionPool, worker_count
            from crawler.robots import RobotsCache
            from scheduler.runtime import scrapy_settings

            self._engine = Engine(
                scrapy_settings(self.config),
                extraction=ExtractionPool(worker_count(self.config.crawl.extract_workers)),
                robots=RobotsCache(),
                articles=self.known,
            )
        return self._engine

    # --- the main loop -------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Take and run jobs until ``stop`` is set; then finish the jobs in hand."""
        beat = asyncio.create_task(self._beat_forever(stop), name="worker heartbeat")
        log.info("worker %s: taking jobs (up to %d at once)", self.name, self.concurrency)
        ready = False
        while not stop.is_set():
            try:
                if not ready:
                    await ensure_groups(self.client)
                    ready = True
                entries = await self._take(self.concurrency - len(self.tasks))
                self.backoff.succeeded()
            except UNREACHABLE as err:
                ready = False
                await self.backoff.wait(err)
                continue
            for entry, deliveries in entries:
                self._start(entry, deliveries)
            if not entries and len(self.tasks) >= self.concurrency:
                await asyncio.wait(set(self.tasks.values()), timeout=1.0)
        if self.tasks:
            log.info("worker %s: finishing %d jobs in hand", self.name, len(self.tasks))
            await asyncio.wait(set(self.tasks.values()), timeout=30)
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)
        with contextlib.suppress(*UNREACHABLE):
            await self.client.hdel(WORKERS, self.name)
        if self._engine is not None:
            await self._engine.stop()
        await close(self.client)

    async def _take(self, room: int) -> list[tuple[Entry, int]]:
        """Up to ``room`` jobs, each with how many times Redis has delivered it (this
        time included): first those of dead workers idle past the lease, then new ones."""
        if room <= 0:
            return []
        lease_ms = int(self.lease * 1000)
        claimed = autoclaim(
            await self.client.xautoclaim(
                JOBS, WORKERS_GROUP, self.name, min_idle_time=lease_ms, start_id="0-0", count=room
            )
        ).entries
        if claimed:
            log.warning(
                "worker %s: took over %d jobs of a worker silent for %gs",
                self.name,
                len(claimed),
                self.lease,
            )
            delivered = await self._times_delivered([entry.id for entry in claimed])
            return [(entry, delivered.get(entry.id, 1)) for entry in claimed]
        fresh = read_group(
            await self.client.xreadgroup(
                WORKERS_GROUP, self.name, {JOBS: ">"}, count=room, block=READ_BLOCK_MS
            )
        )
        return [(entry, 1) for entry in fresh]  # a first read is a first delivery

    async def _times_delivered(self, entry_ids: list[str]) -> dict[str, int]:
        """Redis's own delivery count of each of ``entry_ids`` (XAUTOCLAIM counted the
        claim that just happened; the lease renewals, XCLAIM JUSTID, count nothing)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for entry_id in entry_ids:
                pipe.xpending_range(JOBS, WORKERS_GROUP, min=entry_id, max=entry_id, count=1)
            answers = await pipe.execute()
        return {item.id: item.times_delivered for answer in answers for item in pending(answer)}

    def _start(self, entry: Entry, deliveries: int) -> None:
        key = entry.id
        if key in self.tasks:  # already running here (our own entry, reclaimed)
            return
        task = asyncio.create_task(self._handle(entry, deliveries), name=f"job {key}")
        self.tasks[key] = task
        task.add_done_callback(lambda _: self.tasks.pop(key, None))

    # --- one job --------------------------------------------------------------------

    async def _handle(self, entry: Entry, deliveries: int) -> None:
        entry_id = entry.id
        try:
            job = check(decode_job, entry.fields)
        except BadMessage as err:
            log.warning("worker %s: dropping job %s: %s", self.name, entry_id, err)
            await self._finish(entry_id)
            return
        if job.expired():
            log.info("worker %s: job %s expired; the service gave up on it", self.name, job.id)
            await self._finish(entry_id)
            return
        # Every delivery but this one ended without a result.
        runs = earlier_runs(entry.fields) + deliveries - 1
        if runs >= self.max_deliveries:
            await self._give_up(entry_id, job, runs)
            return
        if not await self._lock_site(job):
            await self._requeue(entry, runs)
            return
        self.sites[job.slot] = self.sites.get(job.slot, 0) + 1
        try:
            result = await self._poll(job)
            await self._deliver(entry_id, job, result)
        finally:
            self.sites[job.slot] -= 1
            if not self.sites[job.slot]:
                del self.sites[job.slot]
                with contextlib.suppress(*UNREACHABLE):  # it expires with the lease
                    await self._release(keys=[SITE_LOCK + job.slot], args=[self.name])

    async def _give_up(self, entry_id: str, job: Job, runs: int) -> None:
        """Answer a job that every worker before this one took and never answered
        (each died or hung holding it) as a failed poll, instead of running it again."""
        reason = f"job delivered {runs} times without a result"
        log.warning(
            "worker %s: job %s (%s): %s; not running it again",
            self.name,
            job.id,
            job.request.source_url,
            reason,
        )
        self.given_up += 1
        await self._deliver(entry_id, job, PollResult.failed(job.request.source_url, reason))

    async def _poll(self, job: Job) -> PollResult:
        try:
            request = self._unsealed(job)
        except SealError as err:
            log.warning(
                "worker %s: job %s (%s): %s", self.name, job.id, job.request.source_url, err
            )
            return PollResult.failed(job.request.source_url, str(err))
        self.known.add(job.known)
        try:
            result = await self.engine.poll(request)
        except Exception as err:  # a poll that raises costs that poll only
            log.exception("worker %s: poll of %s failed", self.name, job.request.source_url)
            result = PollResult.failed(job.request.source_url, f"{type(err).__name__}: {err}")
        self.polls += 1
        return result

    def _unsealed(self, job: Job) -> PollRequest:
        """The job's request with its source's credentials, when it carries any."""
        if job.sealed is None:
            return job.request
        if self.sealer is None:
            raise SealError(
                "the job's credentials are sealed and this worker has no [cluster] secret"
            )
        credentials = self.sealer.open(job.request.source_url, job.sealed)
        return dataclasses.replace(job.request, credentials=credentials)

    async def _lock_site(self, job: Job) -> bool:
        """Hold the job's site for this worker; False if another worker keeps it."""
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                if await self._acquire(
                    keys=[SITE_LOCK + job.slot], args=[self.name, int(self.lease * 1000)]
                ):
                    return True
            except UNREACHABLE:
                pass
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)

    async def _requeue(self, entry: Entry, runs: int) -> None:
        """Put a job whose site another worker holds back at the end of the queue. The
        new entry starts a new delivery count in Redis, so it carries the ``runs`` the
        old one had seen."""
        fields = entry.copy()
        fields[EARLIER_RUNS] = str(runs)
        while True:
            try:
                async with self.client.pipeline(transaction=True) as pipe:
                    pipe.xadd(JOBS, fields)
                    pipe.xack(JOBS, WORKERS_GROUP, entry.id)
                    pipe.xdel(JOBS, entry.id)
                    await pipe.execute()
                return
            except UNREACHABLE as err:
                await self.backoff.wait(err)

    async def _deliver(self, entry_id: str, job: Job, result: PollResult) -> None:
        """Send the result, then acknowledge the job (in one transaction); wait for
        Redis if it is away. A worker stopped before this leaves the job pending,
        and another worker polls it again after the lease."""
        entry = encode_result(job.id, self.name, result)
        while True:
            try:
                async with self.client.pipeline(transaction=True) as pipe:
                    pipe.xadd(RESULTS, entry)
                    pipe.xack(JOBS, WORKERS_GROUP, entry_id)
                    pipe.xdel(JOBS, entry_id)
                    await pipe.execute()
                self.backoff.succeeded()
                return
            except UNREACHABLE as err:
                await self.backoff.wait(err)
            except ResponseError as err:
                # Redis came back empty: the result went in, the job it answers is gone.
                log.warning("worker %s: job %s: %s", self.name, job.id, err)
                return

    async def _finish(self, entry_id: str) -> None:
        try:
            await self.client.xack(JOBS, WORKERS_GROUP, entry_id)
            await self.client.xdel(JOBS, entry_id)
        except UNREACHABLE:
            pass  # claimed again later, and dropped again

    # --- heartbeat and leases ------------------------------------------------------

    async def _beat_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(*UNREACHABLE):  # the main loop reports the outage
                await self.beat()
            await asyncio.sleep(min(self.lease / 3, 10.0))

    async def beat(self) -> None:
        """Say this worker is alive, renew the lease of its jobs and its sites' locks."""
        now = time.time()
        record = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": self.started,
            "beat": now,
            "in_flight": len(self.tasks),
            "polls": self.polls,
            "given_up": self.given_up,
            "sites": len(self.sites),
        }
        await self.client.hset(WORKERS, self.name, json.dumps(record))
        if self.tasks:
            # Claiming our own entries resets their idle time: the lease is renewed.
            await self.client.xclaim(
                JOBS, WORKERS_GROUP, self.name, 0, list(self.tasks), justid=True
            )
        for slot in list(self.sites):
            await self._acquire(keys=[SITE_LOCK + slot], args=[self.name, int(self.lease * 1000)])
