"""Extensions: resources that live as long as a crawl, opened and closed with signals."""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler

from crawler import pool


class ExtractionPool:
    """Holds the shared extraction process pool (crawler.pool) open while this crawl runs.

    ``NEWSRADAR_EXTRACT_WORKERS``: worker processes (default: one per core);
    0 extracts on the event loop, in this process.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.acquired = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        extension = cls(pool.worker_count(crawler.settings.get("NEWSRADAR_EXTRACT_WORKERS")))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        pool.acquire(self.workers)
        self.acquired = True

    def spider_closed(self) -> None:
        if self.acquired:
            self.acquired = False
            pool.release()
