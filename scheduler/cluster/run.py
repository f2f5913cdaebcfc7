"""Run a fetch worker in this process until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal

import redis
from redis.exceptions import AuthenticationError, RedisError, ResponseError

from scheduler.cluster.queue import ClusterError, mask_url
from scheduler.config import Config


def check_credentials(url: str) -> None:
    """ClusterError if the Redis at ``url`` refuses its password (or the URL is bad)."""
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5) as client:
            client.ping()
    except (AuthenticationError, ResponseError) as err:
        if "NOAUTH" in str(err) or isinstance(err, AuthenticationError) or "WRONGPASS" in str(err):
            raise ClusterError(f"Redis at {mask_url(url)} refused the login: {err}") from None
        raise
    except ValueError as err:
        raise ClusterError(f"bad Redis URL: {err}") from None
    except (RedisError, OSError):
        pass  # not reachable yet: the worker waits for it


def run_worker(
    url: str,
    config: Config,
    *,
    concurrency: int = 16,
    lease: float = 60.0,
    max_deliveries: int = 3,
    secret: str | None = None,
    name: str | None = None,
) -> None:
    """Take jobs from the Redis at ``url`` on Scrapy's asyncio reactor until a signal.

    A refused password is ClusterError at once; Redis merely unreachable is waited for.
    """
    check_credentials(url)
    from scheduler.cluster.worker import Worker
    from scheduler.crawl import run_in_reactor

    async def main() -> None:
        worker = Worker(
            url,
            config,
            concurrency=concurrency,
            lease=lease,
            max_deliveries=max_deliveries,
            secret=secret,
            name=name,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await worker.run(stop)

    run_in_reactor(main)
