"""The dispatcher: the only sender. It empties the alert outbox through Apprise.

Each due alert is rendered (with the other outlets that ran its story, as they
are when it is sent), sent in a worker thread (Apprise blocks) with a
timeout, and marked sent; a failure is recorded with its (scrubbed) reason and
retried later with exponential backoff and jitter, until ``max_attempts``, when
the alert is marked ``failed`` (and ``newsradar alerts retry`` sends it again).
Nothing is ever dropped: digests and rate limits only change how the outbox is
emptied.

The one window where a crash can repeat an alert is between Apprise returning
success and ``mark_sent`` committing: a few milliseconds, with no await between.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import apprise
import sqlite_utils
from apprise.result import AppriseResultStatus

from alerts.pending import article_text
from alerts.render import Message, TemplateProblem, escape_for, render_alert, render_digest
from alerts.safetext import header_value, strip_controls
from alerts.targets import Target
from crawler import store

log = logging.getLogger("newsradar.dispatch")


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard the dispatcher tries."""

    retry_after: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)
    max_attempts: int = 12
    timeout: float = 60.0

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: doubling, capped, ±20% jitter."""
        delay = min(self.retry_after * (2 ** max(attempts - 1, 0)), self.retry_max)
        return delay * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class Delivery:
    """How sending one message went: ``ok``, or the (scrubbed) ``reason`` it was not sent."""

    ok: bool
    reason: str | None = None

    @classmethod
    def failed(cls, reason: str) -> Delivery:
        """A message not delivered, and why."""
        return cls(False, reason)


DELIVERED = Delivery(True)

TEST_MESSAGE = Message(
    title="newsradar test message",
    body="If you can read this, newsradar can reach this target.",
    format="text",
)


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch pass did."""

    sent: int = 0
    failed: int = 0


def _sender(target: Target, timeout: float) -> apprise.Apprise | None:
    """A fresh Apprise for the target (a reused email sender throttles itself) whose
    socket timeouts are the delivery timeout, unless its URL sets them (rto=, cto=):
    Apprise's own 4 s would give up on a slow receiver that then delivers anyway,
    and the retry would deliver the alert twice."""
    plugin = apprise.Apprise.instantiate(target.url)
    if plugin is None:
        return None
    query = target.url.partition("?")[2].lower()
    if "rto=" not in query:
        plugin.socket_read_timeout = timeout
    if "cto=" not in query:
        plugin.socket_connect_timeout = timeout
    sender = apprise.Apprise()
    sender.add(plugin)
    return sender


def _title_for(target: Target, message: Message) -> str:
    """The title as sent: fit for a header, and escaped like the body where the
    service writes it into the body."""
    title = header_value(message.title)
    if target.blends_title and message.format != "text":
        title = escape_for(target.dialect, title)
    return title


def _send(target: Target, message: Message, timeout: float) -> Delivery:
    """Send one message (blocking); whether it was delivered, else why not (scrubbed)."""
    try:
        return _send_unguarded(target, message, timeout)
    except Exception as err:  # a plugin's own bug must fail this delivery, not the pass
        return Delivery.failed(target.scrub(f"{type(err).__name__}: {err}")[:500])


def _send_unguarded(target: Target, message: Message, timeout: float) -> Delivery:
    sender = _sender(target, timeout)
    if sender is None:
        return Delivery.failed("the target URL is not valid")
    problems: list[str] = []

    def collect(entry: Any, _service: Any) -> None:
        if entry.level in ("WARNING", "ERROR", "CRITICAL"):
            problems.append(str(entry.message))

    result = sender.notify(
        title=_title_for(target, message),
        body=strip_controls(message.body),
        body_format=message.format,
        timeout=timeout,
        log_callback=collect,
        log_level=logging.WARNING,
    )
    if result:
        return DELIVERED
    if result.status == AppriseResultStatus.NOMATCH:
        # No service matched: must never pass silently as sent.
        return Delivery.failed("no target answered (nothing was sent)")
    if result.status == AppriseResultStatus.TIMEOUT:
        return Delivery.failed(f"no answer within {timeout:g}s")
    return Delivery.failed(target.scrub("; ".join(problems[-2:]) or "delivery failed")[:500])


async def send(target: Target, message: Message, timeout: float) -> Delivery:
    """Send off the event loop, bounded in time; whether it was delivered, else why not."""
    try:
        # Apprise bounds the send itself; the outer bound is a backstop.
        return await asyncio.wait_for(
            asyncio.to_thread(_send, target, message, timeout), timeout + 5
        )
    except TimeoutError:
        return Delivery.failed(f"no answer within {timeout:g}s")


def send_test_messages(targets: Sequence[Target], timeout: float) -> list[Delivery]:
    """Send TEST_MESSAGE to each target at once (outside any event loop); each outcome."""

    async def send_all() -> list[Delivery]:
        return await asyncio.gather(*(send(t, TEST_MESSAGE, timeout) for t in targets))

    return asyncio.run(send_all())


def _mentions(db: sqlite_utils.Database, alert: Mapping[str, Any]) -> list[dict[str, Any]]:
    text = article_text(alert["title"], alert["text"])
    mentions = store.article_mentions(db, alert["article_id"])
    for mention in mentions:
        mention["matched"] = text[mention["start_offset"] : mention["end_offset"]]
    return mentions


def _record(
    db: sqlite_utils.Database,
    target: Target,
    alert_ids: Sequence[int],
    attempts: int,
    delivery: Delivery,
    policy: DeliveryPolicy,
    title: str,
) -> bool:
    if delivery.ok:
        store.mark_sent(db, alert_ids)
        log.info("alert sent to %s: %s", target.label, title)
        return True
    error = delivery.reason or "delivery failed"
    give_up = attempts + 1 >= policy.max_attempts
    retry_in = None if give_up else policy.backoff(attempts + 1)
    store.mark_attempt_failed(db, alert_ids, error, retry_in)
    if retry_in is None:  # given up
        log.error(
            "alert to %s failed for good after %d attempts: %s", target.label, attempts + 1, error
        )
    else:
        log.warning(
            "alert to %s failed (%s); retry in %ds", target.label, error, retry_in.total_seconds()
        )
    return False


async def _deliver_one(
    db: sqlite_utils.Database,
    target: Target,
    alert: Mapping[str, Any],
    entities: Mapping[str, Any],
    policy: DeliveryPolicy,
) -> bool:
    try:
        message = render_alert(
            alert,
            json.loads(alert["entities"]),
            _mentions(db, alert),
            entities,
            target.format,
            target.templates,
            also=store.story_copies(db, alert["article_id"]),
            dialect=target.dialect,
        )
    except TemplateProblem as err:
        failed = Delivery.failed(target.scrub(str(err))[:500])
        return _record(db, target, [alert["id"]], alert["attempts"], failed, policy, "")
    delivery = await send(target, message, policy.timeout)
    return _record(db, target, [alert["id"]], alert["attempts"], delivery, policy, message.title)


async def _deliver_digest(
    db: sqlite_utils.Database,
    target: Target,
    alerts: Sequence[Mapping[str, Any]],
    entities: Mapping[str, Any],
    policy: DeliveryPolicy,
) -> bool:
    items = [
        (
            {**alert, "also": store.story_copies(db, alert["article_id"])},
            json.loads(alert["entities"]),
        )
        for alert in alerts
    ]
    attempts = max(alert["attempts"] for alert in alerts)
    ids = [alert["id"] for alert in alerts]
    try:
        message = render_digest(items, entities, target.format, dialect=target.dialect)
    except TemplateProblem as err:
        failed = Delivery.failed(target.scrub(str(err))[:500])
        return _record(db, target, ids, attempts, failed, policy, "")
    delivery = await send(target, message, policy.timeout)
    return _record(db, target, ids, attempts, delivery, policy, message.title)


async def _dispatch_target(
    db: sqlite_utils.Database,
    target: Target,
    entities: Mapping[str, Any],
    policy: DeliveryPolicy,
) -> DispatchReport:
    sent = failed = 0
    tried: set[int] = set()  # one attempt per alert and pass, whatever the retry delay
    while batch := [a for a in store.due_alerts(db, [target.label]) if a["id"] not in tried]:
        tried.update(alert["id"] for alert in batch)
        if target.max_per_hour is not None:
            room = target.max_per_hour - store.sent_messages_since(
                db, target.label, store.utcnow() - timedelta(hours=1)
            )
            if room <= 0:
                break  # they wait, pending, for the hour to free up
            if len(batch) > room:
                # Over the limit: what does not fit is folded into one digest
                # message, delayed, never dropped.
                singles, folded = batch[: room - 1], batch[room - 1 :]
                for alert in singles:
                    ok = await _deliver_one(db, target, alert, entities, policy)
                    sent, failed = sent + ok, failed + (not ok)
                ok = await _deliver_digest(db, target, folded, entities, policy)
                sent, failed = sent + ok * len(folded), failed + (not ok) * len(folded)
                continue
        for alert in batch:
            ok = await _deliver_one(db, target, alert, entities, policy)
            sent, failed = sent + ok, failed + (not ok)
    return DispatchReport(sent, failed)


async def dispatch_due(
    db: sqlite_utils.Database,
    targets: Sequence[Target],
    entities: Mapping[str, Any],
    policy: DeliveryPolicy = DeliveryPolicy(),
) -> DispatchReport:
    """Send every due alert of every instant target (targets in parallel, each
    target's alerts in order); record each outcome; return the counts."""
    instant = [t for t in targets if t.mode == "instant"]
    reports = await asyncio.gather(*(_dispatch_target(db, t, entities, policy) for t in instant))
    return DispatchReport(sum(r.sent for r in reports), sum(r.failed for r in reports))


async def send_digest(
    db: sqlite_utils.Database,
    target: Target,
    entities: Mapping[str, Any],
    policy: DeliveryPolicy = DeliveryPolicy(),
) -> DispatchReport:
    """Send every pending alert of a digest target as one message."""
    alerts = store.due_alerts(db, [target.label], limit=None)
    if not alerts:
        return DispatchReport()
    ok = await _deliver_digest(db, target, alerts, entities, policy)
    return DispatchReport(sent=len(alerts) if ok else 0, failed=0 if ok else len(alerts))
