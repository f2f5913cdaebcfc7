"""Proof that the shared test servers behave like the real things they stand in for.

The news site is read with urllib and feedparser (as a feed reader would), the SMTP
server and webhook receive real notifications sent by Apprise. Everything talks to
127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from html.parser import HTMLParser

import apprise
import feedparser
import pytest

from newssite import SAMPLE_STORIES, NewsSite, teaser
from receivers import SmtpServer, WebhookReceiver

pytestmark = pytest.mark.slow

TIMEOUT = 5  # seconds, for every HTTP request a test makes


# ------------------------------------------------------------------- helpers


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None):
    """(status, headers, body) of a request; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


class PageParser(HTMLParser):
    """Collects tags, <meta>/<link> attributes and the text found inside each element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.text_in: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "meta" and "content" in values:
            self.meta[values.get("property") or values.get("name", "")] = values["content"]
        if tag == "link":
            self.links.append(values)
        if tag not in ("meta", "link", "input", "br", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in set(self.stack):
            self.text_in.setdefault(tag, []).append(data)

    def text(self, tag: str) -> str:
        return " ".join(" ".join(self.text_in.get(tag, [])).split())


def parse_page(body: bytes) -> PageParser:
    parser = PageParser()
    parser.feed(body.decode("utf-8"))
    return parser


def parts(message: EmailMessage) -> dict[str, str]:
    """Content type -> decoded text of every leaf part of a message."""
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite() as news_site:
        yield news_site


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


# ------------------------------------------------------------------ news site


def test_rss_feed_lists_published_articles_newest_first(site: NewsSite) -> None:
    published = site.publish_sample(3)

    status, headers, body = fetch(site.rss_url)
    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "rss20"
    assert feed.feed.title == "Kabul Ledger"
    newest_first = list(reversed(published))
    assert [e.title for e in feed.entries] == [a.title for a in newest_first]
    for entry, article in zip(feed.entries, newest_first, strict=True):
        assert entry.link == site.article_url(article.slug)
        assert entry.id == entry.link and entry.guidislink is False  # isPermaLink guid
        assert entry.published_parsed[:6] == article.published.timetuple()[:6]
        # the description is a one-sentence teaser, never the full text
        assert entry.summary == teaser(article.paragraphs) == article.summary
        assert article.paragraphs[1] not in entry.summary


def test_atom_feed_lists_the_same_entries(site: NewsSite) -> None:
    published = site.publish_sample(2)
    extra = site.publish("late-edition", "Late edition", ["One sentence. Another one."])

    status, headers, body = fetch(site.atom_url)
    assert status == 200
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Late edition"] + [
        a.title for a in reversed(published)
    ]
    top = feed.entries[0]
    assert top.id == top.link == site.article_url("late-edition")
    assert top.summary == "One sentence."
    assert top.published_parsed[:6] == extra.published.timetuple()[:6]
    assert top.updated_parsed[:6] == extra.published.timetuple()[:6]


def test_article_page_is_realistic_html(site: NewsSite) -> None:
    [doha, football] = site.publish_sample(2)
    assert "Taliban hold talks in Doha" in football.sidebar  # the trap for the extractor

    status, headers, body = fetch(site.article_url(football.slug))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = parse_page(body)
    tag_names = [tag for tag, _ in page.tags]
    for tag in ("header", "nav", "article", "h1", "time", "aside", "footer"):
        assert tag in tag_names, tag

    url = site.article_url(football.slug)
    assert page.meta["og:title"] == football.title
    assert page.meta["og:url"] == url
    assert page.meta["description"] == football.summary
    assert page.meta["article:published_time"] == football.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {"rel": "canonical", "href": url} in page.links
    assert any(
        link.get("rel") == "alternate" and link.get("type") == "application/rss+xml"
        for link in page.links
    )
    [time_attrs] = [attrs for tag, attrs in page.tags if tag == "time"]
    assert time_attrs["datetime"] == page.meta["article:published_time"]

    assert page.text("h1") == football.title
    for label in ("Home", "World", "Asia", "Opinion", "Sport"):
        assert label in page.text("header")
    article_text = page.text("article")
    for paragraph in football.paragraphs:
        assert " ".join(paragraph.split()) in article_text
    assert "By Omid Karimi" in article_text
    # watchlist names live only in the sidebar of this story, never in its body
    aside = page.text("aside")
    assert "Related" in aside and "Most read" in aside
    assert "Taliban hold talks in Doha" in aside
    assert doha.title in aside  # "Most read" links the other live story
    assert "Taliban" not in article_text
    assert "3 comments" in page.text("main")
    assert "©" in page.text("footer") and "Kabul Ledger" in page.text("footer")


def test_every_sample_story_is_served_in_full(site: NewsSite) -> None:
    assert len(SAMPLE_STORIES) >= 8
    articles = site.publish_sample(len(SAMPLE_STORIES))
    with pytest.raises(ValueError):
        site.publish_sample(1)

    for article in articles:
        words = len(article.text.split())
        assert 4 <= len(article.paragraphs) <= 8 and 150 <= words <= 400, article.slug
        page = parse_page(fetch(site.article_url(article.slug))[2])
        body = page.text("article")
        for paragraph in article.paragraphs:
            assert " ".join(paragraph.split()) in body, (article.slug, paragraph[:40])

    with_entities = [a for a in articles if a.expected_entities]
    unrelated = [a for a in articles if not a.expected_entities]
    assert len(with_entities) >= 4 and len(unrelated) >= 3
    # unrelated stories still carry watchlist names beside the body
    assert all(any("Taliban" in h or "IS-K" in h for h in a.sidebar) for a in unrelated)
    tricky = site.get("westminster-panel-south-asia")
    for phrase in ("the West", "Husain Haqqani, a former ambassador", "Westminster"):
        assert phrase in tricky.text


def test_home_robots_head_errors_and_request_log(site: NewsSite) -> None:
    [article] = site.publish_sample(1)

    status, _, home = fetch(site.base_url + "/")
    assert status == 200
    assert f'href="{article.path}"' in home.decode() and article.title in home.decode()
    status, headers, robots = fetch(site.base_url + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert robots.decode().splitlines()[:2] == ["User-agent: *", "Allow: /"]

    status, headers, body = fetch(site.rss_url, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(fetch(site.rss_url)[2])

    # conditional GET, as polite feed readers poll
    status, _, body = fetch(site.rss_url, headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")

    site.set_status("/feeds/rss.xml", 503)
    status, headers, _ = fetch(site.rss_url)
    assert status == 503 and headers["Retry-After"] == "1"
    site.set_status("/feeds/rss.xml", None)
    assert fetch(site.rss_url)[0] == 200
    assert fetch(site.article_url("no-such-story"))[0] == 404

    site.unpublish(article.slug)
    assert fetch(site.article_url(article.slug))[0] == 410
    assert feedparser.parse(fetch(site.rss_url)[2]).entries == []

    log = site.requests
    assert ("GET", "/robots.txt") in log
    assert ("HEAD", "/feeds/rss.xml") in log
    assert log.count(("GET", "/feeds/rss.xml")) == 5
    assert [r.status for r in site.request_log if r.path == "/feeds/rss.xml"] == [
        200,
        200,
        304,
        503,
        200,
        200,
    ]


def test_scheduled_article_appears_over_time(site: NewsSite) -> None:
    site.publish_sample(1)
    pending = site.schedule(
        0.3, "breaking-news", "Breaking: convoy reaches Bamyan", ["The convoy arrived. More soon."]
    )
    later_sample = site.schedule_sample(0.5)

    first = feedparser.parse(fetch(site.rss_url)[2])
    assert "Breaking: convoy reaches Bamyan" not in [e.title for e in first.entries]
    assert fetch(site.article_url("breaking-news"))[0] == 404

    article = pending.wait(timeout=5)
    sample = later_sample.wait(timeout=5)
    feed = feedparser.parse(fetch(site.rss_url)[2])
    assert [e.title for e in feed.entries][:2] == [sample.title, article.title]
    status, _, body = fetch(site.article_url("breaking-news"))
    assert status == 200 and "The convoy arrived." in parse_page(body).text("article")


def test_stop_is_quick_with_an_open_keep_alive_connection() -> None:
    site = NewsSite().start()
    site.publish_sample(1)
    connection = http.client.HTTPConnection(site.host, site.port, timeout=TIMEOUT)
    connection.request("GET", "/feeds/atom.xml")
    response = connection.getresponse()
    assert b"<feed" in response.read()  # the connection stays open (HTTP/1.1 keep-alive)

    started = time.monotonic()
    site.stop()
    assert time.monotonic() - started < 2
    connection.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(site.rss_url, timeout=1)


# ----------------------------------------------------------------------- SMTP


def test_apprise_mailto_logs_in_and_delivers_text_and_html(smtp: SmtpServer) -> None:
    notifier = apprise.Apprise()
    assert notifier.add(smtp.apprise_url(to="analyst@example.org"))
    body = "<p><b>Taliban</b> mentioned in <i>Kabul Ledger</i>: talks resume in Doha</p>"
    assert notifier.notify(
        title="newsradar: Taliban", body=body, body_format=apprise.NotifyFormat.HTML
    )

    [message] = smtp.wait_for(1)
    assert message["Subject"] == "newsradar: Taliban"
    assert message["From"].addresses[0].addr_spec == "newsradar@example.org"
    assert message["To"].addresses[0].addr_spec == "analyst@example.org"
    assert message.get_content_type() == "multipart/alternative"
    content = parts(message)
    assert "<b>Taliban</b> mentioned in <i>Kabul Ledger</i>" in content["text/html"]
    assert "Taliban mentioned in Kabul Ledger: talks resume in Doha" in content["text/plain"]

    [delivery] = smtp.deliveries
    assert delivery.login == "radar"
    assert delivery.mail_from == "newsradar@example.org"
    assert delivery.rcpt_tos == ("analyst@example.org",)
    assert smtp.auth_attempts == [("PLAIN", "radar", True)]


def test_apprise_plain_text_body_arrives_in_both_parts(smtp: SmtpServer) -> None:
    notifier = apprise.Apprise()
    notifier.add(smtp.apprise_url(to="desk@example.org"))
    assert notifier.notify(title="2 new matches", body="IS-K: 1 article\nHaqqani network: 1")

    [message] = smtp.wait_for(1)
    assert message["To"].addresses[0].addr_spec == "desk@example.org"
    content = parts(message)
    assert "IS-K: 1 article" in content["text/plain"]
    assert "Haqqani network: 1" in content["text/plain"]
    assert "IS-K: 1 article" in content["text/html"]


def test_smtp_requires_valid_auth_with_login_or_plain(smtp: SmtpServer) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, local_hostname="client.test", timeout=TIMEOUT) as c:
        c.ehlo()
        assert set(c.esmtp_features["auth"].split()) >= {"LOGIN", "PLAIN"}
        code, reply = c.mail("newsradar@example.org")
        assert code == 530 and b"Authentication required" in reply
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            c.login("radar", "wrong-password")
        assert refused.value.smtp_code == 535

    for mechanism in ("LOGIN", "PLAIN"):
        with smtplib.SMTP(smtp.host, smtp.port, local_hostname="client.test", timeout=5) as c:
            c.ehlo()
            c.user, c.password = smtp.user, smtp.password
            code, _ = c.auth(mechanism, getattr(c, f"auth_{mechanism.lower()}"))
            assert code == 235
            c.sendmail(
                "newsradar@example.org",
                ["analyst@example.org"],
                f"Subject: via {mechanism}\r\n\r\nHaqqani network mentioned\r\n",
            )

    messages = smtp.wait_for(2)
    assert [m["Subject"] for m in messages] == ["via LOGIN", "via PLAIN"]
    assert all(m.get_content().strip() == "Haqqani network mentioned" for m in messages)
    assert [(m, ok) for m, _, ok in smtp.auth_attempts if ok] == [("LOGIN", True), ("PLAIN", True)]


def test_smtp_outage_then_recovery(smtp: SmtpServer) -> None:
    smtp.fail_with(451, "Mailbox busy, try again later")
    failing = apprise.Apprise()
    failing.add(smtp.apprise_url())
    assert not failing.notify(title="lost", body="this one is refused at DATA")
    with pytest.raises(TimeoutError):
        smtp.wait_for(1, timeout=0.2)

    smtp.fail_with(550, "No such user", stage="RCPT")
    with smtplib.SMTP(smtp.host, smtp.port, local_hostname="client.test", timeout=TIMEOUT) as c:
        c.login(smtp.user, smtp.password)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            c.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\nx\r\n")
        assert refused.value.recipients["b@example.org"] == (550, b"No such user")

    smtp.fail_with(None)
    # a fresh Apprise object: a reused one would throttle the second email by 5.5 s
    recovered = apprise.Apprise()
    recovered.add(smtp.apprise_url())
    assert recovered.notify(title="delivered", body="after the outage")
    [message] = smtp.wait_for(1)
    assert message["Subject"] == "delivered"
    assert "after the outage" in parts(message)["text/plain"]


# -------------------------------------------------------------------- webhook


def test_apprise_json_posts_to_the_webhook(webhook: WebhookReceiver) -> None:
    notifier = apprise.Apprise()
    assert notifier.add(webhook.apprise_url())
    assert notifier.notify(
        title="newsradar: al Qaeda",
        body="UN monitors say al-Qaeda keeps a low profile",
        notify_type=apprise.NotifyType.WARNING,
    )

    [request] = webhook.wait_for(1)
    assert request["method"] == "POST"
    assert request["path"] == "/hook"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == "Apprise"
    assert request["json"] == {
        "version": "1.0",
        "title": "newsradar: al Qaeda",
        "message": "UN monitors say al-Qaeda keeps a low profile",
        "attachments": [],
        "type": "warning",
    }
    assert b'"title": "newsradar: al Qaeda"' in request["body"]
    assert request["status"] == 200
    assert webhook.url == f"http://127.0.0.1:{webhook.port}/hook"


def test_webhook_outage_then_recovery(webhook: WebhookReceiver) -> None:
    webhook.fail_with(503)
    failing = apprise.Apprise()
    failing.add(webhook.apprise_url())
    assert not failing.notify(title="lost", body="answered 503")
    [refused] = webhook.wait_for(1)
    assert refused["status"] == 503 and refused["json"]["message"] == "answered 503"

    webhook.fail_with(None)
    ok = apprise.Apprise()
    ok.add(webhook.apprise_url())
    assert ok.notify(title="delivered", body="after the outage")
    requests = webhook.wait_for(2)
    assert [(r["status"], r["json"]["title"]) for r in requests] == [
        (503, "lost"),
        (200, "delivered"),
    ]

    webhook.fail_with(500, times=1)
    status_first = fetch(webhook.url, method="POST", headers={"Content-Type": "application/json"})
    status_second = fetch(webhook.url, method="POST")
    assert (status_first[0], status_second[0]) == (500, 200)
    assert status_second[2] == b'{"status": "ok"}'
