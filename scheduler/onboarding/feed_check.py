"""Check a feed before it goes into a config: fetch it once, parse it, say what is wrong.

Used by `newsradar init --interactive`. One plain urllib request with a timeout and
a size cap (not Scrapy: no reactor for a one-off check); the document is parsed by
the crawler's own feed parser (feedparser behind XML safety checks), so a feed
that passes here is one the crawler reads. A web page that advertises a feed
(``<link rel="alternate">``) leads to that feed. OPML files (a feed reader's
export) are read with the same XML safety checks.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from crawler.parse.feeds import FeedError, parse_feed
from crawler.parse.links import feed_links as advertised_feeds
from crawler.parse.links import parse_html
from crawler.parse.opml import OPMLError, parse_opml
from crawler.settings import USER_AGENT

TIMEOUT = 10.0  # seconds, per request
MAX_BYTES = 5 * 1024 * 1024


class FetchError(Exception):
    """A feed cannot be fetched; says why in words."""


class OpmlError(Exception):
    """An OPML file cannot be read; says why in words."""


@dataclass(frozen=True)
class FeedCheck:
    """The outcome of checking one feed URL."""

    url: str  # the feed's URL: the one given, or the feed the page advertises
    ok: bool
    title: str | None = None
    entries: int = 0
    error: str | None = None  # why it cannot be read, in words
    discovered: bool = False  # the URL given was a page; ``url`` is its feed


def _fetch(url: str, timeout: float) -> tuple[bytes, str]:
    """The body (at most MAX_BYTES) and content type at ``url``; raises FetchError
    with a readable reason."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
            kind = response.headers.get_content_type() or ""
    except urllib.error.HTTPError as err:
        raise FetchError(f"the server answered HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(f"no answer within {timeout:g} s") from err
        raise FetchError(f"cannot connect: {reason}") from err
    except TimeoutError as err:
        raise FetchError(f"no answer within {timeout:g} s") from err
    except (OSError, ValueError) as err:  # bad URL, connection reset...
        raise FetchError(f"cannot fetch it: {err}") from err
    if len(body) > MAX_BYTES:
        raise FetchError(f"larger than {MAX_BYTES // (1024 * 1024)} MB: not a feed")
    return body, kind


def check_feed(url: str, timeout: float = TIMEOUT) -> FeedCheck:
    """Fetch ``url`` and read it as a feed; a page that advertises a feed leads to it
    (one step only: at most two requests)."""
    return _check(url, timeout, discover=True)


def _check(url: str, timeout: float, *, discover: bool) -> FeedCheck:
    if not url.startswith(("http://", "https://")):
        return FeedCheck(url, False, error="not an http:// or https:// URL")
    try:
        body, kind = _fetch(url, timeout)
    except FetchError as err:
        return FeedCheck(url, False, error=str(err))
    try:
        feed = parse_feed(body, url)
    except FeedError as err:
        if discover and ("html" in kind or body.lstrip()[:1] == b"<"):
            links = [link for link in advertised_feeds(parse_html(body), url) if link != url]
            if links:
                found = _check(links[0], timeout, discover=False)
                if found.ok:
                    return FeedCheck(found.url, True, found.title, found.entries, None, True)
        return FeedCheck(url, False, error=f"not an RSS, Atom or JSON feed ({err})")
    return FeedCheck(url, True, feed.title, len(feed.entries))


def read_opml(path: Path) -> list[tuple[str, str]]:
    """The (name, feed URL) pairs of an OPML file, in order, each URL once.

    Raises OpmlError with a readable reason when the file cannot be read.
    """
    try:
        body = path.read_bytes()
    except OSError as err:
        raise OpmlError(f"cannot read {path}: {err.strerror or err}") from err
    try:
        listed = parse_opml(body)
    except OPMLError as err:
        raise OpmlError(f"{path}: {err}") from err
    feeds = [(s.name, s.url) for s in listed if s.kind == "feed"]
    if not feeds:
        raise OpmlError(f"{path}: lists no feed (no <outline xmlUrl=...>)")
    return feeds
