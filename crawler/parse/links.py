"""Links in HTML pages: the feeds a page advertises, and the article links on a
section front or listing page.

A listing page links to everything: sections, tags, authors, pagination, the
about page, social networks. Only links that look like articles are kept: on the
same site, outside the page's navigation, header and footer, with an article-like
path (a long slug, a date, a numeric id) and not a navigation path (courlan's
filters for tags, categories, authors, archives and pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import courlan
import lxml.html
from lxml import etree

from crawler.parse.urls import canonical_url, is_http, on_sites

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
# Paths where sites commonly publish their feed, tried when a page advertises none.
COMMON_FEED_PATHS = (
    "/feed",
    "/rss",
    "/feed.xml",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/rss.xml",
    "/?feed=rss2",
)

_SKIP_ANCESTORS = {"nav", "header", "footer", "aside", "form"}
_SKIP_CLASS = re.compile(r"\b(nav|menu|breadcrumb|pagination|pager|footer|social|share|tags?)\b")
_NOT_ARTICLE_PATH = re.compile(
    r"/(tags?|topics?|authors?|category|categories|section|sections|page|search|about|"
    r"contact|privacy|terms|login|signin|register|subscribe|newsletter|account|feeds?|"
    r"rss|video|videos|gallery|podcasts?|live|weather|jobs|advertise)(/|$)",
    re.IGNORECASE,
)
_FILE_EXT = re.compile(
    r"\.(xml|rss|json|css|js|pdf|jpe?g|png|gif|webp|svg|ico|mp3|mp4|zip|gz|docx?|xlsx?)$",
    re.IGNORECASE,
)
_DATE_PATH = re.compile(r"/(19|20)\d\d/(0?[1-9]|1[0-2])(/|$)|/(19|20)\d\d-\d\d-\d\d")
_ID = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class Link:
    """An article link found on a listing page, with its anchor text."""

    url: str  # absolute and canonical
    text: str | None


def parse_html(body: str | bytes) -> lxml.html.HtmlElement | None:
    """Parse an HTML document leniently, without its comments; None when there is
    nothing to parse.

    Comments go at parse time: React and Next.js write ``text<!-- --> more`` inside
    paragraphs, and trafilatura, handed a tree that keeps them, loses the text after
    each one (it drops comments itself only when it parses the page).
    """
    if not body or not body.strip():
        return None
    try:
        return lxml.html.document_fromstring(
            body, parser=lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
        )
    except (etree.ParserError, ValueError):
        return None


def feed_links(tree: etree._Element | None, base: str) -> list[str]:
    """The feeds a page advertises with ``<link rel="alternate" type=...>``, in order."""
    if tree is None:
        return []
    found: list[str] = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = canonical_url(href, base=base)
            if is_http(url) and url not in found:
                found.append(url)
    return found


def looks_like_article(url: str, text: str | None) -> bool:
    """True when ``url`` (with anchor ``text``) looks like a story, not navigation."""
    parts = urlsplit(url)
    path = parts.path
    if _FILE_EXT.search(path) or _NOT_ARTICLE_PATH.search(path):
        return False
    if courlan.is_navigation_page(url) or courlan.is_not_crawlable(url):
        return False
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    slug = segments[-1]
    words = len(re.split(r"[-_]+", slug))
    if _DATE_PATH.search(path) or _ID.search(slug):
        return True
    if words >= 3 or len(slug) >= 25:
        return True
    # A short path with a headline-length anchor is still a story on some sites.
    return len(segments) >= 2 and len((text or "").split()) >= 5


def _in_boilerplate(element: etree._Element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in _SKIP_ANCESTORS:
            return True
        if _SKIP_CLASS.search(ancestor.get("class") or "") or ancestor.get("role") == "navigation":
            return True
    return False


def article_links(
    tree: lxml.html.HtmlElement | None, base: str, sites: set[str], limit: int = 500
) -> list[Link]:
    """Article links on a listing page, in page order, each once, at most ``limit``."""
    if tree is None:
        return []
    page = canonical_url(base)
    found: dict[str, Link] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = canonical_url(href, base=base)
        if url == page or url in found or not is_http(url) or not on_sites(url, sites):
            continue
        text = " ".join(anchor.text_content().split()) or None
        if _in_boilerplate(anchor) or not looks_like_article(url, text):
            continue
        found[url] = Link(url, text)
        if len(found) >= limit:
            break
    return list(found.values())
