"""Record a poll's result in the store: its articles, discovery, validators, the
source's health and its run. The one place a PollResult becomes rows, whoever
fetched it (the service's engine, a lone ``scrapy crawl``, or later a remote worker).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from crawler import store
from crawler.items import ArticleItem
from crawler.poll import PollResult

log = logging.getLogger("newsradar.store")


@dataclass(frozen=True)
class PollOutcome:
    """How one poll went, as recorded."""

    source_url: str
    articles_new: int = 0
    articles_updated: int = 0  # re-checked articles whose text changed: to match again
    duplicates: int = 0
    not_modified: bool = False  # the source answered 304: nothing was parsed
    error: str | None = None
    entries: int = 0


def _article_row(item: ArticleItem, source_id: int) -> dict[str, Any]:
    return {
        "url": item.url,
        "source_id": source_id,
        "title": item.title,
        "text": item.text,
        "author": item.author,
        "published": item.published,
        "language": item.language,
        "extracted_from": item.extracted_from,
        "entry_updated": item.entry_updated,
        "charset_note": item.charset_note,
        "page_etag": item.page_etag,
        "page_last_modified": item.page_last_modified,
    }


def record_poll(db: Any, source_id: int, run_id: int, result: PollResult) -> PollOutcome:
    """Write ``result`` for the source ``source_id`` and close its run ``run_id``.

    Validators are saved only when the poll finished without error: a poll cut
    short must not make the next one a 304 that hides the entries it never read.
    When the database refuses a write (a full disk...), the poll fails with SQLite's
    reason in one line: only what was stored is counted, no validator is
    saved (the next poll fetches the entries again), and the failure itself is
    recorded if the database still takes that.
    """
    counts = {"new": 0, "updated": 0, "duplicate": 0}
    store_error: str | None = None
    try:
        _write(db, source_id, result, counts)
    except sqlite3.Error as err:
        store_error = str(store.explain(err, _path_of(db)))
        log.error("%s", store_error)  # counts hold what was stored before the refusal
    error = store_error or result.final_error()
    status = _status(result, error, counts)
    try:
        if error is None and result.reason == "finished":
            for item in result.validators.values():
                store.save_validators(db, source_id, item.url, item.etag, item.last_modified)
        store.set_last_status(db, source_id, status)
        store.finish_run(
            db,
            run_id,
            articles_new=counts["new"],
            error=error,
            note=None if error else result.note,
        )
    except sqlite3.Error as err:  # the outcome is returned; only its record failed
        log.error("the poll's outcome could not be recorded: %s", store.explain(err, _path_of(db)))
    return PollOutcome(
        result.source_url,
        articles_new=counts["new"],
        articles_updated=counts["updated"],
        duplicates=counts["duplicate"],
        not_modified=result.not_modified,
        error=error,
        entries=result.entries,
    )


def _write(db: Any, source_id: int, result: PollResult, counts: dict[str, int]) -> None:
    """Store the poll's articles and discovery, counting each article's status."""
    for item in result.articles:
        _, status = store.store_article(
            db,
            _article_row(item, source_id),
            item.aliases,
            recheck=item.recheck,
            html=item.html,
        )
        if status in counts:
            counts[status] += 1
    if result.rechecked:
        store.mark_rechecked(db, result.rechecked)
    if result.rediscover:
        store.clear_discovery(db, source_id)
    if result.discovery is not None:
        found = result.discovery
        store.save_discovery(db, source_id, found.kind, found.url, found.note)


def _status(result: PollResult, error: str | None, counts: dict[str, int]) -> str:
    """The source's one-line status after this poll."""
    if error:
        return f"failed: {error}"
    if result.not_modified:
        return "not modified"
    status = f"{result.entries} entries: {counts['new']} new, {counts['updated']} updated"
    failed = result.stats.get("newsradar/pages_not_extracted")
    if failed:
        status += f"; {failed} pages failed extraction (their feed text kept)"
    if result.note:
        status += f" (read, but {result.note})"
    return status


def _path_of(db: Any) -> str:
    """The database file's name, for messages."""
    try:
        return str(db.execute("PRAGMA database_list").fetchone()[2]) or "the database"
    except sqlite3.Error:
        return "the database"
