"""Article links to article items: which links to follow, and what an article is
once its page was extracted (or could not be)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crawler.items import ArticleItem
from crawler.parse.extract import PageResult


@dataclass(frozen=True)
class ArticleRef:
    """An article link found in a feed, sitemap or listing page, with what the
    document said of it (the fallback when the page cannot be read)."""

    url: str  # canonical
    title: str | None = None
    summary: str | None = None
    published: str | None = None
    updated: str | None = None
    author: str | None = None


@dataclass
class Selection:
    """The links to fetch, each with whether it is a re-check, and what was left out."""

    follow: list[tuple[ArticleRef, bool]] = field(default_factory=list)
    known: int = 0  # stored already and not changed since
    over_limit: int = 0


def select_articles(
    refs: Iterable[ArticleRef], stored: Mapping[str, str | None], limit: int
) -> Selection:
    """The articles not stored yet, and stored ones whose document says they changed
    since (``stored``: URL -> when the stored copy's document last said it changed);
    at most ``limit``."""
    selection = Selection()
    for ref in refs:
        recheck = False
        if ref.url in stored:
            stored_updated = stored[ref.url]
            if not (ref.updated and stored_updated and ref.updated > stored_updated):
                selection.known += 1
                continue
            recheck = True
        if len(selection.follow) >= limit:
            selection.over_limit += 1
            continue
        selection.follow.append((ref, recheck))
    return selection


def article_from_ref(ref: ArticleRef, source_url: str, recheck: bool = False) -> ArticleItem | None:
    """The article as its feed entry described it; None when it said nothing but a
    title (a sitemap or listing link): then the page is tried again next poll."""
    if not ref.summary:
        return None
    return ArticleItem(
        url=ref.url,
        source_url=source_url,
        title=ref.title,
        text=ref.summary,
        extracted_from="feed",
        author=ref.author,
        published=ref.published,
        entry_updated=ref.updated,
        recheck=recheck,
    )


def article_from_page(
    ref: ArticleRef, result: PageResult, source_url: str, aliases: list[str], recheck: bool
) -> ArticleItem | None:
    """The article its extracted page gives, what the document said filling the gaps;
    without main text, the document's own text (article_from_ref)."""
    extracted = result.extracted
    if extracted is None:
        item = article_from_ref(ref, source_url, recheck)
        if item is not None:
            item.aliases = aliases
        return item
    return ArticleItem(
        url=result.canonical or ref.url,
        source_url=source_url,
        title=ref.title or extracted.title,
        text=extracted.text,
        extracted_from="page",
        author=extracted.author or ref.author,
        published=ref.published or extracted.published,
        language=extracted.language,
        aliases=aliases,
        entry_updated=ref.updated,
        recheck=recheck,
        html=result.html,
        charset_note=result.charset_note,
        signature=result.signature,
    )
