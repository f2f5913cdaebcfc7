"""AutoThrottle that counts a 304 as a healthy answer.

Scrapy's AutoThrottle never lowers a site's delay on a non-200 answer (error pages
are small and fast, and would otherwise make it speed up against a failing site).
A poll of an unchanged feed is a 304 by design: with one downloader for every
source of a site, a site whose feeds mostly answer 304 would stay at the start
delay (0.5 s) for good, two requests a second however fast it answers.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle


class ConditionalAutoThrottle(AutoThrottle):
    """AutoThrottle, with 304 Not Modified treated as 200 OK."""

    def _adjust_delay(self, slot: Any, latency: float, response: Any) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
