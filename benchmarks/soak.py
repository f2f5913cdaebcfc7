"""Soak test: `newsradar run` against 500 busy feeds for ten minutes.

Run from the repository root (every socket is on 127.0.0.0/8):

    python benchmarks/soak.py                          # 10 minutes, 500 feeds every 5 s
    python benchmarks/soak.py --minutes 2              # a shorter run
    python benchmarks/soak.py --interval 20s           # find the interval it keeps up with

The benchmark process builds a local world: ``--feeds`` RSS 2.0 feeds spread over
``--hosts`` loopback addresses (127.0.0.2, 127.0.0.3, ...; one ThreadingHTTPServer
each, so per-site politeness limits hold per host as on the real web). Every feed
sends ETag and Last-Modified and answers 304 to a conditional request while it is
unchanged. A publisher thread adds ``--rate`` articles a second to random feeds;
each article page is 5-15 KB of realistic HTML (navigation, sidebar, comments,
footer) whose text mentions the Taliban, so every article must produce one alert.
The alert target is a local webhook (Apprise ``json://``) recording when each
alert arrived; the alert's title carries the headline, and so the article and
its publish time.

The service itself is started exactly as a user would start it, ``newsradar run
-c CONFIG``, on a config written to a temporary directory. psutil samples its
resident memory, open file descriptors and CPU time (and those of its extraction
workers) every few seconds. At the end the publisher stops, the service gets a
drain period to deliver what is still in flight, then SIGTERM; the ``runs``
table of its database tells how many polls it actually made.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import html
import json
import random
import re
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer
from typing import Any

import psutil
from machine import describe

FEED_ITEMS = 20  # entries a feed lists, newest first (as most CMSs do)
ENTITY = "Taliban"
SAMPLE_EVERY = 5.0  # seconds between psutil samples
STOP_TIMEOUT = 60.0  # the service's own grace is 20 s for crawls in flight
CHECK_TIMEOUT = 120.0
DATABASE = "newsradar.db"  # in the temporary directory, beside the config

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


# --- the service under test -------------------------------------------------------------


def write_config(
    directory: Path, world: World, receiver: Receiver, args: argparse.Namespace
) -> Path:
    """The service's config: every feed, one entity, the webhook, fast retries."""
    lines = [
        f'database = "{DATABASE}"',
        "",
        "[crawl]",
        f'interval = "{args.interval}"',
        f"per_domain = {args.per_domain}",
        "",
        "[delivery]",
        'retry_after = "2s"',
        "",
        "[[entity]]",
        'id = "taliban"',
        f'name = "{ENTITY}"',
        'kind = "group"',
        'aliases = ["Taleban"]',
        "",
        "[[alert]]",
        'name = "soak webhook"',
        f'url = "{receiver.apprise_url}"',
    ]
    for feed in world.feeds:
        lines += [
            "",
            "[[source]]",
            f'name = "Feed {feed.index:03d}"',
            f'url = "{world.feed_url(feed)}"',
            'kind = "feed"',
        ]
    path = directory / "newsradar.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def code_snapshot() -> dict[str, float]:
    """Modification time of every file of the code under test (an editable install runs
    the work tree: an edit during the run changes what is measured)."""
    repo = Path(__file__).resolve().parents[1]
    return {
        str(path.relative_to(repo)): path.stat().st_mtime
        for package in ("alerts", "crawler", "scheduler")
        for path in sorted((repo / package).rglob("*"))
        if path.is_file() and path.suffix in (".py", ".j2", ".toml")
    }


def changed_during(before: dict[str, float], since: float) -> list[str]:
    """Files of the code under test added or modified after ``since`` (epoch seconds)."""
    after = code_snapshot()
    return sorted(
        f"{name} ({dt.datetime.fromtimestamp(mtime, dt.UTC):%H:%M:%S} UTC)"
        for name, mtime in after.items()
        if mtime > since and before.get(name) != mtime
    )


def newsradar_command() -> list[str]:
    """The `newsradar` console script of this interpreter (what `pip install` made)."""
    beside = Path(sys.executable).parent / "newsradar"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("newsradar")
    return [found] if found else [sys.executable, "-m", "scheduler"]


@dataclass
class Sample:
    """The service's state at one moment (``t`` seconds after it started)."""

    t: float
    rss_mb: float  # the service process
    workers_rss_mb: float  # its children: the extraction fork server and workers
    fds: int
    sockets: int  # TCP sockets, any state
    close_wait: int  # TCP sockets the peer closed and the service did not: leak suspects
    db_files: int  # open handles on the database, its WAL and shared memory file
    cpu_s: float  # the service process, user + system
    workers_cpu_s: float  # live children, plus children already reaped
    children: int
    in_flight: int  # runs the database shows as running: crawls in flight
    bench_cpu_s: float  # this process: the world's servers, the publisher, the receiver
    published: int
    alerts: int


def running_polls(database: Path) -> int:
    """How many runs the service's database shows as running right now (-1: unknown)."""
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def sample(
    process: psutil.Process, t: float, published: int, alerts: int, database: Path
) -> Sample | None:
    """Measure the service process and its children; None once it is gone."""
    try:
        with process.oneshot():
            rss = process.memory_info().rss
            fds = process.num_fds()
            cpu = process.cpu_times()
            connections = process.net_connections(kind="tcp")
            files = process.open_files()
        children = process.children(recursive=True)
    except psutil.Error:
        return None
    child_rss = 0
    child_cpu = cpu.children_user + cpu.children_system
    for child in children:
        with contextlib.suppress(psutil.Error):
            child_rss += child.memory_info().rss
            times = child.cpu_times()
            child_cpu += times.user + times.system
    return Sample(
        t=t,
        rss_mb=rss / 2**20,
        workers_rss_mb=child_rss / 2**20,
        fds=fds,
        sockets=len(connections),
        close_wait=sum(1 for c in connections if c.status == psutil.CONN_CLOSE_WAIT),
        db_files=sum(1 for f in files if Path(f.path).name.startswith("newsradar.db")),
        cpu_s=cpu.user + cpu.system,
        workers_cpu_s=child_cpu,
        children=len(children),
        in_flight=running_polls(database),
        bench_cpu_s=sum(psutil.Process().cpu_times()[:2]),
        published=published,
        alerts=alerts,
    )


def stop_service(process: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, float]:
    """SIGTERM; the exit status and how long it took (SIGKILL, status None, past timeout)."""
    started = time.monotonic()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        code: int | None = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.wait(timeout=10)
        code = None
    return code, time.monotonic() - started


def kill_tree(pid: int) -> None:
    """SIGKILL the service we started and its children, by pid."""
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(pid)
        for child in parent.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
        parent.kill()


# --- analysis ----------------------------------------------------------------------------

DISPATCH = re.compile(r"dispatch (\d{6})")


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank; inf is allowed (undelivered)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def latencies(
    world: World, arrivals: list[tuple[float, str]], since: float, until: float
) -> dict[str, Any]:
    """Publish-to-alert latency of the articles published in [since, until)."""
    first: dict[int, float] = {}
    unknown = duplicates = 0
    for arrived, title in arrivals:
        match = DISPATCH.search(title)
        if match is None or int(match.group(1)) not in world.stories:
            unknown += 1
            continue
        number = int(match.group(1))
        if number in first:
            duplicates += 1
        else:
            first[number] = arrived
    window = [s for s in world.stories.values() if since <= s.published < until]
    delays = [first[s.number] - s.published if s.number in first else float("inf") for s in window]
    delivered = [d for d in delays if d != float("inf")]
    return {
        "published": len(window),
        "delivered": len(delivered),
        "median": percentile(delays, 0.5) if delays else float("nan"),
        "p95": percentile(delays, 0.95) if delays else float("nan"),
        "max_delivered": max(delivered) if delivered else float("nan"),
        "unknown": unknown,
        "duplicates": duplicates,
    }


def _stamp(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(stamp: str) -> float:
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()


def poll_figures(database: Path, since: float, until: float) -> dict[str, Any]:
    """What the ``runs`` table says of [since, until): polls, their pace and outcome."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT source_id, started, finished, status FROM runs "
            "WHERE started >= ? AND started < ? ORDER BY source_id, started",
            [_stamp(since), _stamp(until)],
        ).fetchall()
        statuses = Counter(
            dict(db.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
        )
        alerts = dict(db.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall())
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        by_origin = dict(
            db.execute("SELECT extracted_from, count(*) FROM articles GROUP BY 1").fetchall()
        )
        sources = db.execute("SELECT count(*) FROM sources").fetchone()[0]
        errors = Counter(
            e for (e,) in db.execute("SELECT error FROM runs WHERE error IS NOT NULL").fetchall()
        )
    finally:
        db.close()
    gaps: list[float] = []
    durations: list[float] = []
    last: dict[int, float] = {}
    for source_id, started, finished, _status in rows:
        moment = _seconds(started)
        if source_id in last:
            gaps.append(moment - last[source_id])
        last[source_id] = moment
        if finished:
            durations.append(_seconds(finished) - moment)
    window = max(until - since, 1.0)
    return {
        "polls": len(rows),
        "polls_per_s": len(rows) / window,
        "sources_polled": len(last),
        "sources": sources,
        "gap_median": statistics.median(gaps) if gaps else float("nan"),
        "gap_p95": percentile(gaps, 0.95) if gaps else float("nan"),
        "duration_mean": statistics.fmean(durations) if durations else float("nan"),
        "statuses": dict(statuses),
        "errors": errors.most_common(3),
        "alerts": alerts,
        "articles": articles,
        "by_origin": by_origin,
    }


def log_figures(log_path: Path) -> dict[str, int]:
    """Warnings in the service's log that say it fell behind or failed."""
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return {
        "missed runs (APScheduler misfire)": text.count("was missed by"),
        "skipped: previous poll still running": text.count("maximum number of running instances")
        + text.count("still being polled"),
        "ERROR lines": sum(1 for line in text.splitlines() if " ERROR " in line),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "alerts to retry": text.count("failed (") + text.count("failed for good"),
    }


def alert_failures(log_path: Path) -> list[tuple[str, int]]:
    """The most common reasons the dispatcher gave for a failed alert."""
    reasons: Counter[str] = Counter()
    pattern = re.compile(r"newsradar\.dispatch: alert to .*? failed \((.*)\); retry in")
    with log_path.open(encoding="utf-8", errors="replace") as log:
        for line in log:
            match = pattern.search(line)
            if match:
                reasons[match.group(1)] += 1
    return reasons.most_common(3)


# --- report ------------------------------------------------------------------------------


def _nearest(samples: list[Sample], t: float) -> Sample:
    return min(samples, key=lambda s: abs(s.t - t))


def _every_minute(samples: list[Sample]) -> list[Sample]:
    """About one sample a minute, and always the last."""
    picked = samples[:: max(1, round(60 / SAMPLE_EVERY))]
    return picked if picked[-1] is samples[-1] else [*picked, samples[-1]]


def _fmt(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "n/a"
    if seconds == float("inf"):
        return "not delivered"
    return f"{seconds:.1f} s"


def render(result: dict[str, Any]) -> str:
    """The Markdown report of one run."""
    args = result["args"]
    samples: list[Sample] = result["samples"]
    start, middle, end = result["points"]
    growth = (end.rss_mb - middle.rss_mb) / middle.rss_mb * 100
    # The extraction pool is shut down whenever no crawl runs and started again
    # with the next one: a growth figure means nothing across such a restart.
    pool_steady = middle.children == end.children and bool(middle.workers_rss_mb)
    workers_growth = (
        f"{(end.workers_rss_mb - middle.workers_rss_mb) / middle.workers_rss_mb * 100:+.1f}%"
        if pool_steady
        else "n/a (the pool was restarted in between)"
    )
    lat = result["latency"]
    lat_all = result["latency_all"]
    polls = result["polls"]
    interval = result["interval_s"]
    wanted_pace = args.feeds / interval
    budget = interval + 5
    elapsed = end.t
    cpu_share = end.cpu_s / elapsed * 100
    workers_share = end.workers_cpu_s / elapsed * 100
    rows = [
        ("resident memory, service (MB)", start.rss_mb, middle.rss_mb, end.rss_mb, "{:.0f}"),
        (
            "resident memory, extraction workers (MB)",
            start.workers_rss_mb,
            middle.workers_rss_mb,
            end.workers_rss_mb,
            "{:.0f}",
        ),
        ("open file descriptors, service", start.fds, middle.fds, end.fds, "{}"),
        ("of which TCP sockets", start.sockets, middle.sockets, end.sockets, "{}"),
        ("of which in CLOSE_WAIT", start.close_wait, middle.close_wait, end.close_wait, "{}"),
        ("of which database files", start.db_files, middle.db_files, end.db_files, "{}"),
        ("child processes", start.children, middle.children, end.children, "{}"),
        ("polls in flight (runs running)", start.in_flight, middle.in_flight, end.in_flight, "{}"),
        ("CPU time, service (s)", start.cpu_s, middle.cpu_s, end.cpu_s, "{:.0f}"),
        (
            "CPU time, extraction workers (s)",
            start.workers_cpu_s,
            middle.workers_cpu_s,
            end.workers_cpu_s,
            "{:.0f}",
        ),
        (
            "CPU time, this benchmark process (s)",
            start.bench_cpu_s,
            middle.bench_cpu_s,
            end.bench_cpu_s,
            "{:.0f}",
        ),
        ("articles published", start.published, middle.published, end.published, "{}"),
        ("alerts delivered", start.alerts, middle.alerts, end.alerts, "{}"),
    ]
    table = "\n".join(
        f"| {label} | {f.format(a)} | {f.format(b)} | {f.format(c)} |" for label, a, b, c, f in rows
    )
    series = "\n".join(
        f"| {s.t:.0f} | {s.rss_mb:.0f} | {s.workers_rss_mb:.0f} | {s.fds} | {s.sockets} | "
        f"{s.db_files} | {s.in_flight} | "
        f"{s.cpu_s:.0f} | {s.published} | {s.alerts} |"
        for s in _every_minute(samples)
    )
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(polls["statuses"].items()))
    alerts = ", ".join(f"{k}: {v}" for k, v in sorted(polls["alerts"].items())) or "none"
    origins = ", ".join(f"{k}: {v}" for k, v in sorted(polls["by_origin"].items())) or "none"
    errors = "; ".join(f"{e} (x{n})" for e, n in polls["errors"]) or "none"
    requests = ", ".join(f"{k}: {v}" for k, v in sorted(result["requests"].items()))
    logs = ", ".join(f"{k}: {v}" for k, v in result["log"].items())
    failures = "; ".join(f"{r} (x{n})" for r, n in result["alert_failures"]) or "none"
    changed = result["code_changed"]
    warning = (
        "**Warning: the code under test changed during the run** (editable install): "
        + ", ".join(changed[:8])
        + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
        + ". Figures after that moment measure a mix of old and new code.\n\n"
        if changed
        else ""
    )
    keeps_up = polls["gap_median"] <= interval * 1.25 and polls["polls_per_s"] >= wanted_pace * 0.9

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    results = "\n".join(
        f"| {label} | {value} |"
        for label, value in (
            ("memory growth middle -> end, service", f"{growth:+.1f}%"),
            ("memory growth middle -> end, extraction workers", workers_growth),
            (
                "CPU, service / workers (share of one core over the run)",
                f"{cpu_share:.0f}% / {workers_share:.0f}%",
            ),
            (
                "articles published after warm-up / alerted",
                f"{lat['published']} / {lat['delivered']}",
            ),
            ("latency publish -> alert, median", _fmt(lat["median"])),
            ("latency publish -> alert, p95", _fmt(lat["p95"])),
            ("latency publish -> alert, max (delivered)", _fmt(lat["max_delivered"])),
            (
                "all articles published / alerted (incl. warm-up)",
                f"{lat_all['published']} / {lat_all['delivered']}",
            ),
            (
                "alerts not matching an article / duplicates",
                f"{lat_all['unknown']} / {lat_all['duplicates']}",
            ),
            (
                "polls after warm-up (runs table)",
                f"{polls['polls']} = {polls['polls_per_s']:.1f} polls/s "
                f"(needed: {wanted_pace:.1f})",
            ),
            (
                "time between two polls of one feed, median / p95",
                f"{polls['gap_median']:.0f} s / {polls['gap_p95']:.0f} s "
                f"(configured {args.interval})",
            ),
            ("mean poll duration (1 s resolution)", f"{polls['duration_mean']:.1f} s"),
            (
                "SIGTERM -> exit",
                f"status {result['exit_code']} after {result['stop_seconds']:.1f} s",
            ),
        )
    )
    title = f"{args.feeds} feeds every {args.interval}, {args.minutes:g} min"
    hosts = f"127.0.0.2-127.0.0.{args.hosts + 1}"
    return f"""## Soak: `newsradar run`, {title}

Command (from the repository root): `{result["command"]}`
Machine: {describe()}
Date: {result["date"]}

{warning}World: {args.feeds} RSS 2.0 feeds on {args.hosts} loopback hosts ({hosts},
one ThreadingHTTPServer each, ETag/Last-Modified, 304 when unchanged), {args.seed_per_feed}
older entries per feed at the start (no watchlist mention), then {args.rate:g} new articles/s
on random feeds, each page 5-15 KB of HTML mentioning {ENTITY} in its text. Config:
`interval = "{args.interval}"`, `per_domain = {args.per_domain}`, `retry_after = "2s"`, one
entity, one Apprise `json://` webhook on 127.0.0.1. Service: `{result["service"]}`.
Warm-up {result["warmup"]:.0f} s; "start" = after the warm-up, "middle" = {middle.t:.0f} s,
"end" = {end.t:.0f} s (publisher stopped), then up to {result["drain"]:.0f} s to drain.

| measure | start ({start.t:.0f} s) | middle ({middle.t:.0f} s) | end ({end.t:.0f} s) |
| --- | ---: | ---: | ---: |
{table}

| result | value |
| --- | --- |
{results}

- Memory flat after warm-up (service growth middle -> end under 10%): {verdict(growth < 10)}
- p95 latency under the poll interval + 5 s ({budget:.0f} s): {verdict(lat["p95"] < budget)}
- Keeps up with {args.feeds} feeds every {args.interval} (median gap within 25% of the interval,
  pace at least 90% of {wanted_pace:.1f} polls/s): {verdict(keeps_up)}

Runs by status: {statuses}. Run errors: {errors}.
Alerts table: {alerts}. Articles stored: {polls["articles"]} ({origins}).
Requests the world answered: {requests}. Most requests in flight to one host at
any moment: {result["max_in_flight"]} (per_domain = {result["per_domain"]}).
Service log: {logs}.
Alert failures in the log: {failures}.

Every minute (t in s after the service started; MB resident; in flight: polls running;
CPU s: the service's CPU time):

| t | service MB | workers MB | fds | sockets | db files | in flight | CPU s | published | alerts |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{series}
"""


# --- main --------------------------------------------------------------------------------


def run(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Build the world, run the service against it, measure; return the results."""
    interval_s = _duration(args.interval)
    duration = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else min(60.0, 0.2 * duration)
    drain = args.drain if args.drain is not None else max(30.0, 3 * interval_s)
    world = World(args.feeds, args.hosts, args.seed)
    receiver = Receiver()
    keep = Path(tempfile.mkdtemp(prefix="newsradar-soak-"))
    process: subprocess.Popen[bytes] | None = None
    publisher_stop = threading.Event()
    publisher: threading.Thread | None = None
    try:
        world.start()
        receiver.start()
        long_ago = time.time() - 3600
        for feed in world.feeds:
            for _ in range(args.seed_per_feed):
                world.publish(feed.index, mention=False, when=long_ago)
        config = write_config(keep, world, receiver, args)
        code_before = code_snapshot()
        service = newsradar_command()
        check = subprocess.run(
            [*service, "check", "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
            check=False,
        )
        if check.returncode != 0:
            raise SystemExit(f"newsradar check failed:\n{check.stdout}{check.stderr}")
        log_path = keep / "service.log"
        with log_path.open("wb") as log:
            began = time.time()
            process = subprocess.Popen(
                [*service, "run", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
            watched = psutil.Process(process.pid)

            def publish() -> None:
                # A steady pace, bounded by count and by time.
                gap = 1.0 / args.rate
                due = time.monotonic()
                for _ in range(int(args.rate * duration) + 1):
                    due += gap
                    if publisher_stop.wait(max(0.0, due - time.monotonic())):
                        return
                    if time.time() - began >= duration:
                        return
                    world.publish(world.rng.randrange(args.feeds))

            publisher = threading.Thread(target=publish, name="publisher", daemon=True)
            publisher.start()
            samples: list[Sample] = []
            print(f"soak: service pid {process.pid}, files in {keep}", file=sys.stderr)
            for tick in range(int(duration / SAMPLE_EVERY) + 1):
                target = began + tick * SAMPLE_EVERY
                time.sleep(max(0.0, target - time.time()))
                if process.poll() is not None:
                    raise SystemExit(
                        f"the service exited early with status {process.returncode}; "
                        f"log: {log_path}\n{log_path.read_text(errors='replace')[-3000:]}"
                    )
                now = time.time()
                point = sample(
                    watched, now - began, len(world.stories), receiver.count(), keep / DATABASE
                )
                if point is not None:
                    samples.append(point)
                    # Raw figures as they come, so a failed analysis loses nothing.
                    with (keep / "samples.jsonl").open("a", encoding="utf-8") as raw:
                        raw.write(json.dumps(point.__dict__) + "\n")
                if tick % max(1, round(60 / SAMPLE_EVERY)) == 0 and point is not None:
                    print(
                        f"soak: t={point.t:4.0f}s rss={point.rss_mb:.0f}MB "
                        f"workers={point.workers_rss_mb:.0f}MB fds={point.fds} "
                        f"sockets={point.sockets} db={point.db_files} "
                        f"in-flight={point.in_flight} cpu={point.cpu_s:.0f}s "
                        f"published={point.published} alerts={point.alerts}",
                        file=sys.stderr,
                    )
            publisher_stop.set()
            publisher.join(timeout=10)
            ended = time.time()
            # The articles of the last seconds are still in flight: give them a
            # bounded drain before SIGTERM, so "not delivered" means not delivered.
            deadline = time.monotonic() + drain
            while time.monotonic() < deadline and receiver.count() < len(world.stories):
                if process.poll() is not None:
                    break
                time.sleep(0.5)
            code, stop_seconds = stop_service(process, STOP_TIMEOUT)
        steady_from = began + warmup
        return {
            "args": args,
            "command": command,
            "service": shlex.join(["newsradar", "run", "-c", "CONFIG"]),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "interval_s": interval_s,
            "warmup": warmup,
            "drain": drain,
            "samples": samples,
            "points": (
                next(s for s in samples if s.t >= warmup),
                _nearest(samples, duration / 2),
                samples[-1],
            ),
            "latency": latencies(world, receiver.arrivals, steady_from, ended),
            "latency_all": latencies(world, receiver.arrivals, 0, ended),
            "polls": poll_figures(keep / DATABASE, steady_from, ended),
            "requests": dict(world.requests),
            "max_in_flight": world.max_in_flight,
            "per_domain": args.per_domain,
            "log": log_figures(log_path),
            "alert_failures": alert_failures(log_path),
            "code_changed": changed_during(code_before, began),
            "exit_code": code,
            "stop_seconds": stop_seconds,
            "directory": keep,
        }
    finally:
        publisher_stop.set()
        if process is not None and process.poll() is None:
            stop_service(process, STOP_TIMEOUT)
        receiver.stop()
        world.stop()
        if not args.keep:
            shutil.rmtree(keep, ignore_errors=True)


def _duration(text: str) -> float:
    """Seconds in "5s", "1m", "1m30s" (the config's own syntax, checked by newsradar too)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([smh])", text)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)([smh])", "", text):
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (use 5s, 1m, 1m30s)")
    return sum(float(n) * {"s": 1, "m": 60, "h": 3600}[u] for n, u in parts)


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, run the soak, print the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="run time (default 10)")
    parser.add_argument("--feeds", type=int, default=500, help="feeds (default 500)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback hosts (default 50)")
    parser.add_argument("--rate", type=float, default=2.0, help="new articles per second")
    parser.add_argument("--interval", default="5s", help='[crawl] interval (default "5s")')
    parser.add_argument("--per-domain", type=int, default=4, help="[crawl] per_domain")
    parser.add_argument("--seed-per-feed", type=int, default=2, help="old entries per feed")
    parser.add_argument("--warmup", type=float, help="seconds (default: 60 or 20%% of the run)")
    parser.add_argument("--drain", type=float, help="seconds to wait for alerts at the end")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the world")
    parser.add_argument("--keep", action="store_true", help="keep the config, database and log")
    parser.add_argument("--write", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    _duration(args.interval)
    if not (0 < args.minutes <= 120 and 0 < args.rate <= 100 and 1 <= args.feeds <= 5000):
        parser.error("--minutes must be in (0, 120], --rate in (0, 100], --feeds in [1, 5000]")
    shown = ["python", "benchmarks/soak.py", *(argv if argv is not None else sys.argv[1:])]
    result = run(args, shlex.join(shown))
    report = render(result)
    print(report)
    if args.keep:
        print(f"(files kept in {result['directory']})", file=sys.stderr)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
