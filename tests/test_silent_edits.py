"""Silent edits: an article edited without its feed saying so is found by conditional
re-fetches 1 h, 6 h and 24 h after it was first seen, matched again, and alerted
only for the entities new to it. Real local site, real `newsradar run --once`."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler import store
from hostile import run_once
from newssite import NewsSite

pytestmark = pytest.mark.slow

ENTITIES = """
[[entity]]
id = "taliban"
name = "Taliban"
kind = "group"

[[entity]]
id = "karzai"
name = "Hamid Karzai"
kind = "official"
"""


def _age(db: sqlite3.Connection, hours: float) -> None:
    """Pretend the articles were first seen ``hours`` ago."""
    then = (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db.execute("UPDATE articles SET first_seen = ?", [then])
    db.commit()


def test_a_silent_edit_is_found_rematched_and_alerted_for_new_entities_only(
    tmp_path: Path, news_site: NewsSite
) -> None:
    article = news_site.publish(
        "talks", "Talks resume in Doha", ["The Taliban said talks would resume in Doha."]
    )
    config = tmp_path / "newsradar.toml"
    config.write_text(
        'database = "radar.db"\n[crawl]\ninterval = "1h"\n'
        f'[[source]]\nname = "Ledger"\nurl = "{news_site.rss_url}"\n{ENTITIES}'
    )
    assert run_once(config).returncode == 0
    db = sqlite3.connect(tmp_path / "radar.db")

    def alerts() -> list[list[str]]:
        return [json.loads(e) for (e,) in db.execute("SELECT entities FROM alerts ORDER BY id")]

    assert alerts() == [["taliban"]]
    page = news_site.article_url("talks")

    # Edited in place: the feeds still give the first dates, so no feed says so.
    news_site.update(
        "talks",
        paragraphs=[
            "The Taliban said talks would resume in Doha.",
            "Hamid Karzai is expected to attend.",
        ],
        updated=article.published,
    )
    news_site.clear_requests()
    assert run_once(config).returncode == 0  # not due yet: the page is not asked again
    assert ("GET", "/news/talks") not in news_site.requests
    _age(db, hours=1.1)
    news_site.clear_requests()
    assert run_once(config).returncode == 0
    asked = [r for r in news_site.request_log if r.path == "/news/talks"]
    assert len(asked) == 1 and "If-None-Match" in asked[0].headers and asked[0].status == 200
    changes, changed, rechecks, text = db.execute(
        "SELECT text_changes, text_changed, rechecks, text FROM articles WHERE url = ?", [page]
    ).fetchone()
    assert (changes, rechecks) == (1, 1) and changed is not None
    assert "Hamid Karzai is expected to attend." in text
    assert alerts() == [["taliban"], ["karzai"]]  # only the entity new to the article

    # Six hours on, unchanged: a 304, counted, nothing else.
    _age(db, hours=6.1)
    news_site.clear_requests()
    assert run_once(config).returncode == 0
    asked = [r for r in news_site.request_log if r.path == "/news/talks"]
    assert [r.status for r in asked] == [304]
    assert db.execute("SELECT text_changes, rechecks FROM articles").fetchone() == (1, 2)
    assert alerts() == [["taliban"], ["karzai"]]

    # After the third check (24 h) the article is left alone.
    _age(db, hours=24.1)
    assert run_once(config).returncode == 0
    _age(db, hours=24.5)
    news_site.clear_requests()
    assert run_once(config).returncode == 0
    assert ("GET", "/news/talks") not in news_site.requests
    assert db.execute("SELECT rechecks FROM articles").fetchone() == (3,)


def test_due_rechecks_follow_the_decaying_schedule(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    source = store.upsert_source(db, url="https://e.org/rss", name="E", kind="feed")
    now = store.utcnow()
    after = (timedelta(hours=1), timedelta(hours=6), timedelta(hours=24))
    for slug, age, rechecks, origin in [
        ("fresh", 0.5, 0, "page"),  # not an hour old
        ("hour", 1.5, 0, "page"),  # due: first check
        ("hour-done", 1.5, 1, "page"),  # checked once: next at 6 h
        ("six", 7, 1, "page"),  # due: second check
        ("day", 25, 2, "page"),  # due: third check... within the day's margin
        ("old", 30, 2, "page"),  # too old
        ("done", 26, 3, "page"),  # every check done
        ("feed-only", 2, 0, "feed"),  # no page to fetch again
    ]:
        article_id, _ = store.store_article(
            db,
            {
                "url": f"https://e.org/{slug}",
                "source_id": source,
                "title": slug,
                "text": "x",
                "extracted_from": origin,
            },
        )
        seen = store.isotime(now - timedelta(hours=age))
        db.execute(
            "UPDATE articles SET first_seen = ?, rechecks = ? WHERE id = ?",
            [seen, rechecks, article_id],
        )
    due = [row["url"].rsplit("/", 1)[1] for row in store.due_rechecks(db, source, now, after)]
    assert due == ["day", "six", "hour"]
    store.mark_rechecked(db, ["https://e.org/hour"])
    assert "hour" not in [r["url"][14:] for r in store.due_rechecks(db, source, now, after)]
    db.close()
