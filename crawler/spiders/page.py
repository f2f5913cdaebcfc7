"""The page spider: poll a section front or listing page that has no feed, and follow
the article links on it (same site, article-like, not navigation, tags, authors or
pagination)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from lxml.html import HtmlElement
from scrapy.http import Response

from crawler.parse.decode import decode_html
from crawler.parse.extract import not_html
from crawler.parse.links import article_links, parse_html
from crawler.spiders.articles import ArticleRef
from crawler.spiders.base import SourceSpider, content_type_of, validators_of


def read_listing(response: Response) -> tuple[HtmlElement | None, str | None]:
    """A fetched listing page as an HTML tree, or (None, why it cannot be read)."""
    content_type = content_type_of(response)
    reason = "empty page" if not response.body.strip() else None
    reason = reason or not_html(response.body, content_type)
    if reason:
        return None, reason
    tree = parse_html(decode_html(response.body, content_type).text)
    return tree, None if tree is not None else "unparseable HTML"


def poll_listing(
    spider: SourceSpider, response: Response, tree: HtmlElement | None = None
) -> Iterator[Any]:
    """Status and validators, then a request per new article link."""
    if tree is None:
        tree, reason = read_listing(response)
        if tree is None:
            yield spider.source_error(reason or "unparseable HTML")
            return
    spider.link_policy.add_site(response.url)
    links = article_links(tree, response.url, spider.link_policy.sites, limit=spider.max_articles)
    if not links:
        yield spider.source_error("no article links found on the page")
        return
    yield spider.status_ok(len(links))
    yield validators_of(response)
    # The anchor text is no headline ("Read more"): the page's own title is used.
    yield from spider.follow([ArticleRef(url=link.url) for link in links])


class PageSpider(SourceSpider):
    """``scrapy crawl page -a url=https://example.org/world/``."""

    name = "page"

    def first_requests(self) -> Iterable[scrapy.Request]:
        return [self.document_request(self.source_url, self.parse_document, configured=True)]

    def parse_document(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self.not_modified()
            return
        yield from poll_listing(self, response)
