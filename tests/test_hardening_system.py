"""Each attack on the edges, replayed against real servers on 127.0.0.1 and real
`newsradar` subprocesses: hostile headlines, secrets in URLs, terminal controls,
hostile configs, templates that fail at send time, two services on one database,
damaged and full databases, unfoldable headlines and slow receivers.

Fast unit tests of the same rules are in tests/test_hardening.py.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from authfeed import AuthFeed, serving

from alerts.dispatch import DeliveryPolicy, dispatch_due
from alerts.pending import match_pending
from alerts.targets import Target, console_target
from alerts.watchlist import Entity, Watchlist
from conftest import newsradar
from crawler import store
from newssite import NewsSite
from receivers import SmtpServer, WebhookReceiver

pytestmark = pytest.mark.slow

WATCHLIST = Watchlist.compile([Entity("taliban", "Taliban", "group", tags=("groups",))])
FAST = DeliveryPolicy(
    retry_after=timedelta(seconds=0), retry_max=timedelta(seconds=0), max_attempts=3, timeout=10
)
ENTITY = '[[entity]]\nid = "taliban"\nname = "Taliban"\nkind = "group"\n'
CONTROLS = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202e"
STORY = ["Taliban envoys arrived in Doha on Tuesday for a new round of talks, officials said."]


def config_file(path: Path, *lines: str, sources: list[tuple[str, str]] = ()) -> Path:
    """A config: radar.db beside it, the Taliban entity, these sources and extra lines."""
    text = ['database = "radar.db"', '[delivery]\nretry_after = "1s"\nretry_max = "2s"']
    for name, url in sources:
        text += ["[[source]]", f'name = "{name}"', f'url = "{url}"']
    path.write_text("\n".join([*text, ENTITY, *lines]) + "\n", encoding="utf-8")
    return path


def add_article(db, slug: str, title: str, text: str = STORY[0], source: str = "Ledger") -> int:
    source_id = store.upsert_source(db, url=f"http://127.0.0.1/{source}", name=source, kind="feed")
    article_id, status = store.store_article(
        db,
        {
            "url": f"http://127.0.0.1/news/{slug}",
            "source_id": source_id,
            "title": title,
            "text": text,
            "extracted_from": "page",
        },
    )
    assert status == "new"
    return article_id


def dispatch(db, targets, policy=FAST):
    return asyncio.run(dispatch_due(db, targets, WATCHLIST.entities, policy))


def no_traceback(result: subprocess.CompletedProcess[str]) -> str:
    """The command's stderr, checked to be short and free of any traceback."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    return result.stderr


# --- #4: Markdown and HTML injection -------------------------------------------------------


def test_a_hostile_headline_reaches_mattermost_as_inert_markdown(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    db = store.open_db(tmp_path / "radar.db")
    add_article(db, "hostile", "Taliban [win](http://evil.example) **now** <b>x</b> @channel")
    # Mattermost is self-hosted: Apprise posts to this receiver as it would to a server.
    target = Target(url=f"mmost://127.0.0.1:{webhook.port}/abcdefghijklmnopqrstuvwxyz")
    assert (target.format, target.dialect) == ("markdown", "markdown")  # not Apprise's TEXT
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target]).sent == 1
    (request,) = webhook.wait_for(1)
    text = request["json"]["text"]
    assert "[win](http://evil.example)" not in text and "**now**" not in text
    assert "\\[win\\]\\(http://evil\\.example\\)" in text  # escaped in the headline too
    assert "@channel" not in text
    db.close()


# --- #5: secrets ---------------------------------------------------------------------------


def test_an_unnamed_webhook_token_is_never_stored_or_printed(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver
) -> None:
    token = "Tk9uZVNlY3JldFRva2Vu"
    news_site.publish("doha", "Taliban envoys return to Doha", STORY)
    hook = f"json://127.0.0.1:{webhook.port}/hooks/{token}"
    config = config_file(
        tmp_path / "newsradar.toml",
        f'[[alert]]\nurl = "{hook}"',
        sources=[("Ledger", news_site.rss_url)],
    )
    run = newsradar("run", "--once", "-c", str(config))
    assert run.returncode == 0, run.stderr
    assert webhook.wait_for(1)[0]["path"] == f"/hooks/{token}"  # delivered to the real path
    outputs = [run.stdout + run.stderr]
    for command in (["alerts"], ["alerts", "--failed"], ["notify-test"]):
        result = newsradar(*command, "-c", str(config))
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    assert f"json://127.0.0.1:{webhook.port}/****/****: 1 sent" in outputs[1]
    assert "json://127.0.0.1" in outputs[3] and "sent" in outputs[3]
    for output in outputs:
        assert token not in output, output
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("radar.db*"))
    assert token.encode() not in raw  # nothing Datasette (or sqlite3) could show


@pytest.fixture
def auth_feed() -> Iterator[AuthFeed]:
    """A feed behind basic auth (user "reader", password "s3cret:pw") on 127.0.0.1."""
    with serving("reader", "s3cret:pw") as feed:
        yield feed


def test_a_password_in_a_source_url_is_sent_as_basic_auth_and_kept_nowhere(
    tmp_path: Path, auth_feed: AuthFeed
) -> None:
    config = config_file(
        tmp_path / "newsradar.toml",
        sources=[("Private", f"http://reader:s3cret%3Apw@{auth_feed.address}/feed.xml")],
    )
    checked = newsradar("check", "-c", str(config))
    assert checked.returncode == 0, checked.stderr
    run = newsradar("run", "--once", "-c", str(config))
    assert run.returncode == 0, run.stderr
    assert "1 new articles" in run.stderr
    assert auth_feed.seen and all(auth is not None for _, auth in auth_feed.seen[-2:])
    exported = newsradar("sources", "export", "-c", str(config))
    outputs = run.stdout + run.stderr + checked.stdout + exported.stdout + exported.stderr
    assert "s3cret" not in outputs
    db = sqlite3.connect(tmp_path / "radar.db")
    dump = "\n".join(db.iterdump())
    db.close()
    assert "s3cret" not in dump and "reader" not in dump
    assert f"http://{auth_feed.address}/feed.xml" in dump  # the source, without its user info


# --- #7: control characters ----------------------------------------------------------------


def test_terminal_controls_in_a_title_reach_no_terminal_log_or_subject(
    tmp_path: Path, smtp_server: SmtpServer, capfd: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path / "newsradar.toml")
    db = store.open_db(tmp_path / "radar.db")
    add_article(db, "controls", f"Taliban {CONTROLS} claim", f"The Taliban {CONTROLS} said.")
    mail = Target(url=smtp_server.apprise_url(), name="mail")
    targets = [console_target(), mail]
    match_pending(db, WATCHLIST, targets)
    assert dispatch(db, targets).sent == 2
    printed = capfd.readouterr().out
    assert "Taliban" in printed
    (message,) = smtp_server.wait_for(1)
    outputs = [printed, message["Subject"]]
    db.close()
    for command in (
        ["matches"],
        ["search", "Taliban", "-c", str(config)],
        ["matches", "--json"],
        ["search", "Taliban", "--json", "-c", str(config)],
        ["status"],
        ["alerts"],
    ):
        args = command if "-c" in command else [*command, "-c", str(config)]
        result = newsradar(*args)
        outputs.append(result.stdout + result.stderr)
    assert "claim" in outputs[2] and "claim" in outputs[3]
    for output in outputs:
        for control in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert control not in output, (control, output)


# --- #8: configs that raised other errors, runaway templates --------------------------------

HOSTILE_CONFIGS = {
    "absurd duration": 'retention = "99999999999999999w"',
    "CSV cell over 128 KB": 'watchlist = "watch.csv"',
    "nested loops": (
        '[[alert]]\nurl = "json://127.0.0.1:9/hook"\nbody_template = "{% for a in '
        'range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"'
    ),
    "template failing": (
        '[[alert]]\nurl = "json://127.0.0.1:9/hook"\nbody_template = "{{ \'%d\' % article.title }}"'
    ),
}


@pytest.mark.parametrize("problem", sorted(HOSTILE_CONFIGS))
def test_check_reports_a_hostile_config_in_one_line_and_quickly(
    tmp_path: Path, problem: str
) -> None:
    (tmp_path / "watch.csv").write_text("id,name,aliases\nx,X," + "a" * 200_000 + "\n")
    config = config_file(tmp_path / "newsradar.toml", HOSTILE_CONFIGS[problem])
    start = time.monotonic()
    result = newsradar("check", "-c", str(config), timeout=60)
    assert time.monotonic() - start < 30
    assert result.returncode == 1
    assert str(config) in no_traceback(result)


def test_a_reload_that_fails_for_any_reason_keeps_the_service_running(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver, services
) -> None:
    (tmp_path / "watch.csv").write_text("id,name,aliases\nx,X," + "a" * 200_000 + "\n")
    sources = [("Ledger", news_site.rss_url)]
    alert = f'[[alert]]\nurl = "{webhook.apprise_url()}"\nname = "desk"'
    good = config_file(
        tmp_path / "newsradar.toml", '[crawl]\ninterval = "1s"', alert, sources=sources
    )
    text = good.read_text()
    service = services(good)
    service.wait_until(lambda: "source Ledger: 0 new articles" in service.log)
    for number, problem in enumerate(sorted(HOSTILE_CONFIGS), start=1):
        good.write_text(text + HOSTILE_CONFIGS[problem] + "\n")
        service.process.send_signal(signal.SIGHUP)
        service.wait_until(lambda n=number: service.log.count("reload refused") == n)
    good.write_text(text)
    news_site.publish("doha", "Taliban envoys return to Doha", STORY)  # still polling
    (hook,) = webhook.wait_for(1, timeout=30)
    assert "Doha" in hook["json"]["title"]
    assert "Traceback" not in service.log
    assert service.stop() == 0


# --- #9: a template that fails only at send time ----------------------------------------------


def test_a_template_failing_at_send_time_fails_only_its_target(
    tmp_path: Path, news_site: NewsSite
) -> None:
    title = "Taliban envoys return to Doha"
    # Passes `check` (the sample headline is not this long) and divides by zero on this one.
    bad = f"{{{{ 1 / (article.title | length - {len(title)}) }}}}"
    with WebhookReceiver() as good_hook, WebhookReceiver() as bad_hook:
        news_site.publish("doha", title, STORY)
        config = config_file(
            tmp_path / "newsradar.toml",
            f'[[alert]]\nurl = "{bad_hook.apprise_url()}"\nname = "bad"\nbody_template = "{bad}"',
            f'[[alert]]\nurl = "{good_hook.apprise_url()}"\nname = "good"',
            sources=[("Ledger", news_site.rss_url)],
        )
        first = newsradar("run", "--once", "-c", str(config))
        assert first.returncode == 0, first.stderr
        assert "1 alerts sent, 1 alerts to retry" in first.stderr
        assert "Traceback" not in first.stderr
        second = newsradar("run", "--once", "-c", str(config))
        assert second.returncode == 0, second.stderr
        time.sleep(0.5)
        assert len(good_hook.requests) == 1 and not bad_hook.requests  # nothing sent twice
    db = sqlite3.connect(tmp_path / "radar.db")
    ((status, attempts, error),) = db.execute(
        "SELECT status, attempts, last_error FROM alerts WHERE target = 'bad'"
    ).fetchall()
    db.close()
    assert status == "pending" and attempts == 2  # retried with backoff, not stuck
    assert "ZeroDivisionError" in error


# --- #10: two services on one database -------------------------------------------------------


def test_a_second_service_on_the_same_database_is_refused(
    tmp_path: Path, news_site: NewsSite, services
) -> None:
    config = config_file(
        tmp_path / "newsradar.toml",
        '[crawl]\ninterval = "1h"',
        sources=[("Ledger", news_site.rss_url)],
    )
    first = services(config)
    first.wait_until(lambda: "newsradar running" in first.log)
    second = newsradar("run", "-c", str(config), timeout=60)
    assert second.returncode == 1
    assert "already running on" in no_traceback(second)
    once = newsradar("run", "--once", "-c", str(config), timeout=60)
    assert once.returncode == 1 and "already running" in once.stderr
    first.kill()  # SIGKILL: the kernel releases the lock with the process
    third = services(config)
    third.wait_until(lambda: third.log.count("newsradar running") == 2)
    assert third.stop() == 0


# --- #11: database problems ------------------------------------------------------------------

READERS = [
    ["matches"],
    ["search", "Taliban"],
    ["stats"],
    ["alerts"],
    ["alerts", "retry"],
    ["rematch"],
    ["status"],
    ["run", "--once"],
]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A directory on a 600 KB tmpfs of its own (skipped where mounting is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small file system is not permitted here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path, leave: int = 0) -> None:
    """Fill ``disk`` up, then give back ``leave`` bytes."""
    filler = disk / "filler"
    try:
        with filler.open("wb") as file:
            while True:
                file.write(b"x" * 4096)
                file.flush()
    except OSError:
        pass  # full
    with filler.open("r+b") as file:
        file.truncate(max(filler.stat().st_size - leave, 0))


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_file_that_is_not_a_database_is_one_line_from_every_command(
    tmp_path: Path, command: list[str]
) -> None:
    config = config_file(tmp_path / "newsradar.toml")
    (tmp_path / "radar.db").write_bytes(b"PK\x03\x04 not a database at all" * 100)
    result = newsradar(*command, "-c", str(config))
    assert result.returncode == 1
    assert "not a newsradar database" in no_traceback(result)


def test_a_read_only_file_system_is_one_line_from_every_command(small_disk: Path) -> None:
    config = config_file(small_disk.parent / "newsradar.toml")
    config.write_text(config.read_text().replace('"radar.db"', '"disk/radar.db"'))
    store.open_db(small_disk / "radar.db").close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in READERS:
        result = newsradar(*command, "-c", str(config))
        assert result.returncode == 1, (command, result.stdout)
        assert "cannot" in no_traceback(result), command
        assert "write access" in result.stderr or "Read-only file system" in result.stderr


def test_a_database_locked_too_long_is_one_line(tmp_path: Path) -> None:
    config = config_file(tmp_path / "newsradar.toml")
    store.open_db(tmp_path / "radar.db").close()
    holder = sqlite3.connect(tmp_path / "radar.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a sqlite3 shell left mid-transaction
    try:
        result = newsradar("alerts", "retry", "-c", str(config), timeout=90)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert "locked by another process" in no_traceback(result)


def test_stored_text_that_is_not_utf8_is_shown_not_a_crash(tmp_path: Path) -> None:
    config = config_file(tmp_path / "newsradar.toml")
    db = store.open_db(tmp_path / "radar.db")
    article_id = add_article(db, "bytes", "Taliban claim")
    target = console_target()
    match_pending(db, WATCHLIST, [target])
    db.execute(
        "UPDATE articles SET title = CAST(X'54616c6962616e20ff636c61696d' AS TEXT) WHERE id = ?",
        [article_id],
    )
    db.conn.commit()
    db.close()
    for command in (["matches"], ["search", "Taliban"], ["alerts"], ["run", "--once"]):
        result = newsradar(*command, "-c", str(config))
        assert "Traceback" not in result.stderr, result.stderr
    listed = newsradar("matches", "-c", str(config))
    assert listed.returncode == 0 and "Taliban \ufffdclaim" in listed.stdout


def test_on_a_full_disk_a_poll_fails_and_claims_nothing_new(
    small_disk: Path, news_site: NewsSite
) -> None:
    config = config_file(
        small_disk.parent / "newsradar.toml", sources=[("Ledger", news_site.rss_url)]
    )
    config.write_text(config.read_text().replace('"radar.db"', '"disk/radar.db"'))
    store.open_db(small_disk / "radar.db").close()
    _fill(small_disk, leave=48 * 1024)  # room to start, none for the articles
    for number in range(8):
        news_site.publish(f"story-{number}", f"Taliban story {number}", [STORY[0] * 40])
    result = newsradar("run", "--once", "-c", str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "the disk is full" in result.stderr
    assert "0/1 sources polled, 0 new articles" in result.stderr
    db = sqlite3.connect(small_disk / "radar.db")
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    validators = db.execute("SELECT count(*) FROM http_validators").fetchone()[0]
    db.close()
    assert stored == 0 and validators == 0  # the next poll fetches every entry again


# --- #13: unfoldable headlines, failed stories, slow receivers ---------------------------------

LONG_STORY = (
    "Taliban envoys arrived in the Qatari capital on Tuesday for a new round of talks on "
    "prisoner releases, two officials familiar with the schedule said. The delegation is led "
    "by aides to the interior minister, according to a statement read to reporters outside "
    "the venue. Diplomats said the agenda also covers security guarantees and the movement "
    "of foreign fighters, a long-standing point of friction. Neither side gave a date."
)


def test_a_headline_with_a_2000_character_word_reaches_a_strict_smtp_server(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    db = store.open_db(tmp_path / "radar.db")
    add_article(db, "long-word", "Taliban " + "W" * 2000 + " claim")
    target = Target(url=smtp_server.apprise_url(), name="mail")
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target]).sent == 1  # aiosmtpd refuses lines over 998 characters
    (mail,) = smtp_server.wait_for(1)
    subject = " ".join(mail["Subject"].split())
    assert subject.startswith("Taliban: Taliban WWW") and subject.endswith("… claim")
    db.close()


def test_a_story_whose_alert_failed_for_good_does_not_swallow_a_later_copy(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    db = store.open_db(tmp_path / "radar.db")
    target = Target(url=smtp_server.apprise_url(), name="mail")
    once = DeliveryPolicy(max_attempts=1, timeout=10)
    add_article(db, "hostile-copy", "Taliban talks resume", LONG_STORY, source="Mirror")
    match_pending(db, WATCHLIST, [target])
    smtp_server.fail_with(550, "Message rejected", times=1)
    assert dispatch(db, [target], once).failed == 1  # given up on
    add_article(db, "original", "Taliban envoys return to Doha", LONG_STORY, source="Ledger")
    report = match_pending(db, WATCHLIST, [target])
    assert report.copies == 1  # the same story…
    assert dispatch(db, [target], once).sent == 1  # …and still an alert, for this copy
    (mail,) = smtp_server.wait_for(1)
    assert "Taliban envoys return to Doha" in mail["Subject"]
    # A third copy, with the story now alerted, stays silent as copies do.
    add_article(db, "third", "Taliban talks, again", LONG_STORY, source="Wire")
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target], once).sent == 0
    db.close()


def test_a_slow_receiver_is_waited_for_and_sent_to_once(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    db = store.open_db(tmp_path / "radar.db")
    add_article(db, "slow", "Taliban envoys return to Doha")
    target = Target(url=webhook.apprise_url(), name="hook")
    match_pending(db, WATCHLIST, [target])
    webhook.respond_after(6)  # longer than Apprise's own 4 s socket timeout
    patient = DeliveryPolicy(retry_after=timedelta(0), retry_max=timedelta(0), timeout=15)
    assert dispatch(db, [target], patient).sent == 1
    assert dispatch(db, [target], patient).sent == 0
    assert len(webhook.requests) == 1
    db.close()
