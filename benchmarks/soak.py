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

The world and the webhook are in ``soak_sites.py``; the sampling, the analysis and the
report in ``soak_measure.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from soak_measure import (
    SAMPLE_EVERY,
    Sample,
    alert_failures,
    latencies,
    log_figures,
    nearest,
    poll_figures,
    render,
    sample,
)
from soak_sites import ENTITY, Receiver, World

STOP_TIMEOUT = 60.0  # the service's own grace is 20 s for crawls in flight
CHECK_TIMEOUT = 120.0
DATABASE = "newsradar.db"  # in the temporary directory, beside the config


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
                nearest(samples, duration / 2),
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
