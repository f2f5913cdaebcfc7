"""Article pages to clean text: main text, title, author, date and language."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True)
class Extracted:
    """What an article page yielded."""

    title: str | None
    text: str
    author: str | None
    published: str | None  # a date as trafilatura found it, "YYYY-MM-DD"
    language: str | None


def extract_article(html: str | bytes, url: str) -> Extracted | None:
    """Extract the main text and metadata of an article page.

    Navigation, sidebars, related links and comments are left out. Returns None
    when the page has no main text worth keeping.
    """
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    if document is None or not (document.text or "").strip():
        return None
    return Extracted(
        title=document.title or None,
        text=document.text.strip(),
        author=document.author or None,
        published=document.date or None,
        language=document.language or None,
    )
