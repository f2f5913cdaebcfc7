"""The values the local news site deals in: articles, request records, scheduled stories.

Also the site's fixed layout (sections, static pages) and the summary rule feeds use.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

#: Sections linked from every page's navigation (Home is "/").
SECTIONS = ("World", "Asia", "Opinion", "Sport")

#: Static pages linked from the footer, so a link-following crawler finds no dead ends.
STATIC_PAGES = {
    "/about/": ("About us", "An independent newsroom covering Afghanistan and the region."),
    "/contact/": ("Contact", "Write to the newsroom at desk@ledger.example."),
    "/privacy/": ("Privacy", "We keep server logs for seven days and set no tracking cookies."),
}

# End of the first sentence: punctuation, optional closing quote, space, then a capital
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019]?\s+(?=[\"\u201cA-Z0-9])")


@dataclass(frozen=True)
class Article:
    """One published article, as the site serves it.

    ``expected_entities`` is ground truth for tests: ids of the watchlist entities (as
    in ``scheduler/newsradar.toml``) that the article *body* genuinely mentions. The
    sidebar and comments are deliberately not counted.
    """

    slug: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    published: datetime
    summary: str
    sidebar: tuple[str, ...] = ()
    section: str = "World"
    comments: tuple[tuple[str, str], ...] = ()
    expected_entities: frozenset[str] = frozenset()
    updated: datetime | None = None  # set by NewsSite.update()

    @property
    def modified(self) -> datetime:
        """When the article last changed: ``updated``, else ``published``."""
        return self.updated or self.published

    @property
    def path(self) -> str:
        """The article's path on the site, e.g. ``/news/doha-aid-talks``."""
        return f"/news/{self.slug}"

    @property
    def text(self) -> str:
        """The body text: the paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class RequestRecord:
    """One request the site received."""

    method: str
    path: str  # as requested, including any query string
    headers: dict[str, str]
    status: int


@dataclass
class ScheduledArticle:
    """Handle for an article that :meth:`NewsSite.schedule` will publish later."""

    slug: str
    delay: float
    _timer: threading.Timer | None = field(default=None, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _article: Article | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)

    @property
    def published(self) -> bool:
        """True once the article is live."""
        return self._article is not None

    def cancel(self) -> None:
        """Do not publish (no effect if it already was)."""
        if self._timer is not None:
            self._timer.cancel()

    def wait(self, timeout: float = 10.0) -> Article:
        """Block until the article is live and return it (``TimeoutError`` otherwise)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"article {self.slug!r} was not published within {timeout}s")
        if self._error is not None:
            raise self._error
        assert self._article is not None
        return self._article


def teaser(paragraphs: Iterable[str]) -> str:
    """The first sentence of the first paragraph: what feeds carry as the summary."""
    first = next(iter(paragraphs), "").strip()
    return _SENTENCE_END.split(first, maxsplit=1)[0]


DEFAULT_COMMENTS = (
    ("Nadia_K", "Thank you for the clear reporting, it is hard to find elsewhere."),
    ("farid1987", "My cousin lives nearby and says the situation is much as described."),
    ("OldHand", "Would be good to see a follow-up in a few weeks."),
)
