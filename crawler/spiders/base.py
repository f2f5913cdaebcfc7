"""What every source spider does: poll a document conditionally, follow new article
links, extract each page off the event loop, and report the source's health.

A spider is handed what outlives its crawl (the extraction pool, the robots.txt
cache) by whoever runs the crawls; a lone ``scrapy crawl`` starts a pool of its
own. The source's state comes from the pipeline, read once when the crawl opens
(crawler.spiders.state); without a pipeline the spider knows nothing stored.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.guard import LinkPolicy
from crawler.items import ArticleItem, RecheckedItem, SourceStatusItem, ValidatorsItem
from crawler.middlewares import FetchRefused
from crawler.parse.urls import canonical_url
from crawler.pool import ExtractionPool, worker_count
from crawler.robots import RobotsCache
from crawler.spiders.articles import (
    ArticleRef,
    article_from_page,
    article_from_ref,
    select_articles,
)
from crawler.spiders.failures import describe_failure
from crawler.spiders.state import SourceState

Callback = Callable[[Response], Any]


def flag(value: Any) -> bool:
    """A spider argument as a boolean ("1", "true", "yes", "on" from the command line)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def domains(value: Any) -> tuple[str, ...]:
    """A spider argument as domain names (a comma- or space-separated string, or a list)."""
    if not value:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,\s]+", value)
    return tuple(str(d).strip().lower() for d in value if str(d).strip())


def validators_of(response: Response) -> ValidatorsItem:
    """The response's ETag / Last-Modified, to be saved when the crawl completes."""

    def header(name: str) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None

    return ValidatorsItem(response.url, header("ETag"), header("Last-Modified"))


def content_type_of(response: Response) -> str | None:
    """The response's Content-Type header as text, or None."""
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None


class SourceSpider(scrapy.Spider):
    """Base of the per-kind spiders. Arguments (``-a`` on the command line):

    url, source_name, allow_domains (comma-separated), window (seconds: how old
    a sitemap entry may be), max_articles (per poll), store_html (keep raw pages).
    Given in code only: ``extraction`` (an ExtractionPool) and ``robots`` (a
    RobotsCache), shared with other crawls, and ``rechecks`` (crawler.poll.Recheck:
    stored pages to fetch again in case they were edited silently).
    """

    def __init__(
        self,
        url: str,
        source_name: str | None = None,
        allow_domains: Any = (),
        window: Any = 2 * 86400,
        max_articles: Any = 500,
        store_html: Any = False,
        extraction: ExtractionPool | None = None,
        robots: RobotsCache | None = None,
        rechecks: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_url = url
        self.source_name = source_name or url
        self.window = float(window)
        self.max_articles = int(max_articles)
        self.store_html = flag(store_html)
        self.link_policy = LinkPolicy(url, domains(allow_domains))
        self.robots = robots if isinstance(robots, RobotsCache) else None
        self.extraction = extraction if isinstance(extraction, ExtractionPool) else None
        self._owns_extraction = False
        self.rechecks = tuple(rechecks) if not isinstance(rechecks, str) else ()
        # Replaced by the pipeline's when the spider opens (crawler.pipelines).
        self.state = SourceState(url)
        self._stats: Any = None  # a hosted poll's own counters (crawler.engine)

    @property
    def stats(self) -> Any:
        """This poll's counters: the crawl's stats, or a hosted poll's own."""
        return self._stats if self._stats is not None else self.crawler.stats

    def host(self, crawler: Any, state: SourceState, stats: Any) -> None:
        """Run as one poll inside ``crawler``, a long-lived crawl of another spider
        (crawler.engine): its settings and engine, but this poll's state and counters."""
        self.crawler = crawler
        self.settings = crawler.settings
        self.state = state
        self._stats = stats

    # -- lifecycle

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Poll what ``first_requests`` names (the source's state is loaded by now)."""
        if self.extraction is None:
            workers = worker_count(self.settings.get("NEWSRADAR_EXTRACT_WORKERS"))
            self.extraction, self._owns_extraction = ExtractionPool(workers), True
        for request in self.poll_requests():
            yield request

    def poll_requests(self) -> Iterator[scrapy.Request]:
        """Every request a poll starts with: its documents, then its silent-edit checks."""
        yield from self.first_requests()
        yield from self.recheck_requests()

    def first_requests(self) -> Iterable[scrapy.Request]:
        """The requests a poll starts with (each spider names its own)."""
        raise NotImplementedError

    def closed(self, reason: str) -> None:
        if self._owns_extraction and self.extraction is not None:
            self.extraction.close()

    # -- the polled documents

    def document_request(
        self,
        url: str,
        callback: Callback,
        *,
        configured: bool = False,
        conditional: bool = True,
        errback: Callable[[Failure], Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> scrapy.Request:
        """A request for a feed, sitemap or listing page: conditional on the
        validators saved by the last complete poll, so an unchanged document costs
        one 304 and no parsing."""
        headers: dict[str, str] = {}
        if conditional:
            etag, last_modified = self.state.validators_for(url)
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

    def not_modified(self) -> SourceStatusItem:
        """The status of a document answered 304."""
        self.stats.inc_value("newsradar/not_modified")
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
        stored = self.state.stored_articles(ref.url for ref in refs)
        selection = select_articles(refs, stored, self.max_articles)
        stats = self.stats
        if selection.known:
            stats.inc_value("newsradar/articles_known", selection.known)
        if selection.over_limit:
            stats.inc_value("newsradar/articles_over_limit", selection.over_limit)
        for ref, recheck in selection.follow:
            self.state.followed.add(ref.url)
            yield scrapy.Request(
                ref.url,
                callback=self.parse_article,
                errback=self.article_failed,
                # Refs are unique already; the dupe filter would only swallow
                # redirect loops silently (no errback, no fallback).
                dont_filter=True,
                meta={"newsradar_ref": ref, "newsradar_recheck": recheck},
            )

    def recheck_requests(self) -> Iterator[scrapy.Request]:
        """Conditional requests for the stored pages due for a silent-edit check."""
        for recheck in self.rechecks:
            headers = {}
            if recheck.etag:
                headers["If-None-Match"] = recheck.etag
            if recheck.last_modified:
                headers["If-Modified-Since"] = recheck.last_modified
            ref = ArticleRef(url=recheck.url, title=recheck.title, published=recheck.published)
            yield scrapy.Request(
                recheck.url,
                callback=self.parse_recheck,
                errback=self.recheck_failed,
                headers=headers,
                dont_filter=True,
                meta={
                    "handle_httpstatus_list": [304],
                    "newsradar_ref": ref,
                    "newsradar_recheck": True,
                },
            )

    async def parse_recheck(self, response: Response) -> AsyncIterator[Any]:
        """A re-checked page: unchanged (304), or extracted again and compared by the store."""
        ref: ArticleRef = response.meta["newsradar_ref"]
        yield RecheckedItem(ref.url)
        if response.status == 304:
            self.stats.inc_value("newsradar/rechecks_not_modified")
            return
        async for item in self.parse_article(response):
            yield item

    def recheck_failed(self, failure: Failure) -> Iterator[RecheckedItem]:
        """A re-checked page could not be fetched: the stored text stays; it counts."""
        ref: ArticleRef = failure.request.meta["newsradar_ref"]
        self.logger.info("re-check of %s: %s", ref.url, describe_failure(failure))
        yield RecheckedItem(ref.url)

    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem]:
        """Extract the page in the extraction pool; fall back to what the document said."""
        ref: ArticleRef = response.meta["newsradar_ref"]
        recheck: bool = response.meta.get("newsradar_recheck", False)
        assert self.extraction is not None  # set in start()
        result = await self.extraction.extract(
            response.body,
            response.url,
            content_type_of(response),
            keep_html=self.store_html,
            timeout=self.settings.getfloat("NEWSRADAR_EXTRACT_TIMEOUT", 30),
        )
        if result.extracted is None:
            reason = result.skipped or "no main text"
            self.stats.inc_value("newsradar/pages_skipped")
            if reason.startswith("extraction"):  # failed, killed or cut short: not "no text"
                self.stats.inc_value("newsradar/pages_not_extracted")
            self.logger.info("article %s: %s; using the document's text", ref.url, reason)
        elif result.charset_note:
            self.logger.warning("article %s: %s", ref.url, result.charset_note)
        aliases = [ref.url, canonical_url(response.url)]
        item = article_from_page(ref, result, self.source_url, aliases, recheck)
        if item is not None:
            validators = validators_of(response)
            item.page_etag, item.page_last_modified = validators.etag, validators.last_modified
            yield item

    def article_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """An article page could not be fetched: keep the document's text, if any."""
        ref: ArticleRef = failure.request.meta["newsradar_ref"]
        reason = describe_failure(failure)
        if isinstance(failure.value, FetchRefused):
            # Not this site's to follow: nothing of it is stored.
            self.logger.info("article %s: %s", ref.url, reason)
            return
        self.stats.inc_value("newsradar/pages_failed")
        self.logger.info("article %s: %s; using the document's text", ref.url, reason)
        recheck = failure.request.meta.get("newsradar_recheck", False)
        item = article_from_ref(ref, self.source_url, recheck)
        if item is not None:
            yield item
