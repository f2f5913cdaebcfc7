"""Extraction workers never outlive the service, and a worker stuck on a page is killed
and replaced: real worker processes, a real service SIGKILLed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psutil
import pytest
from slowpages import HANG_MARKER, slow_worker_pid, worker_pid

from crawler.pool import ExtractionPool
from newssite import NewsSite

pytestmark = pytest.mark.slow

PAGE = (
    b"<html><body><article><p>"
    + b"A sentence of the article. " * 40
    + b"</p></article></body></html>"
)


def test_sigkill_of_the_service_leaves_no_process_behind(
    tmp_path: Path, news_site: NewsSite, services
) -> None:
    news_site.publish_sample(3)
    config = tmp_path / "newsradar.toml"
    config.write_text(
        'database = "radar.db"\n[crawl]\ninterval = "1s"\nextract_workers = 2\n'
        f'[[source]]\nname = "Ledger"\nurl = "{news_site.rss_url}"\n'
    )
    service = services(config)
    process = psutil.Process(service.process.pid)

    def workers_started() -> bool:
        return len(process.children(recursive=True)) >= 3  # fork server and two workers

    service.wait_until(workers_started, timeout=60)
    descendants = process.children(recursive=True)
    service.kill()
    deadline = time.monotonic() + 5
    alive = descendants
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], [(p.pid, p.cmdline()[:3]) for p in alive]


def test_a_worker_stuck_on_a_page_is_killed_and_replaced() -> None:
    async def main() -> None:
        with ExtractionPool(1, extractor=worker_pid) as pool:

            async def extract(body: bytes, timeout: float = 20):
                return await pool.extract(
                    body, "http://127.0.0.1/a", "text/html", keep_html=False, timeout=timeout
                )

            first = int((await extract(PAGE)).skipped)
            stuck = await extract(PAGE + HANG_MARKER, timeout=2)
            assert stuck.skipped == "extraction took over 2s"
            assert stuck.extracted is None
            deadline = time.monotonic() + 5
            while psutil.pid_exists(first) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert not psutil.pid_exists(first)  # the stuck worker is gone...
            second = int((await extract(PAGE)).skipped)
            assert second != first  # ...and a new one extracts the next page

    asyncio.run(main())


def test_pages_held_by_a_killed_worker_are_extracted_again() -> None:
    async def main() -> None:
        with ExtractionPool(2, extractor=worker_pid) as pool:
            hung = pool.extract(
                PAGE + HANG_MARKER, "http://127.0.0.1/h", "text/html", keep_html=False, timeout=2
            )
            slow = [
                pool.extract(
                    PAGE, f"http://127.0.0.1/{i}", "text/html", keep_html=False, timeout=20
                )
                for i in range(4)
            ]
            results = await asyncio.gather(hung, *slow)
            assert results[0].skipped == "extraction took over 2s"
            assert all(r.skipped and r.skipped.isdigit() for r in results[1:]), results

    asyncio.run(main())


def test_a_page_timeout_counts_its_extraction_not_its_wait_for_a_worker() -> None:
    async def main() -> None:
        with ExtractionPool(1, extractor=slow_worker_pid) as pool:
            pages = [
                pool.extract(PAGE, f"http://127.0.0.1/{i}", "text/html", keep_html=False, timeout=2)
                for i in range(8)  # 4 s of work for one worker, 2 s allowed each
            ]
            results = await asyncio.gather(*pages)
            assert all(r.skipped and r.skipped.isdigit() for r in results), results
            assert len({r.skipped for r in results}) == 1  # one worker did them all

    asyncio.run(main())
