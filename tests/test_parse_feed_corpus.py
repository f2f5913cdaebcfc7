"""Feeds as they are in the wild, read as feedparser reads them, safely: the lessons
of feedparser's own test corpus, with documents written for newsradar
(tests/data/feeds and the encoded ones built below).

Every legacy encoding Python knows, declared or not, or named wrongly; slightly
malformed feeds (read, with the damage noted); DOCTYPEs declaring plain entities
(read); text titles kept literally; and every way of smuggling an entity bomb
past the safety step (refused, never expanded)."""

from __future__ import annotations

import codecs
import html.entities
import tracemalloc
from pathlib import Path

import pytest

from crawler.parse.feeds import MAX_ENTRIES, FeedError, parse_feed
from crawler.parse.safexml import MAX_ENTITIES, MAX_EXPANSION, UnsafeXML, clean_xml
from crawler.parse.sitemaps import SitemapError, parse_sitemap

DATA = Path(__file__).parent / "data" / "feeds"
URL = "http://news.example/feed.xml"

ARABIC = "قالت حركة طالبان في بيان إن المحادثات في الدوحة كانت بناءة وإن بيانا مشتركا قد يصدر"
TITLES = {
    "big5": "臺灣總統府發表聲明，外交部長明日訪問東京",
    "gb2312": "国务院新闻办公室今天举行发布会，介绍经济形势",
    "gb18030": "国务院新闻办公室今天举行发布会，介绍经济形势",
    "gbk": "国务院新闻办公室今天举行发布会，介绍经济形势",
    "euc-kr": "대통령실은 오늘 외교부 장관이 도쿄를 방문한다고 밝혔다",
    "euc-jp": "外務大臣は明日、東京で記者会見を行うと発表した",
    "shift_jis": "外務大臣は明日、東京で記者会見を行うと発表した",
    "iso-2022-jp": "外務大臣は明日、東京で記者会見を行うと発表した",
    "windows-1250": "Předseda vlády řekl, že jednání byla těžká",
    "windows-1251": "Министр заявил, что переговоры были трудными",
    "windows-1252": "Le ministre a déclaré à Genève: « très difficiles »",
    "windows-1253": "Ο υπουργός δήλωσε ότι οι διαπραγματεύσεις ήταν δύσκολες",
    "windows-1254": "Bakan, müzakerelerin çok zor geçtiğini söyledi",
    "windows-1255": "השר אמר כי המשא ומתן היה קשה מאוד",
    "windows-1256": ARABIC,
    "windows-1257": "Ministras pareiškė, kad derybos buvo sunkios ūkiui",
    "koi8-r": "Министр заявил, что переговоры были трудными",
    "koi8-u": "Міністр заявив, що переговори були важкими",
    "iso-8859-2": "Předseda vlády řekl, že jednání byla těžká",
    "iso-8859-5": "Министр заявил, что переговоры были трудными",
    "iso-8859-7": "Ο υπουργός δήλωσε ότι οι διαπραγματεύσεις ήταν δύσκολες",
    "utf-8": "Der Minister sagte, die Gespräche seien schwierig – „sehr“",
}


def rss(title: str, declaration: str | None = "utf-8", items: int = 1) -> str:
    decl = f'<?xml version="1.0" encoding="{declaration}"?>' if declaration else ""
    entries = "".join(
        f"<item><title>{title}</title><link>http://news.example/{n}</link>"
        f"<description>{title}. {title}.</description></item>"
        for n in range(items)
    )
    return f'{decl}<rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'


def titles(body: bytes, content_type: str | None = None) -> list[str | None]:
    feed = parse_feed(body, URL, content_type)
    return [entry.title for entry in feed.entries]


@pytest.mark.parametrize("encoding", sorted(TITLES))
def test_every_encoding_declared_in_the_document_is_read(encoding: str) -> None:
    title = TITLES[encoding]
    body = rss(title, encoding).encode(encoding)
    feed = parse_feed(body, URL)
    assert [e.title for e in feed.entries] == [title]
    assert feed.problem is None


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("utf-16 with BOM", rss(TITLES["euc-kr"], "utf-16").encode("utf-16")),
        (
            "utf-16-be with BOM",
            codecs.BOM_UTF16_BE + rss(TITLES["euc-kr"], "utf-16").encode("utf-16-be"),
        ),
        ("utf-16-le, no BOM", rss(TITLES["euc-kr"], "utf-16le").encode("utf-16-le")),
        ("utf-16-be, no BOM", rss(TITLES["euc-kr"], "utf-16be").encode("utf-16-be")),
        ("alias utf16", rss(TITLES["euc-kr"], "utf16").encode("utf-16")),
        ("utf-16, no declaration", rss(TITLES["euc-kr"], None).encode("utf-16")),
        ("utf-32 with BOM", rss(TITLES["euc-kr"], "utf-32").encode("utf-32")),
        ("utf-8 BOM", codecs.BOM_UTF8 + rss(TITLES["euc-kr"]).encode()),
    ],
)
def test_wide_encodings_with_and_without_a_byte_order_mark(label: str, body: bytes) -> None:
    assert titles(body) == [TITLES["euc-kr"]], label


def test_an_unknown_encoding_name_is_read_and_noted_never_raised() -> None:
    feed = parse_feed(rss("Plain words", "x-no-such-encoding").encode(), URL)
    assert [e.title for e in feed.entries] == ["Plain words"]
    assert "unknown encoding 'x-no-such-encoding'" in (feed.problem or "")
    legacy = rss(TITLES["windows-1251"], "x-no-such-encoding", items=4).encode("windows-1251")
    assert titles(legacy) == [TITLES["windows-1251"]] * 4


def test_the_http_charset_is_honoured_when_the_document_declares_none() -> None:
    body = rss(ARABIC, None, items=3).encode("windows-1256")
    assert titles(body, "application/rss+xml; charset=windows-1256") == [ARABIC] * 3


@pytest.mark.parametrize("declaration", [None, "utf-8"], ids=["undeclared", "declared-utf-8"])
def test_a_missing_or_wrong_declaration_is_detected(declaration: str | None) -> None:
    body = rss(ARABIC, declaration, items=3).encode("windows-1256")
    feed = parse_feed(body, URL, "text/xml")
    assert [e.title for e in feed.entries] == [ARABIC] * 3
    assert "decoded as cp1256" in (feed.problem or "")


def test_a_legacy_declaration_on_a_utf8_document_reads_utf8() -> None:
    body = rss(TITLES["utf-8"], "iso-8859-1").encode()
    assert titles(body) == [TITLES["utf-8"]]


@pytest.mark.parametrize(
    ("name", "expected", "damaged"),
    [
        ("undefined-nbsp.xml", ["Minister resigns after vote"], True),
        ("unescaped-ampersand.xml", ["Johnson & Johnson settles lawsuit"], True),
        ("unclosed-tag.xml", ["Storm hits the coast", "Second story"], True),
        ("declared-nbsp.xml", ["Talks resume — again"], False),
        (
            "text-titles.atom",
            ["History of the <blink> tag", "A bold move", "An xhtml title"],
            False,
        ),
        ("text-titles.rss", ["History of the <blink> tag", "Fish & chips & more"], False),
    ],
)
def test_real_world_feeds_are_read(name: str, expected: list[str], damaged: bool) -> None:
    feed = parse_feed((DATA / name).read_bytes(), URL)
    assert [e.title for e in feed.entries] == expected
    assert (feed.problem is not None) == damaged, feed.problem
    if damaged:
        assert feed.problem.startswith("malformed XML")


def test_text_summaries_and_channel_titles_are_kept_literally() -> None:
    feed = parse_feed((DATA / "text-titles.atom").read_bytes(), URL)
    assert feed.title == "Tags & <markup>"
    assert feed.entries[0].summary == "Why <marquee> and <blink> were dropped."


def test_the_xhtml_latin1_entity_set_is_read() -> None:
    latin1 = {n: c for n, c in html.entities.name2codepoint.items() if 160 <= c <= 255}
    assert len(latin1) == 96
    subset = "".join(f'<!ENTITY {name} "&#{code};">\n' for name, code in latin1.items())
    body = rss("Caf&eacute; in Gen&egrave;ve &ndash; no").replace(
        "<rss", f"<!DOCTYPE rss [\n{subset}]>\n<rss", 1
    )
    # &ndash; is not in the Latin-1 set: undefined, read by the lenient parser.
    feed = parse_feed(body.encode(), URL)
    assert [e.title for e in feed.entries] == ["Café in Genève – no"]


def test_an_rss091_external_dtd_is_dropped_unfetched() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://127.0.0.2:9/rss-0.91.dtd"><rss version="0.91"><channel><title>Old</title>'
        b"<item><title>One &eacute;</title><link>http://news.example/1</link></item>"
        b"</channel></rss>"
    )
    assert titles(body) == ["One é"]


# -- what stays refused


def _doctype(subset: str, body: str = "<rss><channel><title>&x;</title></channel></rss>") -> bytes:
    return f'<?xml version="1.0"?><!DOCTYPE rss [{subset}]>{body}'.encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_doctype('<!ENTITY a "aa"><!ENTITY x "&a;&a;">'), "not a plain text value"),
        (_doctype('<!ENTITY x SYSTEM "file:///etc/passwd">'), "external"),
        (_doctype('<!ENTITY x PUBLIC "-//X//EN" "http://127.0.0.2/x">'), "external"),
        (_doctype('<!ENTITY % p SYSTEM "http://127.0.0.2/p.dtd"> %p;'), "parameter"),
        (_doctype('<!ENTITY % p "x">'), "parameter"),
        (_doctype("%p;"), "parameter entity references"),
        (_doctype('<!ENTITY x SYSTEM "http://127.0.0.2/" NDATA gif>'), "external"),
        (_doctype('<!ENTITY x "<b>markup</b>">'), "not a plain text value"),
        (_doctype('<!ENTITY x "aa"'), "malformed entity"),
        (
            _doctype("".join(f'<!ENTITY e{n} "x">' for n in range(MAX_ENTITIES + 1))),
            f"over {MAX_ENTITIES}",
        ),
        (
            _doctype(f'<!ENTITY x "{"a" * 1000}">', "<rss>" + "&x;" * 1001 + "</rss>"),
            f"past {MAX_EXPANSION}",
        ),
    ],
)
def test_dangerous_declarations_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(UnsafeXML, match=reason):
        clean_xml(body)
    with pytest.raises(FeedError, match="refused"):
        parse_feed(body, URL)


def bomb(padding: int) -> str:
    """Billion laughs behind an early well-formedness error and ``padding`` bytes."""
    levels = ['<!ENTITY l0 "' + "lol" * 10 + '">'] + [
        f'<!ENTITY l{n} "' + f"&l{n - 1};" * 10 + '">' for n in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!-- an early error: -- is not allowed in a comment -->\n'
        f"<!-- {'x' * padding} -->\n"
        f"<!DOCTYPE rss [{''.join(levels)}]>\n"
        '<rss version="2.0"><channel><title>t</title><item><title>&l9;</title>'
        "<link>http://news.example/bomb</link><description>&l9;</description></item>"
        "</channel></rss>"
    )


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("early error, 170 KB", bomb(170_000).encode()),
        ("utf-16 with BOM", bomb(100).encode("utf-16")),
        ("utf-16 without BOM", bomb(100).encode("utf-16-le")),
        ("utf-32", bomb(100).encode("utf-32")),
        (
            "declaration after garbage",
            b"<rss><<<" + b" " * 70_000 + b'<!DOCTYPE r [<!ENTITY a "b">]><title>&a;</title>',
        ),
        ("a second root's DOCTYPE", b'<rss/><!DOCTYPE r [<!ENTITY a "b">]>'),
    ],
)
def test_entity_bombs_cannot_hide_from_the_check(label: str, body: bytes) -> None:
    tracemalloc.start()
    with pytest.raises(FeedError, match="refused"):
        parse_feed(body, URL)
    with pytest.raises(SitemapError, match="refused"):
        parse_sitemap(body.replace(b"<rss", b"<urlset"), URL, since=None, limit=9)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, (label, peak)  # expanded, it would be gigabytes


def test_a_huge_feed_is_read_up_to_the_entry_cap() -> None:
    items = "".join(
        f"<item><title>Story {n}</title><link>http://news.example/{n}</link></item>"
        for n in range(MAX_ENTRIES + 50)
    )
    body = f'<rss version="2.0"><channel><title>Huge</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, URL, max_entries=100)
    assert len(feed.entries) == 100 and feed.entries[0].title == "Story 0"
