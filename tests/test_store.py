"""The database module: schema, one row per article, the alert outbox."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from crawler import store


@pytest.fixture
def db(tmp_path: Path):
    database = store.open_db(tmp_path / "radar.db")
    yield database
    database.close()


def _article(db, url: str = "http://127.0.0.1/a1", **extra) -> int | None:
    source_id = store.upsert_source(db, url="http://127.0.0.1/feed.xml", name="Ledger", kind="feed")
    return store.insert_article(
        db,
        {"url": url, "source_id": source_id, "title": "T", "text": "Body", "extracted_from": "page"}
        | extra,
    )


def test_schema_is_created_once_in_wal_mode(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    assert db.journal_mode == "wal"
    assert {"sources", "articles", "mentions", "alerts", "runs", "articles_fts"} <= set(
        db.table_names()
    )
    version = db.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(store.MIGRATIONS)
    db.close()
    again = store.open_db(tmp_path / "radar.db")  # reopening applies nothing twice
    assert again.execute("PRAGMA user_version").fetchone()[0] == version


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(store.StoreError, match="newer than this newsradar"):
        store.open_db(path)


def test_articles_are_unique_by_url(db) -> None:
    first = _article(db)
    assert first is not None
    assert _article(db) is None
    assert store.known_urls(db, ["http://127.0.0.1/a1", "http://127.0.0.1/other"]) == {
        "http://127.0.0.1/a1"
    }
    assert db["articles"].count == 1
    # Full-text search follows the articles table.
    hits = list(db.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'body'"))
    assert [h["rowid"] for h in hits] == [first]


def test_matches_and_alerts_commit_together_and_once(db) -> None:
    article_id = _article(db)
    assert [a["id"] for a in store.unmatched_articles(db)] == [article_id]
    mention = {
        "entity_id": "taliban",
        "alias": "Taliban",
        "rule": "exact",
        "start_offset": 0,
        "end_offset": 7,
        "snippet": "Taliban said",
    }
    queued = store.save_matches(db, article_id, [mention], {"inbox": ["taliban"]})
    assert queued == 1
    assert store.unmatched_articles(db) == []
    # Matching the same article again queues no second alert for the same target.
    assert store.save_matches(db, article_id, [mention], {"inbox": ["taliban"]}) == 0
    assert db["mentions"].count == 1
    due = store.due_alerts(db, ["inbox"])
    assert [(a["article_id"], json.loads(a["entities"])) for a in due] == [
        (article_id, ["taliban"])
    ]
    assert store.due_alerts(db, ["another target"]) == []


def test_failed_attempts_are_retried_later_then_sent(db) -> None:
    article_id = _article(db)
    store.save_matches(db, article_id, [], {"inbox": ["taliban"]})
    (alert,) = store.due_alerts(db, ["inbox"])
    store.mark_attempt_failed(db, [alert["id"]], "HTTP 503", timedelta(minutes=5))
    assert store.due_alerts(db, ["inbox"]) == []  # not due again yet
    row = db["alerts"].get(alert["id"])
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "HTTP 503")
    store.mark_sent(db, [alert["id"]])
    row = db["alerts"].get(alert["id"])
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)
    assert store.status_figures(db)["alerts_pending"] == 0


def test_runs_record_source_health(db) -> None:
    source_id = store.upsert_source(db, url="http://127.0.0.1/feed.xml", name="L", kind="feed")
    run = store.start_run(db, source_id)
    store.finish_run(db, run, articles_new=0, error="connection refused")
    run = store.start_run(db, source_id)
    store.finish_run(db, run, articles_new=0, error="HTTP 503")
    (health,) = store.source_health(db)
    assert (health["consecutive_failures"], health["last_error"]) == (2, "HTTP 503")
    run = store.start_run(db, source_id)
    store.finish_run(db, run, articles_new=3, error=None)
    (health,) = store.source_health(db)
    assert (health["consecutive_failures"], health["articles_found"]) == (0, 3)
    assert health["last_success"] is not None
    # A run left open by a killed process is closed as interrupted on restart.
    store.start_run(db, source_id)
    assert store.close_interrupted_runs(db) == 1
