"""The service runs unattended: status, reload, backoff, operator notices, logs,
readers beside it, retention."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import newsradar
from crawler import store
from newssite import NewsSite
from receivers import WebhookReceiver
from scheduler.config import parse_config
from scheduler.health import expected_silence, notice_for
from scheduler.service import poll_interval, source_trigger

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


# --- pure parts -------------------------------------------------------------------


def test_poll_interval_backs_off_and_caps() -> None:
    base = timedelta(minutes=10)
    assert [poll_interval(base, n) for n in (0, 1)] == [base, base]
    assert poll_interval(base, 2) == timedelta(minutes=20)
    assert poll_interval(base, 4) == timedelta(minutes=80)
    assert poll_interval(base, 50) == timedelta(hours=6)
    assert poll_interval(timedelta(days=1), 9) == timedelta(days=1)  # never shorter than base


def test_sources_poll_on_an_interval_or_a_cron_schedule() -> None:
    config = parse_config(
        '[crawl]\ninterval = "10m"\n'
        '[[source]]\nname = "A"\nurl = "https://a.example/feed"\n'
        '[[source]]\nname = "B"\nurl = "https://b.example/feed"\ninterval = "2m"\n'
        '[[source]]\nname = "C"\nurl = "https://c.example/feed"\nschedule = "30 6-9 * * 1-5"\n'
    )
    a, b, c = (source_trigger(config, s) for s in config.source)
    assert a.interval == timedelta(minutes=10) and a.jitter == 60
    assert b.interval == timedelta(minutes=2) and b.jitter == 12
    # Standard crontab days (1-5 = Monday to Friday), not APScheduler's own numbering.
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert c.get_next_fire_time(None, friday_evening) == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("6,0", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("mon-fri", "mon-fri"),
        ("*", "*"),
    ],
)
def test_crontab_days_of_week(field: str, days: str) -> None:
    from scheduler.config import _cron_days

    assert _cron_days(field) == days


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def row(failures: int = 0, told: str | None = None) -> dict:
    return {
        "name": "Ledger",
        "url": "http://127.0.0.1/feed",
        "consecutive_failures": failures,
        "last_error": "HTTP 503",
        "last_success": None,
        "operator_alerted": told,
    }


@pytest.mark.parametrize(
    ("source", "last_article", "state"),
    [
        (row(4), "2026-11-27T11:00:00Z", "none"),  # below the threshold
        (row(5), "2026-11-27T11:00:00Z", "failing"),
        (row(9, told="failing"), "2026-11-27T11:00:00Z", "none"),  # told already
        (row(0, told="failing"), "2026-11-27T11:00:00Z", "recovered"),
        (row(0), "2026-11-26T00:00:00Z", "silent"),  # quiet for 36 h, expected 6 h
        (row(0, told="silent"), "2026-11-26T00:00:00Z", "none"),
        (row(0, told="silent"), "2026-11-27T11:59:00Z", "recovered"),
    ],
)
def test_operator_notices_on_changes_only(source: dict, last_article: str, state: str) -> None:
    notice = notice_for(
        source,
        failures_threshold=5,
        silence=timedelta(hours=6),
        last_article=last_article,
        now=NOW,
    )
    if state == "none":
        assert notice is None
    elif state == "recovered":
        assert notice is not None and notice.state is None and "recovered" in notice.title
    else:
        assert notice is not None and notice.state == state and state in notice.title


def test_expected_silence_from_history() -> None:
    hour = 3600.0
    assert expected_silence([hour] * 4, timedelta(minutes=10), None) is None  # too little history
    assert expected_silence([hour] * 10, timedelta(minutes=10), None) == timedelta(hours=5)
    assert expected_silence([60.0] * 10, timedelta(minutes=10), None) == timedelta(hours=1)
    configured = timedelta(days=2)
    assert expected_silence([], timedelta(minutes=10), configured) == configured


def test_retention_drops_old_text_keeps_metadata_and_mentions(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    source = store.upsert_source(db, url="http://127.0.0.1/feed", name="L", kind="feed")
    old, _ = store.store_article(
        db,
        {
            "url": "http://127.0.0.1/old",
            "source_id": source,
            "title": "Old Taliban story",
            "text": "The Taliban said.",
            "extracted_from": "page",
        },
    )
    new, _ = store.store_article(
        db,
        {
            "url": "http://127.0.0.1/new",
            "source_id": source,
            "title": "New",
            "text": "Fresh text.",
            "extracted_from": "page",
        },
    )
    mention = {
        "entity_id": "taliban",
        "alias": "Taliban",
        "rule": "exact",
        "start_offset": 4,
        "end_offset": 11,
        "snippet": "Old Taliban story",
    }
    store.save_matches(db, old, [mention], {})
    db.execute("UPDATE articles SET first_seen = '2026-01-01T00:00:00Z' WHERE id = ?", [old])
    assert store.drop_old_text(db, store.utcnow() - timedelta(days=90)) == 1
    assert store.drop_old_text(db, store.utcnow() - timedelta(days=90)) == 0
    kept = db["articles"].get(old)
    assert kept["text"] is None and kept["title"] == "Old Taliban story"
    assert db["articles"].get(new)["text"] == "Fresh text."
    assert db["mentions"].count == 1
    # The full-text index forgets the dropped text too.
    hits = list(db.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'said'"))
    assert hits == []
