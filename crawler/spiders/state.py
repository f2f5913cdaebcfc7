"""What a crawl reads of its source, loaded once when the spider opens.

One read connection per crawl, opened here and closed with the spider: the
validators of every document the source polls and what `auto` discovered are
read at once, by the source's URL (so nothing depends on the pipeline having
recorded the source first); which article URLs are stored already is asked per
document, once its links are known. The pipeline does all the writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
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
    db: Any = field(default=None, repr=False)  # the crawl's read connection

    @classmethod
    def load(cls, db_path: str | Path, source_url: str) -> SourceState:
        """Open the database and read the state of the source at ``source_url``."""
        db = store.open_db(db_path)
        try:
            row = store.source_row(db, source_url) or {}
            validators = store.source_validators(db, source_url)
        except BaseException:
            db.close()
            raise
        kind, url = row.get("resolved_kind"), row.get("resolved_url")
        resolved = (kind, url) if kind in KINDS and url else None
        return cls(source_url, resolved, validators, db)

    def validators_for(self, url: str) -> tuple[str | None, str | None]:
        """The (ETag, Last-Modified) saved for the document at ``url``."""
        return self.validators.get(url, (None, None))

    def stored_articles(self, urls: Iterable[str]) -> dict[str, str | None]:
        """For each of ``urls`` already stored (by any URL it was reached by): when
        its feed or sitemap last said it changed."""
        if self.db is None:
            return {}
        return {url: updated for url, (_, updated) in store.article_states(self.db, urls).items()}

    def close(self) -> None:
        """Release the read connection."""
        if self.db is not None:
            self.db.close()
            self.db = None
