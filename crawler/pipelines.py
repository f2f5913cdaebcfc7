"""Item pipeline: store articles, discoveries, validators and the source's health, and
load what the spider reads of its source, through the crawl's one connection."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

import sqlite_utils
from scrapy import signals
from scrapy.crawler import Crawler

from crawler import store
from crawler.items import (
    ArticleItem,
    DiscoveryItem,
    RediscoverItem,
    SourceStatusItem,
    ValidatorsItem,
)
from crawler.spiders.base import SourceSpider
from crawler.spiders.state import SourceState

log = logging.getLogger("newsradar.store")


class StorePipeline:
    """Writes each article once (whatever URL it came by) and records one run per crawl.

    Validators (ETag / Last-Modified) are saved only when the crawl finished
    without error: a poll cut short must not make the next one a 304 that hides
    the entries it never fetched. The run's outcome lands in the crawler stats
    too (``newsradar/articles_new``, ``newsradar/articles_updated``,
    ``newsradar/source_error``) so whoever started the crawl can report it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("NEWSRADAR_DB_PATH")
        # Set when the spider opens: the crawl's one connection, its source and its run.
        self.db: sqlite_utils.Database
        self.source_id: int
        self.run_id: int | None = None
        self.articles_new = 0
        self.articles_updated = 0
        self.duplicates = 0
        self.source_error: str | None = None
        # Why an article could not be written (a full disk...): the poll then fails, so
        # its validators are not saved and the next poll fetches the entries again.
        self.store_error: str | None = None
        self.source_note: str | None = None
        self.source_answered = False
        self.not_modified = False
        self.entries = 0
        self.validators: dict[str, ValidatorsItem] = {}
        self._steps: dict[type, Callable[[Any], None]] = {
            ArticleItem: self._article,
            SourceStatusItem: self._status,
            ValidatorsItem: self._validators,
            DiscoveryItem: self._discovery,
            RediscoverItem: self._rediscover,
        }
        self._writes = (self._article, self._discovery, self._rediscover)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_opened(self, spider: SourceSpider) -> None:
        self.db = store.open_db(self.db_path)
        try:
            self.source_id = store.upsert_source(
                self.db,
                url=spider.source_url,
                name=spider.source_name,
                kind=spider.name,
            )
            self.run_id = store.start_run(self.db, self.source_id)
            # The crawl's one connection: the spider reads its source's state through it.
            spider.state = SourceState.load(self.db, spider.source_url)
        except sqlite3.Error as err:
            self._refused(err)

    def _refused(self, err: sqlite3.Error) -> None:
        """The database refused a write: the poll fails with SQLite's reason, in one line."""
        if self.store_error is None:
            self.store_error = str(store.explain(err, self.db_path))
            log.error("%s", self.store_error)

    def process_item(self, item: Any) -> Any:
        """Hand ``item`` to the step for its type (an unknown type passes untouched)."""
        step = self._steps.get(type(item))
        if step is not None:
            if self.store_error is not None and step in self._writes:
                return item  # the database refused one already: the rest would fail too
            try:
                step(item)
            except sqlite3.Error as err:
                self._refused(err)
        return item

    def _status(self, item: SourceStatusItem) -> None:
        # The first word on the source wins; a later error (a truncated
        # document after its entries were read) is still an error.
        self.source_answered = True
        self.source_error = self.source_error or item.error
        self.source_note = self.source_note or item.note
        self.not_modified = self.not_modified or item.not_modified
        self.entries += item.entries

    def _validators(self, item: ValidatorsItem) -> None:
        self.validators[item.url] = item  # saved at the end, if the crawl completes

    def _discovery(self, item: DiscoveryItem) -> None:
        store.save_discovery(self.db, self.source_id, item.kind, item.url)

    def _rediscover(self, item: RediscoverItem) -> None:
        store.clear_discovery(self.db, self.source_id)

    def _article(self, item: ArticleItem) -> None:
        _, status = store.store_article(
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
                "entry_updated": item.entry_updated,
                "charset_note": item.charset_note,
            },
            item.aliases,
            recheck=item.recheck,
            html=item.html,
        )
        if status == "new":
            self.articles_new += 1
        elif status == "updated":
            self.articles_updated += 1
        elif status == "duplicate":
            self.duplicates += 1

    def spider_closed(self, spider: SourceSpider, reason: str) -> None:
        try:
            self._close(reason)
        except sqlite3.Error as err:  # the outcome is in the stats; only its record failed
            problem = store.explain(err, self.db_path)
            log.error("the poll's outcome could not be recorded: %s", problem)
        finally:
            self.db.close()

    def _close(self, reason: str) -> None:
        error = self.store_error or self.source_error
        if error is None and not self.source_answered:
            error = f"crawl ended ({reason}) before the source answered"
        stats = self.crawler.stats
        stats.set_value("newsradar/articles_new", self.articles_new)
        stats.set_value("newsradar/articles_updated", self.articles_updated)
        stats.set_value("newsradar/not_modified", self.not_modified)
        if self.source_note:
            stats.set_value("newsradar/source_note", self.source_note)
        if error:
            stats.set_value("newsradar/source_error", error)
        elif reason == "finished":
            for item in self.validators.values():
                store.save_validators(
                    self.db, self.source_id, item.url, item.etag, item.last_modified
                )
        if error:
            status = f"failed: {error}"
        elif self.not_modified:
            status = "not modified"
        else:
            status = (
                f"{self.entries} entries: {self.articles_new} new, {self.articles_updated} updated"
            )
            if self.source_note:
                status += f" (read, but {self.source_note})"
        if self.run_id is None:
            return  # the run could not even be started: nothing to record it in
        store.set_last_status(self.db, self.source_id, status)
        store.finish_run(self.db, self.run_id, articles_new=self.articles_new, error=error)
