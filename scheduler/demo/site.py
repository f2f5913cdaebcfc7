"""A small local news website for `newsradar demo`: one outlet, one RSS feed.

``DemoSite`` serves, on 127.0.0.1 and an ephemeral port, a home page, an RSS 2.0
feed, ``robots.txt`` and one HTML page per published story, wrapped in the
boilerplate real news sites have (navigation, a "Related" and a "Most read"
sidebar, comments, a footer), so the demo exercises the real extractor on the
noise it meets in production. Stories appear when ``publish`` is called, from
any thread.

    with DemoSite("Kabul Ledger") as site:
        site.publish(story)
        print(site.feed_url)
"""

from __future__ import annotations

import html
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Self
from urllib.parse import urlsplit

from scheduler.demo.localhttp import QuietHTTPServer, ServedHTTP
from scheduler.demo.stories import Story

SECTIONS = ("World", "Asia", "Business", "Sport")
COMMENTS = (
    ("Nadia_K", "Thank you for the clear reporting, it is hard to find elsewhere."),
    ("farid1987", "Would be good to see a follow-up in a few weeks."),
)


def _esc(value: str) -> str:
    return html.escape(value, quote=True)


class _Server(QuietHTTPServer):
    site: DemoSite


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status, content_type, body = self.server.site.render(urlsplit(self.path).path or "/")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the demo's output is the alerts, not an access log


class DemoSite(ServedHTTP):
    """One fictional outlet on 127.0.0.1, serving the stories published so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._stories: list[tuple[Story, datetime]] = []  # oldest first

    def start(self) -> Self:
        """Bind an ephemeral port on 127.0.0.1 and serve from a daemon thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self._serve(server, "demo-site")
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        self._unserve()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def feed_url(self) -> str:
        """The RSS 2.0 feed of the stories published so far, newest first."""
        return self.base_url + "/feed.xml"

    def story_url(self, story: Story) -> str:
        """Where ``story`` is (or will be) served."""
        return f"{self.base_url}/news/{story.slug}"

    def publish(self, story: Story) -> None:
        """Make ``story`` live now: its page is served and it tops the feed."""
        with self._lock:
            self._stories.append((story, datetime.now(UTC).replace(microsecond=0)))

    @property
    def published(self) -> list[Story]:
        """The stories live so far, oldest first."""
        with self._lock:
            return [story for story, _ in self._stories]

    # -- rendering (from handler threads)

    def render(self, path: str) -> tuple[int, str, bytes]:
        """The status, content type and body served at ``path``."""
        with self._lock:
            live = list(reversed(self._stories))  # newest first
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n"
        if path == "/feed.xml":
            return 200, "application/rss+xml; charset=utf-8", self._rss(live).encode()
        if path == "/":
            return 200, "text/html; charset=utf-8", self._home(live).encode()
        for story, published in live:
            if path.rstrip("/") == f"/news/{story.slug}":
                page = self._article(story, published, live)
                return 200, "text/html; charset=utf-8", page.encode()
        return (
            404,
            "text/html; charset=utf-8",
            self._page("Not found", "<h1>Not found</h1>").encode(),
        )

    def _page(self, title: str, main: str, head: str = "") -> str:
        nav = "".join(f'<li><a href="/">{section}</a></li>' for section in SECTIONS)
        site = _esc(self.name)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{_esc(title)} | {site}</title>
<link rel="alternate" type="application/rss+xml" title="{site}" href="{self.feed_url}">
{head}</head>
<body>
<header class="site-header"><p class="masthead"><a href="/">{site}</a></p>
<nav aria-label="Sections"><ul><li><a href="/">Home</a></li>{nav}</ul></nav></header>
{main}
<footer class="site-footer"><p>&copy; {site}. A fictional news outlet: every story on
this site is invented for the newsradar demo.</p></footer>
</body>
</html>
"""

    def _home(self, live: list[tuple[Story, datetime]]) -> str:
        items = "".join(
            f'<li><h2><a href="/news/{story.slug}">{_esc(story.title)}</a></h2>'
            f"<p>{_esc(story.summary)}</p></li>"
            for story, _ in live
        )
        return self._page("Latest news", f"<main><h1>Latest news</h1><ul>{items}</ul></main>")

    def _article(
        self, story: Story, published: datetime, live: list[tuple[Story, datetime]]
    ) -> str:
        body = "\n".join(f"<p>{_esc(p)}</p>" for p in story.paragraphs)
        related = "".join(f'<li><a href="/">{_esc(h)}</a></li>' for h in story.sidebar)
        # Built from the other live stories, as real sites do: tracked names end up
        # next to unrelated articles, and the extractor must leave them out.
        most_read = "".join(
            f'<li><a href="/news/{other.slug}">{_esc(other.title)}</a></li>'
            for other, _ in live
            if other.slug != story.slug
        )
        comments = "".join(
            f'<li class="comment"><p class="comment-author">{_esc(who)}</p><p>{_esc(text)}</p></li>'
            for who, text in COMMENTS
        )
        when = published.strftime("%Y-%m-%dT%H:%M:%SZ")
        head = (
            f'<meta name="author" content="{_esc(story.author)}">\n'
            f'<meta property="og:title" content="{_esc(story.title)}">\n'
            f'<meta property="article:published_time" content="{when}">\n'
            f'<link rel="canonical" href="{self.story_url(story)}">\n'
        )
        main = f"""<div class="layout">
<main>
<article class="story">
<p class="kicker"><a href="/">{_esc(story.section)}</a></p>
<h1>{_esc(story.title)}</h1>
<p class="byline">By <span class="author">{_esc(story.author)}</span>,
<time datetime="{when}">{published:%d %B %Y, %H:%M} UTC</time></p>
<div class="story-body">
{body}
</div>
</article>
<section class="comments"><h2>{len(COMMENTS)} comments</h2><ol>{comments}</ol></section>
</main>
<aside class="sidebar">
<section class="related"><h2>Related</h2><ul>{related}</ul></section>
<section class="most-read"><h2>Most read</h2><ol>{most_read}</ol></section>
</aside>
</div>"""
        return self._page(story.title, main, head)

    def _rss(self, live: list[tuple[Story, datetime]]) -> str:
        items = "\n".join(
            f"""<item>
<title>{_esc(story.title)}</title>
<link>{self.story_url(story)}</link>
<guid isPermaLink="true">{self.story_url(story)}</guid>
<pubDate>{format_datetime(published, usegmt=True)}</pubDate>
<dc:creator>{_esc(story.author)}</dc:creator>
<category>{_esc(story.section)}</category>
<description>{_esc(story.summary)}</description>
</item>"""
            for story, published in live
        )
        return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{_esc(self.name)}</title>
<link>{self.base_url}/</link>
<description>Latest news from {_esc(self.name)} (a fictional outlet)</description>
<language>en</language>
{items}
</channel>
</rss>
"""
