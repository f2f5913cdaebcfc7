"""OPML to subscriptions: the one reader the wizard and `sources import` share."""

from __future__ import annotations

import pytest

from crawler.parse.opml import OPMLError, Subscription, parse_opml


def opml(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0">'
        f"<head><title>Exported</title></head><body>{body}</body></opml>"
    ).encode()


def test_feeds_in_order_each_once_in_any_folder() -> None:
    body = opml(
        '<outline text="News">'
        '<outline type="rss" text="Ledger" title="The Ledger" xmlUrl=" https://a.example/rss "/>'
        '<outline type="rss" text="Wire" xmlurl="https://b.example/feed"/>'
        '<outline type="rss" text="Ledger again" xmlUrl="https://a.example/rss"/>'
        "</outline>"
        '<outline text="A folder without a feed"/>'
        '<outline type="rss" xmlUrl="ftp://c.example/feed"/>'
        '<outline type="rss" xmlUrl="https://d.example/untitled"/>'
    )
    assert parse_opml(body) == [
        Subscription("The Ledger", "https://a.example/rss"),
        Subscription("Wire", "https://b.example/feed"),
        Subscription("https://d.example/untitled", "https://d.example/untitled"),
    ]


def test_sources_newsradar_exported_keep_their_kind() -> None:
    body = opml(
        '<outline type="link" text="Front" url="https://e.example/" newsradarKind="page"/>'
        '<outline type="link" text="Ignored: no newsradarKind" url="https://f.example/"/>'
    )
    assert parse_opml(body) == [Subscription("Front", "https://e.example/", "page")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<rss/>", "not an OPML file \\(its root element is <rss>\\)"),
        (b"<opml><body>", "not a readable OPML file"),
        (b'<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml>&a;</opml>', "not a readable OPML file"),
        (opml('<outline text="Only a folder"/>'), "lists no feed"),
    ],
)
def test_unreadable_files_raise_opml_error(body: bytes, reason: str) -> None:
    with pytest.raises(OPMLError, match=reason):
        parse_opml(body)
