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
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import urlsplit

from scheduler.demo.localhttp import QuietHTTPServer, ServedHTTP

__all__ = ["SAMPLE_STORIES", "Article", "NewsSite", "RequestRecord", "ScheduledArticle"]

#: Sections linked from every page's navigation (Home is "/").
SECTIONS = ("World", "Asia", "Opinion", "Sport")

#: Static pages linked from the footer, so a link-following crawler finds no dead ends.
STATIC_PAGES = {
    "/about/": ("About us", "An independent newsroom covering Afghanistan and the region."),
    "/contact/": ("Contact", "Write to the newsroom at desk@ledger.example."),
    "/privacy/": ("Privacy", "We keep server logs for seven days and set no tracking cookies."),
}

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# End of the first sentence: punctuation, optional closing quote, space, then a capital
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019]?\s+(?=[\"\u201cA-Z0-9])")


# ------------------------------------------------------------------------ values


@dataclass(frozen=True)
class Article:
    """One published article, as the site serves it.

    ``expected_entities`` is ground truth for tests: ids of the watchlist entities (as
    in ``scheduler/newsradar.toml``) that the article *body* genuinely mentions. The
    sidebar and comments are deliberately not counted.
    """

    slug: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    published: datetime
    summary: str
    sidebar: tuple[str, ...] = ()
    section: str = "World"
    comments: tuple[tuple[str, str], ...] = ()
    expected_entities: frozenset[str] = frozenset()
    updated: datetime | None = None  # set by NewsSite.update()

    @property
    def modified(self) -> datetime:
        """When the article last changed: ``updated``, else ``published``."""
        return self.updated or self.published

    @property
    def path(self) -> str:
        """The article's path on the site, e.g. ``/news/doha-aid-talks``."""
        return f"/news/{self.slug}"

    @property
    def text(self) -> str:
        """The body text: the paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class RequestRecord:
    """One request the site received."""

    method: str
    path: str  # as requested, including any query string
    headers: dict[str, str]
    status: int


@dataclass
class ScheduledArticle:
    """Handle for an article that :meth:`NewsSite.schedule` will publish later."""

    slug: str
    delay: float
    _timer: threading.Timer | None = field(default=None, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _article: Article | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)

    @property
    def published(self) -> bool:
        """True once the article is live."""
        return self._article is not None

    def cancel(self) -> None:
        """Do not publish (no effect if it already was)."""
        if self._timer is not None:
            self._timer.cancel()

    def wait(self, timeout: float = 10.0) -> Article:
        """Block until the article is live and return it (``TimeoutError`` otherwise)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"article {self.slug!r} was not published within {timeout}s")
        if self._error is not None:
            raise self._error
        assert self._article is not None
        return self._article


# ----------------------------------------------------------------------- helpers


def teaser(paragraphs: Iterable[str]) -> str:
    """The first sentence of the first paragraph: what feeds carry as the summary."""
    first = next(iter(paragraphs), "").strip()
    return _SENTENCE_END.split(first, maxsplit=1)[0]


def _esc(value: str) -> str:
    return html.escape(value, quote=True)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _human_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "story"


DEFAULT_COMMENTS = (
    ("Nadia_K", "Thank you for the clear reporting, it is hard to find elsewhere."),
    ("farid1987", "My cousin lives nearby and says the situation is much as described."),
    ("OldHand", "Would be good to see a follow-up in a few weeks."),
)


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
                self.send_header("Last-Modified", _rfc822(response.last_modified))
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

    # -- rendering (called from handler threads)

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
            return self._html(self._listing_page("Latest news", articles))
        if path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\n\nSitemap: {self.sitemap_index_url}\n"
            return _Response(200, "text/plain; charset=utf-8", body.encode())
        alternative = {
            "/feeds/feed.json": (self._json_feed, "application/feed+json"),
            "/feeds/atom03.xml": (self._atom03, "application/atom+xml; charset=utf-8"),
            "/feeds/rss091.xml": (self._rss091, "application/rss+xml; charset=utf-8"),
            "/feeds/rss10.rdf": (self._rdf, "application/rdf+xml; charset=utf-8"),
            "/sitemap_index.xml": (self._sitemap_index, "application/xml; charset=utf-8"),
            "/sitemaps/news.xml": (self._news_sitemap, "application/xml; charset=utf-8"),
            "/sitemaps/articles.xml": (self._sitemap, "application/xml; charset=utf-8"),
        }
        if path in alternative:
            render, content_type = alternative[path]
            return self._feed(render(articles), content_type, articles)
        if path == "/sitemaps/archive.xml":
            old = datetime(2015, 3, 1, tzinfo=UTC)
            return _Response(200, "application/xml; charset=utf-8", self._archive().encode(), old)
        if path == "/feeds/rss.xml":
            return self._feed(self._rss(articles), "application/rss+xml; charset=utf-8", articles)
        if path == "/feeds/atom.xml":
            return self._feed(self._atom(articles), "application/atom+xml; charset=utf-8", articles)
        if path.startswith("/news/"):
            slug = path.removeprefix("/news/").rstrip("/")
            for article in articles:
                if article.slug == slug:
                    return self._html(self._article_page(article, articles))
            return self._error_page(404)
        for section in SECTIONS:
            if path.rstrip("/") == "/" + section.lower():
                in_section = [a for a in articles if a.section == section]
                return self._html(self._listing_page(section, in_section))
        if path in STATIC_PAGES or path + "/" in STATIC_PAGES:
            title, text = STATIC_PAGES[path if path in STATIC_PAGES else path + "/"]
            return self._html(self._page(title, f"<main><h1>{title}</h1><p>{text}</p></main>"))
        return self._error_page(404)

    @staticmethod
    def _html(text: str) -> _Response:
        return _Response(200, "text/html; charset=utf-8", text.encode("utf-8"))

    def _feed(self, text: str, content_type: str, articles: list[Article]) -> _Response:
        newest = max((a.modified for a in articles), default=None)
        return _Response(200, content_type, text.encode("utf-8"), last_modified=newest)

    def _error_page(self, status: int) -> _Response:
        phrase = HTTPStatus(status).phrase
        body = self._page(f"{status} {phrase}", f"<main><h1>{status} {phrase}</h1></main>")
        headers = {"Retry-After": "1"} if status in (429, 503) else {}
        return _Response(status, "text/html; charset=utf-8", body.encode(), headers=headers)

    def _page(self, title: str, main: str, head_extra: str = "") -> str:
        nav = "".join(
            f'<li><a href="{href}">{label}</a></li>'
            for label, href in [("Home", "/")] + [(s, f"/{s.lower()}/") for s in SECTIONS]
        )
        year = datetime.now(UTC).year
        site = _esc(self.name)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)} | {site}</title>
<link rel="alternate" type="application/rss+xml" title="{site} RSS" href="{self.rss_url}">
<link rel="alternate" type="application/atom+xml" title="{site} Atom" href="{self.atom_url}">
{head_extra}<style>body{{font-family:Georgia,serif;max-width:60rem;margin:auto}}
.layout{{display:flex;gap:2rem}} aside{{font-size:.9rem;width:16rem}}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<p class="masthead"><a href="/">{site}</a></p>
<nav class="site-nav" aria-label="Sections"><ul>{nav}</ul></nav>
<form class="search" action="/search" role="search"><input name="q" placeholder="Search">\
<button>Search</button></form>
</header>
{main}
<footer class="site-footer">
<nav aria-label="Footer"><ul><li><a href="/about/">About us</a></li>\
<li><a href="/contact/">Contact</a></li><li><a href="/privacy/">Privacy</a></li>\
<li><a href="/feeds/rss.xml">RSS</a></li></ul></nav>
<p>&copy; {year} {site}. A fictional news outlet; all stories on this site are invented.</p>
</footer>
</body>
</html>
"""

    def _listing_page(self, heading: str, articles: list[Article]) -> str:
        items = "\n".join(
            f'<li class="headline"><h2><a href="{article.path}">{_esc(article.title)}</a></h2>'
            f'<time datetime="{_rfc3339(article.published)}">'
            f"{_human_date(article.published)}</time><p>{_esc(article.summary)}</p></li>"
            for article in articles
        )
        main = f'<main id="main"><h1>{_esc(heading)}</h1>\n<ul class="headlines">\n{items}\n</ul>'
        main += "</main>"
        return self._page(heading, main)

    def _article_page(self, article: Article, live: list[Article]) -> str:
        url = self.base_url + article.path
        published = _rfc3339(article.published)
        by_title = {a.title: a for a in live}
        related = "".join(
            f'<li><a href="{by_title[h].path if h in by_title else "/news/" + _slugify(h)}">'
            f"{_esc(h)}</a></li>"
            for h in article.sidebar
        )
        # "Most read" is built from the other live stories, as real sites do, so
        # watchlist headlines turn up next to unrelated articles
        most_read = "".join(
            f'<li><a href="{a.path}">{_esc(a.title)}</a></li>'
            for a in live
            if a.slug != article.slug
        )
        body = "\n".join(f"<p>{_esc(p)}</p>" for p in article.paragraphs)
        comments = "\n".join(
            f'<li class="comment"><p class="comment-author">{_esc(name)}</p>'
            f"<p>{_esc(text)}</p></li>"
            for name, text in article.comments
        )
        n = len(article.comments)
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": article.title,
                "datePublished": published,
                "author": {"@type": "Person", "name": article.author},
                "publisher": {"@type": "Organization", "name": self.name},
                "mainEntityOfPage": url,
            }
        ).replace("</", "<\\/")
        head = f"""<meta name="description" content="{_esc(article.summary)}">
<meta name="author" content="{_esc(article.author)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{_esc(self.name)}">
<meta property="og:title" content="{_esc(article.title)}">
<meta property="og:url" content="{url}">
<meta property="og:description" content="{_esc(article.summary)}">
<meta property="article:published_time" content="{published}">
<meta property="article:section" content="{article.section}">
<link rel="canonical" href="{url}">
<script type="application/ld+json">{ld}</script>
"""
        main = f"""<div class="layout">
<main id="main">
<article class="story">
<p class="kicker"><a href="/{article.section.lower()}/">{article.section}</a></p>
<h1>{_esc(article.title)}</h1>
<p class="byline">By <span class="author">{_esc(article.author)}</span> &middot; \
<time datetime="{published}">{_human_date(article.published)}</time></p>
<div class="story-body">
{body}
</div>
<p class="share">Share this story: <a href="mailto:?subject={_esc(article.title)}">Email</a></p>
</article>
<section class="comments" id="comments">
<h2>{n} comment{"" if n == 1 else "s"}</h2>
<ol>
{comments}
</ol>
<p><a href="/about/">Read our commenting guidelines</a></p>
</section>
</main>
<aside class="sidebar">
<section class="related"><h2>Related</h2><ul>{related}</ul></section>
<section class="most-read"><h2>Most read</h2><ol>{most_read}</ol></section>
<section class="newsletter"><h2>Newsletter</h2><p>The morning briefing, in your inbox.</p></section>
</aside>
</div>"""
        return self._page(article.title, main, head_extra=head)

    def _rss(self, articles: list[Article]) -> str:
        items = []
        for a in articles[: self.feed_limit]:
            link = self.base_url + a.path
            items.append(
                f"""<item>
<title>{_esc(a.title)}</title>
<link>{link}</link>
<guid isPermaLink="true">{link}</guid>
<pubDate>{_rfc822(a.published)}</pubDate>
<dc:creator>{_esc(a.author)}</dc:creator>
<category>{a.section}</category>
<description>{_esc(a.summary)}</description>
</item>"""
            )
        built = articles[0].published if articles else datetime.now(UTC)
        return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" \
xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{_esc(self.name)}</title>
<link>{self.base_url}/</link>
<description>Latest news from {_esc(self.name)}</description>
<language>en</language>
<lastBuildDate>{_rfc822(built)}</lastBuildDate>
<atom:link href="{self.rss_url}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""

    def _atom(self, articles: list[Article]) -> str:
        entries = []
        for a in articles[: self.feed_limit]:
            link = self.base_url + a.path
            entries.append(
                f"""<entry>
<id>{link}</id>
<title>{_esc(a.title)}</title>
<link rel="alternate" type="text/html" href="{link}"/>
<updated>{_rfc3339(a.modified)}</updated>
<published>{_rfc3339(a.published)}</published>
<author><name>{_esc(a.author)}</name></author>
<category term="{a.section}"/>
<summary>{_esc(a.summary)}</summary>
</entry>"""
            )
        updated = articles[0].published if articles else datetime.now(UTC)
        return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>{self.base_url}/</id>
<title>{_esc(self.name)}</title>
<updated>{_rfc3339(updated)}</updated>
<link rel="self" type="application/atom+xml" href="{self.atom_url}"/>
<link rel="alternate" type="text/html" href="{self.base_url}/"/>
{chr(10).join(entries)}
</feed>
"""

    # -- other feed formats and sitemaps

    def _json_feed(self, articles: list[Article]) -> str:
        items = [
            {
                "id": self.base_url + a.path,
                "url": a.path,  # relative, as JSON Feed allows: resolved against feed_url
                "title": a.title,
                "summary": a.summary,
                "content_text": a.text,
                "date_published": _rfc3339(a.published),
                "date_modified": _rfc3339(a.modified),
                "authors": [{"name": a.author}],
                "tags": [a.section],
            }
            for a in articles[: self.feed_limit]
        ]
        return json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": self.name,
                "home_page_url": self.base_url + "/",
                "feed_url": self.json_feed_url,
                "language": "en",
                "items": items,
            },
            indent=1,
        )

    def _atom03(self, articles: list[Article]) -> str:
        entries = "\n".join(
            f"""<entry>
<title mode="escaped" type="text/html">{_esc(a.title)}</title>
<link rel="alternate" type="text/html" href="{self.base_url + a.path}"/>
<id>tag:{self.host},2024:{a.slug}</id>
<issued>{_rfc3339(a.published)}</issued>
<modified>{_rfc3339(a.modified)}</modified>
<author><name>{_esc(a.author)}</name></author>
<summary>{_esc(a.summary)}</summary>
</entry>"""
            for a in articles[: self.feed_limit]
        )
        modified = articles[0].modified if articles else datetime.now(UTC)
        return f"""<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="en">
<title>{_esc(self.name)}</title>
<link rel="alternate" type="text/html" href="{self.base_url}/"/>
<modified>{_rfc3339(modified)}</modified>
{entries}
</feed>
"""

    def _rss091(self, articles: list[Article]) -> str:
        items = "\n".join(
            f"<item><title>{_esc(a.title)}</title><link>{self.base_url + a.path}</link>"
            f"<description>{_esc(a.summary)}</description></item>"
            for a in articles[:15]  # RSS 0.91 allowed at most 15 items
        )
        return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" \
"http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel>
<title>{_esc(self.name)}</title><link>{self.base_url}/</link>
<description>Latest news</description><language>en</language>
{items}
</channel></rss>
"""

    def _rdf(self, articles: list[Article]) -> str:
        listed = articles[: self.feed_limit]
        seq = "".join(f'<rdf:li rdf:resource="{self.base_url + a.path}"/>' for a in listed)
        items = "\n".join(
            f"""<item rdf:about="{self.base_url + a.path}">
<title>{_esc(a.title)}</title><link>{self.base_url + a.path}</link>
<description>{_esc(a.summary)}</description><dc:date>{_rfc3339(a.published)}</dc:date>
<dc:creator>{_esc(a.author)}</dc:creator>
</item>"""
            for a in listed
        )
        return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{self.rdf_url}"><title>{_esc(self.name)}</title>
<link>{self.base_url}/</link><description>Latest news</description>
<items><rdf:Seq>{seq}</rdf:Seq></items></channel>
{items}
</rdf:RDF>
"""

    def _sitemap_index(self, articles: list[Article]) -> str:
        newest = _rfc3339(articles[0].modified) if articles else _rfc3339(datetime.now(UTC))
        maps = [
            (self.news_sitemap_url, newest),
            (self.sitemap_url, newest),
            (self.archive_sitemap_url, "2015-03-01T00:00:00Z"),
        ]
        entries = "\n".join(
            f"<sitemap><loc>{url}</loc><lastmod>{lastmod}</lastmod></sitemap>"
            for url, lastmod in maps
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</sitemapindex>
"""

    def _news_sitemap(self, articles: list[Article]) -> str:
        now = datetime.now(UTC)
        entries = "\n".join(
            f"""<url><loc>{self.base_url + a.path}</loc><news:news>
<news:publication><news:name>{_esc(self.name)}</news:name><news:language>en</news:language>\
</news:publication>
<news:publication_date>{_rfc3339(a.published)}</news:publication_date>
<news:title>{_esc(a.title)}</news:title></news:news></url>"""
            for a in articles
            if (now - a.published).total_seconds() < 2 * 86400
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" \
xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{entries}
</urlset>
"""

    def _sitemap(self, articles: list[Article]) -> str:
        entries = "\n".join(
            f"<url><loc>{self.base_url + a.path}</loc>"
            f"<lastmod>{_rfc3339(a.modified)}</lastmod></url>"
            for a in articles
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</urlset>
"""

    def _archive(self) -> str:
        entries = "".join(
            f"<url><loc>{self.base_url}/archive/2015/03/old-story-number-{n}</loc>"
            f"<lastmod>2015-03-01</lastmod></url>\n"
            for n in range(self.archive_size)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</urlset>\n"
        )


# ----------------------------------------------------------------- sample stories
#
# Fictional wire-style stories. Real organisations and public figures appear only in
# neutral reporting sentences; every quoted person is invented. The order mixes
# watchlist stories with unrelated ones, so publish_sample(n) for any n >= 2 gives both.

SAMPLE_STORIES: tuple[dict[str, Any], ...] = (
    {
        "slug": "doha-aid-talks-resume",
        "title": "Taliban and regional envoys resume talks in Doha on aid access",
        "section": "World",
        "author": "Laila Rahimi",
        "expected_entities": {"taliban"},
        "sidebar": ["Kabul bakeries hold bread prices steady", "Snow closes Salang pass"],
        "paragraphs": [
            "Representatives of the Taliban administration and envoys from six neighbouring "
            "countries resumed talks in Doha on Tuesday, with access for humanitarian convoys "
            "at the top of the agenda.",
            "The meeting, the third this year, was held behind closed doors at a hotel near "
            "the city's corniche. Delegates said the first session lasted more than four hours.",
            "A spokesman for the Taliban delegation told reporters the discussions had been "
            '"constructive" and that a joint statement could follow later in the week.',
            "Aid agencies have long complained that permits for road convoys into the central "
            "highlands take weeks to approve. Mariam Sadat, who coordinates deliveries for a "
            "Kabul-based relief charity, said drivers were still waiting at checkpoints with "
            "flour and medicine meant for villages already cut off by early snow.",
            '"Every week of delay is felt in the clinics," she said by telephone.',
            "Diplomats attending the talks said a working group on customs procedures would "
            "meet again next month. The Taliban side has asked for frozen central bank reserves "
            "to be discussed at the same time, a request several envoys said was outside the "
            "scope of this round.",
        ],
    },
    {
        "slug": "kabul-falcons-win-derby",
        "title": "Late header hands Kabul Falcons derby win over Pamir United",
        "section": "Sport",
        "author": "Omid Karimi",
        "expected_entities": set(),
        "sidebar": ["Taliban hold talks in Doha", "UN team reports on al Qaeda presence"],
        "paragraphs": [
            "A stoppage-time header from defender Jawad Noori gave Kabul Falcons a 2-1 win over "
            "Pamir United in front of a sold-out crowd at Ghazi Stadium on Friday evening.",
            "Pamir took the lead against the run of play midway through the first half when "
            "winger Samir Habibi cut inside and curled a shot into the far corner.",
            "The Falcons pressed for most of the second half and finally equalised through "
            "substitute Ahmad Zia, who turned in a low cross from the left after 74 minutes.",
            "With the fourth official's board already raised, Noori rose highest at a corner "
            "in front of the west stand to send the home supporters into raptures.",
            '"We never stopped believing," said Falcons coach Rashid Amiri. "The players gave '
            'everything for the people who came tonight."',
            "The result lifts the Falcons to second place in the table, two points behind "
            "leaders Herat Lions, who play their game in hand next week.",
            "Pamir United manager Yusuf Barakzai said his side had defended well for long "
            "spells but had been punished for a single lapse in concentration.",
        ],
    },
    {
        "slug": "un-monitors-al-qaeda-report",
        "title": "UN monitors say al-Qaeda keeps a low profile in Afghanistan",
        "section": "World",
        "author": "Ledger Staff",
        "expected_entities": {"al-qaeda", "taliban", "ayman-al-zawahiri"},
        "sidebar": ["Kabul trade fair draws record crowds"],
        "paragraphs": [
            "A report by a United Nations monitoring team says al-Qaeda has kept a deliberately "
            "low profile in Afghanistan over the past year while maintaining a small presence "
            "in several provinces.",
            "The report, submitted to a Security Council committee, is based on information "
            "provided by member states. It estimates that the group's core leadership in the "
            "country numbers in the dozens rather than the hundreds.",
            "According to the monitors, the Taliban have sought to limit any visible activity "
            "by foreign fighters, in line with commitments the movement made in the 2020 Doha "
            "agreement with the United States.",
            "The document also reviews the aftermath of the killing of Ayman al-Zawahiri in "
            "Kabul in 2022, noting that al-Qaida has not publicly named a successor.",
            "Independent analyst Parwiz Hamdard, who studies militant networks at a university "
            'in Kabul, said the findings matched what researchers had observed. "The pattern '
            'is one of caution rather than disappearance," he said.',
            "The monitoring team is due to present an updated assessment in six months.",
        ],
    },
    {
        "slug": "baghlan-flash-floods",
        "title": "Flash floods sweep villages in Baghlan, hundreds displaced",
        "section": "Asia",
        "author": "Hamid Sharifi",
        "expected_entities": set(),
        "sidebar": ["IS-K claims attack near Jalalabad", "Taliban reshuffle provincial governors"],
        "paragraphs": [
            "Flash floods triggered by two days of heavy rain swept through villages in northern "
            "Baghlan province overnight, destroying homes and forcing hundreds of families to "
            "seek shelter on higher ground.",
            "Local officials said at least 400 houses had been damaged and that irrigation "
            "channels and orchards along the river valley were buried under mud.",
            "Rescue teams used tractors to reach hamlets cut off when a small bridge collapsed. "
            "Volunteers from neighbouring districts brought tents, blankets and drinking water.",
            '"The water came at night, we only had time to take the children," said Gul Ahmad, '
            "a farmer who lost his home and most of his livestock.",
            "Aid groups warned that damaged wells and latrines could lead to outbreaks of "
            "waterborne disease in the coming weeks. A regional health team has been sent to "
            "set up a mobile clinic.",
            "Forecasters expect more rain across the north-east before the end of the week.",
            "Schools in the worst-hit district will stay closed until at least the end of the "
            "week while engineers check the buildings.",
        ],
    },
    {
        "slug": "haqqani-network-influence-analysis",
        "title": "Analysis: the Haqqani network's weight inside the interior ministry",
        "section": "Opinion",
        "author": "Dr. Sahar Wardak",
        "expected_entities": {"haqqani-network", "sirajuddin-haqqani", "taliban"},
        "sidebar": ["Pamir United sign new goalkeeper", "Saffron growers expect bumper harvest"],
        "paragraphs": [
            "Few groups have shaped Afghanistan's security establishment since 2021 as much as "
            "the Haqqani network, the family-led faction that has long operated in the country's "
            "south-east.",
            "Sirajuddin Haqqani, who leads the network, serves as interior minister in the "
            "Taliban administration, giving the faction authority over police, passports and "
            "provincial security appointments.",
            "Researchers at the Centre for Frontier Studies, a fictional institute, say the "
            "ministry's reach gives the faction a strong voice in security appointments, "
            "particularly in its home provinces of Paktia and Khost.",
            "Haqqani's public profile has also changed. Where he once avoided cameras, he now "
            "appears at official ceremonies, a shift analysts read as an attempt to present "
            "the faction as part of the state rather than apart from it.",
            "Relations between the network and the movement's leadership in Kandahar are the "
            "subject of constant speculation in Kabul. Disagreements over education policy and "
            "foreign relations are widely reported, but rarely aired in public.",
            "For outside governments, the question is less about personalities than about "
            "who, in practice, controls the country's borders and internal security.",
            "That question is unlikely to be settled soon.",
        ],
    },
    {
        "slug": "westminster-panel-south-asia",
        "title": "Westminster panel weighs the West's long view of South Asia",
        "section": "Opinion",
        "author": "Ledger Correspondent in London",
        "expected_entities": set(),
        "sidebar": ["Haqqani network tightens grip on border posts", "Taliban ban on poppy"],
        "paragraphs": [
            "A cross-party panel met at Westminster on Wednesday to ask whether the West still "
            "has a coherent long-term view of South Asia, two decades after it first committed "
            "troops and money to the region.",
            "Among those listed on the programme was Husain Haqqani, a former ambassador, "
            "whose books on the region's diplomatic history were on sale in the foyer.",
            "Much of the debate turned on risk: how much of it donors are willing to carry when "
            "they fund schools, clinics and roads in places where they can no longer send "
            "their own staff.",
            "Panel chair Eleanor Whitcombe, a fictional backbench MP, argued that western "
            'capitals had swung from over-ambition to neglect. "We went from promising '
            'everything to promising nothing," she said.',
            "Other speakers pointed to comparisons with aid programmes in the West Bank and in "
            "the Sahel, and to the work of small organisations such as the Iskandar Trust, a "
            "fictional charity that runs literacy classes in mountain villages.",
            "The panel will publish a short report, West of the Indus, in the spring.",
        ],
    },
    {
        "slug": "isk-cell-disrupted-nangarhar",
        "title": "Security forces say IS-K cell disrupted in Nangarhar",
        "section": "Asia",
        "author": "Staff Reporter",
        "expected_entities": {"is-k", "islamic-state", "taliban"},
        "sidebar": ["Kabul Falcons climb to second", "Floods hit Baghlan villages"],
        "paragraphs": [
            "Security forces in eastern Nangarhar province say they have disrupted a cell of "
            "IS-K, the regional affiliate of the Islamic State group, during an overnight raid "
            "on the outskirts of Jalalabad.",
            "A statement from the provincial police, which is run by the Taliban "
            "administration, said several suspects had been detained and that weapons and "
            "explosive materials had been seized. The claim could not be independently verified.",
            "ISKP, as the group is also known, has carried out attacks on mosques, schools and "
            "officials in Afghanistan in recent years, and regards the Taliban as its enemy.",
            "Residents of the area said they heard gunfire for about an hour after midnight. "
            '"We stayed inside until the morning prayer," said shopkeeper Abdul Wahid.',
            "Analysts say the group has been weakened by repeated raids but retains the ability "
            "to stage occasional attacks, particularly in cities.",
            "Nangarhar, which borders Pakistan, was for several years the group's main "
            "stronghold in the country. Officials did not say whether those detained were "
            "Afghan nationals or when they would be brought before a court.",
        ],
    },
    {
        "slug": "kabul-trade-fair-saffron",
        "title": "Saffron and carpets draw buyers to Kabul trade fair",
        "section": "Asia",
        "author": "Zarghona Ahmadi",
        "expected_entities": set(),
        "sidebar": ["Taliban hold talks in Doha", "Haqqani network's weight inside ministry"],
        "paragraphs": [
            "Hundreds of traders crowded into an exhibition hall in western Kabul on Sunday for "
            "the opening of a five-day trade fair showcasing saffron, carpets, dried fruit and "
            "marble.",
            "Organisers said more than 300 businesses had taken stalls, about a third of them "
            "run by women, who exhibited embroidery and jewellery in a separate hall.",
            "Saffron producers from Herat said prices had firmed after a good harvest and new "
            'interest from buyers in the Gulf. "Quality is what sells," said grower Fatima '
            "Noori, holding up a small glass jar of crimson threads.",
            "Carpet weavers were less upbeat. Several said freight costs and payment delays "
            "made it hard to fill export orders, even when demand was there.",
            "A group of buyers from Central Asia signed letters of intent for dried apricots "
            "and almonds worth an estimated two million dollars, according to the organisers.",
            "Visitors also queued at a stand selling pomegranate juice from Kandahar, which "
            "the organisers said had sold out within hours of the doors opening.",
            "The fair runs until Thursday and is open to the public in the afternoons.",
        ],
    },
    {
        "slug": "aid-access-report-thomas-west",
        "title": "Report reviews a decade of diplomacy over aid access",
        "section": "World",
        "author": "Ledger Staff",
        "expected_entities": {"thomas-west", "taliban"},
        "sidebar": ["Westminster panel weighs the West's view of South Asia"],
        "paragraphs": [
            "A report by a fictional Geneva research group reviews ten years of diplomacy over "
            "humanitarian access to Afghanistan, drawing on published statements by envoys "
            "from more than a dozen countries.",
            "A chapter on the United States covers the period when Thomas West served as US "
            "special representative for Afghanistan, and the meetings held in that role with "
            "representatives of the Taliban in Doha.",
            "The authors describe West's tenure mainly through official readouts, which they "
            "say emphasised education for girls, the economy and the release of detainees.",
            "The report notes that meetings in Doha were usually followed by written summaries "
            "from both sides, and that the two accounts often stressed different points.",
            "Other chapters cover European and regional envoys, and the working relationship "
            "between donors and United Nations agencies in Kabul.",
            "Lead author Ingrid Solberg said the aim was to record what was said in public, "
            '"so that the next round of negotiators does not start from nothing."',
            "Copies of the report are available from the research group, and a shorter "
            "summary has been translated into Dari and Pashto.",
        ],
    },
    {
        "slug": "cricket-kandahar-cup-final",
        "title": "Kandahar Cup final washed out as rain returns",
        "section": "Sport",
        "author": "Omid Karimi",
        "expected_entities": set(),
        "sidebar": ["UN monitors say al-Qaeda keeps a low profile", "IS-K cell disrupted"],
        "paragraphs": [
            "The Kandahar Cup cricket final was abandoned without a ball bowled on Saturday "
            "after heavy rain left the outfield waterlogged for the second day running.",
            "Groundstaff worked through the morning with sponges and rollers, but the umpires "
            "ruled at the final inspection that conditions were unsafe for the players.",
            "Under tournament rules, the trophy is shared between Spin Ghar Tigers and Band-e "
            "Amir Dragons, who both finished the group stage unbeaten.",
            "Dragons captain Nasir Jamal said his side would have preferred to play. "
            '"You train all season for a day like this," he said. "Sharing is fair, but it is '
            'not the same."',
            "Fans who bought tickets will be offered a refund or a seat at next month's "
            "exhibition match between the two teams.",
            "The Tigers' coach, Habib Stanikzai, said a shared title was a fair reflection of a "
            "season in which the two sides had dominated the competition.",
            "The league will announce next season's fixtures in the coming weeks, with two new "
            "teams expected to join from the northern provinces.",
        ],
    },
)
