"""Fetch workers through Redis: polls/s and articles/s with 1, 2 and 4 workers, and the
single writer's ingest ceiling.

Run from the repository root (redis-server installed; everything on 127.0.0.1):

    python benchmarks/cluster.py                       # 1, 2, 4 workers; 15 s of polls each
    python benchmarks/cluster.py --workers 1 2 --seconds 10

Local news sites (benchmarks/ingest.py's server, one process per site, so each is a
site of its own for politeness) serve ``--feeds`` feeds each, ``--per-feed`` articles
per feed. For each worker count, with a fresh database and a fresh redis-server
(password, no persistence):

* articles/s: the service side (CrawlRunner on a RemoteEngine, recording into SQLite)
  polls every feed once; the workers fetch and extract every article page; then the
  new articles are matched. Articles stored / seconds, first job to last match.
* polls/s: every feed is polled again and again (each source's next poll starts when
  its result is recorded), all answering 304 to the validators the first round
  saved, for ``--seconds``.

Then the writer alone: the service side with canned results answered at once from
Redis (no fetching), so the figure is what one service can store, match and queue
alerts for when workers are never the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import describe

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))


def start_sites(count: int, feeds: int, per_feed: int) -> tuple[list[str], list[Any]]:
    from ingest import serve

    bases, processes = [], []
    for _ in range(count):
        port_out: Any = multiprocessing.Queue()
        process = multiprocessing.Process(
            target=serve, args=(port_out, feeds * per_feed, feeds, 0), daemon=True
        )
        process.start()
        bases.append(f"http://127.0.0.1:{port_out.get(timeout=30)}")
        processes.append(process)
    return bases, processes


def config_text(db: Path, urls: list[str]) -> str:
    text = (
        f'database = "{db}"\n[cluster]\nredis = "${{REDIS_URL}}"\nlease = "60s"\n'
        'job_timeout = "5m"\n[crawl]\ninterval = "1h"\nautothrottle = false\n'
        "per_domain = 8\nmax_articles = 5000\nextract_workers = 0\n"
    )
    return text + "".join(
        f'[[source]]\nname = "s{k}"\nurl = "{url}"\nkind = "feed"\n' for k, url in enumerate(urls)
    )


def measure(workers: int, urls: list[str], seconds: float, tmp: Path) -> dict[str, Any]:
    """Both figures with ``workers`` worker processes."""
    from redisserver import RedisServer
    from scheduler.config import parse_config

    workdir = tmp / f"w{workers}"
    with RedisServer(workdir / "redis") as redis_server:
        os.environ["REDIS_URL"] = redis_server.url
        config_path = workdir / "newsradar.toml"
        config_path.write_text(config_text(workdir / "bench.db", urls))
        config = parse_config(config_path.read_text(), config_path)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "scheduler", "worker", "-c", str(config_path)],
                stdout=(workdir / f"worker{n}.log").open("w"),
                stderr=subprocess.STDOUT,
                env=env,
            )
            for n in range(workers)
        ]
        try:
            return asyncio.run(_service_side(config, seconds))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)


async def _service_side(config: Any, seconds: float) -> dict[str, Any]:
    from alerts.pending import match_pending
    from alerts.watchlist import Watchlist
    from crawler import store
    from scheduler.cluster.remote import RemoteEngine
    from scheduler.config import default_config_text, parse_config
    from scheduler.crawl import CrawlRunner

    watchlist = Watchlist.compile(parse_config(default_config_text()).entities())
    db = store.open_db(config.database_path)
    engine = RemoteEngine(config.cluster.redis, db, job_timeout=300)
    runner = CrawlRunner(config, engine=engine, db=db)
    # Warm-up: one poll per worker start-up is not the figure (Scrapy starts on the first job).
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(runner.crawl(s) for s in config.source))
    crawled = time.perf_counter()
    report = match_pending(db, watchlist, [])
    finished = time.perf_counter()
    articles = sum(o.articles_new for o in outcomes)
    errors = [o.error for o in outcomes if o.error]

    polls = 0
    deadline = time.perf_counter() + seconds

    async def keep_polling(source: Any) -> None:
        nonlocal polls
        while time.perf_counter() < deadline:
            outcome = await runner.crawl(source)
            if outcome.error is None:
                polls += 1

    await asyncio.gather(*(keep_polling(s) for s in config.source))
    elapsed = seconds + max(0.0, time.perf_counter() - deadline)
    await engine.stop()
    db.close()
    return {
        "articles": articles,
        "errors": errors[:3],
        "matched": report.matched,
        "first_round_seconds": finished - started,
        "crawl_seconds": crawled - started,
        "articles_per_s": articles / (finished - started),
        "polls": polls,
        "polls_per_s": polls / elapsed,
    }


def writer_ceiling(results: int, per_result: int, tmp: Path) -> dict[str, Any]:
    """The service side alone: every job answered at once with canned articles."""
    from redisserver import RedisServer
    from scheduler.config import parse_config

    workdir = tmp / "writer"
    with RedisServer(workdir / "redis") as redis_server:
        os.environ["REDIS_URL"] = redis_server.url
        urls = [f"http://writer{n}.example/feed.xml" for n in range(results)]
        config = parse_config(config_text(workdir / "bench.db", urls))
        return asyncio.run(_writer(config, per_result))


async def _writer(config: Any, per_result: int) -> dict[str, Any]:
    import redis.asyncio as aioredis
    from ingest import article_page, sentence

    def story_text(rng: random.Random, size: int) -> str:
        parts: list[str] = []
        while sum(map(len, parts)) < size:
            parts.append(sentence(rng))
        return " ".join(parts)

    from alerts.pending import match_pending
    from alerts.watchlist import Watchlist
    from crawler import store
    from crawler.items import ArticleItem
    from crawler.parse.extract import extract_page
    from crawler.poll import PollResult
    from scheduler.cluster.queue import JOBS, RESULTS, WORKERS_GROUP, decode_job, encode_result
    from scheduler.cluster.remote import RemoteEngine
    from scheduler.cluster.replies import read_group
    from scheduler.config import default_config_text, parse_config
    from scheduler.crawl import CrawlRunner

    # One extracted page gives the size of a story's text; each canned article gets a text
    # of its own of that size, so that none is a copy of another (copies of one story
    # would make every article a candidate of every later one in the story index).
    sample = extract_page(article_page(1, "http://writer.example"), "http://x/", "text/html", False)
    size = len(sample.extracted.text) if sample.extracted else 6000
    texts = (story_text(random.Random(n), size) for n in itertools.count())
    watchlist = Watchlist.compile(parse_config(default_config_text()).entities())
    db = store.open_db(config.database_path)
    engine = RemoteEngine(config.cluster.redis, db, job_timeout=300)
    runner = CrawlRunner(config, engine=engine, db=db)
    client = aioredis.from_url(config.cluster.redis)

    async def answer_every_job() -> None:
        from scheduler.cluster.connection import ensure_groups

        await ensure_groups(client)
        while True:
            reply = await client.xreadgroup(WORKERS_GROUP, "canned", {JOBS: ">"}, 64, 500)
            for entry in read_group(reply):
                job = decode_job(entry.fields)
                host = job.request.source_url.split("/")[2]
                result = PollResult(job.request.source_url, answered=True, entries=per_result)
                result.articles = [
                    ArticleItem(
                        url=f"http://{host}/news/{k}",
                        source_url=job.request.source_url,
                        title=f"Story {k} of {host}",
                        text=next(texts),
                        extracted_from="page",
                    )
                    for k in range(per_result)
                ]
                await client.xadd(RESULTS, encode_result(job.id, "canned", result))
                await client.xack(JOBS, WORKERS_GROUP, entry.id)

    answering = asyncio.create_task(answer_every_job())
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(runner.crawl(s) for s in config.source))
    recorded = time.perf_counter()
    report = match_pending(db, watchlist, [])
    finished = time.perf_counter()
    if answering.done() and answering.exception() is not None:
        raise RuntimeError("the canned worker failed") from answering.exception()
    answering.cancel()
    await asyncio.gather(answering, return_exceptions=True)
    await engine.stop()
    await client.aclose()
    articles = sum(o.articles_new for o in outcomes)
    db.close()
    return {
        "articles": articles,
        "matched": report.matched,
        "record_seconds": recorded - started,
        "match_seconds": finished - recorded,
        "articles_per_s": articles / (finished - started),
        "text_chars": size,
    }


def render(results: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {describe()}",
        "",
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"{args.sites} local sites × {args.feeds} feeds × {args.per_feed} articles "
        f"({args.sites * args.feeds} sources, {args.sites * args.feeds * args.per_feed} "
        "article pages); service, redis-server, sites and workers on this one machine.",
        "",
        "| workers | first round: articles/s | (articles, s) | polls/s of unchanged feeds (304) |",
        "| --- | --- | --- | --- |",
    ]
    for workers, figures in results["workers"].items():
        lines.append(
            f"| {workers} | {figures['articles_per_s']:.0f} | "
            f"({figures['articles']}, {figures['first_round_seconds']:.1f} s) | "
            f"{figures['polls_per_s']:.0f} |"
        )
    writer = results["writer"]
    lines += [
        "",
        f"Single writer's ingest ceiling (canned results of {args.writer_per_result} articles "
        f"of {writer['text_chars']} characters each, every text its own story, no fetching): "
        f"{writer['articles_per_s']:.0f} "
        f"articles/s stored and matched ({writer['articles']} articles: recording "
        f"{writer['record_seconds']:.1f} s, matching {writer['match_seconds']:.1f} s).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1, 2, 4], help="none: the writer alone"
    )
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--feeds", type=int, default=10, help="feeds per site")
    parser.add_argument("--per-feed", type=int, default=10, help="articles per feed")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--writer-results", type=int, default=100)
    parser.add_argument("--writer-per-result", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    bases, sites = start_sites(args.sites, args.feeds, args.per_feed)
    urls = [f"{base}/feeds/{f}.xml" for base in bases for f in range(args.feeds)]
    results: dict[str, Any] = {"workers": {}}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for workers in args.workers:
                results["workers"][workers] = measure(workers, urls, args.seconds, Path(tmp))
                print(workers, json.dumps(results["workers"][workers]), file=sys.stderr)
            results["writer"] = writer_ceiling(
                args.writer_results, args.writer_per_result, Path(tmp)
            )
    finally:
        for site in sites:
            site.terminate()
    command = "python benchmarks/cluster.py " + " ".join(argv or sys.argv[1:])
    print(json.dumps(results) if args.json else render(results, args, command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
