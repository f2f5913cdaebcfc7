"""Article extraction in a process pool shared by every crawl of this process.

trafilatura costs 5-30 ms of CPU per page, against about 2 ms for Scrapy to fetch
it. Run on the event loop, it would cap ingest at one core and make every other
source wait behind a slow page; in a ProcessPoolExecutor it uses every core and
the loop only awaits a future. The pool is created when the first crawl opens
and shut down when the last one closes (``ExtractionPool`` in crawler.extensions
counts them); its workers come from a fork server that has already imported
trafilatura, so starting them again is cheap.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from crawler.parse.extract import PageResult, extract_page

log = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ProcessPoolExecutor | None = None
_workers = 0
_users = 0


def worker_count(setting: int | str | None) -> int:
    """Extraction workers for a setting: the number given (0: none, extract
    in-process), else one per core."""
    if setting in (None, ""):
        return os.cpu_count() or 1
    return int(setting)


def _context() -> multiprocessing.context.BaseContext:
    # A fork server forks workers from a clean single-threaded process (forking
    # the crawler itself, with its threads and sockets, is unsafe); preloading
    # crawler.parse.extract there imports trafilatura once, not once per worker.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawler.parse.extract"])
        return context
    return multiprocessing.get_context()


def acquire(workers: int) -> None:
    """Register a crawl that will extract pages; start the pool if it is the first.

    ``workers`` = 0 extracts in the calling process (no pool).
    """
    global _executor, _workers, _users
    with _lock:
        _users += 1
        if workers > 0 and _executor is None and _broken < MAX_RESTARTS:
            _executor = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
            _workers = workers


def release() -> None:
    """Unregister a crawl; shut the pool down when no crawl uses it any more."""
    global _executor, _users
    with _lock:
        _users = max(_users - 1, 0)
        if _users == 0 and _executor is not None:
            executor, _executor = _executor, None
            executor.shutdown(wait=False, cancel_futures=True)


def _current() -> Executor | None:
    with _lock:
        return _executor


_broken = 0
MAX_RESTARTS = 3  # a pool that keeps dying (cannot start workers here): extract inline


def _replace_broken(broken: Executor) -> None:
    global _executor, _broken
    with _lock:
        if _executor is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            _broken += 1
            if _broken >= MAX_RESTARTS:
                log.error("extraction workers keep dying; extracting in this process from now on")
                _executor = None
            else:
                _executor = ProcessPoolExecutor(max_workers=_workers, mp_context=_context())


async def extract(
    body: bytes, url: str, content_type: str | None, *, keep_html: bool, timeout: float
) -> PageResult:
    """Extract a page in the pool (or inline without one); never raises.

    A page whose extraction takes longer than ``timeout`` seconds is given up
    (its worker finishes it in the background); a worker that dies (out of
    memory, a crash in a C library) costs that page only: the pool is replaced.
    """
    executor = _current()
    if executor is None:
        try:
            return extract_page(body, url, content_type, keep_html)
        except Exception as err:  # a bug in a parser must cost one page, not the crawl
            log.warning("extraction of %s failed: %s", url, err)
            return PageResult(skipped=f"extraction failed: {type(err).__name__}")
    loop = asyncio.get_running_loop()
    try:
        future = loop.run_in_executor(executor, extract_page, body, url, content_type, keep_html)
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        log.warning("extraction of %s took over %gs; given up", url, timeout)
        return PageResult(skipped=f"extraction took over {timeout:g}s")
    except BrokenProcessPool:
        log.warning("extraction worker died on %s; restarting the pool", url)
        _replace_broken(executor)
        return PageResult(skipped="extraction worker died")
    except RuntimeError as err:  # the pool was shut down while this page waited
        return PageResult(skipped=f"extraction cancelled: {err}")
    except Exception as err:
        log.warning("extraction of %s failed: %s", url, err)
        return PageResult(skipped=f"extraction failed: {type(err).__name__}")
