"""`newsradar init --interactive`: the dialogue, the checks it makes, the file it writes.

The answers go in through click's CliRunner, as a user would type them; feeds are
served by the local news site and the test notification goes to a real webhook
receiver, all on 127.0.0.1.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newssite import NewsSite
from receivers import WebhookReceiver
from scheduler.cli import cli
from scheduler.config import parse_config
from scheduler.onboarding.feed_check import OpmlError, check_feed, read_opml

DEAD = "http://127.0.0.1:9/feed.xml"  # the discard port: nothing listens there


def answer(path: Path, *lines: str) -> Result:
    """Run `newsradar init --interactive PATH`, typing ``lines`` at its prompts."""
    return CliRunner().invoke(
        cli, ["init", "--interactive", str(path)], input="\n".join(lines) + "\n"
    )


def write_opml(path: Path, feeds: list[tuple[str, str]]) -> Path:
    outlines = "".join(f'<outline text="{name}" type="rss" xmlUrl="{url}"/>' for name, url in feeds)
    path.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Exported</title></head>'
        f'<body><outline text="News">{outlines}</outline></body></opml>',
        encoding="utf-8",
    )
    return path


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


def test_wizard_defaults_give_builtin_sources_watchlist_and_console(tmp_path: Path) -> None:
    target = tmp_path / "newsradar.toml"
    # No feed, accept the built-in sources, the built-in watchlist, no entity, no alert.
    result = answer(target, "", "", "", "", "")
    assert result.exit_code == 0, result.output
    config = parse_config(target.read_text(encoding="utf-8"), target)
    builtin = parse_config(
        (Path(__file__).resolve().parents[1] / "scheduler" / "newsradar.toml").read_text()
    )
    assert [s.url for s in config.source] == [s.url for s in builtin.source]
    assert [s.interval for s in config.source] == [s.interval for s in builtin.source]
    assert config.entity == builtin.entity
    assert config.alert == []
    assert "# [[alert]]" in target.read_text()  # the example stays, commented out


def test_wizard_keeps_environment_references_and_skips_the_test_it_cannot_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSRADAR_TEST_SMTP_PASSWORD", raising=False)
    url = (
        "mailtos://radar:${NEWSRADAR_TEST_SMTP_PASSWORD}@smtp.example.org"
        "?to=analyst@example.org&from=radar@example.org"
    )
    target = tmp_path / "newsradar.toml"
    result = answer(target, "", "n", "y", "", url, "")
    assert result.exit_code == 0, result.output
    assert "Set NEWSRADAR_TEST_SMTP_PASSWORD in the environment" in result.output
    assert "Send a test notification" not in result.output
    raw = tomllib.loads(target.read_text(encoding="utf-8"))
    assert raw["alert"] == [{"name": "email", "url": url}]  # written as typed, no secret
    config = parse_config(
        target.read_text(), target, environ={"NEWSRADAR_TEST_SMTP_PASSWORD": "s3cret"}
    )
    assert config.alert[0].url is not None and "s3cret" in config.alert[0].url


def test_wizard_does_not_overwrite_without_asking(tmp_path: Path) -> None:
    target = tmp_path / "newsradar.toml"
    target.write_text("# mine\n", encoding="utf-8")
    result = answer(target, "n")
    assert result.exit_code != 0
    assert target.read_text(encoding="utf-8") == "# mine\n"


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


def test_read_opml_lists_each_feed_once(tmp_path: Path) -> None:
    a, b = "http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"
    path = write_opml(tmp_path / "f.opml", [("A", a), ("B", b), ("A again", a)])
    assert read_opml(path) == [("A", a), ("B", b)]
    bad = tmp_path / "bad.opml"
    bad.write_text("<rss/>")
    with pytest.raises(OpmlError, match="not an OPML file"):
        read_opml(bad)
    bomb = tmp_path / "bomb.opml"
    bomb.write_text('<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml>&a;</opml>')
    with pytest.raises(OpmlError, match="not a readable OPML file"):
        read_opml(bomb)
