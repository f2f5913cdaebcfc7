"""Every kind of source against real local news sites: feeds in every format,
sitemaps (from robots.txt, News, plain, an archive that must not be crawled),
listing pages, `auto` discovery; then conditional re-polls, updated articles and
one row per article however it is reached."""

from __future__ import annotations

import sqlite3
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.parse.feeds import parse_feed
from hostile import run_once, write_config
from newssite import NewsSite

# Real servers and crawls: the system tier.
pytestmark = pytest.mark.slow


def _db(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "radar.db")
    db.row_factory = sqlite3.Row
    return db


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def _without_feed_links(site: NewsSite) -> str:
    """The site's home page with its <link rel="alternate"> feeds taken out."""
    page = _get(site.base_url + "/").decode()
    return "\n".join(line for line in page.splitlines() if 'rel="alternate"' not in line)


@pytest.fixture
def sites() -> Iterator[list[NewsSite]]:
    with (
        NewsSite("Feeds Daily") as feeds,
        NewsSite("Sitemap Times") as maps,
        NewsSite("Listing Post") as listing,
        NewsSite("Auto Feed") as auto_feed,
        NewsSite("Auto Path") as auto_path,
        NewsSite("Auto Sitemap") as auto_map,
        NewsSite("Auto Page") as auto_page,
    ):
        yield [feeds, maps, listing, auto_feed, auto_path, auto_map, auto_page]


def test_feed_formats_parse_from_a_live_site(news_site: NewsSite) -> None:
    news_site.publish_sample(3)
    articles = news_site.articles  # newest first, as the feeds list them
    expected = [news_site.article_url(a.slug) for a in articles]
    for url in (
        news_site.rss_url,
        news_site.atom_url,
        news_site.json_feed_url,
        news_site.atom03_url,
        news_site.rss091_url,
        news_site.rdf_url,
    ):
        feed = parse_feed(_get(url), url)
        assert [e.link for e in feed.entries] == expected, url
        assert feed.entries[0].title == articles[0].title, url
        assert feed.problem is None, url
        if url != news_site.rss091_url:  # RSS 0.91 items carry no dates
            assert feed.entries[0].published, url


QUIRKY = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Quirky &amp; Co</title><link>/</link>
<item><title>Relative &lt;b&gt;bold&lt;/b&gt; &amp;amp; link</title><link>/news/{a}</link>
<guid isPermaLink="false">guid-1</guid>
<description>&lt;p&gt;First &lt;i&gt;summary&lt;/i&gt;&lt;/p&gt;</description></item>
<item><title>Same guid again</title><link>/news/other-story-same-guid</link>
<guid isPermaLink="false">guid-1</guid></item>
<item><title>No link at all</title><description>Nothing to follow.</description></item>
<item><title>Permalink guid only</title><guid isPermaLink="true">{base}/news/{b}</guid>
<description>Found by its guid.</description></item>
<item><title>{a} again, tracked</title>
<link>{base}/news/{a}?utm_source=rss&amp;fbclid=x</link></item>
</channel></rss>"""


def test_every_kind_of_source_then_a_conditional_repoll(
    tmp_path: Path, sites: list[NewsSite]
) -> None:
    feeds, maps, listing, auto_feed, auto_path, auto_map, auto_page = sites
    for site in sites:
        site.publish_sample(4)
    # An article too old for the sitemap window, and 50,000 archive URLs.
    maps.publish(
        "an-old-story-from-last-month",
        "An old story",
        ["It happened long ago and is listed in the plain sitemap only."],
        published=datetime.now(UTC) - timedelta(days=30),
    )
    maps.archive_size = 50_000
    a, b = feeds.articles[0].slug, feeds.articles[1].slug
    feeds.set_body(
        "/feeds/quirky.xml",
        QUIRKY.format(a=a, b=b, base=feeds.base_url),
        "application/rss+xml",
    )
    # auto: a home page without <link rel=alternate>: found at a common feed path.
    auto_path.set_body("/", _without_feed_links(auto_path))
    # auto: no feed anywhere, a sitemap in robots.txt.
    auto_map.set_body("/", _without_feed_links(auto_map))
    for path in ("/feeds/rss.xml", "/feeds/atom.xml"):
        auto_map.set_status(path, 404)
        auto_page.set_status(path, 404)
    # auto: nothing but the listing page itself.
    auto_page.set_body("/", _without_feed_links(auto_page))
    auto_page.set_status("/sitemap_index.xml", 404)

    sources = [
        {"name": "quirky", "url": feeds.base_url + "/feeds/quirky.xml", "kind": "feed"},
        {"name": "sitemap root", "url": maps.base_url + "/", "kind": "sitemap"},
        {"name": "plain sitemap", "url": maps.sitemap_url, "kind": "sitemap"},
        {"name": "archive", "url": maps.archive_sitemap_url, "kind": "sitemap"},
        {"name": "listing", "url": listing.base_url + "/world/", "kind": "page"},
        {"name": "auto feed", "url": auto_feed.base_url + "/"},
        {"name": "auto path", "url": auto_path.base_url + "/"},
        {"name": "auto sitemap", "url": auto_map.base_url + "/"},
        {"name": "auto page", "url": auto_page.base_url + "/asia/"},
    ]
    config = write_config(tmp_path / "newsradar.toml", sources, store_html=True)
    first = run_once(config)
    assert first.returncode == 0, first.stderr
    db = _db(tmp_path)
    health = {r["name"]: r for r in db.execute("SELECT * FROM sources")}
    assert {n: r["last_error"] for n, r in health.items() if r["last_error"]} == {}
    stored = {r["url"]: r for r in db.execute("SELECT * FROM articles")}

    # feed quirks: relative link resolved, HTML stripped, duplicate guid and the
    # link-less entry skipped, a permalink guid followed, tracking parameters gone.
    quirky = {u: r for u, r in stored.items() if u.startswith(feeds.base_url)}
    assert set(quirky) == {feeds.article_url(a), feeds.article_url(b)}
    assert quirky[feeds.article_url(a)]["title"] == "Relative bold & link"
    assert quirky[feeds.article_url(a)]["extracted_from"] == "page"
    assert db.execute("SELECT count(*) FROM article_html").fetchone()[0] >= 2

    # sitemaps: recent entries only; the archive and the old story never fetched.
    recent = {maps.article_url(x.slug) for x in maps.articles if "old-story" not in x.slug}
    assert {u for u in stored if u.startswith(maps.base_url)} == recent
    assert not [p for _, p in maps.requests if p.startswith("/archive/") or "old-story" in p]
    assert health["archive"]["last_status"].startswith("0 entries")

    # listing page: the World section's stories, nothing else.
    world = {listing.article_url(x.slug) for x in listing.articles if x.section == "World"}
    assert {u for u in stored if u.startswith(listing.base_url)} == world
    fetched = {p for _, p in listing.requests}
    assert fetched == {"/robots.txt", "/world/"} | {p.removeprefix(listing.base_url) for p in world}

    # auto: what was found, and the articles it brought.
    kinds = {n: (r["resolved_kind"], r["resolved_url"]) for n, r in health.items()}
    assert kinds["auto feed"] == ("feed", auto_feed.rss_url)
    assert kinds["auto path"] == ("feed", auto_path.rss_url)
    assert kinds["auto sitemap"][0] == "sitemap"
    assert kinds["auto page"] == ("page", auto_page.base_url + "/asia/")
    for site in (auto_feed, auto_path, auto_map):
        assert {u for u in stored if u.startswith(site.base_url)} == {
            site.article_url(x.slug) for x in site.articles
        }
    asia = {auto_page.article_url(x.slug) for x in auto_page.articles if x.section == "Asia"}
    assert {u for u in stored if u.startswith(auto_page.base_url)} == asia

    # Re-poll: nothing changed, so each polled document answers 304 and no
    # article page is fetched again.
    for site in sites:
        site.clear_requests()
    second = run_once(config)
    assert second.returncode == 0, second.stderr
    assert "0 new articles" in second.stderr
    for site in sites:
        log = site.request_log
        assert not [r.path for r in log if r.path.startswith("/news/")], site.name
        documents = [r for r in log if r.path != "/robots.txt"]
        assert documents and all(r.status == 304 for r in documents), (site.name, documents)
    statuses = {r["name"]: r["last_status"] for r in db.execute("SELECT * FROM sources")}
    assert set(statuses.values()) == {"not modified"}, statuses
    db.close()


def test_updated_article_is_reextracted_and_one_article_is_one_row(
    tmp_path: Path, news_site: NewsSite
) -> None:
    story = news_site.publish(
        "talks-resume-in-doha",
        "Talks resume in Doha",
        ["Taliban envoys met regional diplomats in Doha on Tuesday, officials said."] * 3,
    )
    url = news_site.article_url(story.slug)
    page = _get(url).decode()
    # The same story at an AMP address whose rel=canonical names the real one.
    news_site.set_body("/amp/talks-resume-in-doha", page)
    news_site.set_body(
        "/feeds/twice.xml",
        f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Talks</title><link>{url}?utm_source=twitter&amp;gclid=1</link></item>
<item><title>Talks (AMP)</title><link>/amp/talks-resume-in-doha</link></item>
</channel></rss>""",
        "application/rss+xml",
    )
    sources = [
        {"name": "atom", "url": news_site.atom_url, "kind": "feed"},
        {"name": "twice", "url": news_site.base_url + "/feeds/twice.xml", "kind": "feed"},
    ]
    config = write_config(tmp_path / "newsradar.toml", sources)
    first = run_once(config)
    assert first.returncode == 0, first.stderr
    db = _db(tmp_path)
    rows = list(db.execute("SELECT * FROM articles"))
    assert [r["url"] for r in rows] == [url]
    aliases = {r[0] for r in db.execute("SELECT url FROM article_urls")}
    assert aliases == {url, news_site.base_url + "/amp/talks-resume-in-doha"}
    before = rows[0]

    # The site edits the story; its Atom entry says so: re-fetched, re-extracted.
    news_site.clear_requests()
    news_site.update(
        story.slug,
        paragraphs=["Al-Qaida was also discussed at the talks, a diplomat said later."] * 3,
        updated=datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5),
    )
    second = run_once(config)
    assert second.returncode == 0, second.stderr
    after = db.execute("SELECT * FROM articles").fetchone()
    assert "Al-Qaida was also discussed" in after["text"]
    assert after["content_hash"] != before["content_hash"]
    assert after["entry_updated"] > before["entry_updated"]
    assert after["first_seen"] == before["first_seen"]
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert news_site.requests.count(("GET", story.path)) == 1

    # Nothing changed since: the next poll is all 304s.
    news_site.clear_requests()
    third = run_once(config)
    assert third.returncode == 0, third.stderr
    assert not [p for _, p in news_site.requests if p.startswith(("/news/", "/amp/"))]
    db.close()
