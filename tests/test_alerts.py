"""Alerts reach the right people once, readable, escaped, never lost.

Every delivery here goes to a real receiver on 127.0.0.1: an aiosmtpd SMTP server
with AUTH, or an HTTP webhook receiver.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.dispatch import DeliveryPolicy, dispatch_due, send_digest
from alerts.pending import match_pending
from alerts.render import TemplateProblem, Templates, render_alert
from alerts.targets import Target
from alerts.watchlist import Entity, Watchlist
from conftest import newsradar
from crawler import store
from newssite import NewsSite
from receivers import SmtpServer, WebhookReceiver

pytestmark = pytest.mark.slow  # every test delivers to a real receiver or runs `newsradar`

ENTITIES = [
    Entity("taliban", "Taliban", "group", tags=("groups",)),
    Entity("al-qaeda", "al Qaeda", "group", aliases=("al-Qaida",), tags=("groups",)),
    Entity("sirajuddin-haqqani", "Sirajuddin Haqqani", "official", tags=("officials",)),
]
WATCHLIST = Watchlist.compile(ENTITIES)
FAST = DeliveryPolicy(
    retry_after=timedelta(seconds=0), retry_max=timedelta(seconds=0), max_attempts=3, timeout=10
)

HOSTILE_TITLE = "Taliban **bold** claim & <b>counter</b> @everyone"
HOSTILE_TEXT = (
    "The Taliban said <script>alert('x')</script> **bold** @everyone <!channel> "
    "[click](http://evil.example) in a statement on Monday."
)


@pytest.fixture
def db(tmp_path: Path):
    database = store.open_db(tmp_path / "radar.db")
    yield database
    database.close()


def add_article(db, slug: str, title: str, text: str, published: str | None = None) -> int:
    source_id = store.upsert_source(
        db, url="http://127.0.0.1/feed", name="Kabul Ledger", kind="feed"
    )
    article_id, status = store.store_article(
        db,
        {
            "url": f"http://127.0.0.1/news/{slug}",
            "source_id": source_id,
            "title": title,
            "text": text,
            "published": published,
            "extracted_from": "page",
        },
    )
    assert status == "new"
    return article_id


def dispatch(db, targets, policy=FAST):
    return asyncio.run(dispatch_due(db, targets, WATCHLIST.entities, policy))


# --- content and escaping ------------------------------------------------------


def test_email_has_escaped_html_and_text_parts(db, smtp_server: SmtpServer) -> None:
    add_article(db, "hostile", HOSTILE_TITLE, HOSTILE_TEXT, "2026-11-27T08:00:00Z")
    target = Target(url=smtp_server.apprise_url(), name="inbox")
    assert target.format == "html"
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target]).sent == 1

    (mail,) = smtp_server.wait_for(1)
    assert "Taliban" in mail["Subject"] and "@\u200beveryone" in mail["Subject"]
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>counter</b>" not in html
    assert "<mark>Taliban</mark>" in html
    assert "@everyone" not in html and "@\u200beveryone" in html
    assert '<a href="http://127.0.0.1/news/hostile">' in html
    assert "Kabul Ledger" in html and "2026-11-27T08:00:00Z" in html
    text = mail.get_body(("plain",)).get_content()
    assert "@everyone" not in text
    assert "http://127.0.0.1/news/hostile" in text
    assert smtp_server.deliveries[0].login == "radar"  # it authenticated


@pytest.mark.parametrize(
    ("fmt", "present", "absent"),
    [
        ("text", ["[Taliban]", "@\u200beveryone", "<\u200b!channel>"], ["@everyone", "<!channel>"]),
        (
            "markdown",
            [
                "**Taliban**",
                r"\*\*bold\*\*",
                r"\[click\]\(http://evil\.example\)",
                "@\u200beveryone",
            ],
            ["@everyone", "[click](", "<!channel>"],
        ),
        ("html", ["<mark>Taliban</mark>", "&lt;script&gt;"], ["<script>", "@everyone"]),
    ],
)
def test_webhook_body_is_escaped_for_its_format(
    db, webhook: WebhookReceiver, fmt: str, present: list[str], absent: list[str]
) -> None:
    add_article(db, "hostile", HOSTILE_TITLE, HOSTILE_TEXT)
    target = Target(url=webhook.apprise_url(), name="hook", body_format=fmt)
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target]).sent == 1
    (request,) = webhook.wait_for(1)
    message = request["json"]["message"]
    for fragment in present:
        assert fragment in message, (fragment, message)
    for fragment in absent:
        assert fragment not in message, (fragment, message)
    assert "@everyone" not in request["json"]["title"]


def test_one_alert_per_article_grouped_by_kind(db, webhook: WebhookReceiver) -> None:
    add_article(
        db,
        "many",
        "Haqqani visits Doha",
        "Sirajuddin Haqqani met al Qaeda envoys. The Taliban denied it. "
        "Later the Taliban repeated the denial. al-Qaida did not comment.",
    )
    target = Target(url=webhook.apprise_url(), name="hook")
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target]).sent == 1
    (request,) = webhook.wait_for(1)
    message = request["json"]["message"]
    # Groups first, then officials; one line naming them all.
    assert "Matched: al Qaeda (group), Taliban (group), Sirajuddin Haqqani (official)" in message
    assert message.count("Taliban: “") == 2  # a snippet for each distinct mention


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    entities = {"taliban": ENTITIES[0]}
    article = {"title": "T", "url": "http://127.0.0.1/a", "source": "S", "published": "now"}
    mentions = [{"entity_id": "taliban", "snippet": "The Taliban said.", "matched": "Taliban"}]
    custom = Templates(
        title="[{{ entity_names }}] {{ article.title }}",
        body="{% for e in entities %}{{ e.name }}: {{ e.snippets[0].match }}{% endfor %}",
    )
    message = render_alert(article, ["taliban"], mentions, entities, "text", custom)
    assert (message.title, message.body) == ("[Taliban] T", "Taliban: Taliban")

    marker = tmp_path / "pwned"
    for attack in (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}",
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}",
    ):
        with pytest.raises(TemplateProblem, match=r"unsafe|undefined"):
            render_alert(article, ["taliban"], mentions, entities, "text", Templates(body=attack))
    assert not marker.exists()

    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[alert]]\nurl = "json://127.0.0.1:9/x"\nbody_template = "{{ \'\'.__class__.__mro__ }}"\n'
    )
    result = newsradar("check", "-c", str(bad))
    assert result.returncode != 0
    assert "key 'body_template': template does not render" in result.stderr


# --- routing, digests and rate limits ------------------------------------------------


def test_routing_by_tags(db, webhook: WebhookReceiver) -> None:
    groups = Target(url=webhook.apprise_url("/groups"), name="groups desk", tags=("groups",))
    officials = Target(url=webhook.apprise_url("/officials"), name="officials", tags=("officials",))
    everyone = Target(url=webhook.apprise_url("/all"), name="everything")
    add_article(db, "t", "Taliban statement", "The Taliban issued a statement.")
    add_article(db, "h", "Interior ministry", "Sirajuddin Haqqani spoke on Monday.")
    add_article(db, "none", "Weather", "Rain is expected in Kabul.")
    targets = [groups, officials, everyone]
    match_pending(db, WATCHLIST, targets)
    assert dispatch(db, targets).sent == 4
    requests = webhook.wait_for(4)
    by_path: dict[str, list[str]] = {}
    for request in requests:
        by_path.setdefault(request["path"], []).append(request["json"]["title"])
    assert by_path["/groups"] == ["Taliban: Taliban statement"]
    assert by_path["/officials"] == ["Sirajuddin Haqqani: Interior ministry"]
    assert sorted(by_path["/all"]) == [
        "Sirajuddin Haqqani: Interior ministry",
        "Taliban: Taliban statement",
    ]


def test_digest_groups_by_entity_newest_first(db, webhook: WebhookReceiver) -> None:
    target = Target(url=webhook.apprise_url(), name="digest", mode="digest", schedule="0 * * * *")
    add_article(db, "old", "Older Taliban story", "The Taliban said.", "2026-11-26T08:00:00Z")
    add_article(
        db, "new", "Newer Taliban story", "The Taliban and al Qaeda said.", "2026-11-27T08:00:00Z"
    )
    add_article(db, "siraj", "Haqqani story", "Sirajuddin Haqqani said.", "2026-11-25T08:00:00Z")
    match_pending(db, WATCHLIST, [target])
    # Instant dispatch leaves digest targets alone.
    assert dispatch(db, [target]).sent == 0
    report = asyncio.run(send_digest(db, target, WATCHLIST.entities, FAST))
    assert report.sent == 3
    (request,) = webhook.wait_for(1)
    assert request["json"]["title"] == (
        "newsradar digest: 3 articles (al Qaeda, Taliban, Sirajuddin Haqqani)"
    )
    body = request["json"]["message"]
    taliban = body.index("Taliban (group)")
    assert body.index("Newer Taliban story", taliban) < body.index("Older Taliban story", taliban)
    assert body.index("Sirajuddin Haqqani (official)") > taliban
    assert asyncio.run(send_digest(db, target, WATCHLIST.entities, FAST)).sent == 0


def test_rate_limit_folds_the_rest_into_a_digest(db, webhook: WebhookReceiver) -> None:
    target = Target(url=webhook.apprise_url(), name="limited", max_per_hour=2)
    for i in range(5):
        add_article(db, f"s{i}", f"Taliban story {i}", "The Taliban said.")
    match_pending(db, WATCHLIST, [target])
    report = dispatch(db, [target])
    assert report.sent == 5  # every alert delivered...
    requests = webhook.wait_for(2)
    time.sleep(0.3)
    assert len(webhook.requests) == 2  # ...in two messages
    assert requests[0]["json"]["title"] == "Taliban: Taliban story 0"
    assert requests[1]["json"]["title"].startswith("newsradar digest: 4 articles")
    for i in range(1, 5):
        assert f"Taliban story {i}" in requests[1]["json"]["message"]
    # The hour is used up: a new alert waits, pending, instead of being dropped.
    add_article(db, "s5", "Taliban story 5", "The Taliban said.")
    match_pending(db, WATCHLIST, [target])
    assert dispatch(db, [target]).sent == 0
    assert store.status_figures(db)["alerts_pending"] == 1


# --- failures, retries and giving up -----------------------------------------------------


def test_failures_are_retried_then_marked_failed_and_retried_by_hand(
    db, webhook: WebhookReceiver
) -> None:
    target = Target(url=webhook.apprise_url(), name="hook")
    add_article(db, "t", "Taliban statement", "The Taliban issued a statement.")
    match_pending(db, WATCHLIST, [target])
    webhook.fail_with(503)
    for _ in range(FAST.max_attempts):
        assert dispatch(db, [target]).failed == 1
    (row,) = store.failed_alerts(db)
    assert row["attempts"] == FAST.max_attempts and "503" in row["last_error"]
    assert dispatch(db, [target]).failed == 0  # given up: no more attempts
    webhook.fail_with(None)
    assert store.retry_failed(db) == 1
    assert dispatch(db, [target]).sent == 1
    assert [r["status"] for r in webhook.requests] == [503, 503, 503, 200]


def write_service_config(
    path: Path, site: NewsSite, alerts: list[str], retry_after: str = "1s"
) -> Path:
    lines = [
        'database = "radar.db"',
        "[crawl]",
        'interval = "1h"',
        "[delivery]",
        f'retry_after = "{retry_after}"',
        'retry_max = "2s"',
        "max_attempts = 100",
        "[[source]]",
        'name = "Kabul Ledger"',
        f'url = "{site.rss_url}"',
    ]
    for entity in ENTITIES:
        lines += ["[[entity]]", f'id = "{entity.id}"', f'name = "{entity.name}"']
        lines += [f'kind = "{entity.kind}"', f"aliases = {json.dumps(list(entity.aliases))}"]
    lines += alerts
    path.write_text("\n".join(lines) + "\n")
    return path


STORIES = [
    ("talks", "Taliban envoys return to Doha", ["Taliban envoys arrived in Doha on Tuesday."]),
    ("report", "Monitors report on al-Qaida", ["A report says al-Qaida keeps a presence."]),
    ("minister", "Minister visits Khost", ["Sirajuddin Haqqani visited Khost on Monday."]),
]


def start_service(config: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", "run", "-c", str(config)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_outage_then_recovery_delivers_everything_exactly_once(
    tmp_path: Path, news_site: NewsSite, smtp_server: SmtpServer, webhook: WebhookReceiver
) -> None:
    for story in STORIES:
        news_site.publish(*story)
    smtp_server.fail_with(451, "Mailbox busy, try again later")
    webhook.fail_with(503)
    config = write_service_config(
        tmp_path / "newsradar.toml",
        news_site,
        [
            "[[alert]]",
            f'url = "{smtp_server.apprise_url()}"',
            "[[alert]]",
            f'url = "{webhook.apprise_url()}"',
        ],
    )
    log = tmp_path / "service.log"
    service = start_service(config, log)
    try:
        deadline = time.monotonic() + 40
        while len([r for r in webhook.requests if r["status"] == 503]) < 6:  # retried
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert smtp_server.messages == []
        smtp_server.fail_with(None)
        webhook.fail_with(None)
        mails = smtp_server.wait_for(3, timeout=30)
        deadline = time.monotonic() + 30
        while len([r for r in webhook.requests if r["status"] == 200]) < 3:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(3)  # several more dispatcher passes: nothing may be sent twice
        delivered = sorted(r["json"]["title"] for r in webhook.requests if r["status"] == 200)
        assert delivered == sorted(
            [
                "Taliban: Taliban envoys return to Doha",
                "al Qaeda: Monitors report on al-Qaida",
                "Sirajuddin Haqqani: Minister visits Khost",
            ]
        )
        assert sorted(m["Subject"] for m in smtp_server.messages) == delivered
        assert len(mails) == 3
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0, log.read_text()
    output = log.read_text()
    assert "alert to mailto://radar:****@127.0.0.1" in output and "; retry in" in output
    assert smtp_server.password not in output


def test_killed_with_alerts_pending_delivers_after_restart_once(
    tmp_path: Path, news_site: NewsSite, webhook: WebhookReceiver
) -> None:
    for story in STORIES:
        news_site.publish(*story)
    webhook.fail_with(503)
    config = write_service_config(
        tmp_path / "newsradar.toml", news_site, ["[[alert]]", f'url = "{webhook.apprise_url()}"']
    )
    log = tmp_path / "service.log"
    service = start_service(config, log)
    deadline = time.monotonic() + 40
    while len(webhook.requests) < 3:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    service.send_signal(signal.SIGKILL)
    service.wait(timeout=10)
    webhook.fail_with(None)
    time.sleep(2.5)  # the retry time recorded before the kill comes due

    restarted = newsradar("run", "--once", "-c", str(config))
    assert restarted.returncode == 0, restarted.stderr
    assert "3 alerts sent" in restarted.stderr
    again = newsradar("run", "--once", "-c", str(config))
    assert "0 alerts sent" in again.stderr
    delivered = [r["json"]["title"] for r in webhook.requests if r["status"] == 200]
    assert len(delivered) == 3 and len(set(delivered)) == 3


def test_password_never_appears_in_logs_or_database(
    tmp_path: Path, news_site: NewsSite, smtp_server: SmtpServer
) -> None:
    news_site.publish(*STORIES[0])
    secret = "Sup3r-Secret-Pa55word"
    url = smtp_server.apprise_url().replace(smtp_server.password, secret)  # wrong: login fails
    config = write_service_config(
        tmp_path / "newsradar.toml", news_site, ["[[alert]]", 'url = "${RADAR_SMTP_URL}"']
    )
    env = {"RADAR_SMTP_URL": url}
    result = newsradar("run", "--once", "-v", "-c", str(config), env=env)
    assert result.returncode == 0
    assert "alert to mailto://radar:****@" in result.stderr  # it failed, and said so
    assert secret not in result.stderr + result.stdout
    for command in (["check"], ["alerts"], ["notify-test"]):
        out = newsradar(*command, "-c", str(config), env=env)
        assert secret not in out.stdout + out.stderr, command
    dump = "\n".join(store.open_db(tmp_path / "radar.db").iterdump())
    assert secret not in dump
    assert smtp_server.messages == []


def test_notify_test_reports_per_target(
    tmp_path: Path, smtp_server: SmtpServer, webhook: WebhookReceiver
) -> None:
    config = tmp_path / "newsradar.toml"
    config.write_text(
        "[[alert]]\n"
        f'url = "{smtp_server.apprise_url()}"\nname = "inbox"\ntags = ["groups"]\n'
        "[[alert]]\n"
        f'url = "{webhook.apprise_url()}"\nname = "hook"\ntags = ["officials"]\n'
        "[[alert]]\n"
        'url = "json://127.0.0.1:9/closed"\nname = "dead end"\n'
    )
    result = newsradar("notify-test", "-c", str(config))
    assert result.returncode != 0
    assert "inbox: sent" in result.stdout and "hook: sent" in result.stdout
    assert "dead end: FAILED" in result.stdout
    assert smtp_server.wait_for(1)[0]["Subject"] == "newsradar test message"
    only = newsradar("notify-test", "--tag", "officials", "-c", str(config))
    assert only.returncode == 0, only.stdout + only.stderr
    assert "hook: sent" in only.stdout and "inbox" not in only.stdout
    assert len(webhook.wait_for(2)) == 2


def test_apprise_config_file_and_tag_warnings(tmp_path: Path, webhook: WebhookReceiver) -> None:
    (tmp_path / "apprise.yml").write_text(
        f"urls:\n  - {webhook.apprise_url()}:\n      tag: groups\n"
    )
    config = tmp_path / "newsradar.toml"
    config.write_text(
        '[[alert]]\napprise_config = "apprise.yml"\n'
        '[[entity]]\nid = "taliban"\nname = "Taliban"\ntags = ["groups"]\n'
        '[[entity]]\nid = "nobody"\nname = "Nobody Heard"\ntags = ["elsewhere"]\n'
        '[[entity]]\nid = "x"\nname = "X"\n'
    )
    result = newsradar("check", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "entity 'nobody' (elsewhere) reaches no alert target" in result.stderr
    assert "alias 'X' is too short" in result.stderr
    assert "entity 'taliban'" not in result.stderr
    strict = newsradar("check", "--strict", "-c", str(config))
    assert strict.returncode != 0
    sent = newsradar("notify-test", "-c", str(config))
    assert sent.returncode == 0 and webhook.wait_for(1)
    (tmp_path / "apprise.yml").write_text("urls: []\n")
    broken = newsradar("check", "-c", str(config))
    assert broken.returncode != 0 and "key 'apprise_config'" in broken.stderr
    assert json.dumps(webhook.requests[0]["json"]["title"]) == '"newsradar test message"'
