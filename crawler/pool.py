"""Article extraction off the event loop, in a process pool one owner holds.

trafilatura costs 5-30 ms of CPU per page, against about 2 ms for Scrapy to fetch
it. Run on the event loop, it would cap ingest at one core and make every other
source wait behind a slow page; in a ProcessPoolExecutor it uses every core and
the loop only awaits a future.

Whoever runs crawls owns one ``ExtractionPool`` and hands it to each spider (the
service holds one for its lifetime; a lone ``scrapy crawl`` gets one of its own,
see crawler.spiders.base). Worker processes start on the first page and come
from a fork server that has already imported trafilatura, so starting them
again is cheap.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from crawler.lifeline import tie_to_parent
from crawler.parse.extract import PageResult, extract_page

log = logging.getLogger(__name__)

MAX_RESTARTS = 3  # a pool that keeps dying (cannot start workers here): extract inline


def worker_count(setting: int | str | None) -> int:
    """Extraction workers for a setting: the number given (0: none, extract
    in-process), else one per core."""
    if setting in (None, ""):
        return os.cpu_count() or 1
    return int(setting)


def _context(extractor_module: str) -> multiprocessing.context.BaseContext:
    # A fork server forks workers from a clean single-threaded process (forking
    # the crawler itself, with its threads and sockets, is unsafe); preloading
    # crawler.parse.extract there imports trafilatura once, not once per worker,
    # and the extractor's own module (which may bring more) likewise.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The fork server ends with its parent however it dies (crawler.lifeline).
        preload = ["crawler.forkserver_preload", "crawler.parse.extract", extractor_module]
        context.set_forkserver_preload(list(dict.fromkeys(preload)))
        return context
    return multiprocessing.get_context()


class ExtractionPool:
    """Extraction worker processes shared by every crawl handed this pool.

    ``workers`` = 0 extracts in the calling process. The workers start with the
    first page and stop at ``close()``; the pool can be used as a context manager.
    Each worker ends when the process that owns the pool does, even by SIGKILL.
    ``extractor`` replaces crawler.parse.extract.extract_page (an importable
    function with its signature), for tests.
    """

    def __init__(
        self, workers: int, *, extractor: Callable[..., PageResult] = extract_page
    ) -> None:
        self.workers = workers
        self.extractor = extractor
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._broken = 0
        # Executors whose workers were killed on purpose (one was stuck on a page).
        self._killed: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
        # Pages handed to the workers at once: two each (one extracted, one ready to
        # go), so that a page's timeout counts its extraction and at most one page's
        # wait, not its wait behind hundreds of others.
        self._slots = asyncio.Semaphore(max(2 * workers, 1))
        self._closed = False

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers; pages extracted after this run in the calling process."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _current(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._closed or self.workers <= 0 or self._broken >= MAX_RESTARTS:
                return None
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=_context(self.extractor.__module__),
                    initializer=tie_to_parent,
                )
            return self._executor

    def _replace_broken(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is not broken:
                return  # another page already replaced it
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = None  # the next page starts a new one
            self._broken += 1
            if self._broken >= MAX_RESTARTS:
                log.error("extraction workers keep dying; extracting in this process from now on")

    def _kill_stuck(self, stuck: ProcessPoolExecutor) -> None:
        """Kill the workers of ``stuck`` (one of them is stuck on a page) and start anew.

        Which worker holds the page is not known, so all of them go; the other pages
        they held are extracted again on the new ones (see ``extract``).
        """
        with self._lock:
            if self._executor is stuck:
                self._executor = None
            self._killed.add(stuck)
        processes = list((getattr(stuck, "_processes", None) or {}).values())
        for process in processes:
            if process.is_alive():
                process.kill()
        stuck.shutdown(wait=False, cancel_futures=True)

    async def extract(
        self, body: bytes, url: str, content_type: str | None, *, keep_html: bool, timeout: float
    ) -> PageResult:
        """Extract a page in the pool (or inline without one); never raises.

        A page whose extraction takes longer than ``timeout`` seconds is given up and
        its worker killed (a worker stuck in a C parser cannot be interrupted); a
        worker that dies (out of memory, a crash in a C library) costs that page
        only: the pool is replaced.
        """
        for _ in range(2):  # a page whose worker was killed for another page: once more
            async with self._slots:
                executor = self._current()
                if executor is None:
                    return self._inline(body, url, content_type, keep_html)
                result = await self._in_pool(executor, body, url, content_type, keep_html, timeout)
            if result is not None:
                return result
        return PageResult(skipped="extraction worker killed")

    def _inline(
        self, body: bytes, url: str, content_type: str | None, keep_html: bool
    ) -> PageResult:
        try:
            return self.extractor(body, url, content_type, keep_html)
        except Exception as err:  # a bug in a parser must cost one page, not the crawl
            log.warning("extraction of %s failed: %s", url, err)
            return PageResult(skipped=f"extraction failed: {type(err).__name__}")

    async def _in_pool(
        self,
        executor: ProcessPoolExecutor,
        body: bytes,
        url: str,
        content_type: str | None,
        keep_html: bool,
        timeout: float,
    ) -> PageResult | None:
        """Extract in ``executor``; None when its workers were killed for another page."""
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(
                executor, self.extractor, body, url, content_type, keep_html
            )
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            log.warning("extraction of %s took over %gs; its worker is killed", url, timeout)
            self._kill_stuck(executor)
            return PageResult(skipped=f"extraction took over {timeout:g}s")
        except BrokenProcessPool:
            if executor in self._killed:
                return None
            log.warning("extraction worker died on %s; restarting the pool", url)
            self._replace_broken(executor)
            return PageResult(skipped="extraction worker died")
        except RuntimeError as err:  # the pool was shut down while this page waited
            if executor in self._killed:
                return None
            return PageResult(skipped=f"extraction cancelled: {err}")
        except Exception as err:
            log.warning("extraction of %s failed: %s", url, err)
            return PageResult(skipped=f"extraction failed: {type(err).__name__}")
