"""A robots.txt cache that outlives one crawl (no Scrapy here: its owner may not run
one yet)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any


class RobotsCache:
    """Parsed robots.txt files by host, kept across crawls by whoever runs them.

    Each poll is a new crawler; without a shared cache every poll of every feed
    would fetch robots.txt again, doubling the cost of an unchanged feed. One
    fetch per host at a time: a crawl asking while another fetches waits for it.
    A failed fetch (no parser: all allowed) is kept a minute at most.
    """

    MAX_ENTRIES = 10_000
    FAILURE_TTL = 60.0

    def __init__(self) -> None:
        self._parsers: dict[str, tuple[float, Any]] = {}
        self._pending: dict[str, asyncio.Future[Any]] = {}

    async def parser(self, netloc: str, fetch: Callable[[], Awaitable[Any]], ttl: float) -> Any:
        """``netloc``'s parser: cached, or fetched with ``fetch()`` and kept ``ttl`` seconds."""
        now = time.monotonic()
        cached = self._parsers.get(netloc)
        if cached is not None and cached[0] > now:
            return cached[1]
        pending = self._pending.get(netloc)
        if pending is not None:  # another crawl is fetching it right now
            with contextlib.suppress(Exception):
                return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._pending[netloc] = future
        try:
            parser = await fetch()
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        else:
            future.set_result(parser)
        finally:
            if self._pending.get(netloc) is future:
                del self._pending[netloc]
        if len(self._parsers) >= self.MAX_ENTRIES:
            for key in [k for k, (expiry, _) in self._parsers.items() if expiry <= now]:
                del self._parsers[key]
            if len(self._parsers) >= self.MAX_ENTRIES:
                self._parsers.clear()
        keep = ttl if parser is not None else min(ttl, self.FAILURE_TTL)
        self._parsers[netloc] = (now + keep, parser)
        return parser
