"""The page spider: poll a section front or listing page that has no feed, and follow
the article links on it (same site, article-like, not navigation, tags, authors or
pagination)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.parse.decode import decode_html
from crawler.parse.extract import not_html
from crawler.parse.links import article_links, parse_html
from crawler.spiders.base import ArticleRef, SourceSpider


class PageHandling:
    """Reading a fetched listing page (shared by the page and auto spiders)."""

    async def handle_listing(self: Any, response: Response, tree: Any = None) -> AsyncIterator[Any]:
        """Status and validators, then a request per new article link."""
        if tree is None:
            content_type = response.headers.get("Content-Type")
            content_type = content_type.decode("latin-1") if content_type else None
            reason = "empty page" if not response.body.strip() else None
            reason = reason or not_html(response.body, content_type)
            if reason:
                yield self.source_error(reason)
                return
            tree = parse_html(decode_html(response.body, content_type).text)
        if tree is None:
            yield self.source_error("unparseable HTML")
            return
        self.link_policy.add_site(response.url)
        links = article_links(tree, response.url, self.link_policy.sites, limit=self.max_articles)
        if not links:
            yield self.source_error("no article links found on the page")
            return
        yield self.status_ok(len(links))
        yield self.validators_of(response)
        # The anchor text is no headline ("Read more"): the page's own title is used.
        for request in self.follow([ArticleRef(url=link.url) for link in links]):
            yield request


class PageSpider(PageHandling, SourceSpider):
    """``scrapy crawl page -a url=https://example.org/world/``."""

    name = "page"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.document_request(self.source_url, self.parse_document, configured=True)

    async def parse_document(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            yield self.not_modified(response)
            return
        async for result in self.handle_listing(response):
            yield result
