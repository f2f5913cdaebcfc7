"""The database module: schema, one row per article, the alert outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler import store


@pytest.fixture
def db(tmp_path: Path):
    database = store.open_db(tmp_path / "radar.db")
    yield database
    database.close()


def _article(db, url: str = "http://127.0.0.1/a1", **extra) -> tuple[int, str]:
    source_id = store.upsert_source(db, url="http://127.0.0.1/feed.xml", name="Ledger", kind="feed")
    return store.store_article(
        db,
        {"url": url, "source_id": source_id, "title": "T", "text": "Body", "extracted_from": "page"}
        | extra,
    )


def test_articles_are_unique_by_url(db) -> None:
    first, status = _article(db)
    assert status == "new"
    assert _article(db) == (first, "duplicate")
    assert set(store.article_states(db, ["http://127.0.0.1/a1", "http://127.0.0.1/other"])) == {
        "http://127.0.0.1/a1"
    }
    assert db["articles"].count == 1
    # Full-text search follows the articles table.
    hits = list(db.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'body'"))
    assert [h["rowid"] for h in hits] == [first]


def test_matches_and_alerts_commit_together_and_once(db) -> None:
    article_id, _ = _article(db)
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
    article_id, _ = _article(db)
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


def test_times_are_written_and_read_in_one_format() -> None:
    moment = datetime(2026, 11, 27, 8, 15, tzinfo=UTC)
    assert store.isotime(moment) == "2026-11-27T08:15:00Z"
    assert store.isotime(moment.replace(tzinfo=None)) == "2026-11-27T08:15:00Z"  # naive is UTC
    assert store.parse_isotime("2026-11-27T08:15:00Z") == moment


def test_public_functions_raise_named_errors(db) -> None:
    with pytest.raises(store.InvalidArticle, match="extracted_from"):
        store.store_article(db, {"url": "http://127.0.0.1/a", "extracted_from": "guess"})
    with pytest.raises(store.InvalidArticle, match="url"):
        store.store_article(db, {"extracted_from": "page"})
    assert db["articles"].count == 0
    with pytest.raises(store.NoSuchRow, match="no run 99"):
        store.finish_run(db, 99, articles_new=0, error=None)
    with pytest.raises(store.NoSuchRow, match="no article 42"):
        store.assign_story(db, 42)
    with pytest.raises(store.NothingToSearch, match="nothing to search for"):
        store.search_articles(db, '"" -- *')


def test_the_search_index_follows_text_changes_and_only_those(db) -> None:
    article = {"url": "http://127.0.0.1/a", "title": "Envoys", "extracted_from": "page"}
    article_id, _ = store.store_article(db, {**article, "text": "Talks in Doha resumed."})
    store.assign_story(db, article_id)
    store.save_matches(db, article_id, [], {})
    store.mark_rechecked(db, [article["url"]])
    assert [h["url"] for h in store.search_articles(db, "doha")] == [article["url"]]
    _, status = store.store_article(
        db, {**article, "text": "Talks in Kabul resumed."}, recheck=True
    )
    assert status == "updated"
    assert store.search_articles(db, "doha") == []
    assert [h["url"] for h in store.search_articles(db, "kabul")] == [article["url"]]
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
