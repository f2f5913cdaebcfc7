"""`newsradar init --interactive` against real servers on 127.0.0.1: the local news site
serves the feeds each answer is checked against, and the test notification goes
to a real webhook receiver."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_wizard import answer, write_opml

from newssite import NewsSite
from receivers import WebhookReceiver
from scheduler.config import parse_config
from scheduler.onboarding.feed_check import check_feed

pytestmark = pytest.mark.slow

DEAD = "http://127.0.0.1:9/feed.xml"  # the discard port: nothing listens there


def test_wizard_checks_each_answer_and_writes_a_valid_commented_config(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver
) -> None:
    news_site.publish_sample(2)
    opml = write_opml(
        tmp_path / "feeds.opml", [("Ledger Atom", news_site.atom_url), ("Gone", DEAD)]
    )
    target = tmp_path / "conf" / "newsradar.toml"
    result = answer(
        target,
        news_site.rss_url,  # a feed: checked, named after its title
        "",
        DEAD,  # unreachable: said so, not kept
        "n",
        news_site.base_url + "/",  # a page advertising the feed already given
        "not a url",
        str(opml),  # one good feed, one dead, not kept
        "n",
        "",  # end of the feeds
        "n",  # not the built-in watchlist
        "Lashkar-e-Taiba",
        "group",
        "LeT, Lashkar-e-Tayyiba",
        "Hafiz Saeed",
        "official",
        "",
        "",  # end of the entities
        "mailto://@@@",  # rejected, asked again
        webhook.apprise_url(),
        "team hook",
        "y",  # send a test notification
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "✓ Kabul Ledger, 2 entries" in out
    assert "✗ cannot connect" in out and "Keep it anyway?" in out
    assert "Already in the list." in out
    assert "neither an http(s):// URL nor an existing file" in out
    assert "✓ Ledger Atom: 2 entries" in out and "✗ Gone: cannot connect" in out
    assert "not a valid Apprise URL" in out
    assert "✓ sent" in out
    [hook] = webhook.wait_for(1)
    assert hook["json"]["title"] == "newsradar test message"

    text = target.read_text(encoding="utf-8")
    assert text.startswith("# newsradar configuration, written by `newsradar init --interactive`")
    assert "# Sources: where the news comes from." in text
    config = parse_config(text, target)
    assert [(s.name, s.url, s.kind) for s in config.source] == [
        ("Kabul Ledger", news_site.rss_url, "feed"),
        ("Ledger Atom", news_site.atom_url, "feed"),
    ]
    assert [(e.id, e.kind, e.aliases) for e in config.entity] == [
        ("lashkar-e-taiba", "group", ["LeT", "Lashkar-e-Tayyiba"]),
        ("hafiz-saeed", "official", []),
    ]
    assert [(a.name, a.url) for a in config.alert] == [("team hook", webhook.apprise_url())]
    assert f"Wrote {target}: 2 sources, 2 entities, alerts to team hook." in out


def test_check_feed_follows_a_page_to_its_feed_and_explains_failures(news_site: NewsSite) -> None:
    news_site.publish_sample(1)
    found = check_feed(news_site.base_url + "/")
    assert found.ok and found.discovered and found.url == news_site.rss_url
    assert found.title == "Kabul Ledger" and found.entries == 1
    missing = check_feed(news_site.base_url + "/no-such-feed.xml")
    assert not missing.ok and missing.error == "the server answered HTTP 404 Not Found"
    news_site.set_body("/plain", "<!DOCTYPE html><html><body><p>Hello</p></body></html>")
    page = check_feed(news_site.base_url + "/plain")  # a page that advertises no feed
    assert not page.ok and page.error is not None
    assert page.error.startswith("not an RSS, Atom or JSON feed")
    assert not check_feed("ftp://127.0.0.1/feed").ok
