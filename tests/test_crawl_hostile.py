"""Hostile and broken input, each against a real local server: the source is marked
unhealthy with the reason, retried on the next poll, and every other source carries
on. Article pages that are broken fall back to the feed's text; links to other
hosts and private addresses are never fetched (SSRF)."""

from __future__ import annotations

import sqlite3
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.parse.feeds import FeedError, parse_feed
from crawler.parse.sitemaps import SitemapError, parse_sitemap
from hostile import (
    ARABIC,
    BILLION_LAUGHS,
    FRENCH,
    CanaryServer,
    HostileServer,
    external_entity,
    rss,
    run_once,
    wait_quiet,
    write_config,
)
from newssite import NewsSite

# Real servers and crawls: the system tier.
pytestmark = pytest.mark.slow

MAX_SIZE = 1024 * 1024

# path on the hostile server -> what sources.last_error must say
SOURCE_CASES = {
    "/status/404": "HTTP 404",
    "/status/410": "HTTP 410",
    "/status/500": "HTTP 500",
    "/status/503": "HTTP 503",
    "/slow": "timed out",
    "/reset": "connection",
    "/reset-midway": "connection lost",
    "/malformed.xml": "malformed XML",
    "/bomb.xml": "entity declarations are refused",
    "/xxe.xml": "entity declarations are refused",
    "/gzip-bomb.xml": "too large when decompressed",
    "/huge.xml": "too large",
    "/huge-unannounced.xml": "too large",
    "/loop-a": "too many redirects",
    "/pdf": "not a feed: PDF document",
    "/image.png": "not a feed: PNG image",
    "/empty": "empty document",
}
# Readable though damaged: a good poll, with what was odd noted on it.
DAMAGED_CASES = {"/truncated.xml": "malformed XML"}


@pytest.fixture
def canaries() -> Iterator[tuple[CanaryServer, CanaryServer]]:
    """Two servers that must hear nothing: one on 127.0.0.2, one on another port."""
    with CanaryServer("127.0.0.2") as far, CanaryServer("127.0.0.1") as near:
        yield far, near


def _db(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "radar.db")
    db.row_factory = sqlite3.Row
    return db


def test_every_broken_source_is_unhealthy_with_its_reason_and_others_carry_on(
    tmp_path: Path, news_site: NewsSite, canaries: tuple[CanaryServer, CanaryServer]
) -> None:
    far, near = canaries
    news_site.publish_sample(2)
    with HostileServer(max_size=MAX_SIZE, stall=4, canary=far.url("/secret")) as hostile:
        sources = [{"name": "Good", "url": news_site.rss_url, "kind": "feed"}]
        sources += [
            {"name": f"Bad {path}", "url": hostile.url(path), "kind": "feed"}
            for path in [*SOURCE_CASES, *DAMAGED_CASES]
        ]
        config = write_config(
            tmp_path / "newsradar.toml", sources, timeout="1s", retries=0, max_size="1MB"
        )
        started = time.monotonic()
        first = run_once(config)
        took = time.monotonic() - started
        assert first.returncode == 0, first.stderr
        assert "Traceback" not in first.stderr
        assert took < 30, f"a hostile source held up the cycle: {took:.1f}s"

        db = _db(tmp_path)
        rows = {r["name"]: r for r in db.execute("SELECT * FROM sources")}
        good = rows["Good"]
        assert good["last_error"] is None and good["consecutive_failures"] == 0
        assert good["articles_found"] == 2
        errors = {path: rows[f"Bad {path}"]["last_error"] or "" for path in SOURCE_CASES}
        assert {p: r for p, r in SOURCE_CASES.items() if r not in errors[p]} == {}, errors
        for path in SOURCE_CASES:
            row = rows[f"Bad {path}"]
            assert row["consecutive_failures"] == 1, path
            assert f"source Bad {path}: failed:" in first.stderr

        # The readable part of a truncated feed is kept, and the poll counts as good.
        stored = {r["url"] for r in db.execute("SELECT url FROM articles")}
        assert hostile.url("/page/story-number-1") in stored
        for path, note in DAMAGED_CASES.items():
            row = rows[f"Bad {path}"]
            assert row["last_error"] is None and row["consecutive_failures"] == 0, path
            assert note in row["last_status"], row["last_status"]
            good_runs = db.execute(
                "SELECT runs.note FROM runs JOIN sources ON sources.id = runs.source_id "
                "WHERE sources.name = ? AND runs.status = 'ok'",
                [f"Bad {path}"],
            ).fetchall()
            assert len(good_runs) == 1, path
            assert note in (good_runs[0][0] or ""), (path, good_runs)  # kept on the run too

        # Retried on the next poll; still failing, the count goes up.
        second = run_once(config)
        assert second.returncode == 0, second.stderr
        rows = {r["name"]: r for r in db.execute("SELECT * FROM sources")}
        assert all(rows[f"Bad {path}"]["consecutive_failures"] == 2 for path in SOURCE_CASES)
        assert rows["Good"]["consecutive_failures"] == 0
        db.close()
    wait_quiet()
    assert far.requests == [] and near.requests == []  # the XXE was never resolved


def test_broken_article_pages_fall_back_and_private_links_are_never_fetched(
    tmp_path: Path, canaries: tuple[CanaryServer, CanaryServer]
) -> None:
    far, near = canaries
    with HostileServer(max_size=MAX_SIZE, stall=4, canary=far.url("/secret")) as hostile:
        links = {
            "arabic": hostile.url("/cp1256.html"),
            "french": hostile.url("/latin1.html"),
            "pdf": hostile.url("/pdf"),
            "png": hostile.url("/image.png"),
            "empty": hostile.url("/empty"),
            "error": hostile.url("/status/500"),
            "reset": hostile.url("/reset"),
            "slow": hostile.url("/slow"),
            "loop": hostile.url("/loop-a"),
            "redirect": hostile.url("/redirect-to-canary"),
            "far": far.url("/news/a-story-on-another-host"),
            "near": near.url("/news/a-story-on-another-port"),
            "allowed-but-private": far.url("/news/allowed-domain-private-address"),
        }
        hostile.set("/feed.xml", rss([(url, name) for name, url in links.items()]), "text/xml")
        config = write_config(
            tmp_path / "newsradar.toml",
            [
                {
                    "name": "Mixed",
                    "url": hostile.url("/feed.xml"),
                    "kind": "feed",
                    # The site rule lets 127.0.0.2 through; the address rule must not.
                    "allow_domains": ["127.0.0.2"],
                }
            ],
            timeout="1s",
            retries=0,
            max_size="1MB",
        )
        result = run_once(config)
        assert result.returncode == 0, result.stderr
        db = _db(tmp_path)
        source = db.execute("SELECT * FROM sources").fetchone()
        assert source["last_error"] is None  # the feed itself is fine
        articles = {r["url"]: r for r in db.execute("SELECT * FROM articles")}

        arabic = articles[links["arabic"]]
        assert arabic["extracted_from"] == "page"
        assert "طالبان" in arabic["text"] and ARABIC.split("،")[0].strip() in arabic["text"]
        assert "cp1256" in arabic["charset_note"]
        french = articles[links["french"]]
        assert "négociations étaient très difficiles" in french["text"]
        assert FRENCH.split(",")[0] in french["text"]
        assert french["charset_note"]

        for name in ("pdf", "png", "empty", "error", "reset", "slow", "loop"):
            row = articles[links[name]]
            assert row["extracted_from"] == "feed", name
            assert row["text"] == f"Summary of {name}.", name
        # Refused links are not stored at all.
        for name in ("redirect", "far", "near", "allowed-but-private"):
            assert links[name] not in articles, name
        db.close()
    wait_quiet()
    assert far.requests == [], far.requests
    assert near.requests == [], near.requests


def test_entity_bombs_are_refused_unexpanded_in_bounded_memory() -> None:
    tracemalloc.start()
    for document in (BILLION_LAUGHS, external_entity("http://127.0.0.2:9/secret")):
        with pytest.raises(FeedError, match="entity declarations are refused"):
            parse_feed(document, "http://127.0.0.1/feed.xml")
        with pytest.raises(SitemapError, match="entity declarations are refused"):
            parse_sitemap(
                document.replace(b"<rss", b"<urlset"), "http://127.0.0.1/s.xml", since=None, limit=9
            )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Expanded, the bomb's title alone would be 3 GB.
    assert peak < 2 * 1024 * 1024, peak


def test_gzipped_sitemap_is_decompressed_within_the_size_limit() -> None:
    import gzip

    bomb = gzip.compress(b"<urlset>" + b" " * (8 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(SitemapError, match="larger than"):
        parse_sitemap(bomb, "http://127.0.0.1/s.xml.gz", since=None, limit=9, max_size=MAX_SIZE)
