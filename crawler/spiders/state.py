"""What a crawl reads of its source, loaded once when the spider opens.

A crawl has one database connection, the pipeline's: when the spider opens, the
pipeline records the run and loads this state through it, and hands it to the
spider. The validators of every document the source polls and what `auto`
discovered are read at once, by the source's URL; which article URLs are stored
already is asked per document, once its links are known (the articles this poll
follows already count as stored: its results are written when it ends). The
pipeline, or the service for its engine's polls, does all the writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crawler import store

KINDS = ("feed", "sitemap", "page")  # what `auto` may resolve a source to


@dataclass
class SourceState:
    """One source's crawler state as the last complete poll left it."""

    source_url: str
    # What `auto` found behind the URL last time: (kind, document URL), or None.
    resolved: tuple[str, str] | None = None
    # ETag / Last-Modified per document URL, for conditional requests.
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    db: Any = field(default=None, repr=False)  # the crawl's connection (the pipeline's)
    # Article URLs this poll follows already: its results are recorded when it ends.
    followed: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, db: Any, source_url: str) -> SourceState:
        """Read the state of the source at ``source_url`` through ``db``."""
        row = store.source_row(db, source_url) or {}
        validators = store.source_validators(db, source_url)
        kind, url = row.get("resolved_kind"), row.get("resolved_url")
        resolved = (kind, url) if kind in KINDS and url else None
        return cls(source_url, resolved, validators, db)

    def validators_for(self, url: str) -> tuple[str | None, str | None]:
        """The (ETag, Last-Modified) saved for the document at ``url``."""
        return self.validators.get(url, (None, None))

    def stored_articles(self, urls: Iterable[str]) -> dict[str, str | None]:
        """For each of ``urls`` already stored (by any URL it was reached by): when
        its feed or sitemap last said it changed."""
        urls = list(urls)
        known: dict[str, str | None] = {url: None for url in urls if url in self.followed}
        if self.db is None:
            return known
        stored = store.article_states(self.db, (url for url in urls if url not in known))
        return {**known, **{url: updated for url, (_, updated) in stored.items()}}
