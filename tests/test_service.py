"""The service runs unattended: status, reload, backoff, operator notices, logs and
readers beside it, each against a real `newsradar run` subprocess. The rules it
follows are unit-tested in test_service_rules.py."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from conftest import newsradar
from newssite import NewsSite
from receivers import WebhookReceiver

pytestmark = pytest.mark.slow

ENTITIES = """
[[entity]]
id = "taliban"
name = "Taliban"
kind = "group"
tags = ["groups"]
"""


def config_text(
    sources: list[tuple[str, str]], hook: str, interval: str = "1s", extra: str = ""
) -> str:
    lines = ['database = "radar.db"', extra, "[crawl]", f'interval = "{interval}"']
    lines += ["[delivery]", 'retry_after = "1s"', 'retry_max = "2s"']
    for name, url in sources:
        lines += ["[[source]]", f'name = "{name}"', f'url = "{url}"']
    lines += [ENTITIES, "[[alert]]", f'url = "{hook}"', 'name = "desk"', 'tags = ["groups"]']
    return "\n".join(lines) + "\n"


TALIBAN = ("doha", "Taliban envoys return to Doha", ["Taliban envoys arrived in Doha."])


def test_status_reports_health_with_exit_codes(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver, services
) -> None:
    config = tmp_path / "newsradar.toml"
    config.write_text(config_text([("Ledger", news_site.rss_url)], webhook.apprise_url()))
    before = newsradar("status", "-c", str(config))
    assert before.returncode == 2 and "no service has run" in before.stdout

    news_site.publish(*TALIBAN)
    service = services(config)
    webhook.wait_for(1, timeout=30)
    service.wait_until(lambda: newsradar("status", "-c", str(config)).returncode == 0)
    running = newsradar("status", "-c", str(config))
    assert "service: running for" in running.stdout
    assert "sources: 1 (1 healthy, 0 failing)" in running.stdout
    assert "articles: 1 in the last hour" in running.stdout
    assert "alerts: 1 sent in the last hour" in running.stdout
    assert service.stop() == 0
    stopped = newsradar("status", "-c", str(config))
    assert stopped.returncode == 1 and "service: stopped at" in stopped.stdout


def test_sighup_reloads_and_keeps_running_on_a_broken_config(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver, services
) -> None:
    config = tmp_path / "newsradar.toml"
    config.write_text(config_text([("Ledger", news_site.rss_url)], webhook.apprise_url()))
    service = services(config)
    service.wait_until(lambda: "source Ledger: 0 new articles" in service.log)

    with NewsSite("Frontier Post") as second:
        second.publish("second", "Taliban talks in Islamabad", ["The Taliban met officials."])
        config.write_text(
            config_text(
                [("Ledger", news_site.rss_url), ("Frontier", second.rss_url)],
                webhook.apprise_url(),
            )
        )
        service.process.send_signal(signal.SIGHUP)
        (hook,) = webhook.wait_for(1, timeout=30)
        assert "Taliban talks in Islamabad" in hook["json"]["title"]
        assert "configuration reloaded: 2 sources (1 added, 0 removed)" in service.log

        config.write_text(config.read_text() + '\n[crawl]\ninterval = "never"\n')
        service.process.send_signal(signal.SIGHUP)
        service.wait_until(lambda: "reload refused" in service.log)
        news_site.publish(*TALIBAN)  # the old configuration keeps polling
        hooks = webhook.wait_for(2, timeout=30)
        assert TALIBAN[1] in hooks[1]["json"]["title"]
    assert service.stop() == 0


def test_failing_source_backs_off_tells_operators_once_and_recovers(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver, services
) -> None:
    news_site.set_status("/feeds/rss.xml", 503)
    config = tmp_path / "newsradar.toml"
    text = config_text(
        [("Ledger", news_site.rss_url)], webhook.apprise_url(), extra="operator_alert_after = 2"
    )
    text += '[[alert]]\nurl = "{}"\nname = "ops"\ntags = ["operator"]\n'.format(
        webhook.apprise_url("/ops")
    )
    config.write_text(text)
    service = services(config)
    (notice,) = webhook.wait_for(1, timeout=40)
    assert notice["path"] == "/ops"
    assert notice["json"]["title"] == "newsradar: source Ledger is failing"
    assert "HTTP 503" in notice["json"]["message"]
    service.wait_until(lambda: "polling it every" in service.log, timeout=30)
    service.wait_until(lambda: service.log.count("source Ledger: failed: HTTP 503") >= 4, 60)
    assert len(webhook.requests) == 1  # one notice, not one per failure

    news_site.set_status("/feeds/rss.xml", None)
    news_site.publish(*TALIBAN)
    requests = webhook.wait_for(3, timeout=60)
    titles = sorted(r["json"]["title"] for r in requests[1:])
    assert titles == [
        "Taliban: Taliban envoys return to Doha",
        "newsradar: source Ledger recovered",
    ]
    time.sleep(2)
    assert len(webhook.requests) == 3


def test_json_log_lines(tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver) -> None:
    news_site.publish(*TALIBAN)
    config = tmp_path / "newsradar.toml"
    config.write_text(
        config_text(
            [("Ledger", news_site.rss_url), ("Gone", "http://127.0.0.1:9/feed")],
            webhook.apprise_url(),
        )
    )
    result = newsradar("run", "--once", "--log-format", "json", "-c", str(config))
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert entries and all({"time", "level", "component", "message"} <= set(e) for e in entries)
    failed = [e for e in entries if "connection refused" in e["message"]]
    assert (
        failed and failed[0]["level"] == "WARNING" and failed[0]["component"] == "newsradar.crawl"
    )
    assert failed[0]["source"] == "Gone"


def test_readers_never_block_the_service(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver, services
) -> None:
    """Datasette, `newsradar matches` and sqlite3 read while the service writes."""
    config = tmp_path / "newsradar.toml"
    config.write_text(config_text([("Ledger", news_site.rss_url)], webhook.apprise_url()))
    service = services(config)
    service.wait_until(lambda: (tmp_path / "radar.db").exists() and "running" in service.log)
    errors: list[str] = []
    reads = 0
    stop = threading.Event()

    def hammer() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                conn = sqlite3.connect(tmp_path / "radar.db", timeout=5)
                conn.execute("BEGIN")  # a long-ish read transaction, as Datasette holds
                conn.execute("SELECT count(*) FROM articles JOIN mentions").fetchone()
                conn.execute("SELECT * FROM alerts").fetchall()
                time.sleep(0.01)
                conn.rollback()
                conn.close()
                reads += 1
            except sqlite3.Error as err:
                errors.append(str(err))

    readers = [threading.Thread(target=hammer) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for i in range(8):
            news_site.publish(f"story-{i}", f"Taliban story {i}", [f"The Taliban said {i}."])
            time.sleep(0.3)
        webhook.wait_for(8, timeout=60)
        listed = newsradar("matches", "--json", "-c", str(config))
        assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 8
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=10)
    assert errors == [] and reads > 50
    assert "database is locked" not in service.log
    assert service.stop() == 0
    conn = sqlite3.connect(tmp_path / "radar.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
