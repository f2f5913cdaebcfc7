"""Item pipeline of a lone crawl (``scrapy crawl feed -a url=...``): load what the
spider reads of its source, gather what it yields into a PollResult, and record that
at the end through the crawl's one connection (crawler.record), as the service does
with the results of its engine."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from scrapy import signals
from scrapy.crawler import Crawler

from crawler import store
from crawler.poll import PollResult
from crawler.record import record_poll
from crawler.spiders.base import SourceSpider
from crawler.spiders.state import SourceState


class StorePipeline:
    """Writes each article once (whatever URL it came by) and records one run per crawl.

    The run's outcome lands in the crawler stats too (``newsradar/articles_new``,
    ``newsradar/articles_updated``, ``newsradar/source_error``) so whoever started
    the crawl can report it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("NEWSRADAR_DB_PATH")
        # Set when the spider opens: the crawl's one connection, its source, run and result.
        self.db: sqlite_utils.Database
        self.source_id: int
        self.run_id: int
        self.result: PollResult

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_opened(self, spider: SourceSpider) -> None:
        self.db = store.open_db(self.db_path)
        self.source_id = store.upsert_source(
            self.db, url=spider.source_url, name=spider.source_name, kind=spider.name
        )
        self.run_id = store.start_run(self.db, self.source_id)
        self.result = PollResult(spider.source_url)
        # The crawl's one connection: the spider reads its source's state through it.
        spider.state = SourceState.load(self.db, spider.source_url)

    def process_item(self, item: Any) -> Any:
        """Keep ``item`` for the poll's result (an unknown type passes untouched)."""
        self.result.add(item)
        return item

    def spider_closed(self, spider: SourceSpider, reason: str) -> None:
        result = self.result
        result.reason = reason
        result.stats = dict(self.crawler.stats.get_stats())
        outcome = record_poll(self.db, self.source_id, self.run_id, result)
        stats = self.crawler.stats
        stats.set_value("newsradar/articles_new", outcome.articles_new)
        stats.set_value("newsradar/articles_updated", outcome.articles_updated)
        stats.set_value("newsradar/not_modified", outcome.not_modified)
        if outcome.error:
            stats.set_value("newsradar/source_error", outcome.error)
        self.db.close()
