"""The rules the service follows, without running it: poll intervals and their backoff,
cron schedules, operator notices, expected silence, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler import store
from scheduler.config import ScheduleError, check_cron, cron_trigger, parse_config
from scheduler.health import expected_silence, notice_for
from scheduler.service import poll_interval, source_trigger


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


@pytest.mark.parametrize(
    ("alias", "after", "fires"),
    [
        ("@hourly", datetime(2026, 11, 27, 18, 5, tzinfo=UTC), datetime(2026, 11, 27, 19, 0)),
        ("@daily", datetime(2026, 11, 27, 18, 5, tzinfo=UTC), datetime(2026, 11, 28, 0, 0)),
        ("@midnight", datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC), datetime(2026, 11, 28, 0, 0)),
        # 2026-11-27 is a Friday: the week starts on Sunday the 29th, at midnight.
        ("@weekly", datetime(2026, 11, 27, 18, 5, tzinfo=UTC), datetime(2026, 11, 29, 0, 0)),
        ("@monthly", datetime(2026, 11, 27, 18, 5, tzinfo=UTC), datetime(2026, 12, 1, 0, 0)),
    ],
)
def test_cron_shorthands_mean_what_crontab_means(
    alias: str, after: datetime, fires: datetime
) -> None:
    assert cron_trigger(alias).get_next_fire_time(None, after) == fires.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "schedule", ["@daily8", "61 * * * *", "* * * *", "0 0 * * 8", "0 0 * * x-"]
)
def test_bad_cron_schedules_raise_a_named_error(schedule: str) -> None:
    with pytest.raises(ScheduleError, match="bad cron schedule"):
        check_cron(schedule)
