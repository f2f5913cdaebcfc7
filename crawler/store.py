"""The database: its schema, its migrations and every SQL statement newsradar runs.

One SQLite file in WAL mode, written by one service process and read by anyone
(Datasette, ``newsradar matches``, ``sqlite3``). This module must not import
Scrapy: the matcher, the dispatcher and the CLI use it too.

Times are stored as ISO 8601 UTC strings ("2026-11-27T08:15:00Z"): sortable,
readable in Datasette, comparable with plain string comparison.
"""

from __future__ import annotations

import hashlib
import itertools
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


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run ``;``-separated statements one by one: ``executescript`` would commit
    the migration's transaction half-way."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
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
        """,
    )
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


def _m002_alert_messages(db: sqlite_utils.Database) -> None:
    # Alerts sent together (a digest) share a message id: rate limits count messages.
    _run_script(
        db,
        """
        ALTER TABLE alerts ADD COLUMN message_id TEXT;
        CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
        """,
    )


def _m003_crawler(db: sqlite_utils.Database) -> None:
    # Statement by statement, not executescript: that would commit the
    # migration's transaction half-way.
    for statement in (
        # What `auto` discovered behind a source's URL, and the last poll's outcome.
        "ALTER TABLE sources ADD COLUMN resolved_kind TEXT",
        "ALTER TABLE sources ADD COLUMN resolved_url TEXT",
        "ALTER TABLE sources ADD COLUMN last_status TEXT",
        # When the feed/sitemap last said the entry changed; a charset warning.
        "ALTER TABLE articles ADD COLUMN entry_updated TEXT",
        "ALTER TABLE articles ADD COLUMN charset_note TEXT",
        # Every URL an article was reached by: none of them is fetched again.
        "CREATE TABLE article_urls (url TEXT PRIMARY KEY, "
        "article_id INTEGER NOT NULL REFERENCES articles(id)) WITHOUT ROWID",
        "INSERT OR IGNORE INTO article_urls (url, article_id) SELECT url, id FROM articles",
        # The raw page, for sources configured to keep it (re-extraction later).
        "CREATE TABLE article_html (article_id INTEGER PRIMARY KEY REFERENCES articles(id), "
        "url TEXT NOT NULL, html TEXT NOT NULL, fetched TEXT NOT NULL)",
        # ETag / Last-Modified of every document a source polls (feeds, sitemaps,
        # listing pages), for conditional requests. Per source: two sources
        # polling one feed must not answer each other's 304s.
        "CREATE TABLE http_validators (source_id INTEGER NOT NULL REFERENCES sources(id), "
        "url TEXT NOT NULL, etag TEXT, last_modified TEXT, saved TEXT NOT NULL, "
        "PRIMARY KEY (source_id, url)) WITHOUT ROWID",
    ):
        db.execute(statement)


# Each migration runs once, in order, in its own transaction; the count of
# applied migrations is the database's PRAGMA user_version. Append, never edit.
def _m004_service(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE service (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            started TEXT NOT NULL,
            heartbeat TEXT NOT NULL,
            stopped TEXT,
            config TEXT
        );
        ALTER TABLE sources ADD COLUMN next_poll TEXT;
        ALTER TABLE sources ADD COLUMN operator_alerted TEXT;
        ALTER TABLE articles ADD COLUMN text_dropped TEXT
        """,
    )


def _m005_alert_per_new_entities(db: sqlite_utils.Database) -> None:
    # An updated or rematched article may alert a target again, for entities it
    # had not mentioned before: one alert per article, target and entity set.
    _run_script(
        db,
        """
        CREATE TABLE alerts_new (
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
            message_id TEXT,
            UNIQUE (article_id, target, entities)
        );
        INSERT INTO alerts_new SELECT id, article_id, target, entities, status, attempts,
            created, next_attempt, last_error, sent_at, message_id FROM alerts;
        DROP TABLE alerts;
        ALTER TABLE alerts_new RENAME TO alerts;
        CREATE INDEX idx_alerts_due ON alerts(next_attempt) WHERE status = 'pending';
        CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
        CREATE INDEX idx_alerts_article ON alerts(article_id)
        """,
    )


def _m006_stories(db: sqlite_utils.Database) -> None:
    # One story, one alert: syndicated copies and near-duplicates of one text are
    # grouped (alerts/stories.py). `copies` counts the story's articles, the first
    # included; an article's MinHash signature is kept to rebuild the index at start-up.
    # Every article matched so far becomes a story of its own.
    _run_script(
        db,
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            first_article_id INTEGER NOT NULL UNIQUE REFERENCES articles(id),
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            copies INTEGER NOT NULL DEFAULT 1
        );
        ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id);
        ALTER TABLE articles ADD COLUMN story_similarity REAL;
        CREATE INDEX idx_articles_story ON articles(story_id);
        CREATE TABLE article_signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            kind TEXT NOT NULL,
            shingles INTEGER NOT NULL,
            minhash BLOB NOT NULL
        );
        INSERT INTO stories (id, first_article_id, first_seen, last_seen, copies)
            SELECT id, id, first_seen, first_seen, 1 FROM articles WHERE matched_at IS NOT NULL;
        UPDATE articles SET story_id = id WHERE matched_at IS NOT NULL
        """,
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m001_initial,
    _m002_alert_messages,
    _m003_crawler,
    _m004_service,
    _m005_alert_per_new_entities,
    _m006_stories,
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
            "articles.published, articles.first_seen, articles.story_id, "
            "sources.name AS source "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            "WHERE matched_at IS NULL ORDER BY articles.id LIMIT ?",
            [limit],
        )
    )


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


def articles_since(
    db: sqlite_utils.Database, since: datetime, after_id: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """Stored articles first seen since ``since`` (with text), by id, after ``after_id``."""
    return list(
        db.query(
            "SELECT id, url, title, text, first_seen, story_id FROM articles "
            "WHERE first_seen >= ? AND id > ? "
            "AND text_dropped IS NULL "
            "ORDER BY id LIMIT ?",
            [isotime(since), after_id, limit],
        )
    )


def count_articles_since(db: sqlite_utils.Database, since: datetime) -> int:
    """How many stored articles were first seen since ``since``."""
    return db.execute(
        "SELECT count(*) FROM articles WHERE first_seen >= ?", [isotime(since)]
    ).fetchone()[0]


# --- stories: copies of one text grouped ----------------------------------------


def assign_story(
    db: sqlite_utils.Database,
    article_id: int,
    *,
    story_id: int | None = None,
    similarity: float | None = None,
    signature: tuple[str, int, bytes] | None = None,
) -> tuple[int, bool]:
    """Put an article in a story, in one transaction: the existing ``story_id`` (it
    is a copy, ``similarity`` says how close), or a new story of its own. An article
    already in a story stays there. ``signature`` (kind, shingles, MinHash bytes;
    empty bytes: too short to group) is stored, replacing any earlier one.
    Returns (the story's id, whether the article just joined an existing story)."""
    with db.atomic():
        current, first_seen = db.execute(
            "SELECT story_id, first_seen FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if signature is not None:
            save_signature(db, article_id, *signature)
        if current is not None:
            return current, False
        if (
            story_id is not None
            and db.execute("SELECT 1 FROM stories WHERE id = ?", [story_id]).fetchone()
        ):
            db.execute(
                "UPDATE articles SET story_id = ?, story_similarity = ? WHERE id = ?",
                [story_id, similarity, article_id],
            )
            db.execute(
                "UPDATE stories SET copies = copies + 1, last_seen = max(last_seen, ?) "
                "WHERE id = ?",
                [first_seen, story_id],
            )
            return story_id, True
        cursor = db.execute(
            "INSERT INTO stories (first_article_id, first_seen, last_seen, copies) "
            "VALUES (?, ?, ?, 1)",
            [article_id, first_seen, first_seen],
        )
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [cursor.lastrowid, article_id])
        return cursor.lastrowid, False


def story_signatures(
    db: sqlite_utils.Database, since: datetime, kind: str, after_id: int = 0
) -> Iterator[tuple[int, int, str, int, bytes]]:
    """The stored signatures of ``kind`` of articles in a story, first seen since
    ``since``, after ``after_id``, by id: (article id, story id, first seen,
    shingles, MinHash bytes). Signatures of texts too short to group are left out."""
    yield from db.execute(
        "SELECT articles.id, articles.story_id, articles.first_seen, "
        "article_signatures.shingles, article_signatures.minhash "
        "FROM articles JOIN article_signatures ON article_signatures.article_id = articles.id "
        "WHERE articles.first_seen >= ? AND articles.id > ? AND articles.story_id IS NOT NULL "
        "AND article_signatures.kind = ? AND length(article_signatures.minhash) > 0 "
        "ORDER BY articles.id",
        [isotime(since), after_id, kind],
    )


def unsigned_articles(
    db: sqlite_utils.Database, since: datetime, kind: str, after_id: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """Articles in a story, first seen since ``since``, with their text but without a
    signature of ``kind`` (stored before stories existed, or by an older kind), by
    id, after ``after_id``."""
    return list(
        db.query(
            "SELECT articles.id, articles.story_id, articles.first_seen, articles.text "
            "FROM articles LEFT JOIN article_signatures "
            "ON article_signatures.article_id = articles.id "
            "WHERE articles.first_seen >= ? AND articles.id > ? "
            "AND articles.story_id IS NOT NULL AND articles.text IS NOT NULL "
            "AND (article_signatures.kind IS NULL OR article_signatures.kind != ?) "
            "ORDER BY articles.id LIMIT ?",
            [isotime(since), after_id, kind, limit],
        )
    )


def save_signature(
    db: sqlite_utils.Database, article_id: int, kind: str, shingles: int, minhash: bytes
) -> None:
    """Store an article's signature (empty ``minhash``: too short to group)."""
    db.execute(
        "INSERT INTO article_signatures (article_id, kind, shingles, minhash) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE SET "
        "kind = excluded.kind, shingles = excluded.shingles, minhash = excluded.minhash",
        [article_id, kind, shingles, minhash],
    )


def story_entities(db: sqlite_utils.Database, story_id: int) -> set[str]:
    """The entities any article of a story was matched or alerted for."""
    found = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT entity_id FROM mentions WHERE article_id IN "
            "(SELECT id FROM articles WHERE story_id = ?)",
            [story_id],
        )
    }
    for (entities,) in db.execute(
        "SELECT entities FROM alerts WHERE article_id IN "
        "(SELECT id FROM articles WHERE story_id = ?)",
        [story_id],
    ):
        found.update(json.loads(entities))
    return found


def story_copies(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """The other articles of an article's story, first seen first: id, url, title,
    source, published, first_seen."""
    return list(
        db.query(
            "SELECT articles.id, articles.url, articles.title, sources.name AS source, "
            "articles.published, articles.first_seen "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            "WHERE articles.story_id = (SELECT story_id FROM articles WHERE id = ?) "
            "AND articles.id != ? ORDER BY articles.first_seen, articles.id",
            [article_id, article_id],
        )
    )


def recent_stories(db: sqlite_utils.Database, since: datetime) -> list[dict[str, Any]]:
    """Stories with an article that has mentions, first seen since ``since``, newest
    first. Each: the first article's time, source, title and url, the story's id,
    the entities any of its articles mentions, and ``copies``: its other articles
    (time, source, title, url), first seen first. An article outside any story is
    a story of its own (``story_id`` None)."""
    members = db.query(
        "SELECT articles.id, articles.story_id, articles.first_seen AS time, "
        "sources.name AS source, articles.title, articles.url, "
        "(SELECT group_concat(DISTINCT entity_id) FROM mentions "
        "WHERE mentions.article_id = articles.id) AS entities, "
        "stories.first_article_id "
        "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
        "LEFT JOIN stories ON stories.id = articles.story_id "
        "WHERE articles.story_id IN (SELECT DISTINCT articles.story_id FROM articles "
        "JOIN mentions ON mentions.article_id = articles.id WHERE articles.first_seen >= ?) "
        "OR (articles.story_id IS NULL AND articles.first_seen >= ? "
        "AND EXISTS (SELECT 1 FROM mentions WHERE mentions.article_id = articles.id)) "
        "ORDER BY articles.first_seen, articles.id",
        [isotime(since), isotime(since)],
    )
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in members:
        key = row["story_id"] if row["story_id"] is not None else ("article", row["id"])
        groups.setdefault(key, []).append(row)
    stories = []
    for rows in groups.values():
        head = next((r for r in rows if r["id"] == r["first_article_id"]), rows[0])
        entities = set()
        for row in rows:
            entities.update((row["entities"] or "").split(",") if row["entities"] else ())
        if not entities:
            continue
        stories.append(
            {
                "time": head["time"],
                "source": head["source"],
                "title": head["title"],
                "url": head["url"],
                "entities": sorted(entities),
                "story_id": head["story_id"],
                "copies": [
                    {k: r[k] for k in ("time", "source", "title", "url")}
                    for r in rows
                    if r is not head
                ],
                "_id": head["id"],
            }
        )
    stories.sort(key=lambda story: (story["time"], story["_id"]), reverse=True)
    for story in stories:
        del story["_id"]
    return stories


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


def alert_counts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per target: how many alerts were sent, are pending, have failed."""
    return list(
        db.query(
            "SELECT target, sum(status = 'sent') AS sent, sum(status = 'pending') AS pending, "
            "sum(status = 'failed') AS failed FROM alerts GROUP BY target ORDER BY target"
        )
    )


# --- crawler state: discovery, validators, article identity and updates ---------


def source_row(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    """The ``sources`` row of the source configured with ``url``, or None."""
    rows = list(db.query("SELECT * FROM sources WHERE url = ?", [url]))
    return rows[0] if rows else None


def save_discovery(db: sqlite_utils.Database, source_id: int, kind: str, url: str) -> None:
    """Remember what `auto` found behind a source: poll ``url`` as ``kind`` from now on."""
    db.execute(
        "UPDATE sources SET resolved_kind = ?, resolved_url = ? WHERE id = ?",
        [kind, url, source_id],
    )


def clear_discovery(db: sqlite_utils.Database, source_id: int) -> None:
    """Forget a source's discovered document (it failed): the next poll discovers again."""
    db.execute(
        "UPDATE sources SET resolved_kind = NULL, resolved_url = NULL WHERE id = ?", [source_id]
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


def article_states(
    db: sqlite_utils.Database, urls: Iterable[str]
) -> dict[str, tuple[int, str | None]]:
    """For each of ``urls`` already stored (as an article's URL or one of its aliases):
    the article id and when its feed or sitemap last said it changed."""
    urls = list(dict.fromkeys(urls))
    found: dict[str, tuple[int, str | None]] = {}
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for url, article_id, entry_updated in db.execute(
            "SELECT article_urls.url, articles.id, articles.entry_updated FROM article_urls "
            f"JOIN articles ON articles.id = article_urls.article_id "
            f"WHERE article_urls.url IN ({marks}) "
            "UNION ALL SELECT url, id, entry_updated FROM articles "
            f"WHERE url IN ({marks})",
            chunk + chunk,
        ):
            found.setdefault(url, (article_id, entry_updated))
    return found


def _find_article(db: sqlite_utils.Database, urls: list[str]) -> tuple[Any, ...] | None:
    marks = ",".join("?" * len(urls))
    return db.execute(
        "SELECT id, content_hash, extracted_from, entry_updated FROM articles "
        f"WHERE url IN ({marks}) OR id IN "
        f"(SELECT article_id FROM article_urls WHERE url IN ({marks})) ORDER BY id LIMIT 1",
        urls + urls,
    ).fetchone()


def store_article(
    db: sqlite_utils.Database,
    article: dict[str, Any],
    aliases: Iterable[str] = (),
    *,
    recheck: bool = False,
    html: str | None = None,
) -> tuple[int, str]:
    """Store an article once, whatever URL it was reached by; return (id, status).

    ``article`` holds what insert_article takes, plus optional entry_updated and
    charset_note. Status is "new"; "duplicate" (already stored, reached through
    another URL: only the alias is recorded); "updated" (a ``recheck`` whose
    title or text changed: the content is replaced, ``matched_at`` reset so the
    matcher sees it again, earlier mentions kept); or "unchanged".
    """
    urls = list(dict.fromkeys([article["url"], *aliases]))
    now = isotime()
    digest = content_hash(article.get("title"), article.get("text"))
    entry_updated = article.get("entry_updated")
    with db.atomic():
        existing = _find_article(db, urls)
        if existing is None:
            row = {
                "url": article["url"],
                "source_id": article.get("source_id"),
                "title": article.get("title"),
                "text": article.get("text"),
                "author": article.get("author"),
                "published": article.get("published"),
                "language": article.get("language"),
                "extracted_from": article["extracted_from"],
                "content_hash": digest,
                "first_seen": now,
                "updated": now,
                "entry_updated": entry_updated,
                "charset_note": article.get("charset_note"),
            }
            columns = ", ".join(row)
            marks = ", ".join("?" * len(row))
            cursor = db.execute(
                f"INSERT INTO articles ({columns}) VALUES ({marks})", list(row.values())
            )
            article_id, status = cursor.lastrowid, "new"
        else:
            article_id, old_hash, old_from, old_updated = existing
            # Feed text never replaces page text: a re-check whose page failed
            # only moves the entry's date on.
            better = article["extracted_from"] == "page" or old_from == "feed"
            if recheck and better and digest != old_hash:
                db.execute(
                    "UPDATE articles SET title = ?, text = ?, author = ?, published = ?, "
                    "language = ?, extracted_from = ?, content_hash = ?, updated = ?, "
                    "entry_updated = ?, charset_note = ?, matched_at = NULL WHERE id = ?",
                    [
                        article.get("title"),
                        article.get("text"),
                        article.get("author"),
                        article.get("published"),
                        article.get("language"),
                        article["extracted_from"],
                        digest,
                        now,
                        entry_updated or old_updated,
                        article.get("charset_note"),
                        article_id,
                    ],
                )
                status = "updated"
            else:
                if entry_updated and (old_updated is None or entry_updated > old_updated):
                    db.execute(
                        "UPDATE articles SET entry_updated = ? WHERE id = ?",
                        [entry_updated, article_id],
                    )
                status = "unchanged" if recheck else "duplicate"
        db.conn.executemany(
            "INSERT OR IGNORE INTO article_urls (url, article_id) VALUES (?, ?)",
            [(url, article_id) for url in urls],
        )
        if html is not None and status in ("new", "updated"):
            db.execute(
                "INSERT INTO article_html (article_id, url, html, fetched) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET url = excluded.url, "
                "html = excluded.html, fetched = excluded.fetched",
                [article_id, article["url"], html, now],
            )
    return article_id, status


# --- the service: heartbeat, health, retention ---------------------------------------


def service_started(db: sqlite_utils.Database, pid: int, config: str | None) -> None:
    """Record that a service process started (there is one service row)."""
    now = isotime()
    db.execute(
        "INSERT INTO service (id, pid, started, heartbeat, stopped, config) "
        "VALUES (1, ?, ?, ?, NULL, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, "
        "started = excluded.started, heartbeat = excluded.heartbeat, stopped = NULL, "
        "config = excluded.config",
        [pid, now, now, config],
    )


def heartbeat(db: sqlite_utils.Database) -> None:
    """Record that the service is alive."""
    db.execute("UPDATE service SET heartbeat = ? WHERE id = 1", [isotime()])


def service_stopped(db: sqlite_utils.Database) -> None:
    """Record a clean shutdown."""
    now = isotime()
    db.execute("UPDATE service SET heartbeat = ?, stopped = ? WHERE id = 1", [now, now])


def service_row(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The service row, or None when no service ever ran on this database."""
    rows = list(db.query("SELECT * FROM service WHERE id = 1"))
    return rows[0] if rows else None


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
    stamps = [datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") for t in times]
    return [(a - b).total_seconds() for a, b in itertools.pairwise(stamps)]


def last_article_at(db: sqlite_utils.Database, source_id: int) -> str | None:
    """When a source last brought a new article."""
    return db.execute(
        "SELECT max(first_seen) FROM articles WHERE source_id = ?", [source_id]
    ).fetchone()[0]


def drop_old_text(db: sqlite_utils.Database, before: datetime) -> int:
    """Retention: drop the text (and kept HTML) of articles first seen before
    ``before``, keeping their metadata and mentions; return how many."""
    cutoff = isotime(before)
    now = isotime()
    with db.atomic():
        db.execute(
            "DELETE FROM article_html WHERE article_id IN "
            "(SELECT id FROM articles WHERE first_seen < ? AND text_dropped IS NULL)",
            [cutoff],
        )
        cursor = db.execute(
            "UPDATE articles SET text = NULL, text_dropped = ? "
            "WHERE first_seen < ? AND text_dropped IS NULL",
            [now, cutoff],
        )
    return cursor.rowcount


def optimize(db: sqlite_utils.Database) -> None:
    """Periodic upkeep: refresh the query planner's statistics, bound the WAL file."""
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def status_figures(db: sqlite_utils.Database) -> dict[str, Any]:
    """The numbers `newsradar status` prints."""
    now = utcnow()
    hour, day = isotime(now - timedelta(hours=1)), isotime(now - timedelta(days=1))

    def one(sql: str, *params: Any) -> Any:
        return db.execute(sql, params).fetchone()[0]

    return {
        "sources": one("SELECT count(*) FROM sources"),
        "sources_failing": one("SELECT count(*) FROM sources WHERE consecutive_failures > 0"),
        "articles_hour": one("SELECT count(*) FROM articles WHERE first_seen >= ?", hour),
        "articles_day": one("SELECT count(*) FROM articles WHERE first_seen >= ?", day),
        "alerts_hour": one(
            "SELECT count(*) FROM alerts WHERE status = 'sent' AND sent_at >= ?", hour
        ),
        "alerts_day": one(
            "SELECT count(*) FROM alerts WHERE status = 'sent' AND sent_at >= ?", day
        ),
        "alerts_pending": one("SELECT count(*) FROM alerts WHERE status = 'pending'"),
        "alerts_failed": one("SELECT count(*) FROM alerts WHERE status = 'failed'"),
        "failing": list(
            db.query(
                "SELECT name, url, consecutive_failures, last_error, last_success FROM sources "
                "WHERE consecutive_failures > 0 ORDER BY consecutive_failures DESC, name"
            )
        ),
    }


# --- reading for people: search, statistics, summaries ---------------------------


def totals(db: sqlite_utils.Database) -> dict[str, int]:
    """Counts for a summary: articles stored, articles with mentions, mentions,
    articles not matched yet, alerts sent, pending and failed."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM articles), "
        "(SELECT count(DISTINCT article_id) FROM mentions), "
        "(SELECT count(*) FROM mentions), "
        "(SELECT count(*) FROM articles WHERE matched_at IS NULL), "
        "(SELECT count(*) FROM alerts WHERE status = 'sent'), "
        "(SELECT count(*) FROM alerts WHERE status = 'pending'), "
        "(SELECT count(*) FROM alerts WHERE status = 'failed')"
    ).fetchone()
    keys = ("articles", "matched", "mentions", "unmatched", "sent", "pending", "failed")
    return dict(zip(keys, row, strict=True))


def article_entities(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every article, oldest first, with its source, the sorted ids of the entities
    it mentions (``entities``) and of those its alerts carried (``alerted``)."""
    rows = list(
        db.query(
            "SELECT articles.id, articles.url, articles.title, sources.name AS source, "
            "(SELECT group_concat(DISTINCT entity_id) FROM mentions "
            "WHERE mentions.article_id = articles.id) AS entities, "
            "(SELECT group_concat(DISTINCT each.value) FROM alerts, json_each(alerts.entities) "
            "AS each WHERE alerts.article_id = articles.id) AS alerted "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            "ORDER BY articles.id"
        )
    )
    for row in rows:
        for key in ("entities", "alerted"):
            row[key] = sorted(row[key].split(",")) if row[key] else []
    return rows


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query matching articles that contain them all.

    Each word, or each "quoted phrase", becomes an FTS5 string, so quotes, dashes,
    colons, AND/OR/NOT and parentheses are plain text, never query syntax; a word
    ending in ``*`` stays a prefix search. Raises ValueError when nothing is left
    to search for.
    """
    import re

    terms: list[str] = []
    for phrase, word in re.findall(r'"([^"]*)"?|([^\s"]+)', text):
        term = phrase or word
        prefix = bool(word) and word.endswith("*")
        term = term.rstrip("*") if prefix else term
        if not any(ch.isalnum() for ch in term):
            continue
        terms.append('"' + term.replace('"', '""') + '"' + ("*" if prefix else ""))
    if not terms:
        raise ValueError(f"nothing to search for in {text!r}")
    return " ".join(terms)


def search_articles(
    db: sqlite_utils.Database,
    text: str,
    *,
    limit: int = 20,
    newest: bool = False,
    marks: tuple[str, str] = ("[", "]"),
) -> list[dict[str, Any]]:
    """Full-text search of article titles and text (articles_fts) for the user's words
    (see fts_query): best matches first, or newest first. Each row has title, url,
    source, date (published, else first seen) and a snippet around the hit, the
    matched words between ``marks``."""
    order = "date DESC, articles.id DESC" if newest else "rank, articles.id DESC"
    return list(
        db.query(
            "SELECT articles.id, articles.title, articles.url, sources.name AS source, "
            "coalesce(articles.published, articles.first_seen) AS date, "
            "snippet(articles_fts, -1, ?, ?, '…', 14) AS snippet "
            "FROM articles_fts JOIN articles ON articles.id = articles_fts.rowid "
            "LEFT JOIN sources ON sources.id = articles.source_id "
            f"WHERE articles_fts MATCH ? ORDER BY {order} LIMIT ?",
            [marks[0], marks[1], fts_query(text), limit],
        )
    )


def mentions_per_day(
    db: sqlite_utils.Database, since: datetime, entity_ids: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Mentions per entity per day (UTC, by when the article was first seen) since
    ``since``, optionally for these entities only: rows of day ("2026-11-27"),
    entity_id, mentions and articles (how many articles those mentions are in)."""
    where, params = "articles.first_seen >= ?", [isotime(since)]
    if entity_ids:
        where += f" AND mentions.entity_id IN ({','.join('?' * len(entity_ids))})"
        params += list(entity_ids)
    return list(
        db.query(
            "SELECT substr(articles.first_seen, 1, 10) AS day, mentions.entity_id, "
            "count(*) AS mentions, count(DISTINCT mentions.article_id) AS articles "
            "FROM mentions JOIN articles ON articles.id = mentions.article_id "
            f"WHERE {where} GROUP BY day, mentions.entity_id ORDER BY day, mentions.entity_id",
            params,
        )
    )


# --- per-crawl source state


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
