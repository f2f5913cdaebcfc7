"""The soak test's local world: busy news feeds on many loopback hosts, and the webhook
that records when each alert arrives.

Every feed is RSS 2.0 with ETag and Last-Modified (304 while unchanged); each article
page is 5-15 KB of realistic HTML whose body mentions ``ENTITY``, so every article
published on purpose must produce one alert.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any

FEED_ITEMS = 20  # entries a feed lists, newest first (as most CMSs do)
ENTITY = "Taliban"

# --- text -------------------------------------------------------------------------------

WORDS = " ".join(
    (
        "officials said the provincial council met on monday to discuss water rights roads",
        "schools and the price of wheat in local markets while elders from several districts",
        "asked for more clinics and a new bridge before winter traders complained about delays",
        "at the border crossing and farmers reported a better harvest than last year residents",
        "described long queues for fuel and teachers said salaries had been paid late again",
    )
).split()
PLACES = ("Kunduz", "Herat", "Kandahar", "Jalalabad", "Mazar-i-Sharif", "Ghazni", "Khost")
TOPICS = (
    "elders meet officials over water rights",
    "traders report delays at the border crossing",
    "new clinic opens after months of delay",
    "wheat prices climb ahead of winter",
    "teachers say salaries arrive late again",
    "farmers expect a better harvest",
    "road repairs resume after flooding",
)
MENTIONS = (
    "A spokesman for the Taliban administration said the talks would continue next week.",
    "Local Taliban officials did not answer requests for comment on Tuesday.",
    "The Taliban governor of the province attended the meeting, according to residents.",
    "Under the Taliban, the council has met less often, people familiar with it said.",
)
SECTIONS = ("World", "Asia", "Economy", "Opinion", "Sport", "Culture")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(14, 26))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


@dataclass
class Story:
    """One article of the world: its page, its feed entry, when it went live."""

    number: int
    feed: int
    path: str
    headline: str
    teaser: str
    published: float  # time.time() when it appeared in its feed (0 until then)
    page: bytes


def make_story(number: int, feed: int, base: str, rng: random.Random, mention: bool) -> Story:
    """A 5-15 KB article page; ``mention`` puts the watchlist entity in its text only."""
    place = rng.choice(PLACES)
    headline = f"{place}: {rng.choice(TOPICS)} (dispatch {number:06d})"
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(5, 14))]
    if mention:
        # In the body, not in the headline or teaser: the alert must come from
        # the extracted main text.
        paragraphs[1] = f"{paragraphs[1]} {rng.choice(MENTIONS)}"
    teaser = paragraphs[0].split(".")[0] + "."
    path = f"/news/{number:06d}-{place.lower()}"
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in SECTIONS)
    related = "".join(
        f'<li><a href="/news/{rng.randint(1, 999999):06d}-related">'
        f"{rng.choice(PLACES)}: {rng.choice(TOPICS)}</a></li>"
        for _ in range(6)
    )
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    comments = "".join(
        f'<div class="comment"><b>reader{rng.randint(1, 999)}</b><p>{_sentence(rng)}</p></div>'
        for _ in range(rng.randint(1, 4))
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(headline)} | Feed {feed:03d} News</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{html.escape(teaser)}">
<meta property="og:title" content="{html.escape(headline)}">
<link rel="stylesheet" href="/static/site.css">
</head><body>
<header class="masthead"><a class="logo" href="/">Feed {feed:03d} News</a>
<nav class="sections"><ul>{nav}</ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>
<div class="ad-slot" id="leaderboard">Advertisement</div>
<main><article>
<h1>{html.escape(headline)}</h1>
<p class="byline">By Staff Reporter in {place} &middot; <time>{formatdate(usegmt=True)}</time></p>
{body}</article>
<aside class="sidebar"><h2>Most read</h2><ul>{related}</ul>
<div class="newsletter">Get the morning briefing in your inbox. <a href="/subscribe">Sign up</a>
</div></aside>
<section class="comments"><h2>Comments</h2>{comments}</section></main>
<footer><ul><li><a href="/about/">About us</a></li><li><a href="/contact/">Contact</a></li>
<li><a href="/privacy/">Privacy</a></li></ul>
<p>&copy; Feed {feed:03d} News. All rights reserved.</p></footer></body></html>
"""
    return Story(number, feed, path, headline, teaser, 0.0, page.encode("utf-8"))


# --- the world: feeds on many loopback hosts -------------------------------------------------


@dataclass
class Feed:
    """One RSS 2.0 feed: its newest entries, rendered once per change."""

    index: int
    host: int  # index of the host serving it
    items: deque[Story] = field(default_factory=lambda: deque(maxlen=FEED_ITEMS))
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    modified_at: float = 0.0

    @property
    def path(self) -> str:
        """Its path on its host."""
        return f"/feeds/{self.index:03d}.xml"

    def render(self, base: str) -> None:
        """Rebuild the document and its validators (call with the world's lock held)."""
        entries = "".join(
            f"<item><title>{html.escape(s.headline)}</title>"
            f'<link>{base}{s.path}</link><guid isPermaLink="true">{base}{s.path}</guid>'
            f"<pubDate>{formatdate(s.published, usegmt=True)}</pubDate>"
            f"<description>{html.escape(s.teaser)}</description></item>\n"
            for s in reversed(self.items)
        )
        now = time.time()
        self.body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Feed {self.index:03d} News</title><link>{base}/</link>"
            f"<description>Local news, feed {self.index:03d}</description><language>en</language>"
            f"<lastBuildDate>{formatdate(now, usegmt=True)}</lastBuildDate>\n{entries}"
            "</channel></rss>\n"
        ).encode()
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        self.last_modified = formatdate(now, usegmt=True)
        self.modified_at = now


class _Server(ThreadingHTTPServer):
    """One loopback host: silent, no reverse DNS on bind, threads die with the process."""

    daemon_threads = True
    world: World
    host_index: int

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(): a DNS lookup we neither need nor want.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-response is not news


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites
    timeout = 10  # idle keep-alive connections end after this: handler threads are bounded

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.world.enter(self.server.host_index)
        try:
            self._get()
        finally:
            self.server.world.leave(self.server.host_index)

    def _get(self) -> None:
        world = self.server.world
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            world.count("robots")
            self._send(200, b"User-agent: *\nDisallow: /search\n", "text/plain")
            return
        story: Story | None = None
        with world.lock:
            feed = world.feed_at(self.server.host_index, path)
            if feed is not None:
                body, etag, modified = feed.body, feed.etag, feed.last_modified
                modified_at = feed.modified_at
            else:
                story = world.pages.get((self.server.host_index, path))
        if feed is not None:
            if _not_modified(self.headers, etag, modified_at):
                world.count("feed 304")
                self._send(304, b"", "", ETag=etag, Last_Modified=modified)
                return
            world.count("feed 200")
            self._send(
                200, body, "application/rss+xml; charset=utf-8", ETag=etag, Last_Modified=modified
            )
            return
        if story is None:
            world.count("404")
            self._send(404, b"<h1>Not found</h1>", "text/html")
            return
        world.count("article 200")
        self._send(200, story.page, "text/html; charset=utf-8")

    do_HEAD = do_GET


def _not_modified(headers: Any, etag: str, modified_at: float) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")]
    since = headers.get("If-Modified-Since")
    if since:
        with contextlib.suppress(TypeError, ValueError):
            return int(modified_at) <= parsedate_to_datetime(since).timestamp()
    return False


class World:
    """``feeds`` feeds over ``hosts`` loopback addresses, and the articles they list."""

    def __init__(self, feeds: int, hosts: int, seed: int) -> None:
        if not 1 <= hosts <= 250:
            raise ValueError("--hosts must be between 1 and 250 (127.0.0.2 to 127.0.0.251)")
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.hosts = hosts
        self.feeds = [Feed(index=i, host=i % hosts) for i in range(feeds)]
        self.pages: dict[tuple[int, str], Story] = {}
        self.stories: dict[int, Story] = {}
        self.requests: Counter[str] = Counter()
        # Requests being answered per host right now, and the most there ever were:
        # per_domain is a limit per site, whatever number of sources it has.
        self.in_flight: Counter[int] = Counter()
        self.max_in_flight = 0
        self.servers: list[_Server] = []
        self.threads: list[threading.Thread] = []
        self._next_number = 1
        self._by_path: dict[tuple[int, str], Feed] = {(f.host, f.path): f for f in self.feeds}

    # -- lifecycle

    def start(self) -> None:
        """Bind one ephemeral port on each of 127.0.0.2 ... and serve in threads."""
        for index in range(self.hosts):
            server = _Server((f"127.0.0.{index + 2}", 0), _Handler)
            server.world, server.host_index = self, index
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.2},
                name=f"site-{index}",
                daemon=True,
            )
            thread.start()
            self.servers.append(server)
            self.threads.append(thread)
        with self.lock:
            for feed in self.feeds:
                feed.render(self.base(feed.host))

    def stop(self) -> None:
        """Stop every server and close its listening socket."""
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)

    # -- addresses and state

    def base(self, host: int) -> str:
        """``http://127.0.0.N:PORT`` of host ``host``."""
        address, port = self.servers[host].server_address[:2]
        return f"http://{address}:{port}"

    def feed_url(self, feed: Feed) -> str:
        """The absolute URL of ``feed``."""
        return self.base(feed.host) + feed.path

    def feed_at(self, host: int, path: str) -> Feed | None:
        """The feed served at ``path`` on ``host`` (call with the lock held)."""
        return self._by_path.get((host, path))

    def enter(self, host: int) -> None:
        """A request to ``host`` is being answered (thread-safe)."""
        with self.lock:
            self.in_flight[host] += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight[host])

    def leave(self, host: int) -> None:
        with self.lock:
            self.in_flight[host] -= 1

    def count(self, what: str) -> None:
        """Count one request answered (thread-safe)."""
        with self.lock:
            self.requests[what] += 1

    # -- publishing

    def publish(self, feed_index: int, *, mention: bool = True, when: float | None = None) -> Story:
        """Make a new article live on ``feed_index``: its page first, then its feed entry."""
        feed = self.feeds[feed_index]
        with self.lock:
            number = self._next_number
            self._next_number += 1
        story = make_story(number, feed.index, self.base(feed.host), self.rng, mention)
        with self.lock:
            story.published = time.time() if when is None else when
            self.pages[(feed.host, story.path)] = story
            if mention:
                self.stories[number] = story
            feed.items.append(story)
            feed.render(self.base(feed.host))
        return story


# --- the alert receiver ------------------------------------------------------------------


class Receiver:
    """A webhook on 127.0.0.1 recording each POST's arrival time and JSON title."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                arrived = time.time()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    title = str(json.loads(body).get("title", ""))
                except (ValueError, AttributeError):
                    title = ""
                with receiver.lock:
                    receiver.arrivals.append((arrived, title))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )

    @property
    def apprise_url(self) -> str:
        """The Apprise URL that POSTs JSON here."""
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def count(self) -> int:
        """Alerts received so far."""
        with self.lock:
            return len(self.arrivals)
