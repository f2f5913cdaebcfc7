"""The service, Redis and three workers on loopback while three sites publish: one
worker is SIGKILLed holding a job and Redis restarts once (empty: no persistence);
every article is stored once, every alert delivered once, and no source starves."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import redis
from test_cluster import Workers

from newssite import NewsSite
from receivers import WebhookReceiver
from redisserver import RedisServer
from scheduler.cluster.queue import JOBS, WORKERS_GROUP

pytestmark = pytest.mark.slow

PER_SITE = 6


def _holding_a_job(client: redis.Redis, pid: int) -> bool:
    try:
        pending = client.xpending_range(JOBS, WORKERS_GROUP, "-", "+", 100)
    except redis.RedisError:
        return False
    return any(f":{pid}:" in entry["consumer"].decode() for entry in pending)


def test_a_killed_worker_and_a_redis_restart_lose_and_repeat_nothing(
    tmp_path: Path,
    redis_server: RedisServer,
    webhook: WebhookReceiver,
    services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    sites = [NewsSite(f"Site {n}").start() for n in range(3)]
    try:
        config = tmp_path / "newsradar.toml"
        text = (
            'database = "radar.db"\n[cluster]\nredis = "${REDIS_URL}"\nlease = "3s"\n'
            'job_timeout = "30s"\n[crawl]\ninterval = "1s"\nextract_workers = 0\n'
            '[delivery]\nretry_after = "1s"\nretry_max = "2s"\n'
            '[[entity]]\nid = "taliban"\nname = "Taliban"\nkind = "group"\n'
            f'[[alert]]\nurl = "{webhook.apprise_url()}"\n'
        )
        expected, urls = set(), set()
        for n, site in enumerate(sites):
            text += f'[[source]]\nname = "site {n}"\nurl = "{site.rss_url}"\nkind = "feed"\n'
            for i in range(PER_SITE):
                title = f"Taliban report {n}-{i}" if i % 2 == 0 else f"Weather {n}-{i}"
                body = "The Taliban said talks continue." if i % 2 == 0 else "Rain is due."
                site.schedule(2.0 + 2 * i, f"story-{i}", title, [body, "More details followed."])
                urls.add(site.article_url(f"story-{i}"))
                if i % 2 == 0:
                    expected.add(f"Taliban: {title}")
        config.write_text(text)
        workers = Workers(config, redis_server.url)
        try:
            victim = workers.start()
            workers.start()
            workers.start()
            service = services(config)
            client = redis.Redis.from_url(redis_server.url)
            deadline = time.monotonic() + 60
            while not _holding_a_job(client, victim.pid):
                assert time.monotonic() < deadline, service.log
                time.sleep(0.02)
            victim.kill()  # SIGKILL with a job in hand: it must be taken over
            while "took over" not in workers.logs():  # after the lease (3 s)
                assert time.monotonic() < deadline, workers.logs()
                time.sleep(0.2)
            redis_server.restart(downtime=2)  # every stream and lock in it is lost
            restarted = time.time()
            deadline = time.monotonic() + 120
            while {r["json"]["title"] for r in webhook.requests} != expected:
                assert time.monotonic() < deadline, (sorted(expected), service.log)
                time.sleep(0.3)
            time.sleep(4)  # more polls and dispatcher passes: nothing new may be sent
            assert service.stop() == 0, service.log
        finally:
            workers.stop()
        titles = [r["json"]["title"] for r in webhook.requests]
        assert sorted(titles) == sorted(expected)  # each alert once
        conn = sqlite3.connect(tmp_path / "radar.db")
        stored = [row[0] for row in conn.execute("SELECT url FROM articles")]
        assert sorted(stored) == sorted(urls)  # each article once
        # No source starved: each was polled successfully many times after the restart.
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(restarted))
        polls = dict(
            conn.execute(
                "SELECT sources.name, count(*) FROM runs JOIN sources ON sources.id = "
                "runs.source_id WHERE runs.error IS NULL AND runs.finished >= ? "
                "GROUP BY sources.name",
                [since],
            )
        )
        assert set(polls) == {f"site {n}" for n in range(3)}, polls
        assert min(polls.values()) >= 2, polls
        # And over the whole run, no source got less than half the polls of another.
        total = [
            count
            for (count,) in conn.execute(
                "SELECT count(*) FROM runs WHERE error IS NULL GROUP BY source_id"
            )
        ]
        assert len(total) == 3 and min(total) * 2 >= max(total), total
        assert "took over" in workers.logs()
        assert "Redis restarted" in service.log or "reachable again" in service.log
        assert redis_server.password not in service.log + workers.logs()
    finally:
        for site in sites:
            site.stop()
