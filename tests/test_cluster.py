"""Fetch workers through a real redis-server: one worker per job, a dead worker's job
taken over after the lease, a result delivered twice taken once, validators that
travel, politeness per site across workers, Redis restarting, and passwords kept out
of logs, status and the database."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from authfeed import AuthFeed, serving
from cryptography.fernet import Fernet

from conftest import newsradar
from crawler import store
from crawler.poll import PollRequest, PollResult
from newssite import NewsSite
from redisserver import RedisServer
from scheduler.cluster import replies
from scheduler.cluster.queue import (
    EARLIER_RUNS,
    JOBS,
    RESULTS,
    SITE_LOCK,
    WORKERS_GROUP,
    Job,
    Sealer,
    decode_job,
    decode_result,
    encode_job,
    encode_result,
    new_job_id,
)
from scheduler.cluster.remote import RemoteEngine
from scheduler.cluster.replies import read_group
from scheduler.cluster.status import cluster_status
from scheduler.cluster.worker import Worker
from scheduler.config import Config

pytestmark = pytest.mark.slow


class SlowSite(NewsSite):
    """A news site that answers every request after ``delay`` seconds and counts how
    many requests, and how many distinct user agents (one per worker), it was
    answering at once."""

    def __init__(self, delay: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delay = delay
        self.active: dict[str, int] = {}  # user agent -> requests being answered
        self.most_active = 0
        self.most_agents = 0
        self._count = threading.Lock()

    def _record(self, record: Any) -> None:
        agent = record.headers.get("User-Agent", "")
        with self._count:
            self.active[agent] = self.active.get(agent, 0) + 1
            self.most_active = max(self.most_active, sum(self.active.values()))
            self.most_agents = max(self.most_agents, len(self.active))
        try:
            time.sleep(self.delay)  # the answer is held back while counted
            super()._record(record)
        finally:
            with self._count:
                self.active[agent] -= 1
                if not self.active[agent]:
                    del self.active[agent]


def cluster_config(
    path: Path,
    sources: list[str],
    *,
    lease: str = "2s",
    agent: str | None = None,
    max_deliveries: int = 3,
    secret: bool = False,
) -> Path:
    lines = [
        'database = "newsradar.db"',
        "[cluster]",
        'redis = "${REDIS_URL}"',
        f'lease = "{lease}"',
        'job_timeout = "90s"',
        f"max_deliveries = {max_deliveries}",
        *(['secret = "${NEWSRADAR_CLUSTER_SECRET}"'] if secret else []),
        "[crawl]",
        "extract_workers = 0",
        "per_domain = 2",
        "autothrottle = false",
    ]
    if agent is not None:
        lines.append(f'user_agent = "{agent}"')
    for number, url in enumerate(sources):
        lines += ["[[source]]", f'name = "source {number}"', f'url = "{url}"', 'kind = "feed"']
    path.write_text("\n".join(lines) + "\n")
    return path


class Workers:
    """`newsradar worker` processes, each logging to its own file."""

    def __init__(self, config: Path, redis_url: str) -> None:
        self.config = config
        self.env = {**os.environ, "REDIS_URL": redis_url}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.lease = "2s"

    def start(self, *args: str, agent: str | None = None) -> subprocess.Popen[bytes]:
        """Start a worker; with ``agent``, its own config fetching as that user agent."""
        number = len(self.processes)
        log = (self.config.parent / f"worker{number}.log").open("ab")
        config = self.config
        if agent is not None:
            config = cluster_config(
                self.config.parent / f"worker{number}.toml", [], lease=self.lease, agent=agent
            )
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "worker", "-c", str(config), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "".join(p.read_text() for p in sorted(self.config.parent.glob("worker*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path: Path, redis_server: RedisServer) -> Iterator[Workers]:
    pool = Workers(tmp_path / "newsradar.toml", redis_server.url)
    yield pool
    pool.stop()


def poll_all(url: str, db_path: Path, requests: list[PollRequest], timeout: float = 60) -> Any:
    """Run ``requests`` through a RemoteEngine at once; their results, and the engine."""

    async def main() -> Any:
        db = store.open_db(db_path)
        engine = RemoteEngine(url, db, job_timeout=timeout)
        try:
            results = await asyncio.gather(*(engine.poll(r) for r in requests))
        finally:
            await engine.stop()
            db.close()
        return results, engine

    return asyncio.run(main())


def test_a_service_polls_through_a_worker_and_validators_travel(
    tmp_path: Path, redis_server: RedisServer, workers: Workers, news_site: NewsSite
) -> None:
    news_site.publish_sample(3)
    config = cluster_config(tmp_path / "newsradar.toml", [news_site.rss_url])
    workers.start()
    env = {"REDIS_URL": redis_server.url}
    first = newsradar("run", "--once", "-c", str(config), env=env)
    assert first.returncode == 0, first.stderr
    assert "3 new articles" in first.stderr
    news_site.clear_requests()
    second = newsradar("run", "--once", "-c", str(config), env=env)
    assert second.returncode == 0, second.stderr
    assert "0 new articles" in second.stderr
    # The worker sent the validators the first poll saved: a 304, and no article refetched.
    assert [(r.path, r.status) for r in news_site.request_log] == [("/feeds/rss.xml", 304)]
    db = store.open_db(tmp_path / "newsradar.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    db.close()
    # The password is in none of the logs, nor anywhere in the database file.
    password = redis_server.password
    assert password not in first.stderr + second.stderr + workers.logs()
    assert password.encode() not in (tmp_path / "newsradar.db").read_bytes()
    assert "redis://:***@127.0.0.1" in workers.logs()


def test_each_job_goes_to_one_worker_and_sites_see_one_worker_at_a_time(
    tmp_path: Path, redis_server: RedisServer, workers: Workers
) -> None:
    sites = [SlowSite(delay=0.2).start() for _ in range(2)]
    try:
        for site in sites:
            site.publish_sample(4)
        feeds = [
            site.rss_url if n % 2 else site.atom_url for site in sites for n in range(4)
        ]  # four sources on each site
        # A lease longer than a cold worker's start: no job is taken over from a live one.
        workers.lease = "15s"
        for number in range(3):
            workers.start("--concurrency", "4", agent=f"newsradar-worker-{number}")
        results, engine = poll_all(
            redis_server.url, tmp_path / "n.db", [PollRequest(url, "feed") for url in feeds]
        )
        assert [r.error for r in results] == [None] * len(feeds)
        assert all(len(r.articles) == 4 for r in results)
        assert engine.duplicates == 0
        for site in sites:
            feed_requests = [r for r in site.request_log if r.path.startswith("/feeds/")]
            assert len(feed_requests) == 4  # each job polled once, by one worker
            # One worker at a time per site (the Redis site lock).
            assert site.most_agents == 1
        # Every worker took part.
        agents = {r.headers["User-Agent"] for site in sites for r in site.request_log}
        assert len(agents) >= 2
    finally:
        for site in sites:
            site.stop()


def test_a_result_delivered_twice_is_taken_once_and_a_hostile_one_is_refused(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    feed = "http://127.0.0.1:9/feed.xml"
    client = redis.Redis.from_url(redis_server.url)

    async def main() -> Any:
        db = store.open_db(tmp_path / "n.db")
        engine = RemoteEngine(redis_server.url, db, job_timeout=30)
        poll = asyncio.create_task(engine.poll(PollRequest(feed, "feed")))
        while not client.exists(JOBS) or not client.xlen(JOBS):
            await asyncio.sleep(0.05)
        # Act as a worker by hand: read the job, answer it badly, then twice.
        [entry] = read_group(client.xreadgroup(WORKERS_GROUP, "by-hand", {JOBS: ">"}, count=1))
        job = decode_job(entry.fields)
        other = PollResult("http://127.0.0.1:9/another-source.xml", answered=True)
        client.xadd(RESULTS, encode_result(job.id, "by-hand", other))
        client.xadd(RESULTS, {"result": '{"job": "' + job.id + '", "sql": "DROP TABLE"}'})
        answer = PollResult(feed, answered=True, entries=1)
        client.xadd(RESULTS, encode_result(job.id, "by-hand", answer))
        client.xadd(RESULTS, encode_result(job.id, "by-hand", answer))
        result = await asyncio.wait_for(poll, 20)
        await asyncio.sleep(1.5)  # the second copy is read and dropped
        await engine.stop()
        db.close()
        return result, engine

    result, engine = asyncio.run(main())
    assert result.entries == 1 and result.source_url == feed
    assert engine.delivered == 1
    assert engine.duplicates == 1
    assert engine.refused == 2  # another source's result, and one that breaks the schema
    assert client.xlen(RESULTS) == 0  # every result entry acknowledged and deleted


def test_a_worker_killed_mid_job_has_its_job_taken_over_after_the_lease(
    tmp_path: Path, redis_server: RedisServer, workers: Workers
) -> None:
    site = SlowSite(delay=1.5).start()
    try:
        site.publish_sample(4)
        cluster_config(tmp_path / "newsradar.toml", [], lease="3s")
        first = workers.start()
        outcome: dict[str, Any] = {}

        def service() -> None:
            outcome["results"] = poll_all(
                redis_server.url, tmp_path / "n.db", [PollRequest(site.rss_url, "feed")], 90
            )

        thread = threading.Thread(target=service)
        thread.start()
        deadline = time.monotonic() + 60
        while not any(r.path.startswith("/news/") for r in site.request_log):
            assert time.monotonic() < deadline, "the worker never started the poll"
            time.sleep(0.1)
        first.kill()  # SIGKILL mid-crawl: its job stays pending under its name
        first.wait()
        killed_at = time.monotonic()
        workers.start()
        thread.join(90)
        results, _engine = outcome["results"]
        assert results[0].error is None
        assert len(results[0].articles) == 4
        assert time.monotonic() - killed_at >= 3  # not before the lease ran out
        assert "took over 1 jobs" in workers.logs()
    finally:
        site.stop()


def _holder(client: redis.Redis) -> str | None:
    """The consumer (worker name: host:pid:tail) holding the one pending job, if any."""
    try:
        held = replies.pending(client.xpending_range(JOBS, WORKERS_GROUP, "-", "+", 10))
    except redis.ResponseError:  # no stream or group yet
        return None
    return held[0].consumer if held else None


def test_a_job_that_kills_every_worker_is_given_up_after_max_deliveries(
    tmp_path: Path, redis_server: RedisServer, workers: Workers
) -> None:
    # Each worker that takes the poll dies holding it (SIGKILL, as a crash in the parser
    # or the kernel's OOM killer would): Redis counts the deliveries, and once a job has
    # been handed out max_deliveries times it is answered as failed, not run again.
    site = SlowSite(delay=10.0).start()
    try:
        site.publish_sample(1)
        config = cluster_config(
            tmp_path / "newsradar.toml", [site.rss_url], lease="1s", max_deliveries=2
        )
        service = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run", "--once", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=workers.env,
        )
        client = redis.Redis.from_url(redis_server.url)
        killed = []
        for _ in range(2):
            worker = workers.start()
            deadline = time.monotonic() + 60
            while (holder := _holder(client)) is None or f":{worker.pid}:" not in holder:
                assert time.monotonic() < deadline, workers.logs()
                time.sleep(0.02)
            worker.kill()
            worker.wait()
            killed.append(holder)
        last = workers.start()  # it claims the job a third time: past the cap
        output, _ = service.communicate(timeout=90)
        assert "job delivered 2 times without a result" in output, output
        assert "job delivered 2 times without a result" in workers.logs()
        assert len(set(killed)) == 2
        assert client.xlen(JOBS) == 0 and _holder(client) is None  # acknowledged, and gone
        db = store.open_db(tmp_path / "newsradar.db")
        (source,) = db.execute(
            "SELECT consecutive_failures, last_error FROM sources WHERE url = ?", [site.rss_url]
        ).fetchall()
        assert source[0] == 1 and "delivered 2 times" in source[1]
        (run,) = db.execute("SELECT error FROM runs").fetchall()
        assert "delivered 2 times without a result" in run[0]
        db.close()
        # status names the worker that gave the job up (from its next heartbeat).
        deadline = time.monotonic() + 10
        while "1 jobs given up" not in "\n".join(cluster_status(redis_server.url)[0]):
            assert time.monotonic() < deadline, cluster_status(redis_server.url)
            time.sleep(0.1)
        # The source is not poisoned for good: its next poll runs, on the live worker.
        site.delay = 0.0
        again = newsradar("run", "--once", "-c", str(config), env=workers.env)
        assert "1 new articles" in again.stderr, again.stderr
        assert last.poll() is None
    finally:
        site.stop()


class _RecordingEngine:
    """Stands for the crawl engine in an in-process Worker: records what it is asked to poll."""

    def __init__(self) -> None:
        self.polled: list[str] = []
        self.credentials: list[tuple[str, str] | None] = []

    async def poll(self, request: PollRequest) -> PollResult:
        self.polled.append(request.source_url)
        self.credentials.append(request.credentials)
        return PollResult(request.source_url, answered=True)

    async def stop(self) -> None:
        pass


def test_a_job_put_back_for_a_busy_site_keeps_its_count_of_runs(
    redis_server: RedisServer,
) -> None:
    # A requeued job is a new entry, with a new delivery count in Redis: the runs the old
    # entry saw travel with it, so a poison job on a busy site still reaches the cap.
    client = redis.Redis.from_url(redis_server.url)
    client.xgroup_create(JOBS, WORKERS_GROUP, id="0", mkstream=True)
    feed = "http://127.0.0.1:9/feed.xml"
    job = Job(new_job_id(), PollRequest(feed, "feed"), time.time() + 600, "127.0.0.1:9")
    client.xadd(JOBS, encode_job(job))
    engine = _RecordingEngine()

    def entries() -> list[replies.Entry]:
        return replies.entries(client.xrange(JOBS), "XRANGE")

    async def run_worker_until(done: Any) -> None:
        worker = Worker(redis_server.url, Config(), lease=0.5, max_deliveries=2, engine=engine)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        deadline = time.monotonic() + 30
        while not done():
            assert time.monotonic() < deadline and not task.done()
            await asyncio.sleep(0.05)
        stop.set()
        await task

    async def main() -> None:
        client.xreadgroup(WORKERS_GROUP, "died-1", {JOBS: ">"}, count=1)  # run 1: no result
        client.set(SITE_LOCK + job.slot, "another-worker", px=60_000)
        # Claimed after the lease, but the site is busy: back in the queue, with one run.
        await run_worker_until(lambda: [e.fields.get(EARLIER_RUNS) for e in entries()] == [b"1"])
        client.xreadgroup(WORKERS_GROUP, "died-2", {JOBS: ">"}, count=1)  # run 2: no result
        client.delete(SITE_LOCK + job.slot)
        await run_worker_until(lambda: client.xlen(RESULTS) > 0)

    asyncio.run(main())
    (entry,) = replies.entries(client.xrange(RESULTS), "XRANGE")
    delivery = decode_result(entry.fields)
    assert delivery.job_id == job.id
    assert delivery.result.error == "job delivered 2 times without a result"
    assert engine.polled == []  # never run a third time
    assert entries() == []


def test_a_worker_opens_sealed_credentials_only_with_the_services_secret(
    redis_server: RedisServer,
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    secret = Fernet.generate_key().decode()
    feed = "http://127.0.0.1:9/feed.xml"
    request = PollRequest(feed, "feed", credentials=("reader", "pa55"))
    outcomes = {}
    for label, worker_secret in (
        ("none", None),
        ("another", Fernet.generate_key().decode()),
        ("same", secret),
    ):
        job = Job(new_job_id(), request, time.time() + 600, f"site-{label}")
        client.xadd(JOBS, encode_job(job, Sealer(secret)))
        engine = _RecordingEngine()

        async def main(worker_secret: str | None = worker_secret, engine: Any = engine) -> None:
            worker = Worker(redis_server.url, Config(), secret=worker_secret, engine=engine)
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop))
            deadline = time.monotonic() + 30
            while not client.xlen(RESULTS):
                assert time.monotonic() < deadline and not task.done()
                await asyncio.sleep(0.05)
            stop.set()
            await task

        asyncio.run(main())
        (entry,) = replies.entries(client.xrange(RESULTS), "XRANGE")
        client.delete(RESULTS)
        outcomes[label] = (decode_result(entry.fields).result.error, engine.credentials)
    assert outcomes["none"] == (
        "the job's credentials are sealed and this worker has no [cluster] secret",
        [],
    )
    assert "do not open with this worker's [cluster] secret" in outcomes["another"][0]
    assert outcomes["another"][1] == []  # not polled without them
    assert outcomes["same"] == (None, [("reader", "pa55")])


READER, PASSWORD = "reader", "feed-pa55:word"


@pytest.fixture
def auth_feed() -> Iterator[AuthFeed]:
    """A feed behind basic auth on 127.0.0.1, answered only once its gate is set, so
    the poll's job stays in Redis while the test looks."""
    with serving(READER, PASSWORD, gated=True) as feed:
        yield feed


def redis_dump(server: RedisServer) -> str:
    """Every key in Redis and all it holds, as redis-cli shows it (--scan, then XRANGE,
    HGETALL or GET by type)."""
    env = {**os.environ, "REDISCLI_AUTH": server.password}

    def cli(*args: str) -> str:
        command = ["redis-cli", "-p", str(server.port), "--no-auth-warning", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout

    dump = []
    for key in cli("--scan").split():
        kind = cli("TYPE", key).strip()
        read = {"stream": ("XRANGE", key, "-", "+"), "hash": ("HGETALL", key)}.get(
            kind, ("GET", key)
        )
        dump.append(f"{key} ({kind}):\n{cli(*read)}")
    return "\n".join(dump)


def test_credentials_cross_redis_sealed_and_the_worker_still_sends_basic_auth(
    tmp_path: Path, redis_server: RedisServer, workers: Workers, auth_feed: AuthFeed
) -> None:
    source = f"http://{READER}:{PASSWORD.replace(':', '%3A')}@{auth_feed.address}/feed.xml"
    secret = Fernet.generate_key().decode()
    # Without a secret, check refuses the config in one line naming the key.
    config = cluster_config(tmp_path / "newsradar.toml", [source])
    refused = newsradar("check", "-c", str(config), env={"REDIS_URL": redis_server.url})
    assert refused.returncode == 1
    assert "[cluster], key 'secret': is required" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    config = cluster_config(tmp_path / "newsradar.toml", [source], secret=True)
    workers.env["NEWSRADAR_CLUSTER_SECRET"] = secret
    checked = newsradar("check", "-c", str(config), env=workers.env)
    assert checked.returncode == 0, checked.stderr
    workers.start()
    service = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "run", "--once", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=workers.env,
    )
    deadline = time.monotonic() + 60
    while not any(path == "/feed.xml" and auth for path, auth in auth_feed.seen):
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.05)
    # The worker is fetching with the credentials; the job is still in Redis: dump it all.
    dump = redis_dump(redis_server)
    auth_feed.gate.set()
    output, _ = service.communicate(timeout=90)
    assert "1 new articles" in output, output
    assert "newsradar:jobs (stream)" in dump and '"sealed":"' in dump, dump
    basic = base64.b64encode(f"{READER}:{PASSWORD}".encode()).decode()
    for secret_text in (PASSWORD, PASSWORD.replace(":", "%3A"), basic):
        assert secret_text not in dump
    assert f"{READER}:" not in dump
    # Basic auth reached the feed's own host, from the worker.
    assert {path for path, auth in auth_feed.seen if auth} >= {"/feed.xml", "/news/doha"}
    # Neither the secret nor the password is in logs, status, check's output or the database.
    status = "\n".join(cluster_status(redis_server.url)[0])
    database = b"".join(path.read_bytes() for path in tmp_path.glob("newsradar.db*"))
    for text in (output, workers.logs(), status, checked.stdout + checked.stderr):
        assert secret not in text and PASSWORD not in text
    assert secret.encode() not in database and PASSWORD.encode() not in database


def test_redis_restarting_loses_no_job_and_status_says_what_happens(
    tmp_path: Path, redis_server: RedisServer, workers: Workers, news_site: NewsSite
) -> None:
    news_site.publish_sample(2)
    config = cluster_config(tmp_path / "newsradar.toml", [])
    outcome: dict[str, Any] = {}

    def service() -> None:
        outcome["results"] = poll_all(
            redis_server.url, tmp_path / "n.db", [PollRequest(news_site.rss_url, "feed")], 90
        )

    thread = threading.Thread(target=service)
    thread.start()
    deadline = time.monotonic() + 20
    client = redis.Redis.from_url(redis_server.url)
    while not client.exists(JOBS):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Redis goes away with the job in it (no persistence): it comes back empty.
    redis_server.restart(downtime=3)
    worker = workers.start()
    thread.join(60)
    results, _engine = outcome["results"]
    assert results[0].error is None and len(results[0].articles) == 2
    # The worker lives through a second outage and says so.
    redis_server.restart(downtime=2)
    deadline = time.monotonic() + 30
    while "reachable again" not in workers.logs():
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.2)
    assert worker.poll() is None
    # status (the service's database, then the cluster) lists the live worker.
    db = store.open_db(tmp_path / "newsradar.db")
    store.service_started(db, os.getpid(), str(config))
    db.close()
    env = {"REDIS_URL": redis_server.url}
    deadline = time.monotonic() + 30
    while True:
        status = newsradar("status", "-c", str(config), env=env)
        if "1 live workers" in status.stdout or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "1 live workers" in status.stdout, status.stdout
    assert "heartbeat" in status.stdout
    assert redis_server.password not in status.stdout + status.stderr
    redis_server.stop()
    down = newsradar("status", "-c", str(config), env=env)
    assert "unreachable" in down.stdout and down.returncode == 1
    assert redis_server.password not in down.stdout + down.stderr
