"""Match stored articles against the watchlist and queue their alerts.

The shell around the pure matcher and the pure story grouping: it takes the
articles the matcher has not seen yet (new, or updated since), puts each in its
story (a copy of a text seen in the last 7 days joins that text's story, see
alerts/stories.py), finds its mentions and records them and one pending alert
per target that must hear about an entity the *story* had not mentioned before
(one transaction per batch of articles). So the first article of a story alerts,
its copies do not, unless they bring an entity the story had not mentioned yet:
then one alert, for that entity. `rematch` is the same code over older articles,
after a watchlist change.

The story index lives in a `StoryTracker` the caller holds: a service loads one
at start-up (`StoryTracker.load(db)`) and passes it to every call; a caller that
passes none gets one loaded for that call only. Nothing is kept between calls
at module level.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from alerts import stories as grouping
from alerts.matcher import Mention, find_mentions
from alerts.targets import Target
from alerts.watchlist import Watchlist
from crawler import store

log = logging.getLogger("newsradar.match")


@dataclass(frozen=True)
class MatchReport:
    """What one matching pass did."""

    articles: int = 0
    matched: int = 0
    mentions: int = 0
    alerts: int = 0
    copies: int = 0  # articles found to be copies of a story seen before


@dataclass(frozen=True)
class Assignment:
    """The story an article was put in; ``copy_of`` is the indexed article it was
    found to copy when it just joined an existing story (else None)."""

    story: int
    copy_of: grouping.Match | None = None


def _posix(moment: str) -> float:
    """A stored time ("2026-11-27T08:15:00Z") as POSIX seconds."""
    return datetime.fromisoformat(moment).timestamp()


class UnknownEntityError(Exception):
    """An entity id that is not in the watchlist."""


class StoryTracker:
    """The story index of one database: the signatures of the articles first seen
    in the last ``window``, in a StoryIndex, kept up to date as articles are grouped.

    ``StoryTracker.load(db)`` rebuilds it from the signatures stored in the database
    (computing those missing: a database from before stories, or another kind of
    signature). The object holds no connection: pass the database to each call.
    """

    def __init__(self, window: timedelta = grouping.WINDOW) -> None:
        self.window = window
        self.index = grouping.StoryIndex()
        self._last_id = 0  # the newest article id read from the database

    @classmethod
    def load(cls, db: sqlite_utils.Database, window: timedelta = grouping.WINDOW) -> StoryTracker:
        """Rebuild the index from the database."""
        started = time.perf_counter()
        stories = cls(window)
        since = store.utcnow() - window
        signed = last = 0
        while batch := store.unsigned_articles(db, since, grouping.KIND, after_id=last):
            with db.atomic():
                for row in batch:
                    sig = grouping.signature(row["text"])
                    store.save_signature(db, row["id"], *grouping.stored_form(sig))
            signed, last = signed + len(batch), batch[-1]["id"]
        stories.refresh(db)
        log.info(
            "story index: %d articles of the last %s in %.2fs%s",
            len(stories.index),
            window,
            time.perf_counter() - started,
            f" ({signed} signatures computed)" if signed else "",
        )
        return stories

    def refresh(self, db: sqlite_utils.Database) -> None:
        """Index the signatures stored since the last look (by anyone), and drop the
        articles that left the window."""
        since = store.utcnow() - self.window
        entries = [
            (article_id, story_id, grouping.Signature.from_bytes(minhash, shingles), _posix(seen))
            for article_id, story_id, seen, shingles, minhash in store.story_signatures(
                db, since, grouping.KIND, after_id=self._last_id
            )
        ]
        if entries:
            if len(entries) > 1000:  # the start-up rebuild: one merge for all
                self.index.add_many(entries)
            else:  # a few stored by another process since
                for entry in entries:
                    self.index.add(*entry)
            self._last_id = max(self._last_id, entries[-1][0])
        self.index.expire(since.timestamp())

    def assign(self, db: sqlite_utils.Database, article: dict[str, Any]) -> Assignment:
        """Put an article (id, text, first_seen, story_id) in its story: the story of
        the most similar recent article, or a new one. An article already in a story
        (updated since) stays there, its signature renewed.

        A signature of the current KIND stored with the article (signature_kind,
        signature_shingles, signature_minhash, as unmatched_articles reads them:
        computed where the page was extracted) is used as it is; otherwise it is
        computed here and stored."""
        stored: tuple[str, int, bytes] | None
        if article.get("signature_kind") == grouping.KIND:
            blob, size = article["signature_minhash"], article["signature_shingles"]
            sig = grouping.Signature.from_bytes(blob, size) if blob else None
            stored = None  # stored already
        else:
            sig = grouping.signature(article.get("text"))
            stored = grouping.stored_form(sig)
        article_id = article["id"]
        best = None
        if article.get("story_id") is None and sig is not None:
            best = self.index.best(sig, exclude=article_id)
        story, joined = store.assign_story(
            db,
            article_id,
            story_id=best.story if best else None,
            similarity=round(best.score, 3) if best else None,
            signature=stored,
        )
        if sig is not None:
            self.index.add(article_id, story, sig, _posix(article["first_seen"]))
        else:
            self.index.remove(article_id)
        self._last_id = max(self._last_id, article_id)
        return Assignment(story, best if joined else None)


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
    story: int | None = None,
) -> tuple[list[Mention], int]:
    mentions = find_mentions(article_text(article["title"], article["text"]), watchlist)
    if only is not None:
        mentions = [m for m in mentions if m.entity_id == only]
    story = story if story is not None else article.get("story_id")
    # What the story (every copy of it) already mentioned or alerted for; an
    # article outside any story only counts its own.
    if story is not None:
        before = store.story_entities(db, story)
    else:
        before = store.matched_before(db, article["id"])
    mentioned = {m.entity_id for m in mentions}
    alerts = _route(mentioned - before, watchlist, targets) if alert else {}
    if alert and story is not None:
        # A story whose alert to a target failed for good does not silence that target:
        # a later copy (often the legitimate outlet's) alerts it again.
        failed = store.story_failed_entities(db, story)
        for target in targets:
            again = mentioned & failed.get(target.label, set())
            heard = {e for e in again if target.hears(watchlist.entities[e].tags)}
            if heard:
                alerts[target.label] = sorted(heard | set(alerts.get(target.label, ())))
    queued = store.save_matches(
        db, article["id"], _rows(mentions), alerts, only=None if only is None else [only]
    )
    return mentions, queued


def match_pending(
    db: sqlite_utils.Database,
    watchlist: Watchlist,
    targets: Sequence[Target],
    *,
    tracker: StoryTracker | None = None,
    group: bool = True,
) -> MatchReport:
    """Put every article not matched yet in its story, match it and queue its alerts;
    return the counts. ``tracker``: the story index the caller holds (default: one
    loaded for this call); ``group=False`` matches without grouping copies."""
    articles = matched = mentions_total = alerts_total = copies = 0
    held: StoryTracker | None = None
    if group:
        held = tracker if tracker is not None else StoryTracker.load(db)
        held.refresh(db)
    while batch := store.unmatched_articles(db):
        # One transaction a batch: each article's steps nest in it as savepoints, and
        # one commit instead of two an article is most of what the writes cost.
        assigned: list[int] = []
        try:
            with db.atomic():
                for article in batch:
                    articles += 1
                    story = None
                    if held is not None:
                        assigned.append(article["id"])
                        assignment = held.assign(db, article)
                        story = assignment.story
                        if assignment.copy_of is not None:
                            copies += 1
                            log.info(
                                "%r (%s) is a copy of story %d (%.2f like article %d)",
                                article["title"],
                                article["url"],
                                assignment.story,
                                assignment.copy_of.score,
                                assignment.copy_of.key,
                            )
                    mentions, queued = _match_article(db, article, watchlist, targets, story=story)
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
        except BaseException:
            # The batch's stories were rolled back: the index must not keep them.
            if held is not None:
                for article_id in assigned:
                    held.index.remove(article_id)
            raise
    return MatchReport(articles, matched, mentions_total, alerts_total, copies)


def rematch(
    db: sqlite_utils.Database,
    watchlist: Watchlist,
    targets: Sequence[Target],
    *,
    since: datetime,
    entity: str | None = None,
    alert: bool = False,
    progress: Callable[[int], None] = lambda _: None,
    tracker: StoryTracker | None = None,
) -> MatchReport:
    """Run the matcher again over articles first seen since ``since`` (one
    entity's mentions only, with ``entity``). New mentions are recorded; with
    ``alert``, alerts are queued for entities an article's story had not
    mentioned before (so a new entity in 30 copies of one story alerts once),
    otherwise it is a silent backfill. ``progress`` is called with the number of
    articles done after each one. Articles outside any story are put in one
    through ``tracker`` (default: one loaded the first time it is needed).
    Raises UnknownEntityError for an ``entity`` not in the watchlist."""
    if entity is not None and entity not in watchlist.entities:
        raise UnknownEntityError(f"no entity {entity!r} in the watchlist")
    articles = matched = mentions_total = alerts_total = 0
    last_id = 0
    while batch := store.articles_since(db, since, after_id=last_id):
        for article in batch:
            last_id = article["id"]
            articles += 1
            story = article.get("story_id")
            if story is None and article.get("first_seen"):
                if tracker is None:
                    tracker = StoryTracker.load(db)
                story = tracker.assign(db, article).story
            mentions, queued = _match_article(
                db, article, watchlist, targets, only=entity, alert=alert, story=story
            )
            alerts_total += queued
            matched += bool(mentions)
            mentions_total += len(mentions)
            progress(1)
    return MatchReport(articles, matched, mentions_total, alerts_total)
