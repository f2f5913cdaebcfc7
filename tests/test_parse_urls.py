"""URLs: one canonical form per article, and which site a URL belongs to."""

from __future__ import annotations

import pytest

from crawler.parse.urls import (
    canonical_url,
    host_of,
    is_http,
    is_ip,
    is_site_root,
    on_sites,
    site_of,
    site_root,
)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.org:443/a?utm_source=rss&b=2&a=1#top", "https://example.org/a?a=1&b=2"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org./a", "https://example.org/a"),
        ("https://user:secret@example.org/a", "https://example.org/a"),
        ("https://example.org/a?fbclid=x&gclid=y&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?UTM_Medium=x&pk_campaign=y&mtm_kw=z", "https://example.org/a"),
        ("https://example.org/a?wt.mc_id=1&ref=home", "https://example.org/a?ref=home"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("https://[2001:db8::1]:8443/a", "https://[2001:db8::1]:8443/a"),
        ("https://example.org/caf%C3%A9", "https://example.org/caf%C3%A9"),
        ("https://example.org/café", "https://example.org/caf%C3%A9"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_the_same_story_by_three_urls_is_one() -> None:
    forms = [
        "https://Example.org/a?utm_source=rss",
        "https://example.org:443/a#comments",
        "https://example.org/a",
    ]
    assert {canonical_url(u) for u in forms} == {"https://example.org/a"}


def test_relative_urls_resolve_against_the_base() -> None:
    base = "https://example.org/world/index.html"
    assert canonical_url("../a?utm_campaign=x", base=base) == "https://example.org/a"
    assert canonical_url("/b", base=base) == "https://example.org/b"
    assert canonical_url("//cdn.example.net/c", base=base) == "https://cdn.example.net/c"
    assert canonical_url("https://other.example/d", base=base) == "https://other.example/d"


def test_hosts_and_sites() -> None:
    assert host_of("https://WWW.Example.org./a") == "www.example.org"
    assert host_of("not a url") == ""
    assert is_ip("127.0.0.1") and is_ip("::1") and not is_ip("example.org")
    assert site_of("https://www.bbc.co.uk/news") == "bbc.co.uk"
    assert site_of("news.example.org") == "example.org"
    assert site_of("http://127.0.0.1:8080/feed") == "127.0.0.1"
    assert site_of("localhost") == "localhost"


def test_on_sites_counts_subdomains_but_not_lookalikes() -> None:
    sites = {"example.org"}
    assert on_sites("https://example.org/a", sites)
    assert on_sites("https://feeds.example.org/a", sites)
    assert not on_sites("https://badexample.org/a", sites)
    assert not on_sites("https://example.org.evil.test/a", sites)
    assert not on_sites("mailto:a@example.org", sites)


def test_http_and_roots() -> None:
    assert is_http("https://example.org/a") and is_http("http://example.org")
    assert not is_http("ftp://example.org/a") and not is_http("javascript:alert(1)")
    assert not is_http("https:///nohost")
    assert site_root("https://example.org:8443/a/b?c=1") == "https://example.org:8443/"
    assert is_site_root("https://example.org/") and is_site_root("https://example.org")
    assert not is_site_root("https://example.org/news") and not is_site_root("https://e.org/?p=1")
