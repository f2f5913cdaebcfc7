"""Hostile articles and hostile configs, refused at the edges: unit tests (fast).

The system tests that replay each attack against local servers and subprocesses
are in tests/test_hardening_system.py.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from alerts.dispatch import _title_for
from alerts.render import Message, Templates, escape_for, render_alert
from alerts.safetext import (
    MAX_HEADER_WORD,
    header_value,
    json_line,
    one_line,
    strip_controls,
)
from alerts.targets import Target
from alerts.watchlist import Entity, WatchlistError, load_watchlist_file
from crawler import store
from scheduler.config import ConfigError, parse_config
from scheduler.instance import AlreadyRunning, InstanceLock
from scheduler.logs import JsonFormatter, TextFormatter
from scheduler.runtime import targets_of

HOSTILE = "Taliban <a href='http://evil.example'>win</a> *bold* _it_ ~s~ `c` 2026-12-01 @here"
CONTROLS = "Taliban \x1b[2J\x1b]0;pwned\x07 claim \x9b31m \u202eevil\u202c\x00 end"

# --- #4: escaping per service dialect ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fmt", "dialect"),
    [
        ("tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/12345", "html", "html"),
        ("discord://1234567/abcdefghijklmnopqrstuvwxyz0123456789", "markdown", "markdown"),
        ("mmost://127.0.0.1/abcdefghijklmnopqrstuvwxyz", "markdown", "markdown"),
        (
            "zulip://bot@example.zulipchat.com/abcdefghijklmnopqrstuvwxyz123456",
            "markdown",
            "markdown",
        ),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "markdown", "mrkdwn"),
        ("gchat://workspace/key/token", "markdown", "mrkdwn"),
        ("mailto://user:pass@example.com", "html", "html"),
        ("json://127.0.0.1/hook", "text", "text"),
    ],
)
def test_each_service_gets_a_format_and_dialect_chosen_for_it(
    url: str, fmt: str, dialect: str
) -> None:
    target = Target(url=url)
    assert (target.format, target.dialect) == (fmt, dialect)


def test_telegram_markdown_follows_its_markdown_version() -> None:
    v1 = Target(
        url="tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/1", body_format="markdown"
    )
    v2 = Target(
        url="tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/1?mdv=v2", body_format="markdown"
    )
    assert (v1.dialect, v2.dialect) == ("telegram-md", "telegram-mdv2")
    assert escape_for("telegram-md", "a_b*c") == "a\\_b\\*c"
    assert escape_for("telegram-mdv2", "2026-12-01.") == "2026\\-12\\-01\\."


def test_mrkdwn_escapes_without_backslashes() -> None:
    escaped = escape_for("mrkdwn", HOSTILE)
    assert "\\" not in escaped
    assert "<" not in escaped and ">" not in escaped and "&lt;a href" in escaped
    for mark in "*_~`":
        assert mark not in escaped
    assert "2026-12-01" in escaped  # readable: no "2026\-12\-01"
    assert "@here" not in escaped


def test_a_headline_is_inert_in_every_dialect() -> None:
    article = {"title": HOSTILE, "url": "http://127.0.0.1/a", "source": "S", "published": "now"}
    mentions = [{"entity_id": "taliban", "snippet": HOSTILE, "matched": "Taliban"}]
    entities = {"taliban": Entity("taliban", "Taliban", "group")}
    for url in (
        "tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/12345",
        "gchat://workspace/key/token",
        "mmost://127.0.0.1/abcdefghijklmnopqrstuvwxyz",
    ):
        target = Target(url=url)
        message = render_alert(
            article, ["taliban"], mentions, entities, target.format, dialect=target.dialect
        )
        title = _title_for(target, message)
        assert target.blends_title
        for text in (title, message.body):
            assert "evil.example'>" not in text and "@here" not in text, (url, text)
            if target.dialect != "html":  # in HTML, "*bold*" is only text
                assert "*bold*" not in text, (url, text)


def test_a_plain_title_stays_plain_where_the_service_keeps_it_apart() -> None:
    target = Target(url="mailto://user:pass@example.com")
    message = Message(title="Taliban & <b>allies</b>", body="x", format="html")
    assert _title_for(target, message) == "Taliban & <b>allies</b>"  # a Subject is text


# --- #5: secrets in labels --------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["json", "form", "xml", "jsons"])
def test_an_unnamed_webhook_is_labelled_without_its_path_token(scheme: str) -> None:
    target = Target(url=f"{scheme}://127.0.0.1:8080/hooks/s3cr3t-t0ken?x=1")
    assert "s3cr3t" not in target.label and "hooks" not in target.label
    assert target.label == f"{scheme}://127.0.0.1:8080/****/****"
    short = Target(url=f"{scheme}://127.0.0.1/abc")
    assert "abc" not in short.label


def test_labels_of_other_services_are_unchanged() -> None:
    assert Target(url="mailto://user:pass@example.com").label == "mailto://user:****@example.com/"
    assert Target(url="console://").label == "console://"


def test_webhooks_told_apart_only_by_their_token_need_names(tmp_path: Path) -> None:
    text = (
        '[[alert]]\nurl = "json://127.0.0.1/hooks/one-token"\n'
        '[[alert]]\nurl = "json://127.0.0.1/hooks/two-token"\n'
    )
    with pytest.raises(ConfigError, match="give each of them a `name`"):
        targets_of(parse_config(text))


# --- #7: control characters ------------------------------------------------------------


def test_controls_are_stripped_newlines_and_tabs_kept() -> None:
    cleaned = strip_controls(CONTROLS + "\n\tnext")
    assert not any(ch in cleaned for ch in "\x1b\x07\x9b\x00\u202e\u202c")
    assert cleaned.endswith("\n\tnext") and "claim" in cleaned
    assert "\n" not in one_line("a\nb\x1bc")


def test_json_output_escapes_the_controls_json_leaves_raw() -> None:
    line = json_line(json.dumps({"title": CONTROLS}, ensure_ascii=False))
    assert not any(ch in line for ch in "\x1b\x07\x9b\u202e")
    assert json.loads(line) == {"title": CONTROLS}  # the same data


def test_a_header_value_has_no_controls_and_no_unfoldable_word() -> None:
    value = header_value(CONTROLS + " " + "x" * 2000)
    assert "\x1b" not in value and "\n" not in value
    assert max(len(word) for word in value.split()) <= MAX_HEADER_WORD
    assert len(value) <= 250


def test_log_lines_carry_no_terminal_controls() -> None:
    record = logging.LogRecord("newsradar.x", logging.INFO, "", 0, "sent: %s", (CONTROLS,), None)
    for formatter in (TextFormatter(), JsonFormatter()):
        line = formatter.format(record)
        assert not any(ch in line for ch in "\x1b\x07\x9b\u202e"), line
    record = logging.LogRecord("n", logging.INFO, "", 0, "two\nlines", (), None)
    assert "\n" not in TextFormatter().format(record)
    assert json.loads(JsonFormatter().format(record))["message"] == "two\nlines"


# --- #8 and #12: configs that raised other errors -----------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('retention = "99999999999999999w"\n', "key 'retention'"),
        ('[crawl]\ninterval = "' + "9" * 30 + 'd"\n', "[crawl], key 'interval'"),
        ('[crawl]\nmax_size = "' + "9" * 400 + 'KB"\n', "[crawl], key 'max_size'"),
        ('[[entity]]\nid = "x"\nname = "X"\naliases = ["' + "a" * 1_000_000 + '"]\n', "aliases[0]"),
        ('[[entity]]\nid = "x"\nname = "' + "n" * 201 + '"\n', "key 'name'"),
    ],
)
def test_values_that_raised_other_errors_are_config_errors_naming_the_key(
    text: str, key: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert key in str(caught.value)


def test_a_csv_cell_over_the_field_limit_is_a_watchlist_error(tmp_path: Path) -> None:
    path = tmp_path / "watch.csv"
    path.write_text("id,name,aliases\nx,X," + "a" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="not valid CSV"):
        load_watchlist_file(path)
    config = tmp_path / "newsradar.toml"
    with pytest.raises(ConfigError, match="key 'watchlist'"):
        parse_config('watchlist = "watch.csv"\n', config)


def test_a_long_alias_in_a_watchlist_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "watch.csv"
    path.write_text("id,name,aliases\nx,X,ok;" + "a" * 300 + "\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="'aliases' has a value of 300 characters"):
        load_watchlist_file(path)


# Seven loops of ten over a list: 10 million steps that write nothing and call no range.
NESTED_LOOPS_WITHOUT_RANGE = (
    "{% set xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] %}" + "{% for a in xs %}" * 7 + "{% endfor %}" * 7
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "100,000 items",
        ),
        ("{{ 'x' * 10**9 }}", "more than 100,000 items"),
        ("{{ (article.title | length) ** 9999999 }}", "exponent"),
        ("{{ 'x' * 1000000 }}", "more than 100,000 items"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{% for a in range(99999) %}{{ 'y' * 99 }}{% endfor %}", "more than 1,000,000 characters"),
        (NESTED_LOOPS_WITHOUT_RANGE, "more than 1,000,000 steps"),
    ],
)
def test_a_runaway_or_failing_template_is_a_config_error_quickly(body: str, reason: str) -> None:
    text = f'[[alert]]\nurl = "json://127.0.0.1/hook"\nbody_template = "{body}"\n'
    start = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert reason in str(caught.value) and "body_template" in str(caught.value)
    assert time.monotonic() - start < 4


def test_a_loop_that_writes_nothing_leaves_no_render_running() -> None:
    body = NESTED_LOOPS_WITHOUT_RANGE
    text = f'[[alert]]\nurl = "json://127.0.0.1/hook"\nbody_template = "{body}"\n'
    with pytest.raises(ConfigError, match="steps"):
        parse_config(text)
    # The render stopped itself: no trial render is left running in the background.
    assert not [t for t in threading.enumerate() if t.name == "template check"]


def test_every_kind_of_loop_still_works_under_the_bound() -> None:
    custom = Templates(
        body="{% for m in [0, none] if m %}{{ loop.index }}{% else %}none{% endfor %}"
        "{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}"
        "{% for n in [[1, [[2, []]]]] recursive %}{{ n[0] }}{{ loop(n[1]) }}{% endfor %}"
    )
    article = {"title": "T", "url": "http://127.0.0.1/a", "source": "S", "published": "now"}
    assert render_alert(article, [], [], {}, "text", custom).body == "nonea112"


def test_an_ordinary_template_still_renders() -> None:
    custom = Templates(body="{% for i in range(3) %}{{ i }}{% endfor %} {{ article.title }}")
    article = {"title": "T", "url": "http://127.0.0.1/a", "source": "S", "published": "now"}
    message = render_alert(article, [], [], {}, "text", custom)
    assert message.body == "012 T"


# --- #10: one service per database ----------------------------------------------------


def test_the_instance_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    database = tmp_path / "radar.db"
    with InstanceLock(database), pytest.raises(AlreadyRunning, match="already running on"):
        InstanceLock(database).acquire()
    InstanceLock(database).acquire().release()  # free again


# --- #11: text that is not UTF-8 -------------------------------------------------------------


def test_stored_text_that_is_not_utf8_is_read_with_replacement(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    source = store.upsert_source(db, url="http://127.0.0.1/feed", name="S", kind="feed")
    article_id, _ = store.store_article(
        db,
        {"url": "http://127.0.0.1/a", "source_id": source, "title": "ok", "extracted_from": "feed"},
    )
    db.execute(
        "UPDATE articles SET title = CAST(X'54616cff62616e' AS TEXT) WHERE id = ?", [article_id]
    )
    db.conn.commit()
    db.close()
    again = store.open_db(tmp_path / "radar.db")
    (title,) = again.execute("SELECT title FROM articles").fetchone()
    assert title == "Tal\ufffdban"
    again.close()


def test_sqlite_errors_in_use_are_explained_in_one_line() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL
    error = store.explain(full, "radar.db")
    assert isinstance(error, store.DatabaseFull) and "disk is full" in str(error)
    assert "\n" not in str(store.explain(sqlite3.OperationalError("a\nb")))
