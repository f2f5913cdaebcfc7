"""Poll every source of a config once, as the service does, with names answered by a
scripted name server: ``python dns_crawl.py CONFIG ANSWERS_JSON TTL``; with ``-`` for
ANSWERS_JSON, names are resolved by the system (a real name server, in the test that
runs this in a private mount namespace with its own resolv.conf).

ANSWERS_JSON maps a host name to its successive answers (each a list of addresses;
the last one repeats): ``{"rebind.test": [["127.0.0.1"], ["127.0.0.2"]]}``. Names
not listed fail to resolve, so nothing leaves the machine. Only the resolution
backend is scripted: the crawler's own VettedResolver, fetch guard, Scrapy and
Twisted's connection code are the real ones. Prints each source's outcome and the
number of lookups of each name as JSON.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from typing import Any


class ScriptedNameServer:
    """A getaddrinfo that answers from a script and counts its lookups."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str, port: Any, family: int = 0, kind: int = 0) -> list[Any]:
        with self._lock:
            count = self.lookups.get(host, 0)
            self.lookups[host] = count + 1
        script = self.answers.get(host)
        if not script:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        infos = []
        for address in script[min(count, len(script) - 1)]:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, 0, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0)))
        return infos


def main(config_path: str, answers_path: str, ttl: str) -> None:
    from scrapy.crawler import AsyncCrawlerRunner

    from scheduler.config import load_config
    from scheduler.crawl import run_in_reactor
    from scheduler.runtime import scrapy_settings, spider_arguments, spider_for

    config = load_config(config_path)
    name_server = ScriptedNameServer({})
    if answers_path != "-":
        with open(answers_path, encoding="utf-8") as answers:
            name_server = ScriptedNameServer(json.load(answers))
    outcomes: dict[str, Any] = {}

    async def crawl_all() -> None:
        from twisted.internet import reactor

        if answers_path != "-":  # else the fetch guard installs the crawler's own resolver
            from crawler.resolver import VettedResolver

            VettedResolver(reactor, backend=name_server, ttl=float(ttl)).install_on_reactor()
        runner = AsyncCrawlerRunner(scrapy_settings(config))
        for source in config.source:
            crawler = runner.create_crawler(spider_for(source.kind))
            await runner.crawl(crawler, **spider_arguments(config, source))
            outcomes[source.name] = {
                "error": crawler.stats.get_value("newsradar/source_error"),
                "new": crawler.stats.get_value("newsradar/articles_new", 0),
            }
        await asyncio.sleep(0)

    run_in_reactor(crawl_all)
    print(json.dumps({"outcomes": outcomes, "lookups": name_server.lookups}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
