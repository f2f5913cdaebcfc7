"""Read-only queries for people: recent stories, status figures, totals, search, stats."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.store.db import StoreError
from crawler.store.times import isotime, utcnow


class NothingToSearch(StoreError, ValueError):
    """A search with no word left to look for (only punctuation, or nothing)."""


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
        entities: set[str] = set()
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
    ending in ``*`` stays a prefix search. Raises NothingToSearch when nothing is
    left to search for.
    """
    terms: list[str] = []
    for phrase, word in re.findall(r'"([^"]*)"?|([^\s"]+)', text):
        term = phrase or word
        prefix = bool(word) and word.endswith("*")
        term = term.rstrip("*") if prefix else term
        if not any(ch.isalnum() for ch in term):
            continue
        terms.append('"' + term.replace('"', '""') + '"' + ("*" if prefix else ""))
    if not terms:
        raise NothingToSearch(f"nothing to search for in {text!r}")
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
