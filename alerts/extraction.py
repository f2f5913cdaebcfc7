"""Article extraction with the story signature computed next to it.

The signature (alerts.stories.signature) is a pure function of the extracted text
and costs about a millisecond of CPU an article, most of it one SHA-1 per shingle
in Python. Computed in the extraction worker, where the text is made, that work
runs on every core during the crawl instead of one after the other when the
articles are matched; the signature travels with the article and is stored with
it (crawler.store.store_article), and the story tracker uses it as stored.

``extract_signed`` has crawler.parse.extract.extract_page's signature, so it can be
handed to an ExtractionPool as its extractor (scheduler.runtime.extraction_pool).
The crawler itself knows nothing of stories: the layers go alerts -> crawler.
"""

from __future__ import annotations

from dataclasses import replace

from alerts import stories
from crawler.parse.extract import PageResult, extract_page


def extract_signed(
    body: bytes, url: str, content_type: str | None = None, keep_html: bool = False
) -> PageResult:
    """extract_page, and the story signature of the text it extracted (if any)."""
    result = extract_page(body, url, content_type, keep_html)
    if result.extracted is None:
        return result
    sig = stories.signature(result.extracted.text)
    return replace(result, signature=stories.stored_form(sig))
