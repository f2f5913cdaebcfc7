"""The whole pipeline, as a user runs it: `newsradar run` against a local news
site, alerts delivered to a real SMTP server and a real webhook receiver."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import newsradar
from newssite import NewsSite
from receivers import SmtpServer, WebhookReceiver

pytestmark = pytest.mark.slow

WATCHLIST = """
[[entity]]
id = "taliban"
name = "Taliban"
kind = "group"
tags = ["groups"]

[[entity]]
id = "sirajuddin-haqqani"
name = "Sirajuddin Haqqani"
kind = "official"
tags = ["officials"]

[[entity]]
id = "al-qaeda"
name = "al Qaeda"
kind = "group"
aliases = ["al-Qaida"]
tags = ["groups"]
"""

DOHA = (
    "taliban-envoys-doha",
    "Taliban envoys return to Doha for prisoner talks",
    [
        "DOHA — Taliban envoys arrived in the Qatari capital on Tuesday for a new round of "
        "talks on prisoner releases, two officials familiar with the schedule said.",
        "The delegation is led by aides to Sirajuddin Haqqani, the interior minister, "
        "according to a statement read to reporters outside the venue.",
        "Diplomats said the agenda also covers security guarantees and the movement of "
        "foreign fighters, a long-standing point of friction with Washington.",
        "Neither side gave a date for the end of the talks.",
    ],
)
FOOTBALL = (
    "kabul-derby-draw",
    "Kabul derby ends goalless in the rain",
    [
        "KABUL — The city derby ended 0-0 on Friday after a second half played in heavy rain "
        "at the Ghazi stadium.",
        "Both coaches praised their defences and said the draw was a fair result.",
        "The return fixture is scheduled for next month.",
    ],
)
LATE = (
    "qaeda-ties-report",
    "Monitors say al-Qaida keeps a presence in the east",
    [
        "A report by sanctions monitors says al-Qaida retains a small presence in two "
        "eastern provinces, a finding the authorities in Kabul dispute.",
        "The monitors based their assessment on interviews with member states.",
        "The report is due to be discussed in New York next week.",
    ],
)


def write_config(
    path: Path, sources: list[tuple[str, str]], alerts: list[str], **crawl: str
) -> Path:
    """A config file with these sources, the test watchlist and these Apprise URLs."""
    lines = ['database = "radar.db"', "[crawl]"]
    lines += [f'{key} = "{value}"' for key, value in {"interval": "1h", **crawl}.items()]
    for name, url in sources:
        lines += ["[[source]]", f'name = "{name}"', f'url = "{url}"']
    lines.append(WATCHLIST)
    for url in alerts:
        lines += ["[[alert]]", f'url = "{url}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_run_once_delivers_by_email_and_webhook_once_each(
    tmp_path: Path, smtp_server: SmtpServer, webhook: WebhookReceiver
) -> None:
    with NewsSite("Kabul Ledger") as rss_site, NewsSite("Frontier Post") as atom_site:
        rss_site.publish(*DOHA)
        rss_site.publish(*FOOTBALL, sidebar=["Related: Taliban hold talks in Doha"])
        config = write_config(
            tmp_path / "newsradar.toml",
            [("Kabul Ledger", rss_site.rss_url), ("Frontier Post", atom_site.atom_url)],
            [smtp_server.apprise_url(), webhook.apprise_url()],
        )

        first = newsradar("run", "--once", "-c", str(config))
        assert first.returncode == 0, first.stderr
        assert "2/2 sources polled, 2 new articles, 1 matched, 2 alerts sent" in first.stderr

        (mail,) = smtp_server.wait_for(1)
        assert "Taliban" in mail["Subject"] and "Sirajuddin Haqqani" in mail["Subject"]
        assert DOHA[1] in mail["Subject"]
        text = mail.get_body(("plain",)).get_content()
        assert rss_site.article_url(DOHA[0]) in text
        assert "Kabul Ledger" in text
        assert "Sirajuddin Haqqani, the interior minister" in text  # the snippet
        (hook,) = webhook.wait_for(1)
        assert DOHA[1] in hook["json"]["title"] and "Taliban" in hook["json"]["title"]
        assert rss_site.article_url(DOHA[0]) in hook["json"]["message"]
        # The football story only had "Taliban" in its sidebar: no alert for it.
        assert FOOTBALL[1] not in json.dumps([m["Subject"] for m in smtp_server.messages])

        # Nothing new: nothing delivered, and no article page fetched again.
        rss_site.clear_requests()
        second = newsradar("run", "--once", "-c", str(config))
        assert second.returncode == 0, second.stderr
        assert "0 new articles" in second.stderr
        assert not [path for _, path in rss_site.requests if path.startswith("/news/")]

        # A story published in between is delivered on the next run, on both feeds' kinds.
        atom_site.publish(*LATE)
        third = newsradar("run", "--once", "-c", str(config))
        assert third.returncode == 0, third.stderr
        mails = smtp_server.wait_for(2)
        assert LATE[1] in mails[1]["Subject"] and "al Qaeda" in mails[1]["Subject"]
        hooks = webhook.wait_for(2)
        assert atom_site.article_url(LATE[0]) in hooks[1]["json"]["message"]
        time.sleep(0.5)
        assert len(smtp_server.messages) == 2 and len(webhook.requests) == 2

        # The matches command shows both stories, newest first.
        listed = newsradar("matches", "--json", "-c", str(config))
        assert listed.returncode == 0, listed.stderr
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert [r["title"] for r in rows] == [LATE[1], DOHA[1]]
        assert rows[1]["entities"] == ["sirajuddin-haqqani", "taliban"]
        assert rows[1]["source"] == "Kabul Ledger"


def test_unreachable_source_is_logged_and_others_carry_on(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver
) -> None:
    news_site.publish(*DOHA)
    news_site.set_status("/feeds/atom.xml", 503)
    config = write_config(
        tmp_path / "newsradar.toml",
        [
            ("Good", news_site.rss_url),
            ("Broken", news_site.atom_url),
            ("Gone", "http://127.0.0.1:9/feed"),
        ],
        [webhook.apprise_url()],
    )
    result = newsradar("run", "--once", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "source Broken: failed: HTTP 503" in result.stderr
    assert "source Gone: failed: connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    webhook.wait_for(1)

    # When no source at all can be polled, --once says so and exits non-zero.
    config = write_config(tmp_path / "dead.toml", [("Gone", "http://127.0.0.1:9/feed")], [])
    result = newsradar("run", "--once", "-c", str(config))
    assert result.returncode != 0
    assert "no source could be polled" in result.stderr


def test_service_picks_up_new_entries_and_stops_on_sigterm(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver
) -> None:
    news_site.publish(*FOOTBALL)
    config = write_config(
        tmp_path / "newsradar.toml",
        [("Kabul Ledger", news_site.rss_url)],
        [webhook.apprise_url()],
        interval="2s",
    )
    log = (tmp_path / "service.log").open("w")
    service = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "run", "-c", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while "source Kabul Ledger: 1 new articles" not in (tmp_path / "service.log").read_text():
            assert time.monotonic() < deadline, (tmp_path / "service.log").read_text()
            assert service.poll() is None, (tmp_path / "service.log").read_text()
            time.sleep(0.2)
        published = time.monotonic()
        news_site.publish(*DOHA)
        (hook,) = webhook.wait_for(1, timeout=20)
        assert DOHA[1] in hook["json"]["title"]
        # Within the 2 s interval (plus jitter and the crawl itself).
        assert time.monotonic() - published < 15
    finally:
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=30)
        log.close()
    output = (tmp_path / "service.log").read_text()
    assert code == 0, output
    assert "stopped" in output
