"""An extractor that hangs on one page (and otherwise names its worker), for the
extraction pool's tests: importable by its worker processes (they run it by name)."""

from __future__ import annotations

import os
import time

from crawler.parse.extract import PageResult

HANG_MARKER = b"<!-- hang the extractor -->"


def worker_pid(body: bytes, url: str, content_type: str | None, keep_html: bool) -> PageResult:
    """The pid of the worker that ran it, as the skipped reason (to see workers change)."""
    if HANG_MARKER in body:
        while True:
            time.sleep(3600)
    return PageResult(skipped=str(os.getpid()))


def slow_worker_pid(body: bytes, url: str, content_type: str | None, keep_html: bool) -> PageResult:
    """worker_pid, taking half a second a page."""
    time.sleep(0.5)
    return worker_pid(body, url, content_type, keep_html)
