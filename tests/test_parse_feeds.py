"""Feed documents to entries: RSS, Atom and JSON Feed, sloppy ones included, and the
XML safety check every feed passes first."""

from __future__ import annotations

import json

import pytest

from crawler.parse.feeds import FeedError, is_json_feed, parse_feed
from crawler.parse.safexml import UnsafeXML, check_xml

URL = "https://news.example.org/feeds/rss.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>The <b>Ledger</b></title>
  <link>https://news.example.org/</link>
  <item>
    <title>Floods &amp; <em>bridges</em></title>
    <link>/world/2024/03/14/floods?utm_source=rss</link>
    <guid isPermaLink="false">ledger-1</guid>
    <description>&lt;p&gt;Heavy rain washed away &lt;b&gt;two&lt;/b&gt; bridges.&lt;/p&gt;
    </description>
    <pubDate>Thu, 14 Mar 2024 04:00:00 GMT</pubDate>
    <author>mariam@example.org (Mariam Rahimi)</author>
  </item>
  <item>
    <title>Only a guid</title>
    <guid isPermaLink="true">https://news.example.org/world/only-a-guid</guid>
  </item>
  <item><title>The first story again, same guid</title><link>/other</link>
    <guid isPermaLink="false">ledger-1</guid></item>
  <item><title>The first story again, same link</title><link>/world/2024/03/14/floods</link></item>
  <item><title>No link at all</title><description>lost</description></item>
  <item><title>Not http</title><link>mailto:desk@example.org</link></item>
</channel></rss>"""


def test_rss_entries_are_absolute_canonical_plain_and_unique() -> None:
    feed = parse_feed(RSS, URL)
    assert feed.version == "rss20"
    assert feed.title == "The Ledger"
    assert feed.home == "https://news.example.org/"
    assert feed.problem is None
    assert [e.link for e in feed.entries] == [
        "https://news.example.org/world/2024/03/14/floods",
        "https://news.example.org/world/only-a-guid",
    ]
    first = feed.entries[0]
    assert first.title == "Floods & bridges"
    assert first.summary == "Heavy rain washed away two bridges."
    assert first.published == first.updated == "2024-03-14T04:00:00Z"
    assert first.author == "mariam@example.org (Mariam Rahimi)"
    assert feed.entries[1].published is None and feed.entries[1].summary is None
    assert feed.skipped == 2  # no link; a mailto: link


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example.org/news/">
  <title>Atom desk</title>
  <link rel="alternate" href="https://atom.example.org/"/>
  <entry>
    <title type="html">Port &lt;i&gt;strike&lt;/i&gt; ends</title>
    <link rel="alternate" href="port-strike-ends"/>
    <id>tag:atom.example.org,2024:1</id>
    <published>2024-02-02T08:00:00+01:00</published>
    <updated>2024-02-03T10:00:00Z</updated>
    <author><name>Jonas Berg</name></author>
    <content type="html">&lt;p&gt;Dock workers went back to work.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Updated only</title>
    <link href="https://atom.example.org/news/updated-only"/>
    <id>tag:atom.example.org,2024:2</id>
    <updated>2024-02-04T00:00:00Z</updated>
  </entry>
</feed>"""


def test_atom_resolves_xml_base_and_keeps_published_and_updated_apart() -> None:
    feed = parse_feed(ATOM, "https://atom.example.org/atom.xml")
    assert feed.version == "atom10"
    assert feed.home == "https://atom.example.org/"
    first, second = feed.entries
    assert first.link == "https://atom.example.org/news/port-strike-ends"
    assert first.title == "Port strike ends"
    assert first.summary == "Dock workers went back to work."
    assert first.published == "2024-02-02T07:00:00Z"
    assert first.updated == "2024-02-03T10:00:00Z"
    assert first.author == "Jonas Berg"
    # An entry with only <updated> is dated by it.
    assert second.published == second.updated == "2024-02-04T00:00:00Z"


def test_rss_1_0() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/"><title>RDF</title><link>https://rdf.example.org/</link></channel>
  <item rdf:about="https://rdf.example.org/a-story"><title>A story</title>
    <link>https://rdf.example.org/a-story</link><dc:date>2024-01-05T10:00:00Z</dc:date></item>
</rdf:RDF>"""
    feed = parse_feed(rdf, "https://rdf.example.org/index.rdf")
    assert feed.version == "rss10"
    assert [(e.link, e.published) for e in feed.entries] == [
        ("https://rdf.example.org/a-story", "2024-01-05T10:00:00Z")
    ]


def json_feed(**document: object) -> bytes:
    base = {"version": "https://jsonfeed.org/version/1.1", "title": "JSON desk", "items": []}
    return json.dumps({**base, **document}).encode()


def test_json_feed() -> None:
    body = json_feed(
        home_page_url="https://json.example.org/",
        feed_url="https://json.example.org/feeds/",
        items=[
            {
                "id": "1",
                "url": "cholera-falls?utm_medium=feed",
                "title": "Cholera <b>falls</b>",
                "summary": "Cases fell by a third.",
                "date_published": "2024-05-06T09:00:00+03:00",
                "date_modified": "2024-05-07T00:00:00Z",
                "authors": [{"name": "Gulf Wire"}],
            },
            {"id": "2", "external_url": "https://elsewhere.example.net/b", "content_text": "B"},
            {"id": "1", "url": "https://json.example.org/duplicate-id"},
            {"id": "3", "content_html": "<p>no url</p>"},
            "not an object",
            {"id": "4", "url": "ftp://json.example.org/file"},
        ],
    )
    feed = parse_feed(body, "https://json.example.org/feed.json")
    assert feed.version == "json1.1"
    assert feed.title == "JSON desk"
    assert feed.home == "https://json.example.org/"
    first, second = feed.entries
    assert first.link == "https://json.example.org/feeds/cholera-falls"
    assert first.title == "Cholera falls"
    assert first.published == "2024-05-06T06:00:00Z"
    assert first.updated == "2024-05-07T00:00:00Z"
    assert first.author == "Gulf Wire"
    assert (second.link, second.summary) == ("https://elsewhere.example.net/b", "B")
    assert feed.skipped == 3  # no url, not an object, not http


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (b"<html><body><p>Hello</p></body></html>", "not a feed"),
        (b"{not json", "malformed JSON feed"),
        (b'{"version": "1", "items": []}', "without a jsonfeed.org version"),
        (json_feed(items={"a": 1}), "'items' is not a list"),
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;">]><rss><channel/></rss>',
            "entity declarations are refused",
        ),
    ],
)
def test_what_is_not_a_readable_feed_raises_feed_error(body: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_feed(body, URL)


def test_a_truncated_feed_keeps_what_it_could_read_and_says_so() -> None:
    truncated = RSS[: RSS.index(b"<item><title>The first story again, same guid")]
    feed = parse_feed(truncated, URL)
    assert feed.problem is not None and feed.problem.startswith("malformed XML")
    assert len(feed.entries) == 2


def test_is_json_feed() -> None:
    assert is_json_feed(b'\xef\xbb\xbf  {"version": 1}')
    assert not is_json_feed(b"<?xml version='1.0'?><rss/>")
    assert not is_json_feed(b"[1, 2]")


def test_check_xml_refuses_entities_before_any_expansion() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    with pytest.raises(UnsafeXML, match="entity 'lol'"):
        check_xml(bomb)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://10.0.0.1/">]><r>&x;</r>'
    )
    with pytest.raises(UnsafeXML):
        check_xml(external)
    broken = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y"'  # never well-formed
    with pytest.raises(UnsafeXML):
        check_xml(broken)


def test_check_xml_lets_ordinary_documents_through() -> None:
    rss091 = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>'
    )
    for body in (RSS, ATOM, rss091, b"<rss><unclosed>", b'{"version": 1}', b"not xml at all"):
        check_xml(body)  # raises nothing
