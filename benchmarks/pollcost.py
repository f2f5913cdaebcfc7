"""CPU per poll of an unchanged feed (304): the running service against the floor.

Run from the repository root (everything talks to 127.0.0.1 only):

    python benchmarks/pollcost.py                 # 200 feeds, 30 s measured each
    python benchmarks/pollcost.py --feeds 100 --seconds 15

A local server (its own process: its CPU is not counted) serves ``--feeds`` RSS
feeds with an ETag and answers 304 to every conditional request. Two children run
in turn, each for a warm-up and then ``--seconds`` measured:

* floor: a bare long-lived Scrapy spider (default settings, robots.txt off, no
  pipeline) whose ``start()`` re-requests every feed conditionally, round after
  round, as fast as the feeds answer;
* newsradar: the service itself (`newsradar run`'s Service on its event loop, its
  APScheduler jobs, the one crawl engine, SQLite) polling every feed every
  ``--interval`` seconds.

Each reports the CPU time of its own process (user + system) over the measured
window divided by the polls in it: ms of CPU per poll.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from machine import describe, run_child

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ETAG = '"v1"'
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
    b"<link>http://127.0.0.1/</link><description>unchanged</description></channel></rss>"
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            body, status = b"User-agent: *\nAllow: /\n", 200
        elif self.headers.get("If-None-Match") == ETAG:
            body, status = b"", 304
        else:
            body, status = FEED, 200
        self.send_response(status)
        self.send_header("ETag", ETAG)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def serve(ports: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ports.put(server.server_address[1])
    server.serve_forever()


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_floor(base: str, feeds: int, warmup: float, seconds: float) -> dict[str, Any]:
    """A bare long-lived Scrapy spider re-requesting every feed conditionally."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = [f"{base}/feeds/{i}.xml" for i in range(feeds)]
    counts = {"polls": 0, "window_polls": 0}
    window: dict[str, float] = {}

    class Floor(scrapy.Spider):
        name = "floor"

        async def start(self):  # type: ignore[override]
            began = time.monotonic()
            while True:
                now = time.monotonic()
                if "start" not in window and now - began >= warmup:
                    window.update(start=now, cpu=cpu())
                    counts["window_polls"] = 0
                if "start" in window and now - window["start"] >= seconds:
                    window.update(end=now, cpu_end=cpu())
                    return
                for url in urls:
                    yield scrapy.Request(
                        url,
                        headers={"If-None-Match": ETAG},
                        dont_filter=True,
                        meta={"handle_httpstatus_list": [304]},
                    )
                await asyncio.sleep(0)
                while self.crawler.engine.downloader.active or len(
                    self.crawler.engine._slot.scheduler  # type: ignore[union-attr]
                ):
                    await asyncio.sleep(0.005)

        def parse(self, response: Any) -> None:
            counts["window_polls"] += 1

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        }
    )
    process.crawl(Floor)
    process.start()
    used = window["cpu_end"] - window["cpu"]
    return {
        "polls": counts["window_polls"],
        "cpu": used,
        "seconds": window["end"] - window["start"],
    }


def run_service(
    base: str, feeds: int, interval: float, warmup: float, seconds: float
) -> dict[str, Any]:
    """The service polling every feed every ``interval`` seconds."""
    from crawler import store
    from scheduler.config import load_config
    from scheduler.crawl import run_in_reactor
    from scheduler.service import Service

    with tempfile.TemporaryDirectory(prefix="newsradar-pollcost-") as tmp:
        config_path = Path(tmp) / "newsradar.toml"
        lines = [
            'database = "radar.db"',
            "[crawl]",
            f'interval = "{interval:g}s"',
            "autothrottle = false",
            "per_domain = 16",
            "extract_workers = 0",
        ]
        for i in range(feeds):
            lines += ["[[source]]", f'name = "feed {i}"', f'url = "{base}/feeds/{i}.xml"']
        lines += ['[[entity]]\nid = "x"\nname = "Nobody Inparticular"\nkind = "other"']
        config_path.write_text("\n".join(lines) + "\n")
        config = load_config(config_path)

        async def main() -> dict[str, Any]:
            service = Service(config)
            stop = asyncio.Event()
            running = asyncio.ensure_future(service.run_forever(stop))
            await asyncio.sleep(warmup)
            began, cpu_began = time.monotonic(), cpu()
            since = store.isotime()
            await asyncio.sleep(seconds)
            used, ended = cpu() - cpu_began, time.monotonic()
            polls = service.db.execute(
                "SELECT count(*) FROM runs WHERE started >= ? AND finished IS NOT NULL", [since]
            ).fetchone()[0]
            errors = service.db.execute(
                "SELECT count(*) FROM runs WHERE started >= ? AND error IS NOT NULL", [since]
            ).fetchone()[0]
            stop.set()
            await running
            service.close()
            return {"polls": polls, "errors": errors, "cpu": used, "seconds": ended - began}

        return run_in_reactor(main)


def _child(mode: str, base: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--base", base]
    command += [f"--feeds={args.feeds}", f"--seconds={args.seconds}", f"--warmup={args.warmup}"]
    command += [f"--interval={args.interval}"]
    return run_child(command, mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--interval", type=float, default=2.0, help="the service's poll interval")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "floor":
        print(json.dumps(run_floor(args.base, args.feeds, args.warmup, args.seconds)))
        return 0
    if args.child == "newsradar":
        result = run_service(args.base, args.feeds, args.interval, args.warmup, args.seconds)
        print(json.dumps(result))
        return 0

    ports: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=30)}"
        results = {mode: _child(mode, base, args) for mode in ("floor", "newsradar")}
    finally:
        server.terminate()
        server.join(timeout=10)
    floor = results["floor"]["cpu"] / max(results["floor"]["polls"], 1) * 1000
    ours = results["newsradar"]["cpu"] / max(results["newsradar"]["polls"], 1) * 1000
    shown = " ".join(["python", "benchmarks/pollcost.py", *(argv or sys.argv[1:])])
    print(f"`{shown}` on {describe()}\n")
    print("| run | polls | seconds | polls/s | CPU s | ms CPU per poll | × floor |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, result, per in (
        ("floor: bare long-lived Scrapy spider", results["floor"], floor),
        ("newsradar service", results["newsradar"], ours),
    ):
        print(
            f"| {name} | {result['polls']} | {result['seconds']:.1f} | "
            f"{result['polls'] / result['seconds']:.1f} | {result['cpu']:.2f} | {per:.2f} | "
            f"{per / floor:.2f}× |"
        )
    if results["newsradar"].get("errors"):
        print(f"\nnewsradar polls that failed: {results['newsradar']['errors']}")
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "pollcost"
    raise SystemExit(main())
