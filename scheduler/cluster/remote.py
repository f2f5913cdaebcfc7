"""The service's side of the cluster: an engine whose polls run on fetch workers.

``RemoteEngine`` stands where the embedded crawl engine (crawler.engine.Engine)
stands: ``await poll(request)`` returns a PollResult, and the service records it
as it records its own engine's. The job goes to Redis; the result comes back on
the results stream, is checked against its schema and handed to the poll
waiting for that job id. A result for a job nobody waits for any more (a second
delivery, or a job given up) is dropped: each poll is ingested once.

When Redis restarts (its run id changes) the jobs in flight are submitted again
under the same ids: whatever Redis lost is polled again, and a result that does
arrive twice is still taken once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Mapping
from typing import Any

from crawler.poll import PollRequest, PollResult
from crawler.throttle import download_slot
from scheduler.cluster.connection import (
    UNREACHABLE,
    Backoff,
    close,
    connect,
    ensure_groups,
    server_id,
)
from scheduler.cluster.queue import (
    JOBS,
    RESULTS,
    SERVICE_BEAT,
    SERVICE_GROUP,
    BadMessage,
    Delivery,
    Job,
    Known,
    Sealer,
    SealError,
    check,
    decode_result,
    encode_job,
    mask_url,
    new_job_id,
)
from scheduler.cluster.replies import Fields, read_group

log = logging.getLogger("newsradar.cluster")

CONSUMER = "service"
READ_BLOCK_MS = 1000
KNOWN_ARTICLES = 300  # the source's latest articles sent with each job
BEAT_EVERY = 10.0


def known_articles(db: Any, source_url: str, limit: int = KNOWN_ARTICLES) -> list[Known]:
    """The latest ``limit`` stored articles of the source at ``source_url``, each with
    when its feed last said it changed and every URL it was reached by."""
    rows = db.execute(
        "SELECT articles.id, articles.url, articles.entry_updated FROM articles "
        "JOIN sources ON sources.id = articles.source_id WHERE sources.url = ? "
        "ORDER BY articles.id DESC LIMIT ?",
        [source_url, limit],
    ).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    aliases: dict[int, list[str]] = {}
    marks = ",".join("?" * len(ids))
    for article_id, url in db.execute(
        f"SELECT article_id, url FROM article_urls WHERE article_id IN ({marks})", ids
    ):
        aliases.setdefault(article_id, []).append(url)
    return [(url, updated, aliases.get(article_id, [])[:64]) for article_id, url, updated in rows]


class RemoteEngine:
    """Polls run by fetch workers through the Redis at ``url``."""

    def __init__(
        self, url: str, db: Any, *, job_timeout: float = 600.0, secret: str | None = None
    ) -> None:
        self.url = url
        self.db = db
        self.job_timeout = job_timeout
        # Seals the sources' credentials into their jobs ([cluster] secret).
        self.sealer = Sealer(secret) if secret is not None else None
        self.client = connect(url)
        self.waiting: dict[str, tuple[Job, asyncio.Future[PollResult]]] = {}
        self.delivered = 0
        self.duplicates = 0
        self.refused = 0
        self._reader: asyncio.Task[None] | None = None
        self._beat: asyncio.Task[None] | None = None
        self._server: str | None = None  # the Redis run id the streams were made on
        self._checked = 0.0
        self._closing = False
        self.backoff = Backoff(log, f"cluster at {mask_url(url)}")

    @property
    def polls(self) -> set[str]:
        """The jobs in flight (for stop_when_idle, like Engine.polls)."""
        return set(self.waiting)

    def _ensure_running(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_forever(), name="cluster results")
        if self._beat is None or self._beat.done():
            self._beat = asyncio.create_task(self._beat_forever(), name="cluster heartbeat")

    async def poll(self, request: PollRequest) -> PollResult:
        """Have a worker poll ``request.source_url``; its result, or a failed one if
        no worker answered within the job timeout."""
        self._ensure_running()
        document = request.resolved[1] if request.resolved else request.source_url
        job = Job(
            id=new_job_id(),
            request=request,
            deadline=time.time() + self.job_timeout,
            slot=download_slot(document),
            known=known_articles(self.db, request.source_url),
        )
        try:
            entry = encode_job(job, self.sealer)
        except SealError as err:
            return PollResult.failed(request.source_url, str(err))
        done: asyncio.Future[PollResult] = asyncio.get_running_loop().create_future()
        self.waiting[job.id] = (job, done)
        try:
            await self._submit(job, entry)
            return await asyncio.wait_for(asyncio.shield(done), timeout=self.job_timeout)
        except TimeoutError:
            return PollResult.failed(
                request.source_url,
                f"no fetch worker answered within {self.job_timeout:g}s",
            )
        finally:
            self.waiting.pop(job.id, None)

    async def _submit(self, job: Job, entry: Fields) -> None:
        while True:
            try:
                await self.client.xadd(JOBS, entry)
                self.backoff.succeeded()
                return
            except UNREACHABLE as err:
                if job.expired():
                    raise TimeoutError from None
                await self.backoff.wait(err)

    # --- results ---------------------------------------------------------------------

    async def _read_forever(self) -> None:
        """Read results until stopped; after an outage, resubmit what Redis lost."""
        while not self._closing:
            try:
                await self._connected()
                answer = read_group(
                    await self.client.xreadgroup(
                        SERVICE_GROUP, CONSUMER, {RESULTS: ">"}, count=64, block=READ_BLOCK_MS
                    )
                )
                self.backoff.succeeded()
            except UNREACHABLE as err:
                if self._closing:  # redis-py turns a cancelled read into a ConnectionError
                    return
                await self.backoff.wait(err)
                continue
            for entry in answer:
                self.take(entry.fields)
                try:
                    await self.client.xack(RESULTS, SERVICE_GROUP, entry.id)
                    await self.client.xdel(RESULTS, entry.id)
                except UNREACHABLE:
                    pass  # read again after the outage, and dropped as a duplicate

    async def _connected(self) -> None:
        """Make sure the streams exist; when Redis restarted, submit the jobs in flight again."""
        now = time.monotonic()
        if self._server is not None and not self.backoff.failing and now < self._checked + 5:
            return
        server = await server_id(self.client)
        self._checked = now
        if server == self._server:
            return
        await ensure_groups(self.client)
        if self._server is not None:
            jobs = [job for job, done in self.waiting.values() if not done.done()]
            log.warning("Redis restarted: submitting the %d jobs in flight again", len(jobs))
            for job in jobs:
                await self.client.xadd(JOBS, encode_job(job, self.sealer))
        self._server = server

    def take(self, fields: Mapping[str, bytes | str]) -> bool:
        """Hand a result entry to the poll waiting for it; False if it was refused or
        nobody waits for it (a duplicate, or a job given up)."""
        try:
            delivery: Delivery = check(decode_result, fields)
        except BadMessage as err:
            self.refused += 1
            log.warning("refused a result from a worker: %s", err)
            return False
        waiting = self.waiting.get(delivery.job_id)
        if waiting is None or waiting[1].done():
            self.duplicates += 1
            log.info("result of job %s again (from %s): dropped", delivery.job_id, delivery.worker)
            return False
        job, done = waiting
        if delivery.result.source_url != job.request.source_url:
            self.refused += 1
            log.warning(
                "refused a result from %s: job %s polls %s, the result names %s",
                delivery.worker,
                job.id,
                job.request.source_url,
                delivery.result.source_url,
            )
            return False
        self.delivered += 1
        done.set_result(delivery.result)
        return True

    # --- heartbeat and stopping -----------------------------------------------------------

    async def _beat_forever(self) -> None:
        while not self._closing:
            record = {
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "beat": time.time(),
                "waiting": len(self.waiting),
                "delivered": self.delivered,
                "duplicates": self.duplicates,
                "refused": self.refused,
            }
            with contextlib.suppress(*UNREACHABLE):  # the reader reports the outage
                await self.client.set(SERVICE_BEAT, json.dumps(record), ex=int(BEAT_EVERY * 6))
            await asyncio.sleep(BEAT_EVERY)

    async def stop_when_idle(self) -> None:
        """Stop once no poll is in flight (an engine replaced by a reload)."""
        while self.waiting:
            await asyncio.wait([done for _, done in list(self.waiting.values())])
        await self.stop()

    async def stop(self) -> None:
        """End the polls in flight as cut short ("shutdown") and close the connection."""
        for job, done in list(self.waiting.values()):
            if not done.done():
                done.set_result(PollResult(job.request.source_url, reason="shutdown"))
        self._closing = True
        for task in (self._reader, self._beat):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._reader = self._beat = None
        self._closing = False
        await close(self.client)
        self.client = connect(self.url)  # run_once stops the engine, and may poll again
