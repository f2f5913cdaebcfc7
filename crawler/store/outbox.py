"""The alert outbox: due alerts, delivery outcomes, retries and counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.store.times import isotime, utcnow


def due_alerts(
    db: sqlite_utils.Database, targets: Iterable[str], limit: int | None = 100
) -> list[dict[str, Any]]:
    """Pending alerts for these targets whose next attempt is due, oldest first,
    with their article (title, text, url, source, published, first_seen)."""
    targets = list(targets)
    marks = ",".join("?" * len(targets))
    return list(
        db.query(
            "SELECT alerts.id, alerts.target, alerts.entities, alerts.attempts, "
            "articles.id AS article_id, articles.url, articles.title, articles.text, "
            "articles.published, articles.first_seen, sources.name AS source "
            "FROM alerts JOIN articles ON articles.id = alerts.article_id "
            "LEFT JOIN sources ON sources.id = articles.source_id "
            f"WHERE alerts.status = 'pending' AND alerts.next_attempt <= ? "
            f"AND alerts.target IN ({marks}) ORDER BY alerts.id LIMIT ?",
            [isotime(), *targets, -1 if limit is None else limit],
        )
    )


def mark_sent(db: sqlite_utils.Database, alert_ids: Sequence[int]) -> None:
    """Record that these alerts were delivered, together, as one message."""
    message_id = uuid.uuid4().hex
    with db.atomic():
        for alert_id in alert_ids:
            db.execute(
                "UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL, message_id = ? WHERE id = ?",
                [isotime(), message_id, alert_id],
            )


def mark_attempt_failed(
    db: sqlite_utils.Database,
    alert_ids: Sequence[int],
    error: str,
    retry_in: timedelta | None,
) -> None:
    """Record a failed delivery: retry after ``retry_in``, or give up (status
    ``failed``) when it is None."""
    with db.atomic():
        for alert_id in alert_ids:
            if retry_in is None:
                db.execute(
                    "UPDATE alerts SET status = 'failed', attempts = attempts + 1, "
                    "last_error = ? WHERE id = ?",
                    [error, alert_id],
                )
            else:
                db.execute(
                    "UPDATE alerts SET attempts = attempts + 1, last_error = ?, "
                    "next_attempt = ? WHERE id = ?",
                    [error, isotime(utcnow() + retry_in), alert_id],
                )


def sent_messages_since(db: sqlite_utils.Database, target: str, since: datetime) -> int:
    """How many messages (a digest counts once) a target was sent since ``since``."""
    return db.execute(
        "SELECT count(DISTINCT coalesce(message_id, id)) FROM alerts "
        "WHERE target = ? AND status = 'sent' AND sent_at >= ?",
        [target, isotime(since)],
    ).fetchone()[0]


def failed_alerts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Alerts given up on, newest first, with their article's title and URL."""
    return list(
        db.query(
            "SELECT alerts.id, alerts.target, alerts.attempts, alerts.last_error, "
            "alerts.created, articles.title, articles.url FROM alerts "
            "JOIN articles ON articles.id = alerts.article_id "
            "WHERE alerts.status = 'failed' ORDER BY alerts.id DESC"
        )
    )


def retry_failed(db: sqlite_utils.Database, alert_ids: Sequence[int] = ()) -> int:
    """Queue failed alerts (all, or these ids) for sending again now; return how many."""
    where = "status = 'failed'"
    params: list[Any] = [isotime()]
    if alert_ids:
        where += f" AND id IN ({','.join('?' * len(alert_ids))})"
        params += list(alert_ids)
    cursor = db.execute(
        f"UPDATE alerts SET status = 'pending', attempts = 0, next_attempt = ? WHERE {where}",
        params,
    )
    return cursor.rowcount


def alert_counts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per target: how many alerts were sent, are pending, have failed."""
    return list(
        db.query(
            "SELECT target, sum(status = 'sent') AS sent, sum(status = 'pending') AS pending, "
            "sum(status = 'failed') AS failed FROM alerts GROUP BY target ORDER BY target"
        )
    )


def rename_target(db: sqlite_utils.Database, old: str, new: str) -> int:
    """Move every alert of target label ``old`` to ``new`` (a label that stops showing a
    secret); how many moved. Alerts already under ``new`` are kept as they are."""
    with db.atomic():
        cursor = db.execute("UPDATE OR IGNORE alerts SET target = ? WHERE target = ?", [new, old])
    return cursor.rowcount
