"""The database: its schema, its migrations and every SQL statement newsradar runs.

One SQLite file in WAL mode, written by one service process and read by anyone
(Datasette, ``newsradar matches``, ``sqlite3``). This module must not import
Scrapy: the matcher, the dispatcher and the CLI use it too.

Times are stored as ISO 8601 UTC strings ("2026-11-27T08:15:00Z"): sortable,
readable in Datasette, comparable with plain string comparison.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The database could not be opened or is not a newsradar database."""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def isotime(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as the ISO 8601 UTC string stored in the database."""
    moment = moment or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- schema -----------------------------------------------------------------


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            added TEXT NOT NULL,
            last_polled TEXT,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            articles_found INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            source_id INTEGER REFERENCES sources(id),
            title TEXT,
            text TEXT,
            author TEXT,
            published TEXT,
            language TEXT,
            extracted_from TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            updated TEXT NOT NULL,
            matched_at TEXT
        );
        CREATE INDEX idx_articles_unmatched ON articles(id) WHERE matched_at IS NULL;
        CREATE INDEX idx_articles_first_seen ON articles(first_seen);
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            entity_id TEXT NOT NULL,
            alias TEXT NOT NULL,
            rule TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            snippet TEXT NOT NULL,
            UNIQUE (article_id, entity_id, start_offset)
        );
        CREATE INDEX idx_mentions_entity ON mentions(entity_id);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            target TEXT NOT NULL,
            entities TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT,
            UNIQUE (article_id, target)
        );
        CREATE INDEX idx_alerts_due ON alerts(next_attempt) WHERE status = 'pending';
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            articles_new INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE INDEX idx_runs_source ON runs(source_id, started);
        """
    )
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


def _m002_alert_messages(db: sqlite_utils.Database) -> None:
    # Alerts sent together (a digest) share a message id: rate limits count messages.
    db.executescript(
        """
        ALTER TABLE alerts ADD COLUMN message_id TEXT;
        CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
        """
    )


# Each migration runs once, in order, in its own transaction; the count of
# applied migrations is the database's PRAGMA user_version. Append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m001_initial,
    _m002_alert_messages,
]


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the newsradar database at ``path``.

    Returns a sqlite-utils Database in WAL mode with a busy timeout, so other
    processes can read while the service writes.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{path}: {err}") from err
    return db


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not had yet; return its schema version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"database schema version {version} is newer than this newsradar "
            f"({len(MIGRATIONS)}); upgrade newsradar"
        )
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


# --- sources and runs --------------------------------------------------------


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
    return cursor.lastrowid


def finish_run(
    db: sqlite_utils.Database, run_id: int, *, articles_new: int, error: str | None
) -> None:
    """Close a run, and update its source's health: success resets the failure count."""
    now = isotime()
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished = ?, status = ?, articles_new = ?, error = ? WHERE id = ?",
            [now, "failed" if error else "ok", articles_new, error, run_id],
        )
        source_id = db.execute("SELECT source_id FROM runs WHERE id = ?", [run_id]).fetchone()[0]
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


# --- articles ----------------------------------------------------------------


def content_hash(title: str | None, text: str | None) -> str:
    """A stable fingerprint of an article's extracted content."""
    digest = hashlib.sha256()
    digest.update((title or "").encode())
    digest.update(b"\0")
    digest.update((text or "").encode())
    return digest.hexdigest()


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """The subset of ``urls`` already stored as articles."""
    urls = list(dict.fromkeys(urls))
    found: set[str] = set()
    # SQLite caps bound parameters; 500 stays far below every build's limit.
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0] for row in db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk)
        )
    return found


def insert_article(db: sqlite_utils.Database, article: dict[str, Any]) -> int | None:
    """Store a new article; return its id, or None when its URL is already stored.

    ``article`` holds url, source_id, title, text, author, published, language
    and extracted_from ("page" or "feed").
    """
    now = isotime()
    row = {
        "url": article["url"],
        "source_id": article.get("source_id"),
        "title": article.get("title"),
        "text": article.get("text"),
        "author": article.get("author"),
        "published": article.get("published"),
        "language": article.get("language"),
        "extracted_from": article["extracted_from"],
        "content_hash": content_hash(article.get("title"), article.get("text")),
        "first_seen": now,
        "updated": now,
    }
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = db.execute(
        f"INSERT INTO articles ({columns}) VALUES ({marks}) ON CONFLICT(url) DO NOTHING",
        list(row.values()),
    )
    return cursor.lastrowid if cursor.rowcount else None


def unmatched_articles(db: sqlite_utils.Database, limit: int = 500) -> list[dict[str, Any]]:
    """Stored articles the matcher has not seen yet, oldest first."""
    return list(
        db.query(
            "SELECT articles.id, articles.url, articles.title, articles.text, "
            "articles.published, articles.first_seen, sources.name AS source "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            "WHERE matched_at IS NULL ORDER BY articles.id LIMIT ?",
            [limit],
        )
    )


def save_matches(
    db: sqlite_utils.Database,
    article_id: int,
    mentions: Iterable[dict[str, Any]],
    alerts: dict[str, list[str]],
) -> int:
    """Record an article's mentions and queue its alerts, in one transaction.

    ``mentions`` are dicts with entity_id, alias, rule, start_offset, end_offset
    and snippet; ``alerts`` maps a target name to the entity ids it must hear
    about. A target that already has an alert for this article gets no second
    one. Returns the number of alerts queued.
    """
    now = isotime()
    queued = 0
    with db.atomic():
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
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(article_id, target) DO NOTHING",
                [article_id, target, json.dumps(sorted(entity_ids)), now, now],
            )
            queued += cursor.rowcount
        db.execute("UPDATE articles SET matched_at = ? WHERE id = ?", [now, article_id])
    return queued


# --- the alert outbox ----------------------------------------------------------


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


def article_mentions(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """An article's mentions in text order."""
    return list(
        db.query(
            "SELECT entity_id, alias, rule, start_offset, end_offset, snippet FROM mentions "
            "WHERE article_id = ? ORDER BY start_offset",
            [article_id],
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


def pending_count(db: sqlite_utils.Database) -> int:
    """How many alerts wait to be sent."""
    return db.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()[0]


# --- reading matches -----------------------------------------------------------


def recent_matches(db: sqlite_utils.Database, since: datetime) -> Iterator[dict[str, Any]]:
    """Articles with mentions first seen since ``since``, newest first, with their entities."""
    yield from db.query(
        "SELECT articles.first_seen AS time, sources.name AS source, articles.title, "
        "articles.url, group_concat(DISTINCT mentions.entity_id) AS entities "
        "FROM articles JOIN mentions ON mentions.article_id = articles.id "
        "LEFT JOIN sources ON sources.id = articles.source_id "
        "WHERE articles.first_seen >= ? "
        "GROUP BY articles.id ORDER BY articles.first_seen DESC, articles.id DESC",
        [isotime(since)],
    )
