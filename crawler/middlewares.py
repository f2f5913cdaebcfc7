"""Spider middleware: never fetch an article page that is already stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler

from crawler import store


class SkipKnownArticles:
    """Drop requests for article URLs already in the database.

    Feeds list the same entries poll after poll; only new ones cost a fetch.
    """

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipKnownArticles:
        middleware = cls(crawler.settings.get("NEWSRADAR_DB_PATH"))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        middleware.stats = crawler.stats
        return middleware

    def _is_known(self, url: str) -> bool:
        if self.db is None:
            self.db = store.open_db(self.db_path)
        return bool(store.known_urls(self.db, [url]))

    async def process_spider_output(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item_or_request in result:
            if (
                isinstance(item_or_request, scrapy.Request)
                and item_or_request.meta.get("newsradar_entry") is not None
                and self._is_known(item_or_request.url)
            ):
                self.stats.inc_value("newsradar/articles_known")
                continue
            yield item_or_request

    def spider_closed(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
