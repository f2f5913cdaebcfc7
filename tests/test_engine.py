"""The one long-lived crawl engine: polls share it, a poll that raises costs only
itself, and the engine keeps serving the next ones. Real local site, real Scrapy
engine, in a subprocess (a Twisted reactor runs once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newssite import NewsSite

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from crawler.engine import Engine
    from crawler.poll import PollRequest
    from crawler.spiders.feed import FeedSpider
    from scheduler.crawl import run_in_reactor
    from scrapy.settings import Settings
    import crawler.settings

    original = FeedSpider.parse_document

    def parse_document(self, response):
        if "atom" in response.url:
            raise RuntimeError("a bug in a spider")
        return original(self, response)

    FeedSpider.parse_document = parse_document
    rss, atom = sys.argv[1], sys.argv[2]

    async def main():
        settings = Settings()
        settings.setmodule(crawler.settings)
        settings.set("NEWSRADAR_EXTRACT_WORKERS", 0)
        settings.set("LOG_LEVEL", "CRITICAL")
        engine = Engine(settings)
        first = await asyncio.gather(
            engine.poll(PollRequest(rss, "feed")), engine.poll(PollRequest(atom, "feed"))
        )
        crawler_before = id(engine.crawler)
        again = await engine.poll(PollRequest(rss, "feed"))
        same = id(engine.crawler) == crawler_before and engine.running
        await engine.stop()
        return {
            "rss": [len(first[0].articles), first[0].final_error()],
            "atom": [len(first[1].articles), first[1].final_error()],
            "again": [len(again.articles), again.final_error()],
            "same_engine": same,
        }

    print(json.dumps(run_in_reactor(main)))
    """
)


def test_a_poll_that_raises_costs_itself_only_and_the_engine_carries_on(
    news_site: NewsSite,
) -> None:
    news_site.publish_sample(2)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, news_site.rss_url, news_site.atom_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["rss"] == [2, None]
    assert outcome["atom"] == [0, "RuntimeError: a bug in a spider"]
    assert outcome["again"] == [2, None]  # nothing stored here: the same two, fetched again
    assert outcome["same_engine"] is True


ROBOTS_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from crawler.engine import Engine
    from crawler.poll import PollRequest
    from scheduler.crawl import run_in_reactor
    from scrapy.settings import Settings
    import crawler.settings

    rss = sys.argv[1]

    async def main():
        settings = Settings()
        settings.setmodule(crawler.settings)
        settings.set("NEWSRADAR_EXTRACT_WORKERS", 0)
        settings.set("NEWSRADAR_ROBOTSTXT_TTL", 0.5)
        settings.set("LOG_LEVEL", "CRITICAL")
        engine = Engine(settings)
        first = await engine.poll(PollRequest(rss, "feed"))
        print("polled", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.sleep(1)  # past the robots.txt cache's expiry
        second = await engine.poll(PollRequest(rss, "feed"))
        await engine.stop()
        return {
            "first": [len(first.articles), first.final_error()],
            "second": [len(second.articles), second.final_error()],
        }

    print(json.dumps(run_in_reactor(main)))
    """
)


def test_the_long_lived_engine_reads_robots_txt_again_when_it_expires(
    news_site: NewsSite,
) -> None:
    news_site.publish_sample(2)
    process = subprocess.Popen(
        [sys.executable, "-c", ROBOTS_SCRIPT, news_site.rss_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline().strip() == "polled"
        # The site now forbids everything: the same engine must learn it.
        news_site.set_body("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
        process.stdin.write("go\n")
        process.stdin.flush()
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    outcome = json.loads(out.strip().splitlines()[-1])
    assert outcome["first"] == [2, None]
    assert outcome["second"][0] == 0 and "robots.txt" in (outcome["second"][1] or ""), outcome
    # Fetched again once expired (the first poll's pages may outlast 0.5 s too).
    assert len([r for r in news_site.request_log if r.path == "/robots.txt"]) >= 2
