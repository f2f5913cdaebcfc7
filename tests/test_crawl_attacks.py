"""Attacks from hostile sources, each against real local servers and a real
`newsradar run --once`: entity bombs hidden from the XML check, robots.txt naming
file://, ftp:// and data: sitemaps, and a feed big enough to stall the event loop.
(SSRF through DNS: test_crawl_dns.py.)"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.http import TextResponse
from scrapy.settings import Settings
from test_parse_feed_corpus import bomb

from crawler.parse.feeds import MAX_ENTRIES
from crawler.spiders.feed import FeedSpider, read_feed
from hostile import CanaryServer, HostileServer, article_html, run_once, wait_quiet, write_config
from newssite import NewsSite

pytestmark = pytest.mark.slow


class TcpCanary:
    """A TCP port on 127.0.0.2 that counts the connections it is offered (FTP, ...)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.2", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> TcpCanary:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer(max_size=10 * 1024 * 1024) as server:
        yield server


def _db(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "radar.db")
    db.row_factory = sqlite3.Row
    return db


def test_entity_bombs_hidden_from_the_check_are_refused_unexpanded(
    tmp_path: Path, hostile: HostileServer
) -> None:
    padded = bomb(170_000).encode()
    assert 160_000 < len(padded) < 180_000
    hostile.set("/padded.xml", padded, "application/rss+xml")
    hostile.set("/utf16.xml", bomb(100).encode("utf-16"), "application/rss+xml")
    config = write_config(
        tmp_path / "newsradar.toml",
        [
            {"name": "Padded", "url": hostile.url("/padded.xml"), "kind": "feed"},
            {"name": "Wide", "url": hostile.url("/utf16.xml"), "kind": "feed"},
            {"name": "Wide, found by auto", "url": hostile.url("/utf16.xml?auto"), "kind": "auto"},
        ],
        retries=0,
    )
    result = run_once(config)
    assert "Traceback" not in result.stderr, result.stderr
    db = _db(tmp_path)
    errors = {r["name"]: r["last_error"] or "" for r in db.execute("SELECT * FROM sources")}
    assert all("entity declarations are refused" in e for e in errors.values()), errors
    longest = db.execute("SELECT MAX(LENGTH(text)) FROM articles").fetchone()[0]
    db.close()
    assert longest is None  # nothing stored, let alone a 300-million-character article
    assert (tmp_path / "radar.db").stat().st_size < 2 * 1024 * 1024


def test_robots_txt_sitemaps_and_redirects_of_other_schemes_are_never_followed(
    tmp_path: Path, hostile: HostileServer
) -> None:
    with TcpCanary() as ftp, CanaryServer("127.0.0.2") as web:
        robots = (
            "User-agent: *\nAllow: /\n"
            "Sitemap: file:///dev/zero\n"
            "Sitemap: file:///proc/self/fd/0\n"
            f"Sitemap: ftp://127.0.0.2:{ftp.port}/sitemap.xml\n"
            "Sitemap: s3://bucket/sitemap.xml\n"
            "Sitemap: data:text/xml,<urlset><url><loc>http://127.0.0.2/x</loc></url></urlset>\n"
            f"Sitemap: gopher://127.0.0.2:{ftp.port}/\n"
        )
        hostile.set("/robots.txt", robots, "text/plain")
        story = hostile.url("/news/2026/12/01/a-story-about-things")
        hostile.set(
            "/home",
            f'<html><body><main><a href="{story}">A story about things in the news today</a>'
            "</main></body></html>",
        )
        hostile.set(story.removeprefix(hostile.base_url), article_html("A story", "Words. "))
        hostile.set("/to-file", b"", status=302, headers={"Location": "file:///etc/passwd"})
        hostile.set(
            "/to-ftp", b"", status=302, headers={"Location": f"ftp://127.0.0.2:{ftp.port}/"}
        )
        config = write_config(
            tmp_path / "newsradar.toml",
            [
                {"name": "Auto", "url": hostile.url("/home"), "kind": "auto"},
                {"name": "Sitemaps", "url": hostile.url("/"), "kind": "sitemap"},
                {"name": "To file", "url": hostile.url("/to-file"), "kind": "feed"},
                {"name": "To ftp", "url": hostile.url("/to-ftp"), "kind": "feed"},
            ],
            timeout="3s",
            retries=0,
        )
        started = time.monotonic()
        for _ in range(2):  # `auto` polls what it saved the second time
            result = run_once(config, timeout=60)
            assert "Traceback" not in result.stderr, result.stderr
        took = time.monotonic() - started
        wait_quiet()
    assert took < 45, f"a file:// sitemap held up the poll: {took:.1f}s"
    assert ftp.connections == 0 and web.requests == []
    db = _db(tmp_path)
    rows = {r["name"]: dict(r) for r in db.execute("SELECT * FROM sources")}
    urls = [r["url"] for r in db.execute("SELECT url FROM articles")]
    db.close()
    assert rows["Auto"]["resolved_url"] is None or rows["Auto"]["resolved_url"].startswith("http")
    assert rows["Auto"]["last_error"] is None and story in urls
    assert rows["To file"]["last_error"] and rows["To ftp"]["last_error"]
    assert all(url.startswith("http") for url in urls), urls


def huge_json_feed(items: int = 500_000) -> bytes:
    entries = [{"url": f"/s/{n}"} for n in range(items)]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Huge", "items": entries}
    return json.dumps(feed, separators=(",", ":")).encode()


def test_a_huge_json_feed_does_not_hold_up_other_sources(
    tmp_path: Path, hostile: HostileServer, news_site: NewsSite
) -> None:
    body = huge_json_feed()
    assert 9 * 1024 * 1024 < len(body) < 10 * 1024 * 1024
    hostile.set("/huge.json", body, "application/feed+json")
    news_site.publish_sample(3)
    config = write_config(
        tmp_path / "newsradar.toml",
        [
            {"name": "Huge", "url": hostile.url("/huge.json"), "kind": "feed", "max_articles": 2},
            {"name": "Normal", "url": news_site.rss_url, "kind": "feed"},
        ],
        retries=0,
    )
    started = time.monotonic()
    result = run_once(config)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    # Every entry read: about 25 s of the event loop, each poll.
    assert took < 20, f"{took:.1f}s"
    db = _db(tmp_path)
    rows = {r["name"]: dict(r) for r in db.execute("SELECT * FROM sources")}
    db.close()
    assert rows["Normal"]["last_error"] is None and rows["Normal"]["articles_found"] == 3
    assert rows["Huge"]["last_error"] is None
    assert rows["Huge"]["last_status"].startswith(f"{MAX_ENTRIES} entries")


def test_feeds_are_parsed_off_the_event_loop() -> None:
    """While a big XML feed is parsed, the event loop keeps ticking."""
    items = "".join(
        f"<item><title>Story {n}</title><link>http://news.example/{n}</link>"
        f"<description>Summary of story {n}, with some words.</description></item>"
        for n in range(MAX_ENTRIES)
    )
    body = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    response = TextResponse("http://news.example/feed.xml", body=body)
    spider = FeedSpider(url=response.url)
    spider.settings = Settings({"NEWSRADAR_PARSE_TIMEOUT": 60})

    async def measure() -> tuple[float, float, int]:
        gaps: list[float] = []
        done = asyncio.Event()

        async def tick() -> None:
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        feed = await read_feed(spider, response)
        took = time.monotonic() - started
        done.set()
        await ticker
        return took, max(gaps, default=took), len(feed.entries)

    took, worst_gap, entries = asyncio.run(measure())
    assert entries == MAX_ENTRIES
    assert took > 0.5, took  # long enough for a stall to show
    # Parsed on the loop, the worst gap would be the whole parse; a busy machine may
    # still deschedule the process for a moment, so the bound is relative.
    assert worst_gap < took / 4, f"the loop stalled {worst_gap:.2f}s of a {took:.2f}s parse"
