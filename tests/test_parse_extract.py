"""Article pages to clean text, against golden files: each page in tests/data/pages
has navigation, sidebars, comments or footers around its story, and the .txt next to
it holds exactly the text that must come out."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.parse.extract import (
    binary_kind,
    extract_article,
    extract_page,
    not_html,
    page_canonical,
)
from crawler.parse.links import parse_html

PAGES = Path(__file__).parent / "data" / "pages"
GOLDEN = sorted(PAGES.glob("*.html"))

# page -> (title, author, published, language)
METADATA = {
    "blog-post": ("Why the port strike matters for grain exports", None, "2024-02-02", "en"),
    "jsonld-report": (
        "Mobile money use doubles in East Africa, central banks report",
        "Grace Wanjiru",
        "2023-11-20",
        "en",
    ),
    "news-article": (
        "Flooding closes Kandahar highway as aid convoys wait",
        "Mariam Rahimi",
        "2024-03-14",
        "en",
    ),
    # React/Next.js: `text<!-- --> more` inside paragraphs.
    "nextjs-story": (
        "Desalination plant opens in Aqaba after six years of delays",
        "Layla Haddad",
        "2024-06-18",
        "en",
    ),
    "sahel-latin1": (
        "Sécheresse : les éleveurs du Sahel vendent leurs troupeaux",
        None,
        None,
        "fr",
    ),
    "wire-story": (
        "Cholera cases fall in Sanaa as vaccination campaign ends",
        None,
        "2024-05-06",
        "en",
    ),
}


def test_every_golden_page_has_its_text_and_metadata() -> None:
    assert {page.stem for page in GOLDEN} == set(METADATA)
    assert all(page.with_suffix(".txt").exists() for page in GOLDEN)


@pytest.mark.parametrize("page", GOLDEN, ids=lambda p: p.stem)
def test_golden_page(page: Path) -> None:
    result = extract_page(page.read_bytes(), f"https://news.example.org/{page.stem}", "text/html")
    assert result.skipped is None and result.extracted is not None
    extracted = result.extracted
    assert extracted.text == page.with_suffix(".txt").read_text(encoding="utf-8").rstrip("\n")
    title, author, published, language = METADATA[page.stem]
    assert (extracted.title, extracted.author, extracted.published, extracted.language) == (
        title,
        author,
        published,
        language,
    )
    assert result.charset_note is None
    assert result.html is None


def test_the_headline_is_not_repeated_in_the_text() -> None:
    for page in GOLDEN:
        text = page.with_suffix(".txt").read_text(encoding="utf-8")
        assert METADATA[page.stem][0] not in text.splitlines()[0]


def test_boilerplate_stays_out() -> None:
    texts = " ".join(page.with_suffix(".txt").read_text(encoding="utf-8") for page in GOLDEN)
    for boilerplate in (
        "Subscribe",
        "Related stories",
        "comments",
        "Newsletter",
        "Leave a reply",
        "All rights reserved",
        "cookies",
        "Most read",
        "Advertisement",
        "Tags:",
        "Read more",
        "Share on",
        "Photo: Gulf Wire",
    ):
        assert boilerplate not in texts, boilerplate


def test_canonical_comes_from_the_page_only_on_its_own_site() -> None:
    body = (PAGES / "news-article.html").read_bytes()
    own = extract_page(body, "https://www.example.org/some/other/path")
    assert own.canonical == (
        "https://ledger.example.org/world/2024/03/14/flooding-closes-kandahar-highway"
    )
    assert extract_page(body, "https://elsewhere.example.net/copy").canonical is None
    og_only = parse_html(
        '<html><head><meta property="og:url" content="/a?utm_source=x"></head></html>'
    )
    assert page_canonical(og_only, "https://e.org/b") == "https://e.org/a"
    assert page_canonical(None, "https://e.org/b") is None


def test_kept_html_and_charset_notes() -> None:
    body = (PAGES / "wire-story.html").read_bytes()
    kept = extract_page(body, "https://news.example.org/wire", keep_html=True)
    assert kept.html is not None and kept.html.startswith("<!DOCTYPE html>")
    latin1 = (PAGES / "sahel-latin1.html").read_bytes()
    wrong = extract_page(latin1, "https://news.example.org/sahel", "text/html; charset=utf-8")
    assert wrong.extracted is not None and "éleveurs" in wrong.extracted.text
    assert wrong.charset_note is not None and "declared utf-8" in wrong.charset_note


def test_pages_with_no_story() -> None:
    assert extract_page(b"", "https://e.org/").skipped == "empty body"
    assert extract_page(b"%PDF-1.7 ...", "https://e.org/a.pdf").skipped == "not HTML: PDF document"
    assert extract_page(b"{}", "https://e.org/", "application/json").skipped == (
        "not HTML: application/json"
    )
    assert extract_page(b"<html><body>  </body></html>", "https://e.org/").extracted is None
    assert extract_article("<html><body></body></html>", "https://e.org/") is None


def test_binary_kinds_and_html_types() -> None:
    assert binary_kind(b"\x89PNG\r\n") == "PNG image"
    assert binary_kind(b"  \x1f\x8b\x08") == "gzip archive"
    assert binary_kind(b"<html>") is None
    assert not_html(b"<html>", "text/html; charset=utf-8") is None
    assert not_html(b"<html>", "application/xhtml+xml") is None
    assert not_html(b"<html>", None) is None
    assert not_html(b"GIF89a", "text/html") == "not HTML: GIF image"
    assert not_html(b"<html>", "image/svg+xml") == "not HTML: image/svg+xml"
