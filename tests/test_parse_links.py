"""Links in HTML pages (advertised feeds, article links on listing pages) and the
fetch rules of a source's crawl (LinkPolicy)."""

from __future__ import annotations

import ipaddress

from crawler.guard import LinkPolicy, is_public, port_of
from crawler.parse.links import article_links, feed_links, looks_like_article, parse_html

BASE = "https://news.example.org/world/"

LISTING = """<!DOCTYPE html><html><head>
<link rel="alternate" type="application/rss+xml" href="/feeds/rss.xml">
<link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://feeds.example.org/atom">
<link rel="Alternate" type="application/feed+json" href="/feeds/rss.xml">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
<link rel="stylesheet" type="text/css" href="/style.css">
</head><body>
<header><a href="/world/2024/03/14/header-story-about-floods">Header story</a></header>
<nav class="main"><a href="/politics/">Politics</a>
  <a href="/world/2024/03/14/nav-story">In nav</a></nav>
<main>
  <a href="/world/2024/03/14/flooding-closes-kandahar-highway?utm_source=home"
    >Flooding closes highway</a>
  <a href="/world/2024/03/14/flooding-closes-kandahar-highway#comments">12 comments</a>
  <a href="/world/asia/aid-convoys-wait-outside-ghazni-for-days">Aid convoys wait</a>
  <a href="/world/story/48213">Short path with an id</a>
  <a href="/world/ghazni">Ghazni markets reopen after three weeks of closure</a>
  <a href="/world/brief">Brief</a>
  <a href="/tag/floods">Floods</a>
  <a href="/authors/mariam-rahimi">Mariam Rahimi</a>
  <a href="/world/page/2">Next page</a>
  <a href="/world/2024/03/14/report.pdf">The report (PDF)</a>
  <a href="https://other.example.net/world/2024/03/14/syndicated-story">Elsewhere</a>
  <a href="https://live.example.org/2024/03/14/subdomain-story-on-the-same-site">Subdomain</a>
  <a href="mailto:desk@example.org">Write to us</a>
  <a href="javascript:void(0)">Menu</a>
  <a href="#top">Top</a>
  <a href="/world/">This page</a>
  <div class="share-tools"><a href="/world/2024/03/14/share-this-story-now">Share</a></div>
</main>
<footer><a href="/world/2024/01/01/footer-story-archive">Archive</a></footer>
</body></html>"""


def test_feed_links_in_page_order_once_each() -> None:
    assert feed_links(parse_html(LISTING), BASE) == [
        "https://news.example.org/feeds/rss.xml",
        "https://feeds.example.org/atom",
    ]
    assert feed_links(None, BASE) == []
    assert feed_links(parse_html("<html><body>no head</body></html>"), BASE) == []


def test_article_links_on_a_listing_page() -> None:
    links = article_links(parse_html(LISTING), BASE, {"example.org"})
    assert [(link.url, link.text) for link in links] == [
        (
            "https://news.example.org/world/2024/03/14/flooding-closes-kandahar-highway",
            "Flooding closes highway",
        ),
        (
            "https://news.example.org/world/asia/aid-convoys-wait-outside-ghazni-for-days",
            "Aid convoys wait",
        ),
        ("https://news.example.org/world/story/48213", "Short path with an id"),
        (
            "https://news.example.org/world/ghazni",
            "Ghazni markets reopen after three weeks of closure",
        ),
        (
            "https://live.example.org/2024/03/14/subdomain-story-on-the-same-site",
            "Subdomain",
        ),
    ]
    assert len(article_links(parse_html(LISTING), BASE, {"example.org"}, limit=2)) == 2
    assert article_links(None, BASE, {"example.org"}) == []


def test_looks_like_article() -> None:
    assert looks_like_article("https://e.org/2024/03/14/x", None)  # a date
    assert looks_like_article("https://e.org/news/123456", None)  # an id
    assert looks_like_article("https://e.org/a-slug-of-words", None)
    assert looks_like_article("https://e.org/news/short", "A headline of at least five words")
    assert not looks_like_article("https://e.org/news/short", "Short")
    assert not looks_like_article("https://e.org/", "Home")
    assert not looks_like_article("https://e.org/tag/a-slug-of-words", None)
    assert not looks_like_article("https://e.org/2024/03/14/photo.jpg", None)


def test_parse_html_is_lenient_and_none_for_nothing() -> None:
    assert parse_html("") is None and parse_html(b"   ") is None
    tree = parse_html("<p>unclosed <b>tags")
    assert tree is not None and tree.findtext(".//b") == "tags"


def test_link_policy_site_rule() -> None:
    policy = LinkPolicy("https://feeds.example.org/rss.xml", allow_domains=("Partner.Example.",))
    assert policy.sites == {"example.org", "partner.example"}
    assert policy.allows_site("https://www.example.org/a")
    assert policy.allows_site("https://cdn.partner.example/a")
    assert not policy.allows_site("https://example.net/a")
    policy.add_site("https://home.example.net/")  # the home page the feed declares
    policy.add_site(None)
    policy.add_site("not a url")
    assert policy.allows_site("https://www.example.net/a")
    by_address = LinkPolicy("http://127.0.0.1:8080/feed.xml")
    assert by_address.allows_site("http://127.0.0.1:9999/a")
    assert not by_address.allows_site("http://127.0.0.2/a")  # no subdomains of an address


def test_link_policy_address_rule() -> None:
    policy = LinkPolicy("http://127.0.0.1:8080/feed.xml")
    loopback = ipaddress.ip_address("127.0.0.1")
    assert policy.allows_address(ipaddress.ip_address("93.184.216.34"), "https://e.org/")
    assert not policy.allows_address(loopback, "http://127.0.0.1:8080/a")  # not resolved yet
    policy.source_endpoints.add(("127.0.0.1", 8080))
    assert policy.allows_address(loopback, "http://127.0.0.1:8080/a")
    assert not policy.allows_address(loopback, "http://127.0.0.1:6379/")  # another port
    for private in ("10.0.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "224.0.0.1"):
        assert not is_public(ipaddress.ip_address(private)), private
    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))  # IPv4-mapped
    assert (port_of("https://e.org/"), port_of("http://e.org/"), port_of("http://e.org:81/")) == (
        443,
        80,
        81,
    )
