"""Sources and their polls: the configured sources, one run per poll, each source's
health, what `auto` discovered, HTTP validators and when the next poll is due."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.store.db import NoSuchRow
from crawler.store.times import isotime, parse_isotime


def upsert_source(db: sqlite_utils.Database, *, url: str, name: str, kind: str) -> int:
    """Record a configured source (keyed by URL); return its id."""
    db.execute(
        "INSERT INTO sources (url, name, kind, added) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET name = excluded.name, kind = excluded.kind",
        [url, name, kind, isotime()],
    )
    return db.execute("SELECT id FROM sources WHERE url = ?", [url]).fetchone()[0]


def start_run(db: sqlite_utils.Database, source_id: int) -> int:
    """Open a crawl run for a source; return the run id."""
    now = isotime()
    with db.atomic():
        db.execute("UPDATE sources SET last_polled = ? WHERE id = ?", [now, source_id])
        cursor = db.execute("INSERT INTO runs (source_id, started) VALUES (?, ?)", [source_id, now])
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    articles_new: int,
    error: str | None,
    note: str | None = None,
) -> None:
    """Close a run, and update its source's health: success resets the failure count.

    ``note`` says what was odd about a poll that still worked (a malformed feed read
    anyway...): kept on the run, it never counts as a failure.
    """
    now = isotime()
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished = ?, status = ?, articles_new = ?, error = ?, note = ? "
            "WHERE id = ?",
            [now, "failed" if error else "ok", articles_new, error, note, run_id],
        )
        row = db.execute("SELECT source_id FROM runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise NoSuchRow(f"no run {run_id} to finish")
        source_id = row[0]
        if error:
            db.execute(
                "UPDATE sources SET last_error = ?, last_error_at = ?, "
                "consecutive_failures = consecutive_failures + 1 WHERE id = ?",
                [error, now, source_id],
            )
        else:
            db.execute(
                "UPDATE sources SET last_success = ?, consecutive_failures = 0, "
                "articles_found = articles_found + ? WHERE id = ?",
                [now, articles_new, source_id],
            )


def close_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Mark runs left 'running' by a process that died as interrupted; return how many."""
    cursor = db.execute(
        "UPDATE runs SET status = 'interrupted', finished = ? WHERE status = 'running'",
        [isotime()],
    )
    return cursor.rowcount


def source_health(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every source with its health columns, by name."""
    return list(db.query("SELECT * FROM sources ORDER BY name"))


def source_row(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    """The ``sources`` row of the source configured with ``url``, or None."""
    rows = list(db.query("SELECT * FROM sources WHERE url = ?", [url]))
    return rows[0] if rows else None


def save_discovery(
    db: sqlite_utils.Database, source_id: int, kind: str, url: str, note: str | None = None
) -> None:
    """Remember what `auto` found behind a source: poll ``url`` as ``kind`` from now on
    (``note``: what was found and why this was chosen, in words)."""
    db.execute(
        "UPDATE sources SET resolved_kind = ?, resolved_url = ?, resolved_note = ? WHERE id = ?",
        [kind, url, note, source_id],
    )


def clear_discovery(db: sqlite_utils.Database, source_id: int) -> None:
    """Forget a source's discovered document (it failed): the next poll discovers again."""
    db.execute(
        "UPDATE sources SET resolved_kind = NULL, resolved_url = NULL, resolved_note = NULL "
        "WHERE id = ?",
        [source_id],
    )


def set_last_status(db: sqlite_utils.Database, source_id: int, status: str) -> None:
    """Record how the last poll went, in words ("not modified", "12 entries, 2 new")."""
    db.execute("UPDATE sources SET last_status = ? WHERE id = ?", [status, source_id])


def get_validators(
    db: sqlite_utils.Database, source_id: int | None, url: str
) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified a source last saved for the document at ``url``."""
    row = db.execute(
        "SELECT etag, last_modified FROM http_validators WHERE source_id = ? AND url = ?",
        [source_id, url],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def save_validators(
    db: sqlite_utils.Database,
    source_id: int,
    url: str,
    etag: str | None,
    last_modified: str | None,
) -> None:
    """Save a document's validators for a source (or forget them when it sent none)."""
    if not etag and not last_modified:
        db.execute("DELETE FROM http_validators WHERE source_id = ? AND url = ?", [source_id, url])
        return
    db.execute(
        "INSERT INTO http_validators (source_id, url, etag, last_modified, saved) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(source_id, url) DO UPDATE SET "
        "etag = excluded.etag, last_modified = excluded.last_modified, saved = excluded.saved",
        [source_id, url, etag, last_modified, isotime()],
    )


def source_validators(
    db: sqlite_utils.Database, source_url: str
) -> dict[str, tuple[str | None, str | None]]:
    """Every document's (ETag, Last-Modified) the source configured with ``source_url``
    last saved, by document URL (empty for a source never polled)."""
    return {
        url: (etag, last_modified)
        for url, etag, last_modified in db.execute(
            "SELECT http_validators.url, http_validators.etag, http_validators.last_modified "
            "FROM http_validators JOIN sources ON sources.id = http_validators.source_id "
            "WHERE sources.url = ?",
            [source_url],
        )
    }


def set_next_poll(db: sqlite_utils.Database, url: str, moment: datetime | None) -> None:
    """Record when a source is polled next (None: not scheduled)."""
    db.execute(
        "UPDATE sources SET next_poll = ? WHERE url = ?",
        [isotime(moment) if moment else None, url],
    )


def set_operator_alerted(db: sqlite_utils.Database, url: str, reason: str | None) -> None:
    """Remember that operators were told a source is unhealthy (None: told it recovered)."""
    db.execute("UPDATE sources SET operator_alerted = ? WHERE url = ?", [reason, url])


def article_gaps(db: sqlite_utils.Database, source_id: int, limit: int = 21) -> list[float]:
    """Seconds between a source's most recent new articles, newest first."""
    times = [
        row[0]
        for row in db.execute(
            "SELECT first_seen FROM articles WHERE source_id = ? ORDER BY first_seen DESC LIMIT ?",
            [source_id, limit],
        )
    ]
    stamps = [parse_isotime(t) for t in times]
    return [(a - b).total_seconds() for a, b in itertools.pairwise(stamps)]


def last_article_at(db: sqlite_utils.Database, source_id: int) -> str | None:
    """When a source last brought a new article."""
    return db.execute(
        "SELECT max(first_seen) FROM articles WHERE source_id = ?", [source_id]
    ).fetchone()[0]
