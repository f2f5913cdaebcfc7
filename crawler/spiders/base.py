"""What every source spider does: poll a document conditionally, follow new article
links, extract each page off the event loop, and report the source's health."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import pool, store
from crawler.guard import LinkPolicy
from crawler.items import ArticleItem, SourceStatusItem, ValidatorsItem
from crawler.middlewares import FetchRefused
from crawler.parse.extract import PageResult
from crawler.parse.urls import canonical_url
from crawler.spiders import describe_failure


@dataclass(frozen=True)
class ArticleRef:
    """An article link found in a feed, sitemap or listing page, with what the
    document said of it (the fallback when the page cannot be read)."""

    url: str  # canonical
    title: str | None = None
    summary: str | None = None
    published: str | None = None
    updated: str | None = None
    author: str | None = None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _domains(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,\s]+", value)
    return tuple(str(d).strip().lower() for d in value if str(d).strip())


class SourceSpider(scrapy.Spider):
    """Base of the per-kind spiders. Arguments (``-a`` on the command line):

    url, source_name, allow_domains (comma-separated), window (seconds: how old
    a sitemap entry may be), max_articles (per poll), store_html (keep raw pages).
    """

    def __init__(
        self,
        url: str,
        source_name: str | None = None,
        allow_domains: Any = (),
        window: Any = 2 * 86400,
        max_articles: Any = 500,
        store_html: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_url = url
        self.source_name = source_name or url
        self.window = float(window)
        self.max_articles = int(max_articles)
        self.store_html = _flag(store_html)
        self.link_policy = LinkPolicy(url, _domains(allow_domains))
        self.db: Any = None
        self._source_id: int | None = None

    # -- lifecycle

    def open_state(self) -> None:
        """Open the database for reading this source's state (validators, known URLs)."""
        if self.db is None:
            self.db = store.open_db(self.settings.get("NEWSRADAR_DB_PATH"))

    def source_id(self) -> int | None:
        """This source's id in the database (the pipeline records it on opening)."""
        if self._source_id is None:
            self.open_state()
            row = store.source_row(self.db, self.source_url)
            self._source_id = row["id"] if row else None
        return self._source_id

    def closed(self, reason: str) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    # -- the polled documents

    def document_request(
        self,
        url: str,
        callback: Any,
        *,
        configured: bool = False,
        conditional: bool = True,
        errback: Any = None,
        meta: dict[str, Any] | None = None,
    ) -> scrapy.Request:
        """A request for a feed, sitemap or listing page: conditional on the
        validators saved by the last complete poll, so an unchanged document costs
        one 304 and no parsing."""
        self.open_state()
        headers: dict[str, str] = {}
        if conditional:
            etag, last_modified = store.get_validators(self.db, self.source_id(), url)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.source_failed,
            headers=headers,
            dont_filter=True,
            priority=10,  # documents before article pages
            meta={
                "handle_httpstatus_list": [304],
                "newsradar_configured": configured,
                **(meta or {}),
            },
        )

    @staticmethod
    def validators_of(response: Response) -> ValidatorsItem:
        """The response's ETag / Last-Modified, to be saved when the crawl completes."""

        def header(name: str) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        return ValidatorsItem(response.url, header("ETag"), header("Last-Modified"))

    def not_modified(self, response: Response) -> SourceStatusItem:
        """The status of a document answered 304."""
        self.crawler.stats.inc_value("newsradar/not_modified")
        return SourceStatusItem(self.source_url, not_modified=True)

    def source_failed(self, failure: Failure) -> Iterator[SourceStatusItem]:
        """Errback of the source's own documents: the source is unhealthy."""
        reason = describe_failure(failure)
        self.logger.warning("source %s unreachable: %s", self.source_name, reason)
        yield SourceStatusItem(self.source_url, error=reason)

    def status_ok(self, entries: int) -> SourceStatusItem:
        """The source answered with a readable document of ``entries`` entries."""
        return SourceStatusItem(self.source_url, entries=entries)

    def source_error(self, reason: str, entries: int = 0) -> SourceStatusItem:
        """Report the source unhealthy for ``reason``."""
        self.logger.warning("source %s: %s", self.source_name, reason)
        return SourceStatusItem(self.source_url, error=reason, entries=entries)

    # -- article pages

    def follow(self, refs: list[ArticleRef]) -> Iterator[scrapy.Request]:
        """Requests for the articles not stored yet, and for stored ones whose
        document says they changed since (a re-check); at most max_articles."""
        self.open_state()
        states = store.article_states(self.db, [ref.url for ref in refs])
        followed = 0
        for ref in refs:
            recheck = False
            state = states.get(ref.url)
            if state is not None:
                stored_updated = state[1]
                if not (ref.updated and stored_updated and ref.updated > stored_updated):
                    self.crawler.stats.inc_value("newsradar/articles_known")
                    continue
                recheck = True
            if followed >= self.max_articles:
                self.crawler.stats.inc_value("newsradar/articles_over_limit")
                continue
            followed += 1
            yield scrapy.Request(
                ref.url,
                callback=self.parse_article,
                errback=self.article_failed,
                # Refs are unique already; the dupe filter would only swallow
                # redirect loops silently (no errback, no fallback).
                dont_filter=True,
                meta={"newsradar_ref": ref, "newsradar_recheck": recheck},
            )

    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem]:
        """Extract the page in the extraction pool; fall back to what the document said."""
        ref: ArticleRef = response.meta["newsradar_ref"]
        recheck: bool = response.meta.get("newsradar_recheck", False)
        content_type = response.headers.get("Content-Type")
        result: PageResult = await pool.extract(
            response.body,
            response.url,
            content_type.decode("latin-1") if content_type else None,
            keep_html=self.store_html,
            timeout=self.settings.getfloat("NEWSRADAR_EXTRACT_TIMEOUT", 30),
        )
        aliases = [ref.url, canonical_url(response.url)]
        if result.extracted is None:
            reason = result.skipped or "no main text"
            self.crawler.stats.inc_value("newsradar/pages_skipped")
            self.logger.info("article %s: %s; using the document's text", ref.url, reason)
            item = self.from_ref(ref, recheck)
            if item is not None:
                item.aliases = aliases
                yield item
            return
        extracted = result.extracted
        if result.charset_note:
            self.logger.warning("article %s: %s", ref.url, result.charset_note)
        yield ArticleItem(
            url=result.canonical or ref.url,
            source_url=self.source_url,
            title=ref.title or extracted.title,
            text=extracted.text,
            extracted_from="page",
            author=extracted.author or ref.author,
            published=ref.published or extracted.published,
            language=extracted.language,
            aliases=aliases,
            entry_updated=ref.updated,
            recheck=recheck,
            html=result.html,
            charset_note=result.charset_note,
        )

    def article_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """An article page could not be fetched: keep the document's text, if any."""
        ref: ArticleRef = failure.request.meta["newsradar_ref"]
        reason = describe_failure(failure)
        if isinstance(failure.value, FetchRefused):
            # Not this site's to follow: nothing of it is stored.
            self.logger.info("article %s: %s", ref.url, reason)
            return
        self.crawler.stats.inc_value("newsradar/pages_failed")
        self.logger.info("article %s: %s; using the document's text", ref.url, reason)
        item = self.from_ref(ref, failure.request.meta.get("newsradar_recheck", False))
        if item is not None:
            yield item

    def from_ref(self, ref: ArticleRef, recheck: bool = False) -> ArticleItem | None:
        """The article as its feed entry described it; None when it said nothing but a
        title (a sitemap or listing link): then the page is tried again next poll."""
        if not ref.summary:
            return None
        return ArticleItem(
            url=ref.url,
            source_url=self.source_url,
            title=ref.title,
            text=ref.summary,
            extracted_from="feed",
            author=ref.author,
            published=ref.published,
            entry_updated=ref.updated,
            recheck=recheck,
        )
