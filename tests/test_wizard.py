"""`newsradar init --interactive`: the dialogue, the checks it makes, the file it writes.

The answers go in through click's CliRunner, as a user would type them. The
dialogues here need no server; those that fetch feeds and send a test notification
are in test_wizard_feeds.py.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import cli
from scheduler.config import parse_config
from scheduler.onboarding.feed_check import OpmlError, read_opml


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
