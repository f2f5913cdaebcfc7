"""Mentions: what the matcher found in an article, saved with the alerts it queues."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from crawler.store.times import isotime


def matched_before(db: sqlite_utils.Database, article_id: int) -> set[str]:
    """The entities an article was already matched or alerted for."""
    found = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT entity_id FROM mentions WHERE article_id = ?", [article_id]
        )
    }
    for (entities,) in db.execute("SELECT entities FROM alerts WHERE article_id = ?", [article_id]):
        found.update(json.loads(entities))
    return found


def save_matches(
    db: sqlite_utils.Database,
    article_id: int,
    mentions: Iterable[dict[str, Any]],
    alerts: dict[str, list[str]],
    *,
    only: Iterable[str] | None = None,
) -> int:
    """Record an article's mentions and queue its alerts, in one transaction.

    The article's earlier mentions (of the entities in ``only``, or all) are
    replaced: offsets always point into the stored text. ``mentions`` are dicts
    with entity_id, alias, rule, start_offset, end_offset and snippet; ``alerts``
    maps a target name to the entity ids it must hear about. An alert already
    queued for the same article, target and entities is not queued twice.
    Returns the number of alerts queued.
    """
    now = isotime()
    queued = 0
    with db.atomic():
        if only is None:
            db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
        else:
            for entity_id in only:
                db.execute(
                    "DELETE FROM mentions WHERE article_id = ? AND entity_id = ?",
                    [article_id, entity_id],
                )
        for mention in mentions:
            db.execute(
                "INSERT INTO mentions (article_id, entity_id, alias, rule, start_offset, "
                "end_offset, snippet) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [
                    article_id,
                    mention["entity_id"],
                    mention["alias"],
                    mention["rule"],
                    mention["start_offset"],
                    mention["end_offset"],
                    mention["snippet"],
                ],
            )
        for target, entity_ids in alerts.items():
            cursor = db.execute(
                "INSERT INTO alerts (article_id, target, entities, created, next_attempt) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [article_id, target, json.dumps(sorted(entity_ids)), now, now],
            )
            queued += cursor.rowcount
        db.execute("UPDATE articles SET matched_at = ? WHERE id = ?", [now, article_id])
    return queued


def article_mentions(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """An article's mentions in text order."""
    return list(
        db.query(
            "SELECT entity_id, alias, rule, start_offset, end_offset, snippet FROM mentions "
            "WHERE article_id = ? ORDER BY start_offset",
            [article_id],
        )
    )
