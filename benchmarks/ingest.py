"""Ingest throughput: newsradar end to end against the floor of the same machine.

Run from the repository root (everything talks to 127.0.0.1 only):

    python benchmarks/ingest.py                       # 2,000 articles, 1,000 feeds re-polled
    python benchmarks/ingest.py --quick               # 400 articles, 200 feeds
    python benchmarks/ingest.py --write FILE          # also save the Markdown results

A local site (an asyncio HTTP/1.1 server in its own process, every page rendered
in memory beforehand, ETag / If-None-Match supported) serves ``--articles``
generated article pages of realistic size (about 65 KB: a mega-menu, inline CSS and
scripts, JSON-LD, ad slots, figures, teasers, comments and a footer around
10-14 paragraphs in CMS-style wrappers) behind
``--feeds`` RSS feeds. Each measurement runs in a fresh process:

* floor: Scrapy with its default settings fetching the same article pages and
  calling trafilatura exactly as newsradar does, and nothing else (no feeds, no
  storage, no matching), all in one process;
* ingest: newsradar's own crawl of the feeds (`CrawlRunner.crawl` per source on one
  crawl engine, as the service runs it: fetch, extract in the process pool, store
  in SQLite), then the
  matcher over every new article, with extraction workers = cores and = 0
  (extraction on the event loop, as a single process would);
* re-poll: ``--repoll-feeds`` feeds polled once (their articles stored), then
  polled again unchanged: the requests the server saw, their statuses, the time.

The benchmark config turns AutoThrottle off and allows 16 requests at once to the
one local site (Scrapy's default is 8 per domain, 16 in all): AutoThrottle would
otherwise measure its own delays, not newsradar's cost. One more ingest run has it
on, to compare: turning it off must never make a crawl slower.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import multiprocessing
import random
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from machine import describe, run_child

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = (  # noqa: SIM905 (a paragraph of words reads better than a list)
    "the of and to in a is that for on with as was by at from officials said government "
    "province minister talks security forces report week monday tuesday wednesday city "
    "district police border trade aid agency council meeting statement people villages "
    "market prices winter roads schools health clinic water farmers harvest local "
    "residents spokesman delegation envoy ministry regional capital national election "
    "court judge law new plan budget years months after before during while however also"
).split()
NAMES = ("Taliban", "Haqqani network", "al-Qaida", "Islamic State Khorasan", "Sirajuddin Haqqani")


# --- the site ----------------------------------------------------------------------


def sentence(rng: random.Random) -> str:
    """A news-like sentence of 12-24 words, naming a watchlist entity one time in 12."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    if rng.random() < 0.08:
        words.insert(rng.randint(0, len(words)), rng.choice(NAMES))
    return " ".join(words).capitalize() + "."


def article_page(n: int, base: str) -> bytes:
    """Article ``n``: about 65 KB of HTML, 6-9 KB of it the story's text."""
    rng = random.Random(n)
    title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
    # Real CMS markup: every paragraph in wrappers, inline links, ad slots and
    # figures between paragraphs, a mega-menu, "most read" teasers with images.
    blocks = []
    for k in range(rng.randint(10, 14)):
        text = " ".join(sentence(rng) for _ in range(rng.randint(3, 5)))
        cut = text.find(" ", len(text) // 2)
        text = f'{text[:cut]} <a href="/topic/{WORDS[k]}" class="inline">{WORDS[k]}</a>{text[cut:]}'
        blocks.append(
            f'<div class="story-block story-block--text" data-block="{k}"><div class="inner">'
            f'<p class="paragraph">{text}</p></div></div>'
        )
        if k % 4 == 3:
            blocks.append(
                f'<div class="ad-slot" id="ad-{n}-{k}"><div class="ad-label">Advertisement</div>'
                f'<div class="ad-inner"></div></div><figure class="inline-figure"><picture>'
                f'<source srcset="/img/{n}-{k}.webp 1x, /img/{n}-{k}@2x.webp 2x">'
                f'<img src="/img/{n}-{k}.jpg" alt="{WORDS[k]}" loading="lazy"></picture>'
                f"<figcaption>{sentence(rng)}</figcaption></figure>"
            )
    paragraphs = "\n".join(blocks)
    nav = "".join(
        f'<li class="menu-item"><div class="menu-head"><a href="/section/{w}/">{w.title()}</a>'
        f'</div><ul class="sub-menu">'
        + "".join(f'<li><a href="/section/{w}/{v}/">{v.title()}</a></li>' for v in WORDS[:8])
        + "</ul></li>"
        for w in WORDS[:40]
    )
    related = "".join(
        f'<li class="teaser"><div class="teaser-media"><img src="/img/t{k}.jpg" alt=""></div>'
        f'<div class="teaser-body"><a href="/news/story-{(n + k) % 9973}-{WORDS[k]}-update">'
        f'{sentence(rng)[:70]}</a><span class="teaser-time">{k} hours ago</span></div></li>'
        for k in range(1, 31)
    )
    comments = "".join(
        f'<li class="comment"><p class="who">reader{k}</p><p>{sentence(rng)}</p></li>'
        for k in range(5)
    )
    footer = "".join(f'<li><a href="/page/{w}">{w}</a></li>' for w in WORDS[40:70])
    css = "".join(f".c{k}{{margin:{k}px;padding:{k % 7}px;color:#{k:06x}}}" for k in range(250))
    script = "".join(f"window.cfg{k}={{id:{k},slot:'ad-{k}',lazy:true}};" for k in range(300))
    published = f"2026-11-{1 + n % 27:02d}T{n % 24:02d}:00:00Z"
    url = f"{base}/news/story-{n}"
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": published,
            "author": {"@type": "Person", "name": "Staff Reporter"},
        }
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Bench News</title><meta name="description" content="{title}">
<meta property="og:title" content="{title}"><meta property="og:url" content="{url}">
<link rel="canonical" href="{url}"><style>{css}</style>
<script type="application/ld+json">{ld}</script></head><body>
<header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Staff Reporter,
<time datetime="{published}">{published}</time></p>
{paragraphs}
</article><section class="comments"><h2>Comments</h2><ol>{comments}</ol></section></main>
<aside><h2>Related</h2><ul>{related}</ul></aside>
<footer><ul>{footer}</ul><p>Bench News</p></footer><script>{script}</script>
</body></html>""".encode()


def feed(base: str, numbers: range | list[int], name: str) -> bytes:
    """An RSS 2.0 feed listing articles ``numbers``."""
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/news/story-{n}</link>"
        f"<guid>{base}/news/story-{n}</guid><description>Summary of story {n}.</description>"
        f"<pubDate>Sun, 01 Nov 2026 {n % 24:02d}:00:00 GMT</pubDate></item>"
        for n in numbers
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{name}</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


def build_site(base: str, articles: int, feeds: int, repoll_feeds: int) -> dict[str, bytes]:
    """Every path of the benchmark site and its body."""
    pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
    for n in range(articles):
        pages[f"/news/story-{n}"] = article_page(n, base)
    per_feed = -(-articles // feeds)
    for f in range(feeds):
        pages[f"/feeds/{f}.xml"] = feed(
            base, range(f * per_feed, min((f + 1) * per_feed, articles)), f"f{f}"
        )
    for f in range(repoll_feeds):
        listed = [(2 * f) % articles, (2 * f + 1) % articles]
        pages[f"/repoll/{f}.xml"] = feed(base, listed, f"r{f}")
    return pages


def serve(port_out: Any, articles: int, feeds: int, repoll_feeds: int) -> None:
    """The site's process: an asyncio HTTP/1.1 server with keep-alive and ETags."""
    import socket

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    pages = build_site(base, articles, feeds, repoll_feeds)
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in pages.items()}
    counts: Counter[str] = Counter()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1].split("?")[0]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if path == "/__stats":
                    body, status, extra = json.dumps(counts).encode(), 200, ""
                elif path == "/__reset":
                    counts.clear()
                    body, status, extra = b"{}", 200, ""
                elif path in pages:
                    etag = etags[path]
                    if headers.get("if-none-match") == etag:
                        body, status, extra = b"", 304, f"ETag: {etag}\r\n"
                    else:
                        body, status, extra = pages[path], 200, f"ETag: {etag}\r\n"
                    kind = "article" if path.startswith("/news/") else path.split("/")[1]
                    counts[f"{kind} {status}"] += 1
                else:
                    body, status, extra = b"not found", 404, ""
                    counts[f"other {status}"] += 1
                content_type = "text/html; charset=utf-8"
                if path.endswith(".xml"):
                    content_type = "application/rss+xml"
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\n{extra}\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, sock=sock, backlog=1024)
        port_out.put(port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- the measured processes ------------------------------------------------------------


def run_floor(base: str, articles: int, concurrent_items: int) -> dict[str, Any]:
    """Scrapy (default settings) + the same trafilatura call, nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.parse.extract import extract_article

    done = {"pages": 0, "text": 0}

    class Floor(scrapy.Spider):
        name = "floor"

        async def start(self):  # type: ignore[override]
            for n in range(articles):
                yield scrapy.Request(f"{base}/news/story-{n}")

        def parse(self, response):  # type: ignore[override]
            extracted = extract_article(response.text, response.url)
            done["pages"] += 1
            done["text"] += bool(extracted)

    settings = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    if concurrent_items:
        settings["CONCURRENT_ITEMS"] = concurrent_items
    process = CrawlerProcess(settings)
    process.crawl(Floor)
    started = time.perf_counter()
    process.start()
    seconds = time.perf_counter() - started
    return {"pages": done["pages"], "extracted": done["text"], "seconds": seconds}


def _config(db: Path, urls: list[str], workers: int | None, autothrottle: bool = False) -> Any:
    from scheduler.config import parse_config

    workers_line = "" if workers is None else f"extract_workers = {workers}\n"
    text = (
        f'database = "{db}"\n[crawl]\ninterval = "1h"\n'
        f"autothrottle = {'true' if autothrottle else 'false'}\n"
        f"per_domain = 16\nmax_articles = 5000\n{workers_line}"
    )
    text += "".join(
        f'[[source]]\nname = "s{k}"\nurl = "{url}"\nkind = "feed"\n' for k, url in enumerate(urls)
    )
    return parse_config(text)


def run_ingest(
    base: str, feeds: int, workers: int | None, autothrottle: bool = False
) -> dict[str, Any]:
    """newsradar's crawl of every feed, then matching, timed together."""
    from alerts.pending import match_pending
    from alerts.watchlist import Watchlist
    from crawler import store
    from scheduler.config import default_config_text, parse_config
    from scheduler.crawl import CrawlRunner, run_in_reactor
    from scheduler.runtime import extraction_pool

    watchlist = Watchlist.compile(parse_config(default_config_text()).entities())
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(
            Path(tmp) / "bench.db",
            [f"{base}/feeds/{f}.xml" for f in range(feeds)],
            workers,
            autothrottle,
        )

        async def main() -> dict[str, Any]:
            # The service's pool: extraction and story signatures in the workers.
            with extraction_pool(config) as extraction:
                crawler = CrawlRunner(config, extraction=extraction)
                started = time.perf_counter()
                outcomes = await asyncio.gather(*(crawler.crawl(s) for s in config.source))
                crawled = time.perf_counter()
                await crawler.stop()
                db = store.open_db(config.database_path)
                report = match_pending(db, watchlist, [])
                finished = time.perf_counter()
                pages = db.execute(
                    "SELECT count(*) FROM articles WHERE extracted_from = 'page'"
                ).fetchone()[0]
                db.close()
                return {
                    "articles": sum(o.articles_new for o in outcomes),
                    "from_page": pages,
                    "errors": [o.error for o in outcomes if o.error],
                    "matched": report.matched,
                    "seconds": finished - started,
                    "crawl_seconds": crawled - started,
                    "match_seconds": finished - crawled,
                }

        return run_in_reactor(main)


def _server_counts(base: str, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(base + ("/__reset" if reset else "/__stats"), timeout=10) as r:
        return json.loads(r.read())


def run_repoll(base: str, feeds: int) -> dict[str, Any]:
    """Poll ``feeds`` feeds twice: the second time nothing has changed."""
    from scheduler.crawl import CrawlRunner, run_in_reactor
    from scheduler.runtime import extraction_pool

    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"{base}/repoll/{f}.xml" for f in range(feeds)]
        config = _config(Path(tmp) / "bench.db", urls, None)

        async def main() -> dict[str, Any]:
            # One pool for both polls, as the service holds it.
            with extraction_pool(config) as extraction:
                crawler = CrawlRunner(config, extraction=extraction)
                _server_counts(base, reset=True)
                started = time.perf_counter()
                first = await asyncio.gather(*(crawler.crawl(s) for s in config.source))
                warm_seconds = time.perf_counter() - started
                warm = _server_counts(base)
                _server_counts(base, reset=True)
                started = time.perf_counter()
                second = await asyncio.gather(*(crawler.crawl(s) for s in config.source))
                seconds = time.perf_counter() - started
                await crawler.stop()
                return {
                    "feeds": feeds,
                    "first_poll": {
                        "seconds": warm_seconds,
                        "requests": warm,
                        "articles": sum(o.articles_new for o in first),
                    },
                    "seconds": seconds,
                    "requests": _server_counts(base),
                    "not_modified": sum(o.not_modified for o in second),
                    "articles_new": sum(o.articles_new for o in second),
                    "errors": [o.error for o in second if o.error][:5],
                }

        return run_in_reactor(main)


def _child(mode: str, base: str, args: argparse.Namespace, extra: list[str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--base", base]
    command += [f"--articles={args.articles}", f"--feeds={args.feeds}"]
    command += [f"--repoll-feeds={args.repoll_feeds}", *extra]
    return run_child(command, mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--repoll-feeds", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="400 articles, 200 feeds re-polled")
    parser.add_argument("--write", type=Path, help="Also write the results as Markdown here.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--autothrottle", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.feeds, args.repoll_feeds = 400, 8, 200

    if args.child:
        if args.child == "floor":
            result = run_floor(args.base, args.articles, args.items)
        elif args.child == "ingest":
            result = run_ingest(args.base, args.feeds, args.workers, args.autothrottle)
        else:
            result = run_repoll(args.base, args.repoll_feeds)
        print(json.dumps(result))
        return 0

    ports: Any = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=serve, args=(ports, args.articles, args.feeds, args.repoll_feeds), daemon=True
    )
    server.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=300)}"
        results = {
            "floor": _child("floor", base, args, []),
            "floor_items1": _child("floor", base, args, ["--items=1"]),
            "ingest": _child("ingest", base, args, []),
            "ingest_inline": _child("ingest", base, args, ["--workers=0"]),
            "ingest_autothrottle": _child("ingest", base, args, ["--autothrottle"]),
            "repoll": _child("repoll", base, args, []),
        }
    finally:
        server.terminate()
        server.join(timeout=10)
    shown = [a for a in (argv or sys.argv[1:]) if not a.startswith("--write")]
    if args.write:
        shown = [a for a in shown if a != str(args.write)]
    report = render(results, args, " ".join(["python", "benchmarks/ingest.py", *shown]))
    print(report)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(report, encoding="utf-8")
    return 0


def render(results: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    def rate(result: dict[str, Any], key: str) -> float:
        return result[key] / result["seconds"]

    floor = rate(results["floor"], "pages")
    rows = [
        ("floor: Scrapy defaults + trafilatura, one process", results["floor"], "pages"),
        ("floor, CONCURRENT_ITEMS=1", results["floor_items1"], "pages"),
        ("newsradar ingest, extraction pool (workers = cores)", results["ingest"], "articles"),
        ("newsradar ingest, extraction on the event loop", results["ingest_inline"], "articles"),
        ("newsradar ingest, pool, AutoThrottle on", results["ingest_autothrottle"], "articles"),
    ]
    table = "\n".join(
        f"| {label} | {r[key]} | {r['seconds']:.1f} | {rate(r, key):.0f} | "
        f"{rate(r, key) / floor:.2f}× |"
        for label, r, key in rows
    )
    repoll = results["repoll"]
    requests = ", ".join(f"{k}: {v}" for k, v in sorted(repoll["requests"].items()))
    first = repoll["first_poll"]
    first_requests = ", ".join(f"{k}: {v}" for k, v in sorted(first["requests"].items()))
    return f"""# Ingest benchmark

Command: `{command}`
Machine: {describe()}
Date: {dt.date.today().isoformat()}

{args.articles} generated article pages (~65 KB each) behind {args.feeds} RSS feeds on a
local asyncio server (127.0.0.1). Ingest = fetch, extract, store and match, timed
from the first request to the last match; floor = Scrapy with default settings
fetching the same pages and calling the same trafilatura function, nothing else.

| run | articles | seconds | articles/s | × floor |
| --- | ---: | ---: | ---: | ---: |
{table}

Matching {results["ingest"]["articles"]} articles took {results["ingest"]["match_seconds"]:.2f} s
of the ingest run; extraction failures or source errors: {results["ingest"]["errors"] or "none"}.

## Re-polling {repoll["feeds"]} unchanged feeds

First poll (each feed lists 2 of the articles, all new): {first["seconds"]:.1f} s,
{first["articles"]} articles stored; requests: {first_requests}.

Second poll, nothing changed: **{repoll["seconds"]:.1f} s**, requests the server saw:
{requests}; {repoll["not_modified"]} of {repoll["feeds"]} sources reported "not modified",
{repoll["articles_new"]} new articles, errors: {repoll["errors"] or "none"}.
"""


if __name__ == "__main__":
    sys.exit(main())
