"""Politeness as a slow site sees it: every request to a site, whatever made it, takes
its place in the site's one download slot, a timed-out request keeps its place while
the server may still be serving it, and ``min_delay`` spaces requests out.

A real, slow HTTP server on 127.0.0.1 counts the requests it is serving at once; real
`newsradar run --once` cycles poll many sources of that one site through the
service's crawl engine.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

import pytest

from hostile import article_html, rss, run_once, write_config
from scheduler.demo.localhttp import QuietHTTPServer, ServedHTTP

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent

# The feeds' names (not "rss": /feeds/rss.xml is one of the usual feed paths).
FEED_NAME = re.compile(r"[fmrhs]\d+")
SENTENCE = "The council met on Tuesday and agreed the budget after a long debate. "


class _Server(QuietHTTPServer):
    site: SlowSite


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy uses it
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        path = self.path
        host = self.headers.get("Host", "")
        site.enter(host, path)
        try:
            # The work a slow site does for a request; counted as in flight until the
            # answer is ready, so an answer the client has read is never still counted.
            time.sleep(site.stall if path.startswith("/stall/") else site.delay)
            status, content_type, body, headers = site.route(path, host)
        finally:
            site.leave(host)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class SlowSite(ServedHTTP):
    """One news site that takes ``delay`` seconds over every answer (``stall`` for
    paths under /stall/), and counts the requests it is serving at once: per Host
    (``peak``) and in all (``peak_all``). Its links name the host it was asked by.

    Feeds /feeds/NAME.xml list ``articles`` pages each; /moved/NAME.xml redirects to
    /feeds/NAME.xml; /flaky/NAME.xml answers 503 once, then is a feed; /home/NAME/
    is a page advertising /feeds/NAME.xml; /plain/ is a page with no feed (discovery
    then tries the usual feed paths and robots.txt's sitemap, /sitemap.xml).
    """

    def __init__(self, delay: float, *, stall: float = 0.0, articles: int = 2) -> None:
        self.delay = delay
        self.stall = stall
        self.articles = articles
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.peak_all = 0
        self.arrivals: list[tuple[float, str]] = []  # (monotonic time, path)
        self._failed_once: set[str] = set()

    def start(self) -> Self:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self._serve(server, "slowsite")
        return self

    def stop(self) -> None:
        self._unserve()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        """The path of every request received, in order."""
        with self._lock:
            return [path for _, path in self.arrivals]

    @property
    def arrival_times(self) -> list[float]:
        """When each request was received (time.monotonic)."""
        with self._lock:
            return [at for at, _ in self.arrivals]

    def enter(self, host: str, path: str) -> None:
        with self._lock:
            self.arrivals.append((time.monotonic(), path))
            count = self._in_flight.get(host, 0) + 1
            self._in_flight[host] = count
            self.peak[host] = max(self.peak.get(host, 0), count)
            self.peak_all = max(self.peak_all, sum(self._in_flight.values()))

    def leave(self, host: str) -> None:
        with self._lock:
            self._in_flight[host] -= 1

    def route(self, path: str, host: str) -> tuple[int, str, bytes, dict[str, str]]:
        """(status, content type, body, headers) of ``path``, asked of ``host``."""
        base = f"http://{host}"
        name = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"
            return 200, "text/plain", body.encode(), {}
        if path.startswith("/moved/"):
            return 301, html, b"", {"Location": f"/feeds/{name}.xml"}
        if path.startswith("/flaky/"):
            with self._lock:
                first = path not in self._failed_once
                self._failed_once.add(path)
            if first:
                return 503, html, b"busy", {}
        if path.startswith(("/feeds/", "/flaky/", "/stall/")) and FEED_NAME.fullmatch(name):
            items = [
                (f"{base}/news/{name}-{i}.html", f"Story {name} {i}") for i in range(self.articles)
            ]
            return 200, "application/rss+xml", rss(items, title=f"Feed {name}"), {}
        if path.startswith("/home/"):
            page = (
                '<html><head><link rel="alternate" type="application/rss+xml" '
                f'href="/feeds/{name}.xml"></head><body><p>Home</p></body></html>'
            )
            return 200, html, page.encode(), {}
        if path == "/plain/":
            links = "".join(
                f'<li><a href="/news/plain-{i}.html">Plain story {i} of the day</a></li>'
                for i in range(self.articles)
            )
            return 200, html, f"<html><body><ul>{links}</ul></body></html>".encode(), {}
        if path == "/sitemap.xml":
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            urls = "".join(
                f"<url><loc>{base}/news/map-{i}.html</loc><lastmod>{now}</lastmod></url>"
                for i in range(self.articles)
            )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            )
            return 200, "application/xml", body.encode(), {}
        if path.startswith("/news/"):
            return 200, html, article_html(f"Story {name}", SENTENCE).encode(), {}
        return 404, html, b"<h1>not found</h1>", {}


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    """A site taking 0.3 s over every answer."""
    with SlowSite(0.3) as site:
        yield site


def _stored(tmp_path: Path) -> tuple[int, dict[str, str | None]]:
    """Articles stored, and each source's last error, from the cycle's database."""
    with sqlite3.connect(tmp_path / "radar.db") as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        errors = dict(db.execute("SELECT name, last_error FROM sources").fetchall())
    return articles, errors


def test_every_kind_of_request_to_a_site_shares_its_per_domain_places(
    tmp_path: Path, slow_site: SlowSite
) -> None:
    base = slow_site.base_url
    sources = [
        {"name": f"feed {n}", "url": f"{base}/feeds/f{n}.xml", "kind": "feed"} for n in range(4)
    ]
    sources += [
        {"name": "moved 0", "url": f"{base}/moved/m0.xml", "kind": "feed"},
        {"name": "moved 1", "url": f"{base}/moved/m1.xml", "kind": "feed"},
        {"name": "flaky", "url": f"{base}/flaky/r0.xml", "kind": "feed"},
        {"name": "home 0", "url": f"{base}/home/h0/"},  # discovery: the advertised feed
        {"name": "home 1", "url": f"{base}/home/h1/"},
        {"name": "plain", "url": f"{base}/plain/"},  # discovery: feed paths, robots.txt
        {"name": "sitemap", "url": f"{base}/", "kind": "sitemap"},  # robots.txt, sitemap
    ]
    config = write_config(
        tmp_path / "radar.toml",
        sources,
        per_domain=2,
        autothrottle=False,  # nothing but the slot's places between the polls and the site
        retries=1,
        extract_workers=0,
    )

    result = run_once(config, timeout=240)

    assert result.returncode == 0, result.stdout + result.stderr
    paths = slow_site.paths
    # Every kind of request reached the site: robots.txt (Scrapy's and the spiders'),
    # redirects, a retry, discovery fetches, a sitemap, feeds and pages...
    assert "/robots.txt" in paths
    assert {"/moved/m0.xml", "/feeds/m0.xml", "/feeds/h0.xml", "/sitemap.xml"} <= set(paths)
    assert paths.count("/flaky/r0.xml") == 2
    assert "/feed" in paths and "/rss.xml" in paths  # the usual feed paths, tried for /plain/
    articles, errors = _stored(tmp_path)
    assert not any(errors.values()), errors
    # Nine feeds and a sitemap (polled by two sources) of two articles each.
    assert articles == 10 * 2
    # ...and the site never had more than per_domain of them to serve at once: two,
    # reached (the polls did run side by side).
    assert slow_site.peak == {f"127.0.0.1:{slow_site.port}": 2}


# One cycle of the service (`run --once`'s Service.run_once) with the names of the site
# answered by a scripted name server (tests/dns_crawl.py): all else is the real thing.
SERVICE_WITH_NAMES = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from dns_crawl import ScriptedNameServer
    from scheduler.config import load_config
    from scheduler.crawl import run_in_reactor
    from scheduler.service import Service

    config = load_config(sys.argv[2])
    names = ScriptedNameServer({name: [["127.0.0.1"]] for name in sys.argv[3:]})

    async def main():
        from twisted.internet import reactor
        from crawler.resolver import VettedResolver

        VettedResolver(reactor, backend=names).install_on_reactor()
        service = Service(config)
        try:
            report = await service.run_once()
        finally:
            service.close()
        return {c.source: [c.articles_new, c.error] for c in report.crawls}

    print(json.dumps(run_in_reactor(main)))
    """
)


NAMES = ("www.news.test", "feeds.news.test")


def test_the_hosts_of_one_site_share_its_places(tmp_path: Path, slow_site: SlowSite) -> None:
    # www.news.test and feeds.news.test: one registered domain, one site, one slot.
    port = slow_site.port
    www, feeds = (f"http://{name}:{port}" for name in NAMES)
    sources = [
        {"name": f"{label} {n}", "url": f"{base}/feeds/f{n}.xml", "kind": "feed"}
        for label, base in (("www", www), ("feeds", feeds))
        for n in range(3)
    ]
    sources.append({"name": "home", "url": f"{www}/home/h0/"})
    config = write_config(
        tmp_path / "radar.toml", sources, per_domain=2, autothrottle=False, extract_workers=0
    )

    result = subprocess.run(
        [sys.executable, "-c", SERVICE_WITH_NAMES, str(TESTS), str(config), *NAMES],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcomes == {source["name"]: [2, None] for source in sources}
    # Both hosts were asked, robots.txt of each included, and between them never more
    # than per_domain requests at once.
    assert set(slow_site.peak) == {f"{name}:{port}" for name in NAMES}
    assert slow_site.paths.count("/robots.txt") == 2
    assert slow_site.peak_all == 2


def test_a_timed_out_request_keeps_its_place_while_the_site_may_still_serve_it(
    tmp_path: Path,
) -> None:
    # The site takes 1.6 s over each feed; the client gives up after 1 s. Freed at
    # once, each timed-out request's place would go to the next feed while the site
    # is still working on the first.
    with SlowSite(0.0, stall=1.6) as site:
        sources = [
            {"name": f"stalled {n}", "url": f"{site.base_url}/stall/s{n}.xml", "kind": "feed"}
            for n in range(5)
        ]
        sources.append({"name": "quick", "url": f"{site.base_url}/feeds/f0.xml", "kind": "feed"})
        config = write_config(
            tmp_path / "radar.toml",
            sources,
            per_domain=2,
            timeout="1s",
            autothrottle=False,
            retries=0,
            extract_workers=0,
        )

        result = run_once(config, timeout=120)

        assert result.returncode == 0, result.stdout + result.stderr
        articles, errors = _stored(tmp_path)
        assert articles == 2  # the quick feed's, polled between the stalled ones
        assert errors == {"quick": None} | {f"stalled {n}": "timed out" for n in range(5)}
        stalled = [p for p in site.paths if p.startswith("/stall/")]
        assert sorted(stalled) == [f"/stall/s{n}.xml" for n in range(5)]
        assert site.peak == {f"127.0.0.1:{site.port}": 2}


@pytest.mark.parametrize("autothrottle", [True, False], ids=["autothrottle", "no-autothrottle"])
def test_min_delay_spaces_the_requests_to_a_site(tmp_path: Path, autothrottle: bool) -> None:
    # A fast site, four places: only min_delay holds the requests apart. AutoThrottle
    # would go well below it for answers this fast (its start delay is 0.5 s).
    with SlowSite(0.0, articles=1) as site:
        sources = [
            {"name": f"feed {n}", "url": f"{site.base_url}/feeds/f{n}.xml", "kind": "feed"}
            for n in range(2)
        ]
        config = write_config(
            tmp_path / "radar.toml",
            sources,
            per_domain=4,
            min_delay="1s",
            autothrottle=autothrottle,
            extract_workers=0,
        )

        result = run_once(config, timeout=120)

        assert result.returncode == 0, result.stdout + result.stderr
        arrivals = sorted(site.arrival_times)
    # robots.txt, two feeds, two articles
    assert len(arrivals) == 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # Requests leave at least 1 s apart (Scrapy's random variation of the delay would
    # take half of them below it); on loopback they arrive within a few ms of that.
    assert min(gaps) >= 0.9, gaps
