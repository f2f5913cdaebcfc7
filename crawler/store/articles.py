"""Articles: the one way an article is stored (store_article, whatever URL it was
reached by), what the crawler and the matcher read back, and retention."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.store.db import InvalidArticle
from crawler.store.stories import save_signature
from crawler.store.times import isotime

EXTRACTED_FROM = ("page", "feed")  # where an article's title and text come from


def content_hash(title: str | None, text: str | None) -> str:
    """A stable fingerprint of an article's extracted content."""
    digest = hashlib.sha256()
    digest.update((title or "").encode())
    digest.update(b"\0")
    digest.update((text or "").encode())
    return digest.hexdigest()


def unmatched_articles(db: sqlite_utils.Database, limit: int = 500) -> list[dict[str, Any]]:
    """Stored articles the matcher has not seen yet, oldest first, each with its
    stored story signature if it has one (signature_kind, signature_shingles,
    signature_minhash: None without)."""
    return list(
        db.query(
            "SELECT articles.id, articles.url, articles.title, articles.text, "
            "articles.published, articles.first_seen, articles.story_id, "
            "sources.name AS source, article_signatures.kind AS signature_kind, "
            "article_signatures.shingles AS signature_shingles, "
            "article_signatures.minhash AS signature_minhash "
            "FROM articles LEFT JOIN sources ON sources.id = articles.source_id "
            "LEFT JOIN article_signatures ON article_signatures.article_id = articles.id "
            "WHERE matched_at IS NULL ORDER BY articles.id LIMIT ?",
            [limit],
        )
    )


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
    signature: tuple[str, int, bytes] | None = None,
) -> tuple[int, str]:
    """Store an article once, whatever URL it was reached by; return (id, status).

    ``article`` holds url and extracted_from ("page" or "feed"), and optionally
    source_id, title, text, author, published, language, entry_updated and
    charset_note; without a url or extracted_from it raises InvalidArticle. Status
    is "new"; "duplicate" (already stored, reached through this or another URL:
    only the alias is recorded); "updated" (a ``recheck`` whose title or text
    changed: the content is replaced, ``matched_at`` reset so the matcher sees it
    again, earlier mentions kept, ``text_changes`` counted and ``text_changed``
    stamped); or "unchanged". ``page_etag`` / ``page_last_modified`` are the page's
    validators, for later conditional re-fetches (due_rechecks). ``signature``
    (kind, shingles, MinHash bytes) is the text's story signature, stored with a
    new or updated text; an updated text without one loses the old one (a trigger
    drops it with the text it describes), so the story tracker computes it again.
    """
    if not article.get("url") or article.get("extracted_from") not in EXTRACTED_FROM:
        raise InvalidArticle(
            f"an article needs a url and extracted_from in {EXTRACTED_FROM}: "
            f"got url={article.get('url')!r}, extracted_from={article.get('extracted_from')!r}"
        )
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
                "page_etag": article.get("page_etag"),
                "page_last_modified": article.get("page_last_modified"),
            }
            columns = ", ".join(row)
            marks = ", ".join("?" * len(row))
            cursor = db.execute(
                f"INSERT INTO articles ({columns}) VALUES ({marks})", list(row.values())
            )
            assert cursor.lastrowid is not None  # set by every INSERT
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
                    "entry_updated = ?, charset_note = ?, matched_at = NULL, "
                    "text_changes = text_changes + 1, text_changed = ? WHERE id = ?",
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
                        now,
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
        validators = [article.get("page_etag"), article.get("page_last_modified")]
        if recheck and existing is not None and any(validators):
            db.execute(
                "UPDATE articles SET page_etag = ?, page_last_modified = ? WHERE id = ?",
                [*validators, article_id],
            )
        db.conn.executemany(
            "INSERT OR IGNORE INTO article_urls (url, article_id) VALUES (?, ?)",
            [(url, article_id) for url in urls],
        )
        if signature is not None and status in ("new", "updated"):
            save_signature(db, article_id, *signature)
        if html is not None and status in ("new", "updated"):
            db.execute(
                "INSERT INTO article_html (article_id, url, html, fetched) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET url = excluded.url, "
                "html = excluded.html, fetched = excluded.fetched",
                [article_id, article["url"], html, now],
            )
    return article_id, status


def due_rechecks(
    db: sqlite_utils.Database, source_id: int, now: datetime, after: Sequence[timedelta]
) -> list[dict[str, Any]]:
    """The source's articles due for a silent-edit check: the n-th re-fetch of a page
    comes ``after[n]`` after it was first seen (feed-only articles have no page).
    Each: url, title, published, page_etag, page_last_modified."""
    if not after:
        return []
    cases = " ".join(f"WHEN {n} THEN ?" for n in range(len(after)))
    return list(
        db.query(
            "SELECT url, title, published, page_etag, page_last_modified FROM articles "
            "WHERE source_id = ? AND first_seen >= ? AND rechecks < 3 "
            "AND extracted_from = 'page' AND text_dropped IS NULL "
            f"AND rechecks < ? AND first_seen <= CASE rechecks {cases} END "
            "ORDER BY first_seen",
            [
                source_id,
                isotime(now - max(after) - max(after) / 24),
                len(after),
                *(isotime(now - delay) for delay in after),
            ],
        )
    )


def mark_rechecked(db: sqlite_utils.Database, urls: Iterable[str]) -> None:
    """Count one silent-edit re-fetch of each article at ``urls`` (changed or not)."""
    with db.atomic():
        db.conn.executemany(
            "UPDATE articles SET rechecks = rechecks + 1 WHERE url = ?", [(url,) for url in urls]
        )


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
