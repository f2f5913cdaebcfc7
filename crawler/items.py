"""What the spiders yield: plain dataclasses, as Scrapy's item adapters expect."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticleItem:
    """One article, extracted from its page or, failing that, from its feed entry."""

    url: str
    source_url: str
    title: str | None
    text: str | None
    extracted_from: str  # "page" or "feed"
    author: str | None = None
    published: str | None = None  # ISO 8601 UTC
    language: str | None = None


@dataclass
class SourceStatusItem:
    """The outcome of polling a source itself (its feed): ok, or the reason it failed."""

    source_url: str
    error: str | None = None
    entries: int = 0
