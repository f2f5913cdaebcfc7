"""Run a fetch worker in this process until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal

from scheduler.config import Config


def run_worker(
    url: str,
    config: Config,
    *,
    concurrency: int = 16,
    lease: float = 60.0,
    name: str | None = None,
) -> None:
    """Take jobs from the Redis at ``url`` on Scrapy's asyncio reactor until a signal."""
    from scheduler.cluster.worker import Worker
    from scheduler.crawl import run_in_reactor

    async def main() -> None:
        worker = Worker(url, config, concurrency=concurrency, lease=lease, name=name)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await worker.run(stop)

    run_in_reactor(main)
