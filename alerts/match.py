"""Match stored articles against the watchlist and queue their alerts.

The shell around the pure matcher: it takes the articles the matcher has not
seen yet, finds their mentions and, in one transaction per article, records the
mentions and one pending alert per target that must hear about them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from alerts.matcher import Watchlist, find_mentions
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


def match_pending(
    db: sqlite_utils.Database, watchlist: Watchlist, targets: Sequence[Target]
) -> MatchReport:
    """Match every article not matched yet; queue alerts; return the counts."""
    articles = matched = mentions_total = alerts_total = 0
    while batch := store.unmatched_articles(db):
        for article in batch:
            articles += 1
            mentions = find_mentions(article_text(article["title"], article["text"]), watchlist)
            entity_ids = sorted({m.entity_id for m in mentions})
            alerts: dict[str, list[str]] = {}
            for target in targets:
                heard = [e for e in entity_ids if target.hears(watchlist.entities[e].tags)]
                if heard:
                    alerts[target.label] = heard
            rows = [
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
            alerts_total += store.save_matches(db, article["id"], rows, alerts)
            if mentions:
                matched += 1
                mentions_total += len(mentions)
                log.info(
                    "matched %s in %r (%s)", ", ".join(entity_ids), article["title"], article["url"]
                )
    return MatchReport(articles, matched, mentions_total, alerts_total)
