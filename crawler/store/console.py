"""What the web console reads and writes: the inbox of matched stories, one story in
full, reviews, mentions marked wrong, the aliases an entity is found by, paused sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.store.db import NoSuchRow
from crawler.store.times import isotime

# The text the matcher read (title, blank line, text) at a mention's offsets; SQLite's
# substr counts characters, as Python's offsets do.
_MATCHED_TEXT = (
    "substr(coalesce(articles.title, '') || char(10) || char(10) || coalesce(articles.text, ''), "
    "mentions.start_offset + 1, mentions.end_offset - mentions.start_offset)"
)


@dataclass(frozen=True)
class InboxFilter:
    """Which stories the inbox shows: mentioning any of ``entity_ids`` (empty: any
    entity), from one source, in one language, first seen since ``since``;
    ``reviewed`` True/False shows only reviewed/unreviewed stories (None: both)."""

    entity_ids: Sequence[str] = ()
    source_id: int | None = None
    language: str | None = None
    since: datetime | None = None
    reviewed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def inbox(
    db: sqlite_utils.Database, where: InboxFilter, *, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Matched stories, newest first: one row per story, its first article with
    mentions standing for it (an article outside any story is a story of its own).

    Each row: id, title, url, language, first_seen, published, story_id, source,
    reviewed (when, or None), ``mentions`` (entity_id, alias, rule, offsets, snippet,
    matched_text), ``copies`` (the story's other articles: id, title, url, source,
    first_seen) and ``deliveries`` (target → sent, pending or failed, the best state
    any article of the story reached)."""
    clauses = [
        "EXISTS (SELECT 1 FROM mentions WHERE mentions.article_id = articles.id)",
        # The story's earliest article with mentions stands for it.
        "(articles.story_id IS NULL OR NOT EXISTS (SELECT 1 FROM articles AS earlier "
        "WHERE earlier.story_id = articles.story_id AND earlier.id != articles.id "
        "AND (earlier.first_seen < articles.first_seen OR (earlier.first_seen = "
        "articles.first_seen AND earlier.id < articles.id)) "
        "AND EXISTS (SELECT 1 FROM mentions WHERE mentions.article_id = earlier.id)))",
    ]
    params: list[Any] = []
    if where.entity_ids:
        marks = ",".join("?" * len(where.entity_ids))
        # Driven from the entity's mentions (idx_mentions_entity_article): a rare
        # entity's stories are found without walking every article.
        clauses.append(
            f"articles.id IN (SELECT article_id FROM mentions WHERE entity_id IN ({marks}))"
        )
        params += list(where.entity_ids)
    if where.source_id is not None:
        clauses.append("articles.source_id = ?")
        params.append(where.source_id)
    if where.language:
        clauses.append("articles.language = ?")
        params.append(where.language)
    if where.since is not None:
        clauses.append("articles.first_seen >= ?")
        params.append(isotime(where.since))
    if where.reviewed is not None:
        clauses.append(
            ("" if where.reviewed else "NOT ") + "EXISTS (SELECT 1 FROM reviews "
            "WHERE reviews.article_id = articles.id)"
        )
    rows = list(
        db.query(
            "SELECT articles.id, articles.title, articles.url, articles.language, "
            "articles.first_seen, articles.published, articles.story_id, "
            "sources.name AS source, "
            "(SELECT reviewed FROM reviews WHERE reviews.article_id = articles.id) AS reviewed "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            f"WHERE {' AND '.join(clauses)} "
            "ORDER BY articles.first_seen DESC, articles.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    )
    _attach(db, rows)
    return rows


def _attach(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Give each inbox row its mentions, copies and delivery states (three queries)."""
    if not rows:
        return
    ids = [row["id"] for row in rows]
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        row["mentions"], row["copies"], row["deliveries"] = [], [], {}
    marks = ",".join("?" * len(ids))
    for mention in db.query(
        "SELECT mentions.article_id, mentions.entity_id, mentions.alias, mentions.rule, "
        "mentions.start_offset, mentions.end_offset, mentions.snippet, "
        f"{_MATCHED_TEXT} AS matched_text "
        "FROM mentions JOIN articles ON articles.id = mentions.article_id "
        f"WHERE mentions.article_id IN ({marks}) ORDER BY mentions.start_offset",
        ids,
    ):
        by_id[mention.pop("article_id")]["mentions"].append(mention)
    stories = {row["story_id"]: row for row in rows if row["story_id"] is not None}
    owner = {row["id"]: row for row in rows}
    if stories:
        story_marks = ",".join("?" * len(stories))
        for copy in db.query(
            "SELECT articles.id, articles.story_id, articles.title, articles.url, "
            "articles.first_seen, sources.name AS source "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            f"WHERE articles.story_id IN ({story_marks}) "
            "ORDER BY articles.first_seen, articles.id",
            list(stories),
        ):
            head = stories[copy.pop("story_id")]
            owner[copy["id"]] = head
            if copy["id"] != head["id"]:
                head["copies"].append(copy)
    rank = {"sent": 3, "pending": 2, "failed": 1}
    member_marks = ",".join("?" * len(owner))
    for article_id, target, status in db.execute(
        f"SELECT article_id, target, status FROM alerts WHERE article_id IN ({member_marks})",
        list(owner),
    ):
        deliveries = owner[article_id]["deliveries"]
        if rank.get(status, 0) > rank.get(deliveries.get(target, ""), 0):
            deliveries[target] = status


def story(db: sqlite_utils.Database, article_id: int) -> dict[str, Any]:
    """One article in full (text included) with its mentions, copies and delivery
    states, as an inbox row; NoSuchRow when there is no such article."""
    rows = list(
        db.query(
            "SELECT articles.id, articles.title, articles.url, articles.language, "
            "articles.first_seen, articles.published, articles.story_id, articles.text, "
            "articles.author, articles.text_dropped, sources.name AS source, "
            "(SELECT reviewed FROM reviews WHERE reviews.article_id = articles.id) AS reviewed "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            "WHERE articles.id = ?",
            [article_id],
        )
    )
    if not rows:
        raise NoSuchRow(f"no article {article_id}")
    _attach(db, rows)
    return rows[0]


def set_reviewed(db: sqlite_utils.Database, article_id: int, reviewed: bool) -> None:
    """Mark the story an article stands for reviewed (or not any more)."""
    if reviewed:
        db.execute(
            "INSERT INTO reviews (article_id, reviewed) VALUES (?, ?) "
            "ON CONFLICT(article_id) DO NOTHING",
            [article_id, isotime()],
        )
    else:
        db.execute("DELETE FROM reviews WHERE article_id = ?", [article_id])


def mention_at(
    db: sqlite_utils.Database, article_id: int, entity_id: str, start_offset: int
) -> dict[str, Any]:
    """One stored mention (with matched_text and the article's full text as
    ``article_text``); NoSuchRow when it is not (or no longer) stored."""
    rows = list(
        db.query(
            "SELECT mentions.article_id, mentions.entity_id, mentions.alias, mentions.rule, "
            "mentions.start_offset, mentions.end_offset, mentions.snippet, "
            f"{_MATCHED_TEXT} AS matched_text, articles.title, articles.url, "
            "coalesce(articles.title, '') || char(10) || char(10) || "
            "coalesce(articles.text, '') AS article_text "
            "FROM mentions JOIN articles ON articles.id = mentions.article_id "
            "WHERE mentions.article_id = ? AND mentions.entity_id = ? "
            "AND mentions.start_offset = ?",
            [article_id, entity_id, start_offset],
        )
    )
    if not rows:
        raise NoSuchRow(f"no mention of {entity_id!r} at {start_offset} in article {article_id}")
    return rows[0]


def mark_wrong(db: sqlite_utils.Database, mention: dict[str, Any], change: str | None) -> int:
    """Record that a person marked ``mention`` (a row of mention_at) wrong, with the
    change proposed; return the mark's id."""
    cursor = db.execute(
        "INSERT INTO mention_marks (article_id, entity_id, alias, rule, start_offset, "
        "end_offset, matched_text, snippet, marked, change) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            mention["article_id"],
            mention["entity_id"],
            mention["alias"],
            mention["rule"],
            mention["start_offset"],
            mention["end_offset"],
            mention["matched_text"],
            mention["snippet"],
            isotime(),
            change,
        ],
    )
    assert cursor.lastrowid is not None  # an INSERT's row id
    return cursor.lastrowid


def mark_applied(db: sqlite_utils.Database, mark_id: int, change: str) -> None:
    """Record that a mark's change (in words) was written to the watchlist."""
    db.execute(
        "UPDATE mention_marks SET change = ?, applied = ? WHERE id = ?",
        [change, isotime(), mark_id],
    )


def mention_marks(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every mention marked wrong, newest first, with its article's title and url."""
    return list(
        db.query(
            "SELECT mention_marks.*, articles.title, articles.url FROM mention_marks "
            "JOIN articles ON articles.id = mention_marks.article_id "
            "ORDER BY mention_marks.marked DESC, mention_marks.id DESC"
        )
    )


def mention_mark(db: sqlite_utils.Database, mark_id: int) -> dict[str, Any]:
    """One mark, as mention_marks gives it; NoSuchRow when there is none."""
    rows = list(
        db.query(
            "SELECT mention_marks.*, articles.title, articles.url FROM mention_marks "
            "JOIN articles ON articles.id = mention_marks.article_id "
            "WHERE mention_marks.id = ?",
            [mark_id],
        )
    )
    if not rows:
        raise NoSuchRow(f"no mark {mark_id}")
    return rows[0]


def mark_counts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per entity: mentions marked wrong, how many of those had a change applied."""
    return list(
        db.query(
            "SELECT entity_id, count(*) AS marked, count(applied) AS applied "
            "FROM mention_marks GROUP BY entity_id ORDER BY marked DESC, entity_id"
        )
    )


def entity_forms(db: sqlite_utils.Database, entity_id: str) -> list[dict[str, Any]]:
    """The aliases and rules an entity's stored mentions were found by, most used first."""
    return list(
        db.query(
            "SELECT alias, rule, count(*) AS mentions FROM mentions WHERE entity_id = ? "
            "GROUP BY alias, rule ORDER BY mentions DESC, alias, rule",
            [entity_id],
        )
    )


def article_languages(db: sqlite_utils.Database) -> list[str]:
    """The languages stored articles are in, sorted."""
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL ORDER BY 1"
        )
    ]


def set_paused(db: sqlite_utils.Database, url: str, paused: bool) -> None:
    """Pause polling the source configured with ``url``, or resume it."""
    db.execute("UPDATE sources SET paused = ? WHERE url = ?", [isotime() if paused else None, url])


def is_paused(db: sqlite_utils.Database, url: str) -> bool:
    """Whether polling the source configured with ``url`` is paused."""
    row = db.execute("SELECT paused FROM sources WHERE url = ?", [url]).fetchone()
    return bool(row and row[0])
