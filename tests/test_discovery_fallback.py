"""`auto` does not give up on a failing URL: the site's usual feed paths and the
sitemaps its robots.txt lists are still tried, and `newsradar sources` says what was
found and why it was chosen. Real local sites, real crawls."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import newsradar
from crawler.parse.links import COMMON_FEED_PATHS
from hostile import run_once, write_config
from newssite import NewsSite

pytestmark = pytest.mark.slow


def _without_feeds(site: NewsSite) -> None:
    for path in COMMON_FEED_PATHS:
        site.set_status(path, 404)


@pytest.mark.parametrize("status", [404, 403, 503])
def test_a_failing_home_page_over_a_news_sitemap_in_robots_txt(
    tmp_path: Path, news_site: NewsSite, status: int
) -> None:
    news_site.publish_sample(3)
    news_site.set_status("/", status)
    _without_feeds(news_site)
    news_site.set_body(
        "/robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {news_site.news_sitemap_url}\n",
        "text/plain",
    )
    config = write_config(
        tmp_path / "newsradar.toml", [{"name": "Root", "url": news_site.base_url + "/"}]
    )
    result = run_once(config)
    assert result.returncode == 0, result.stdout + result.stderr

    db = sqlite3.connect(tmp_path / "radar.db")
    kind, url, note, failures = db.execute(
        "SELECT resolved_kind, resolved_url, resolved_note, consecutive_failures FROM sources"
    ).fetchone()
    assert (kind, url, failures) == ("sitemap", news_site.news_sitemap_url, 0)
    assert note == (
        f"sitemap {news_site.news_sitemap_url}, listed in robots.txt "
        f"(because the configured URL answered HTTP {status})"
    )
    stored = {row[0] for row in db.execute("SELECT url FROM articles")}
    assert stored == {news_site.article_url(a.slug) for a in news_site.articles}

    shown = newsradar("sources", "-c", str(config))
    assert f"polls {news_site.news_sitemap_url} as sitemap" in shown.stdout
    assert f"found: {note}" in shown.stdout

    # Later polls go straight to the sitemap: the failing home page is not asked again.
    news_site.clear_requests()
    assert run_once(config).returncode == 0
    assert ("GET", "/") not in news_site.requests


def test_a_home_page_answering_404_over_a_usual_feed_path(
    tmp_path: Path, news_site: NewsSite
) -> None:
    news_site.publish_sample(2)
    news_site.set_status("/", 404)
    config = write_config(
        tmp_path / "newsradar.toml", [{"name": "Root", "url": news_site.base_url + "/"}]
    )
    assert run_once(config).returncode == 0
    db = sqlite3.connect(tmp_path / "radar.db")
    kind, url, note = db.execute(
        "SELECT resolved_kind, resolved_url, resolved_note FROM sources"
    ).fetchone()
    assert kind == "feed" and url.startswith(news_site.base_url + "/")
    assert (
        note == f"feed {url}, at a usual feed path (because the configured URL answered HTTP 404)"
    )
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_nothing_anywhere_on_the_site_fails_with_every_reason(
    tmp_path: Path, news_site: NewsSite
) -> None:
    news_site.set_status("/", 404)
    _without_feeds(news_site)
    news_site.set_status("/robots.txt", 404)
    config = write_config(
        tmp_path / "newsradar.toml", [{"name": "Root", "url": news_site.base_url + "/"}]
    )
    run_once(config)
    db = sqlite3.connect(tmp_path / "radar.db")
    error, failures = db.execute("SELECT last_error, consecutive_failures FROM sources").fetchone()
    assert error == (
        "the configured URL answered HTTP 404; no feed at the usual paths, no sitemap in robots.txt"
    )
    assert failures == 1
