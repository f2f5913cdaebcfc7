"""A small but realistic news website on 127.0.0.1 for newsradar's tests.

``NewsSite`` serves an RSS 2.0 feed, an Atom 1.0 feed, the same entries as JSON Feed
1.1, Atom 0.3, RSS 0.91 and RSS 1.0 (RDF), a sitemap index with a Google News sitemap,
a plain sitemap (``lastmod``) and an archive sitemap, a home page, section pages
(listing pages), ``robots.txt`` (naming the sitemap index) and one HTML5 page per
published article - with the boilerplate real news sites wrap around a story
(navigation, a "Related"/"Most read" sidebar, comments, footer) so the article extractor
is tested against the noise it meets in production.

    with NewsSite() as site:
        site.publish_sample(3)                   # three built-in fictional stories
        site.schedule(2.0, "late-story", "Title", ["First paragraph.", "Second."])
        feedparser.parse(site.rss_url)           # ... or point the crawler at it

Everything on the site is fictional: the outlet, the reporters and the events. Real
organisations and public figures appear only in neutral, reporting-style sentences so
the watchlist matcher has realistic text to work on.

``NewsSite`` holds the routing and the state; what it serves is rendered in
``newssite_render``, its values live in ``newssite_values`` and the built-in stories in
``newssite_stories``. Every public name is importable from here.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import urlsplit

import newssite_render as render
from newssite_render import rfc822
from newssite_stories import SAMPLE_STORIES
from newssite_values import (
    DEFAULT_COMMENTS,
    SECTIONS,
    STATIC_PAGES,
    Article,
    RequestRecord,
    ScheduledArticle,
    teaser,
)

from scheduler.demo.localhttp import QuietHTTPServer, ServedHTTP

__all__ = ["SAMPLE_STORIES", "Article", "NewsSite", "RequestRecord", "ScheduledArticle"]

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# -------------------------------------------------------------------------- site


class _QuietHTTPServer(QuietHTTPServer):
    site: NewsSite


@dataclass
class _Response:
    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)


class _SiteHandler(BaseHTTPRequestHandler):
    server: _QuietHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, like a real site; Scrapy reuses connections
    timeout = 10  # idle keep-alive connections are closed after this many seconds
    server_version = "LedgerHTTP/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the default writes every request to stderr

    def _serve(self, with_body: bool) -> None:
        site = self.server.site
        response = site._respond(self.path)
        etag = '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"'
        status = response.status
        if status == 200 and self._not_modified(etag, response.last_modified):
            status = 304
        site._record(RequestRecord(self.command, self.path, dict(self.headers.items()), status))

        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        if response.status == 200:
            self.send_header("ETag", etag)
            if response.last_modified is not None:
                self.send_header("Last-Modified", rfc822(response.last_modified))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body and status != 304:
            self.wfile.write(response.body)

    def _not_modified(self, etag: str, last_modified: datetime | None) -> bool:
        # Conditional GET as real feeds support it (RFC 9110: If-None-Match wins)
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since and last_modified is not None:
            try:
                return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)


class NewsSite(ServedHTTP):
    """A threaded local news website with RSS and Atom feeds.

    Articles become visible through :meth:`publish` (now), :meth:`publish_sample`
    (built-in stories) or :meth:`schedule` (after a delay, from a timer thread). Feeds
    list published articles newest first; unpublished slugs answer 404.
    All state is guarded by one lock, so tests may publish while a crawler polls.
    """

    def __init__(
        self, name: str = "Kabul Ledger", host: str = "127.0.0.1", *, feed_limit: int = 50
    ) -> None:
        self.name = name
        self.host = host
        self.feed_limit = feed_limit
        self._lock = threading.RLock()
        self._articles: dict[str, tuple[int, Article]] = {}  # slug -> (sequence, article)
        self._seq = 0
        self._sample_index = 0
        self._statuses: dict[str, int] = {}
        self._bodies: dict[str, _Response] = {}
        self.archive_size = 0  # old URLs listed in /sitemaps/archive.xml
        self._log: list[RequestRecord] = []
        self._scheduled: list[ScheduledArticle] = []

    # -- lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port and serve in a background thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("NewsSite already started")
        server = _QuietHTTPServer((self.host, 0), _SiteHandler)
        server.site = self
        self._serve(server, "newssite")
        return self

    def stop(self) -> None:
        """Cancel scheduled articles, stop serving and close all sockets (idempotent)."""
        with self._lock:
            scheduled, self._scheduled = self._scheduled, []
        for item in scheduled:
            item.cancel()
        self._unserve()

    # -- addresses

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if not self.port:
            raise RuntimeError("start the NewsSite before asking for its URLs")
        return f"http://{self.host}:{self.port}"

    @property
    def rss_url(self) -> str:
        """The RSS 2.0 feed."""
        return self.base_url + "/feeds/rss.xml"

    @property
    def atom_url(self) -> str:
        """The Atom 1.0 feed."""
        return self.base_url + "/feeds/atom.xml"

    @property
    def json_feed_url(self) -> str:
        """The JSON Feed 1.1."""
        return self.base_url + "/feeds/feed.json"

    @property
    def atom03_url(self) -> str:
        """The Atom 0.3 feed (the pre-standard format some old CMSs still serve)."""
        return self.base_url + "/feeds/atom03.xml"

    @property
    def rss091_url(self) -> str:
        """The RSS 0.91 feed, with Netscape's DOCTYPE."""
        return self.base_url + "/feeds/rss091.xml"

    @property
    def rdf_url(self) -> str:
        """The RSS 1.0 (RDF) feed."""
        return self.base_url + "/feeds/rss10.rdf"

    @property
    def sitemap_index_url(self) -> str:
        """The sitemap index (listed in robots.txt)."""
        return self.base_url + "/sitemap_index.xml"

    @property
    def news_sitemap_url(self) -> str:
        """The Google News sitemap: articles of the last two days."""
        return self.base_url + "/sitemaps/news.xml"

    @property
    def sitemap_url(self) -> str:
        """The plain sitemap: every article, with ``lastmod``."""
        return self.base_url + "/sitemaps/articles.xml"

    @property
    def archive_sitemap_url(self) -> str:
        """The archive sitemap: ``archive_size`` URLs of years-old stories."""
        return self.base_url + "/sitemaps/archive.xml"

    def article_url(self, slug: str) -> str:
        """The absolute URL of the article page for ``slug`` (published or not)."""
        return f"{self.base_url}/news/{slug}"

    # -- publishing

    def publish(
        self,
        slug: str,
        title: str,
        paragraphs: list[str],
        *,
        author: str = "Staff Reporter",
        published: datetime | None = None,
        summary: str | None = None,
        sidebar: list[str] | None = None,
        section: str = "World",
        comments: list[tuple[str, str]] | None = None,
        expected_entities: Iterable[str] = (),
    ) -> Article:
        """Make an article live: its page is served and it tops both feeds.

        ``published`` defaults to now (UTC, whole seconds; naive values are taken as
        UTC). ``summary`` defaults to the first sentence. ``sidebar`` holds the
        "Related" headlines shown beside the story; ``comments`` are
        ``(name, text)`` pairs (three bland default comments if ``None``).
        """
        if not _SLUG_RE.match(slug):
            raise ValueError(f"slug must be lowercase words joined by hyphens, got {slug!r}")
        if not paragraphs:
            raise ValueError("an article needs at least one paragraph")
        if section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}, got {section!r}")
        if published is None:
            published = datetime.now(UTC).replace(microsecond=0)
        elif published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        article = Article(
            slug=slug,
            title=title,
            paragraphs=tuple(paragraphs),
            author=author,
            published=published,
            summary=summary if summary is not None else teaser(paragraphs),
            sidebar=tuple(sidebar or ()),
            section=section,
            comments=tuple(DEFAULT_COMMENTS if comments is None else comments),
            expected_entities=frozenset(expected_entities),
        )
        with self._lock:
            if slug in self._articles:
                raise ValueError(f"an article with slug {slug!r} is already published")
            if self._statuses.get(article.path) == 410:  # re-publishing after unpublish()
                del self._statuses[article.path]
            self._seq += 1
            self._articles[slug] = (self._seq, article)
        return article

    def update(
        self,
        slug: str,
        *,
        title: str | None = None,
        paragraphs: list[str] | None = None,
        updated: datetime | None = None,
    ) -> Article:
        """Edit a published article: new title and/or text, ``updated`` (default now)
        shown in the Atom feeds, the JSON Feed and the sitemaps."""
        moment = updated or datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            sequence, article = self._articles[slug]
            changes: dict[str, Any] = {"updated": moment}
            if title is not None:
                changes["title"] = title
            if paragraphs is not None:
                changes["paragraphs"] = tuple(paragraphs)
            article = replace(article, **changes)
            self._articles[slug] = (sequence, article)
        return article

    def set_body(
        self,
        path: str,
        body: bytes | str | None,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` (query ignored) instead of the site's own page;
        None removes it. Validators (ETag) are sent as for every 200 answer."""
        with self._lock:
            if body is None:
                self._bodies.pop(path, None)
                return
            data = body.encode("utf-8") if isinstance(body, str) else body
            self._bodies[path] = _Response(status, content_type, data, headers=headers or {})

    def unpublish(self, slug: str) -> None:
        """Take an article down: it leaves the feeds and its page answers 410 Gone."""
        with self._lock:
            self._articles.pop(slug)
            self._statuses.setdefault(f"/news/{slug}", 410)

    def publish_sample(self, n: int) -> list[Article]:
        """Publish the next ``n`` stories of :data:`SAMPLE_STORIES` (in order), now."""
        with self._lock:
            stories = self._take_samples(n)
            return [self.publish(**story) for story in stories]

    def schedule(
        self, delay_seconds: float, slug: str, title: str, paragraphs: list[str], **kwargs: Any
    ) -> ScheduledArticle:
        """Publish an article ``delay_seconds`` from now, from a timer thread.

        Takes the same keyword arguments as :meth:`publish`; ``published`` defaults to
        the moment it goes live. Returns a handle to ``wait()`` for or ``cancel()``.
        """
        item = ScheduledArticle(slug=slug, delay=delay_seconds)

        def fire() -> None:
            try:
                item._article = self.publish(slug, title, paragraphs, **kwargs)
            except BaseException as error:  # surfaced by ScheduledArticle.wait()
                item._error = error
            finally:
                item._done.set()

        item._timer = threading.Timer(delay_seconds, fire)
        item._timer.daemon = True
        item._timer.name = f"newssite-publish-{slug}"
        with self._lock:
            self._scheduled.append(item)
        item._timer.start()
        return item

    publish_later = schedule

    def schedule_sample(self, delay_seconds: float) -> ScheduledArticle:
        """Publish the next sample story ``delay_seconds`` from now."""
        with self._lock:
            [story] = self._take_samples(1)
        story = dict(story)
        return self.schedule(
            delay_seconds, story.pop("slug"), story.pop("title"), story.pop("paragraphs"), **story
        )

    def _take_samples(self, n: int) -> list[dict[str, Any]]:
        if n < 0 or self._sample_index + n > len(SAMPLE_STORIES):
            left = len(SAMPLE_STORIES) - self._sample_index
            raise ValueError(f"asked for {n} sample stories, {left} left")
        stories = SAMPLE_STORIES[self._sample_index : self._sample_index + n]
        self._sample_index += n
        return [dict(story) for story in stories]

    @property
    def articles(self) -> list[Article]:
        """Published articles, newest first (the order of the feeds)."""
        with self._lock:
            ranked = sorted(
                self._articles.values(), key=lambda item: (item[1].published, item[0]), reverse=True
            )
        return [article for _, article in ranked]

    def get(self, slug: str) -> Article:
        """The published article with this slug (``KeyError`` if none)."""
        with self._lock:
            return self._articles[slug][1]

    # -- faults and observation

    def set_status(self, path: str, status: int | None) -> None:
        """Answer requests for ``path`` (exact, query ignored) with ``status``; None clears."""
        with self._lock:
            if status is None:
                self._statuses.pop(path, None)
            else:
                HTTPStatus(status)  # ValueError for a code that does not exist
                self._statuses[path] = status

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request received, oldest first."""
        with self._lock:
            return [(r.method, r.path) for r in self._log]

    @property
    def request_log(self) -> list[RequestRecord]:
        """Every request with its headers and the status it got, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._log.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    # -- routing (called from handler threads)

    def _respond(self, raw_path: str) -> _Response:
        path = urlsplit(raw_path).path or "/"
        with self._lock:
            forced = self._statuses.get(path)
            articles = self.articles
            custom = self._bodies.get(path)
        if forced is not None:
            return self._error_page(forced)
        if custom is not None:
            return custom
        if path == "/":
            return self._html(render.listing_page(self, "Latest news", articles))
        if path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\n\nSitemap: {self.sitemap_index_url}\n"
            return _Response(200, "text/plain; charset=utf-8", body.encode())
        alternative = {
            "/feeds/feed.json": (render.json_feed, "application/feed+json"),
            "/feeds/atom03.xml": (render.atom03, "application/atom+xml; charset=utf-8"),
            "/feeds/rss091.xml": (render.rss091, "application/rss+xml; charset=utf-8"),
            "/feeds/rss10.rdf": (render.rdf, "application/rdf+xml; charset=utf-8"),
            "/sitemap_index.xml": (render.sitemap_index, "application/xml; charset=utf-8"),
            "/sitemaps/news.xml": (render.news_sitemap, "application/xml; charset=utf-8"),
            "/sitemaps/articles.xml": (render.sitemap, "application/xml; charset=utf-8"),
        }
        if path in alternative:
            renderer, content_type = alternative[path]
            return self._feed(renderer(self, articles), content_type, articles)
        if path == "/sitemaps/archive.xml":
            old = datetime(2015, 3, 1, tzinfo=UTC)
            return _Response(
                200, "application/xml; charset=utf-8", render.archive(self).encode(), old
            )
        if path == "/feeds/rss.xml":
            return self._feed(
                render.rss(self, articles), "application/rss+xml; charset=utf-8", articles
            )
        if path == "/feeds/atom.xml":
            return self._feed(
                render.atom(self, articles), "application/atom+xml; charset=utf-8", articles
            )
        if path.startswith("/news/"):
            slug = path.removeprefix("/news/").rstrip("/")
            for article in articles:
                if article.slug == slug:
                    return self._html(render.article_page(self, article, articles))
            return self._error_page(404)
        for section in SECTIONS:
            if path.rstrip("/") == "/" + section.lower():
                in_section = [a for a in articles if a.section == section]
                return self._html(render.listing_page(self, section, in_section))
        if path in STATIC_PAGES or path + "/" in STATIC_PAGES:
            title, text = STATIC_PAGES[path if path in STATIC_PAGES else path + "/"]
            return self._html(
                render.page(self, title, f"<main><h1>{title}</h1><p>{text}</p></main>")
            )
        return self._error_page(404)

    @staticmethod
    def _html(text: str) -> _Response:
        return _Response(200, "text/html; charset=utf-8", text.encode("utf-8"))

    def _feed(self, text: str, content_type: str, articles: list[Article]) -> _Response:
        newest = max((a.modified for a in articles), default=None)
        return _Response(200, content_type, text.encode("utf-8"), last_modified=newest)

    def _error_page(self, status: int) -> _Response:
        phrase = HTTPStatus(status).phrase
        body = render.page(self, f"{status} {phrase}", f"<main><h1>{status} {phrase}</h1></main>")
        headers = {"Retry-After": "1"} if status in (429, 503) else {}
        return _Response(status, "text/html; charset=utf-8", body.encode(), headers=headers)
