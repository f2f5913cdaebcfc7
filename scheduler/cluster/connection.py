"""How the service and the workers reach Redis, and wait for it when it is away.

redis-py retries a command a few times with exponential backoff on its own; past
that a ConnectionError reaches the caller, whose loop waits (``Backoff``) and
carries on: Redis restarting or unreachable for a minute stops no process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import redis.asyncio as aioredis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from scheduler.cluster.queue import JOBS, RESULTS, SERVICE_GROUP, WORKERS_GROUP, ClusterError

# Errors that mean "Redis is away", as opposed to a command Redis refused.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
BACKOFF_CAP = 10.0
MAX_CONNECTIONS = 32


def connect(url: str) -> aioredis.Redis:
    """A client for the Redis at ``url`` (redis://[:password@]host[:port][/db])."""
    try:
        # Polls in flight share a few connections, waiting for one rather than failing.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=None,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
            socket_connect_timeout=5,
            socket_timeout=15,  # longer than any blocking read (1 s)
            health_check_interval=15,
        )
        return aioredis.Redis(connection_pool=pool)
    except ValueError as err:
        raise ClusterError(f"bad Redis URL: {err}") from None


async def ensure_groups(client: aioredis.Redis) -> None:
    """Create both streams and their consumer groups if Redis has lost them (a
    first start, or a restart without persistence)."""
    for stream, group in ((JOBS, WORKERS_GROUP), (RESULTS, SERVICE_GROUP)):
        try:
            await client.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise


async def server_id(client: aioredis.Redis) -> str:
    """The running Redis server's run id: it changes when Redis restarts."""
    info = await client.info("server")
    return str(info.get("run_id", ""))


class Backoff:
    """Waits between attempts to reach Redis: 0.5 s, doubling to 10 s; reset on success."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what
        self.delay = 0.0
        self.failing_since: float | None = None

    @property
    def failing(self) -> bool:
        """Whether the last attempt failed."""
        return self.failing_since is not None

    async def wait(self, err: BaseException) -> None:
        """Log why Redis could not be used (once per outage, then quietly) and wait."""
        loop = asyncio.get_running_loop()
        if self.failing_since is None:
            self.failing_since = loop.time()
            self.log.warning("%s: Redis unreachable (%s); retrying with backoff", self.what, err)
        self.delay = min(max(self.delay * 2, 0.5), BACKOFF_CAP)
        await asyncio.sleep(self.delay)

    def succeeded(self) -> None:
        """Redis answered: say so if it had been away."""
        if self.failing_since is not None:
            away = asyncio.get_running_loop().time() - self.failing_since
            self.log.warning("%s: Redis reachable again after %.0fs", self.what, away)
        self.failing_since = None
        self.delay = 0.0


def describe(err: RedisError | OSError) -> str:
    """An error from Redis in words, without anything of the URL."""
    return f"{type(err).__name__}: {err}"


async def close(client: Any) -> None:
    """Close ``client``, whatever state its connections are in."""
    with contextlib.suppress(RedisError, OSError):
        await client.aclose()
