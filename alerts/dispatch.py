"""The dispatcher: the only sender. It empties the alert outbox through Apprise.

Each due alert is rendered, sent in a worker thread (Apprise blocks) with a
timeout, and marked sent; a failure is recorded with its (scrubbed) reason and
retried later with exponential backoff, so nothing is ever dropped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import apprise
import sqlite_utils

from alerts.render import render_alert
from alerts.targets import Target
from alerts.watchlist import Entity
from crawler import store

log = logging.getLogger("newsradar.dispatch")

SEND_TIMEOUT = 60.0
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch pass did."""

    sent: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: doubling, capped, with jitter."""
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return delay * random.uniform(0.8, 1.2)


def _send(target: Target, title: str, body: str) -> str | None:
    """Send one message; return None when delivered, else the reason (scrubbed)."""
    sender = apprise.Apprise()
    if not sender.add(target.url):
        return "the target URL is not valid"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        result = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        reasons = captured.getvalue().strip()
    if result:
        return None
    if result is None:
        return "no target answered (nothing was sent)"
    last = reasons.splitlines()[-1] if reasons else "delivery failed"
    return target.scrub(last)[:500]


async def dispatch_due(
    db: sqlite_utils.Database,
    targets: Sequence[Target],
    entities: Mapping[str, Entity],
    *,
    timeout: float = SEND_TIMEOUT,
) -> DispatchReport:
    """Send every due alert once; record each outcome; return the counts."""
    by_label = {target.label: target for target in targets}
    sent = failed = 0
    while batch := store.due_alerts(db, by_label):
        for alert in batch:
            target = by_label[alert["target"]]
            message = render_alert(alert, store.article_mentions(db, alert["article_id"]), entities)
            try:
                error = await asyncio.wait_for(
                    asyncio.to_thread(_send, target, message.title, message.body), timeout
                )
            except TimeoutError:
                error = f"no answer within {timeout:g}s"
            if error is None:
                store.mark_sent(db, alert["id"])
                sent += 1
                log.info("alert sent to %s: %s", target.label, message.title)
            else:
                retry_in = backoff(alert["attempts"] + 1)
                store.mark_attempt_failed(db, alert["id"], error, retry_in)
                failed += 1
                log.warning(
                    "alert to %s failed (%s); retrying in %ds",
                    target.label,
                    error,
                    retry_in.total_seconds(),
                )
    return DispatchReport(sent, failed)
