"""The spiders' pure steps and per-crawl objects, without a crawl: which links to
follow, what an article item holds, what a document looks like, why a request
failed, the source state, the robots.txt cache and inline extraction."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError
from twisted.python.failure import Failure

from crawler import store
from crawler.parse.extract import Extracted, PageResult
from crawler.pool import ExtractionPool, worker_count
from crawler.robots import RobotsCache
from crawler.spiders.articles import (
    ArticleRef,
    article_from_page,
    article_from_ref,
    select_articles,
)
from crawler.spiders.auto import sniff
from crawler.spiders.failures import describe_failure
from crawler.spiders.sitemap import sitemaps_in_robots
from crawler.spiders.state import SourceState

SOURCE = "https://news.example.org/feed.xml"


def test_select_articles_new_changed_known_and_over_limit() -> None:
    refs = [
        ArticleRef("https://e.org/new"),
        ArticleRef("https://e.org/known", updated="2024-05-01T00:00:00Z"),
        ArticleRef("https://e.org/changed", updated="2024-05-02T00:00:00Z"),
        ArticleRef("https://e.org/known-undated"),
        ArticleRef("https://e.org/new-2"),
        ArticleRef("https://e.org/new-3"),
    ]
    stored = {
        "https://e.org/known": "2024-05-01T00:00:00Z",
        "https://e.org/changed": "2024-05-01T00:00:00Z",
        "https://e.org/known-undated": None,
    }
    selection = select_articles(refs, stored, limit=3)
    assert [(ref.url, recheck) for ref, recheck in selection.follow] == [
        ("https://e.org/new", False),
        ("https://e.org/changed", True),
        ("https://e.org/new-2", False),
    ]
    assert (selection.known, selection.over_limit) == (2, 1)


def test_article_items_from_the_page_or_the_feed() -> None:
    ref = ArticleRef(
        "https://e.org/a",
        title="Feed title",
        summary="Feed text",
        published="2024-05-01T00:00:00Z",
        updated="2024-05-02T00:00:00Z",
        author="Feed author",
    )
    from_feed = article_from_ref(ref, SOURCE, recheck=True)
    assert from_feed is not None
    assert (from_feed.text, from_feed.extracted_from, from_feed.recheck) == (
        "Feed text",
        "feed",
        True,
    )
    assert article_from_ref(ArticleRef("https://e.org/b", title="Only a title"), SOURCE) is None

    page = PageResult(
        extracted=Extracted("Page title", "Page text", None, "2024-04-30", "en"),
        canonical="https://e.org/a-canonical",
        charset_note="declared utf-8, but...",
        html="<html>",
    )
    item = article_from_page(ref, page, SOURCE, ["https://e.org/a", "https://e.org/a2"], False)
    assert item is not None
    assert item.url == "https://e.org/a-canonical"
    assert (item.title, item.text, item.extracted_from) == ("Feed title", "Page text", "page")
    assert (item.author, item.published, item.language) == (
        "Feed author",
        "2024-05-01T00:00:00Z",
        "en",
    )
    assert item.aliases == ["https://e.org/a", "https://e.org/a2"]
    assert (item.entry_updated, item.html, item.charset_note) == (
        "2024-05-02T00:00:00Z",
        "<html>",
        "declared utf-8, but...",
    )
    fallback = article_from_page(ref, PageResult(skipped="not HTML"), SOURCE, ["x"], False)
    assert fallback is not None and fallback.extracted_from == "feed" and fallback.aliases == ["x"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'\xef\xbb\xbf{"version": "https://jsonfeed.org/version/1.1"}', "feed"),
        (b'<?xml version="1.0"?><rss version="2.0">', "feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom">', "feed"),
        (b"<rdf:RDF>", "feed"),
        (b'<?xml version="1.0"?><urlset xmlns="...">', "sitemap"),
        (b"<sitemapindex>", "sitemap"),
        (b"<!DOCTYPE html><html>", "html"),
    ],
)
def test_sniff(body: bytes, kind: str) -> None:
    assert sniff(body) == kind


def test_sitemaps_in_robots() -> None:
    robots = (
        b"User-agent: *\nDisallow: /admin\nSitemap: https://e.org/a.xml\n"
        b"Sitemap: https://e.org/b.xml\nsitemap: https://e.org/a.xml\n"
    )
    assert sitemaps_in_robots(robots) == ["https://e.org/a.xml", "https://e.org/b.xml"]
    assert sitemaps_in_robots(b"\xff\xfe garbage") == []


def test_sitemaps_in_robots_are_http_only() -> None:
    robots = (
        b"Sitemap: file:///dev/zero\nSitemap: ftp://127.0.0.2:21/s.xml\n"
        b"Sitemap: data:text/xml,<urlset/>\nSitemap: s3://bucket/s.xml\n"
        b"Sitemap: //e.org/relative.xml\nSitemap: http://e.org/ok.xml\n"
    )
    assert sitemaps_in_robots(robots) == ["http://e.org/ok.xml"]


def failure(error: Exception, url: str = "https://e.org/feed") -> Failure:
    try:
        raise error
    except Exception:
        broken = Failure()
    broken.request = Request(url)  # type: ignore[attr-defined]
    return broken


def test_describe_failure_in_words() -> None:
    response = Response("https://e.org/feed", status=503, request=Request("https://e.org/feed"))
    assert describe_failure(failure(HttpError(response))) == "HTTP 503"
    assert describe_failure(failure(DNSLookupError("no.such.host"))) == "DNS lookup failed"
    assert describe_failure(failure(ConnectionRefusedError())) == "connection refused"
    assert describe_failure(failure(IgnoreRequest("Forbidden by robots.txt"))) == (
        "forbidden by robots.txt"
    )
    assert describe_failure(failure(IgnoreRequest())) == "request dropped"
    assert describe_failure(failure(ValueError("odd"))) == "ValueError: odd"


def test_source_state_reads_validators_and_discovery_by_url(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    empty = SourceState.load(db, SOURCE)  # never polled: nothing known, nothing fails
    assert (empty.resolved, empty.validators) == (None, {})
    assert empty.stored_articles(["https://e.org/a"]) == {}
    assert SourceState(SOURCE).stored_articles(["https://e.org/a"]) == {}  # no database

    source_id = store.upsert_source(db, url=SOURCE, name="News", kind="auto")
    store.save_validators(db, source_id, SOURCE, '"etag-1"', "Wed, 01 May 2024 00:00:00 GMT")
    store.save_discovery(db, source_id, "feed", "https://news.example.org/rss")
    other = store.upsert_source(db, url="https://other.example/", name="Other", kind="feed")
    store.save_validators(db, other, SOURCE, '"not-ours"', None)
    article = {"url": "https://e.org/a", "source_id": other, "title": "A", "text": "Text"}
    article |= {"extracted_from": "page", "entry_updated": "2024-05-01T00:00:00Z"}
    store.store_article(db, article, ["https://e.org/a?alias"])

    state = SourceState.load(db, SOURCE)
    assert state.resolved == ("feed", "https://news.example.org/rss")
    assert state.validators_for(SOURCE) == ('"etag-1"', "Wed, 01 May 2024 00:00:00 GMT")
    assert state.validators_for("https://news.example.org/other") == (None, None)
    urls = ["https://e.org/a?alias", "https://e.org/new"]
    assert state.stored_articles(urls) == {"https://e.org/a?alias": "2024-05-01T00:00:00Z"}
    db.close()


def test_robots_cache_fetches_once_per_host_until_expiry() -> None:
    fetches: list[str] = []

    async def fetch() -> str:
        fetches.append("fetch")
        await asyncio.sleep(0.01)
        return "parser"

    async def main() -> list[object]:
        cache = RobotsCache()
        together = await asyncio.gather(*(cache.parser("e.org", fetch, 60) for _ in range(3)))
        again = await cache.parser("e.org", fetch, 60)
        other = await cache.parser("other.org", fetch, 0)  # expires at once
        expired = await cache.parser("other.org", fetch, 0)
        return [*together, again, other, expired]

    assert asyncio.run(main()) == ["parser"] * 6
    assert len(fetches) == 3  # e.org once for four asks; other.org twice


def test_inline_extraction_pool_extracts_and_never_raises() -> None:
    page = (Path(__file__).parent / "data" / "pages" / "wire-story.html").read_bytes()

    async def main() -> tuple[PageResult, PageResult]:
        with ExtractionPool(0) as pool:
            good = await pool.extract(
                page, "https://e.org/a", "text/html", keep_html=False, timeout=5
            )
            binary = await pool.extract(
                b"%PDF-1.4", "https://e.org/b", None, keep_html=False, timeout=5
            )
        return good, binary

    good, binary = asyncio.run(main())
    assert good.extracted is not None and good.extracted.text.startswith("New cholera cases")
    assert binary.skipped == "not HTML: PDF document"
    assert worker_count(0) == 0 and worker_count("3") == 3 and worker_count(None) >= 1
