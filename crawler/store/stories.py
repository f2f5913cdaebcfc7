"""Stories: copies of one text grouped, with the signatures that rebuild the index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.store.db import NoSuchRow
from crawler.store.times import isotime


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
        row = db.execute(
            "SELECT story_id, first_seen FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if row is None:
            raise NoSuchRow(f"no article {article_id} to put in a story")
        current, first_seen = row
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
        assert cursor.lastrowid is not None  # set by every INSERT
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


def story_failed_entities(db: sqlite_utils.Database, story_id: int) -> dict[str, set[str]]:
    """Per target: the entities whose every alert in this story failed for good (none
    sent or still pending to that target), which a later copy may alert again."""
    failed: dict[str, set[str]] = {}
    covered: dict[str, set[str]] = {}
    for target, status, entities in db.execute(
        "SELECT target, status, entities FROM alerts WHERE article_id IN "
        "(SELECT id FROM articles WHERE story_id = ?)",
        [story_id],
    ):
        into = failed if status == "failed" else covered
        into.setdefault(target, set()).update(json.loads(entities))
    return {
        target: entities - covered.get(target, set())
        for target, entities in failed.items()
        if entities - covered.get(target, set())
    }


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
