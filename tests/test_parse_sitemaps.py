"""Sitemaps to recent article URLs: plain, Google News, indexes, gzipped, hostile."""

from __future__ import annotations

import gzip

import pytest

from crawler.parse.sitemaps import SitemapError, gunzip_bounded, parse_sitemap

URL = "https://news.example.org/sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(*urls: str, extra_ns: str = "") -> bytes:
    return f'<?xml version="1.0"?><urlset {NS} {extra_ns}>{"".join(urls)}</urlset>'.encode()


def url(loc: str, lastmod: str | None = None) -> str:
    return (
        f"<url><loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
    )


def test_only_entries_in_the_window_newest_first_canonical() -> None:
    body = urlset(
        url("https://news.example.org/a?utm_source=sitemap", "2024-05-01"),
        url("https://news.example.org/b", "2024-05-03T10:00:00+02:00"),
        url("https://news.example.org/old", "2023-01-01"),
        url("https://news.example.org/undated"),
        url("/relative", "2024-05-02"),
    )
    sitemap = parse_sitemap(body, URL, since="2024-04-30T00:00:00Z", limit=10)
    assert not sitemap.is_index and not sitemap.news
    assert [(e.loc, e.updated) for e in sitemap.entries] == [
        ("https://news.example.org/b", "2024-05-03T08:00:00Z"),
        ("https://news.example.org/relative", "2024-05-02T00:00:00Z"),
        ("https://news.example.org/a", "2024-05-01T00:00:00Z"),
    ]
    assert (sitemap.total, sitemap.too_old, sitemap.undated) == (5, 1, 1)


def test_undated_entries_kept_when_asked_and_the_limit_keeps_the_newest() -> None:
    body = urlset(*(url(f"https://news.example.org/s{i}", f"2024-05-0{i}") for i in range(1, 6)))
    sitemap = parse_sitemap(body + b"", URL, since=None, limit=2)
    assert [e.loc for e in sitemap.entries] == [
        "https://news.example.org/s5",
        "https://news.example.org/s4",
    ]
    assert sitemap.over_limit == 3
    undated = urlset(url("https://news.example.org/u"))
    assert parse_sitemap(undated, URL, since=None, limit=5).entries == []
    kept = parse_sitemap(undated, URL, since=None, limit=5, keep_undated=True)
    assert [e.loc for e in kept.entries] == ["https://news.example.org/u"]


def test_google_news_sitemap() -> None:
    body = urlset(
        "<url><loc>https://news.example.org/cholera</loc><news:news>"
        "<news:publication><news:name>Gulf Wire</news:name><news:language>en</news:language>"
        "</news:publication><news:publication_date>2024-05-06T09:00:00Z</news:publication_date>"
        "<news:title>  Cholera cases\n fall  </news:title></news:news></url>",
        "<url><loc>https://news.example.org/undated-news</loc><news:news>"
        "<news:title>No date</news:title></news:news></url>",
        extra_ns=NEWS_NS,
    )
    sitemap = parse_sitemap(body, URL, since="2024-05-01T00:00:00Z", limit=10)
    assert sitemap.news
    first, second = sitemap.entries
    assert first.title == "Cholera cases fall"
    assert first.published == first.updated == "2024-05-06T09:00:00Z"
    assert second.loc == "https://news.example.org/undated-news"  # News sitemaps are recent


def test_sitemap_index_and_gzip() -> None:
    index = (
        f'<?xml version="1.0"?><sitemapindex {NS}>'
        "<sitemap><loc>https://news.example.org/sitemap-2024-05.xml.gz</loc>"
        "<lastmod>2024-05-06</lastmod></sitemap>"
        "<sitemap><loc>https://news.example.org/sitemap-undated.xml</loc></sitemap>"
        "</sitemapindex>"
    ).encode()
    sitemap = parse_sitemap(gzip.compress(index), URL, since="2024-05-01T00:00:00Z", limit=10)
    assert sitemap.is_index
    assert [e.loc for e in sitemap.entries] == [
        "https://news.example.org/sitemap-2024-05.xml.gz",
        "https://news.example.org/sitemap-undated.xml",
    ]


def test_gzip_bombs_stop_at_the_size_limit() -> None:
    bomb = gzip.compress(b"<" + b" " * 5_000_000)
    with pytest.raises(SitemapError, match="larger than 1000 bytes"):
        gunzip_bounded(bomb, 1000)
    with pytest.raises(SitemapError, match="when decompressed"):
        parse_sitemap(bomb, URL, since=None, limit=10, max_size=1000)
    assert gunzip_bounded(gzip.compress(b"small"), 1000) == b"small"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty document"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element <rss>"),
        (b"<html><body>not a sitemap", "not a sitemap"),
        (b"plain text", "not a sitemap"),
        (
            b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
            b"<urlset>&a;</urlset>",
            "entity declarations are refused",
        ),
    ],
)
def test_what_is_not_a_sitemap_raises_sitemap_error(body: bytes, reason: str) -> None:
    with pytest.raises(SitemapError, match=reason):
        parse_sitemap(body, URL, since=None, limit=10)


def test_a_sitemap_broken_half_way_says_how_far_it_got() -> None:
    body = urlset(url("https://news.example.org/a", "2024-05-01"))[:-20]
    body += b"<url><loc>https://news.example.org/b</loc></url><url><loc"
    with pytest.raises(SitemapError, match="malformed sitemap after"):
        parse_sitemap(body, URL, since=None, limit=10)
