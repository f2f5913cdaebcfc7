"""Item pipeline: store articles and the source's health in the database."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from crawler import store
from crawler.items import ArticleItem, SourceStatusItem


class StorePipeline:
    """Writes each ArticleItem once (by URL) and records one run per crawl.

    The run's outcome lands in the crawler stats too (``newsradar/articles_new``,
    ``newsradar/source_error``) so whoever started the crawl can report it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("NEWSRADAR_DB_PATH")
        self.db = None
        self.source_id: int | None = None
        self.run_id: int | None = None
        self.articles_new = 0
        self.source_error: str | None = None
        self.source_answered = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_opened(self, spider: Spider) -> None:
        self.db = store.open_db(self.db_path)
        self.source_id = store.upsert_source(
            self.db,
            url=spider.source_url,
            name=getattr(spider, "source_name", spider.source_url),
            kind=spider.name,
        )
        self.run_id = store.start_run(self.db, self.source_id)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, SourceStatusItem):
            self.source_answered = True
            self.source_error = item.error
        elif isinstance(item, ArticleItem):
            article_id = store.insert_article(
                self.db,
                {
                    "url": item.url,
                    "source_id": self.source_id,
                    "title": item.title,
                    "text": item.text,
                    "author": item.author,
                    "published": item.published,
                    "language": item.language,
                    "extracted_from": item.extracted_from,
                },
            )
            if article_id is not None:
                self.articles_new += 1
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        error = self.source_error
        if error is None and not self.source_answered:
            error = f"crawl ended ({reason}) before the source answered"
        self.crawler.stats.set_value("newsradar/articles_new", self.articles_new)
        if error:
            self.crawler.stats.set_value("newsradar/source_error", error)
        store.finish_run(self.db, self.run_id, articles_new=self.articles_new, error=error)
        self.db.close()
