"""Match stored articles against the watchlist and queue their alerts.

The shell around the pure matcher: it takes the articles the matcher has not
seen yet (new, or updated since), finds their mentions and, in one transaction
per article, records them and one pending alert per target that must hear
about an entity the article had not mentioned before. `rematch` is the same
code over older articles, after a watchlist change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from alerts.matcher import Mention, Watchlist, find_mentions
from alerts.targets import Target
from crawler import store

log = logging.getLogger("newsradar.match")


@dataclass(frozen=True)
class MatchReport:
    """What one matching pass did."""

    articles: int = 0
    matched: int = 0
    mentions: int = 0
    alerts: int = 0


def article_text(title: str | None, text: str | None) -> str:
    """The one string the matcher reads for an article: title, blank line, main text."""
    return f"{title or ''}\n\n{text or ''}"


def _rows(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    return [
        {
            "entity_id": m.entity_id,
            "alias": m.alias,
            "rule": m.rule,
            "start_offset": m.start,
            "end_offset": m.end,
            "snippet": m.snippet,
        }
        for m in mentions
    ]


def _route(
    entity_ids: Iterable[str], watchlist: Watchlist, targets: Sequence[Target]
) -> dict[str, list[str]]:
    """Which target hears about which of these entities (by the entities' tags)."""
    alerts: dict[str, list[str]] = {}
    for target in targets:
        heard = [e for e in sorted(entity_ids) if target.hears(watchlist.entities[e].tags)]
        if heard:
            alerts[target.label] = heard
    return alerts


def _match_article(
    db: sqlite_utils.Database,
    article: dict[str, Any],
    watchlist: Watchlist,
    targets: Sequence[Target],
    *,
    only: str | None = None,
    alert: bool = True,
) -> tuple[list[Mention], int]:
    mentions = find_mentions(article_text(article["title"], article["text"]), watchlist)
    if only is not None:
        mentions = [m for m in mentions if m.entity_id == only]
    new_entities = {m.entity_id for m in mentions} - store.matched_before(db, article["id"])
    alerts = _route(new_entities, watchlist, targets) if alert else {}
    queued = store.save_matches(
        db, article["id"], _rows(mentions), alerts, only=None if only is None else [only]
    )
    return mentions, queued


def match_pending(
    db: sqlite_utils.Database, watchlist: Watchlist, targets: Sequence[Target]
) -> MatchReport:
    """Match every article not matched yet; queue alerts; return the counts."""
    articles = matched = mentions_total = alerts_total = 0
    while batch := store.unmatched_articles(db):
        for article in batch:
            articles += 1
            mentions, queued = _match_article(db, article, watchlist, targets)
            alerts_total += queued
            if mentions:
                matched += 1
                mentions_total += len(mentions)
                log.info(
                    "matched %s in %r (%s)",
                    ", ".join(sorted({m.entity_id for m in mentions})),
                    article["title"],
                    article["url"],
                )
    return MatchReport(articles, matched, mentions_total, alerts_total)


def rematch(
    db: sqlite_utils.Database,
    watchlist: Watchlist,
    targets: Sequence[Target],
    *,
    since: datetime,
    entity: str | None = None,
    alert: bool = False,
    progress: Callable[[int], None] = lambda _: None,
) -> MatchReport:
    """Run the matcher again over articles first seen since ``since`` (one
    entity's mentions only, with ``entity``). New mentions are recorded; with
    ``alert``, alerts are queued for entities an article had not mentioned
    before, otherwise it is a silent backfill. ``progress`` is called with the
    number of articles done after each one."""
    if entity is not None and entity not in watchlist.entities:
        raise KeyError(entity)
    articles = matched = mentions_total = alerts_total = 0
    last_id = 0
    while batch := store.articles_since(db, since, after_id=last_id):
        for article in batch:
            last_id = article["id"]
            articles += 1
            mentions, queued = _match_article(
                db, article, watchlist, targets, only=entity, alert=alert
            )
            alerts_total += queued
            matched += bool(mentions)
            mentions_total += len(mentions)
            progress(1)
    return MatchReport(articles, matched, mentions_total, alerts_total)
