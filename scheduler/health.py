"""Source health for operators: when to tell them a source is failing or silent,
and when it has recovered — once each, not once per failure."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

MIN_HISTORY = 5  # gaps between articles needed before silence can be judged
SILENCE_FACTOR = 5  # silent when quiet for this many typical gaps
MIN_SILENCE = timedelta(hours=1)


@dataclass(frozen=True)
class Notice:
    """One operator message about a source, and the state it leaves the source in."""

    state: str | None  # "failing", "silent", or None (healthy again)
    title: str
    body: str


def expected_silence(
    gaps: Sequence[float], interval: timedelta, configured: timedelta | None
) -> timedelta | None:
    """How long a source may bring nothing before it counts as silent.

    The configured ``expect_update_every`` wins; otherwise derived from its
    history (SILENCE_FACTOR × the median gap between its recent articles, at
    least six polls and an hour); None while there is too little history.
    """
    if configured is not None:
        return configured
    if len(gaps) < MIN_HISTORY:
        return None
    typical = timedelta(seconds=statistics.median(gaps))
    return max(typical * SILENCE_FACTOR, interval * 6, MIN_SILENCE)


def _when(value: str | None) -> str:
    return value or "never"


def notice_for(
    source: Mapping[str, Any],
    *,
    failures_threshold: int,
    silence: timedelta | None,
    last_article: str | None,
    now: datetime,
) -> Notice | None:
    """The operator notice a source's state calls for, or None.

    ``source`` is its ``sources`` row (consecutive_failures, last_error,
    last_success, operator_alerted). A notice is due on a change of state only:
    healthy → failing or silent, and back.
    """
    name, told = source["name"], source["operator_alerted"]
    failures = source["consecutive_failures"]
    if failures >= failures_threshold:
        if told == "failing":
            return None
        return Notice(
            "failing",
            f"newsradar: source {name} is failing",
            f"{name} ({source['url']}) failed {failures} times in a row.\n"
            f"Last error: {source['last_error']}\n"
            f"Last success: {_when(source['last_success'])}",
        )
    quiet = False
    if silence is not None and last_article is not None and failures == 0:
        seen = datetime.strptime(last_article, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=now.tzinfo)
        quiet = now - seen > silence
    if quiet:
        if told == "silent":
            return None
        return Notice(
            "silent",
            f"newsradar: source {name} has gone silent",
            f"{name} ({source['url']}) answers but has brought no new article since "
            f"{last_article}; it usually does within {silence}.",
        )
    if told in ("failing", "silent"):
        return Notice(
            None,
            f"newsradar: source {name} recovered",
            f"{name} ({source['url']}) is healthy again (it was {told}).",
        )
    return None
