"""The web console through Starlette's TestClient: a real config file, a real SQLite
database filled through the store and matched by the real matcher."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree, html
from starlette.routing import Route
from starlette.testclient import TestClient

from alerts.pending import match_pending
from crawler import store
from scheduler.cli import cli
from scheduler.config import load_config
from scheduler.runtime import compile_watchlist, targets_of
from scheduler.web import auth
from scheduler.web.app import WebError, check_bind, create_app, is_loopback
from scheduler.web.corrections import Proposal, exclude_phrase, plan, still_found
from scheduler.web.edits import EditError

CONFIG = """\
# The analysts' config: this comment must survive every edit the console makes.
database = "radar.db"

[[source]]
name = "Kabul Ledger"
url = "http://127.0.0.1:9/feed.xml"

[[entity]]
id = "taliban"
name = "Taliban"   # the group
kind = "group"
tags = ["groups"]

[[entity]]
id = "al-qaeda"
name = "al Qaeda"
kind = "group"
tags = ["groups", "aq"]
"""

HOSTILE_TITLE = 'Taliban <script>alert("title")</script> talks'
HOSTILE_TEXT = 'The Taliban said <img src=x onerror=alert("text")> nothing.'
ARTICLES = [
    ("http://127.0.0.1:9/news/doha", "Taliban envoys arrive in Doha", "Talks began.", "en"),
    ("http://127.0.0.1:9/news/road", "Floods close Taliban Road market", "Rain fell.", "en"),
    ("http://127.0.0.1:9/news/aq", "Monitors on al Qaeda", "A report says al Qaeda stays.", "fr"),
    ("http://127.0.0.1:9/news/football", "Kabul derby ends goalless", "No goals.", "en"),
    ("http://127.0.0.1:9/news/hostile", HOSTILE_TITLE, HOSTILE_TEXT, "en"),
]


def fill(config_path: Path) -> None:
    """Store ARTICLES through the production path and match them."""
    config = load_config(config_path)
    db = store.open_db(config.database_path)
    source_id = store.upsert_source(db, url=config.source[0].url, name="Kabul Ledger", kind="feed")
    for url, title, text, language in ARTICLES:
        store.store_article(
            db,
            {
                "url": url,
                "source_id": source_id,
                "title": title,
                "text": text,
                "language": language,
                "extracted_from": "page",
            },
        )
    match_pending(db, compile_watchlist(config), targets_of(config))
    db.close()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "newsradar.toml"
    path.write_text(CONFIG, encoding="utf-8")
    fill(path)
    return path


def client_for(config_path: Path) -> TestClient:
    return TestClient(create_app(config_path), base_url="http://127.0.0.1")


@pytest.fixture
def client(config_path: Path) -> Iterator[TestClient]:
    with client_for(config_path) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def story_id(title: str, config_path: Path) -> int:
    db = store.open_db(load_config(config_path).database_path)
    try:
        return db.execute("SELECT id FROM articles WHERE title = ?", [title]).fetchone()[0]
    finally:
        db.close()


# --- the inbox -------------------------------------------------------------------------


def test_the_inbox_lists_matched_stories_newest_first_with_mentions_and_delivery(
    client: TestClient,
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    titles = re.findall(r'<h2><a href="/stories/\d+">([^<]*)</a>', page.text)
    assert titles[-1] == "Taliban envoys arrive in Doha"  # the oldest last
    assert "Kabul derby ends goalless" not in page.text  # no mention: not in the inbox
    assert "<mark>Taliban</mark>" in page.text  # the mention highlighted in its snippet
    assert "exact: Taliban" in page.text  # the rule and alias
    assert "console: pending" in page.text  # the delivery state per target


def test_the_inbox_filters_by_entity_tag_source_language_and_time(client: TestClient) -> None:
    def titles(query: str) -> set[str]:
        return set(re.findall(r'<h2><a href="/stories/\d+">([^<]*)</a>', client.get(query).text))

    assert titles("/?entity=al-qaeda") == {"Monitors on al Qaeda"}
    assert titles("/?tag=aq") == {"Monitors on al Qaeda"}
    assert titles("/?tag=nobody") == set()
    assert titles("/?language=fr") == {"Monitors on al Qaeda"}
    assert len(titles("/?since=1h")) == 4
    assert titles("/?source=99") == set()
    assert "since: bad duration" in client.get("/?since=soon").text


def test_marking_a_story_reviewed_hides_it_from_the_unreviewed_view(
    client: TestClient, config_path: Path
) -> None:
    article = story_id("Taliban envoys arrive in Doha", config_path)
    token = csrf_of(client.get("/").text)
    answer = client.post(
        f"/stories/{article}/review",
        data={"csrf": token, "reviewed": "yes", "back": "/?reviewed=no"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/?reviewed=no"
    assert "Taliban envoys arrive in Doha" not in client.get("/?reviewed=no").text
    assert "Taliban envoys arrive in Doha" in client.get("/?reviewed=yes").text


# --- hostile articles ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/stories/{id}", "/search?q=Taliban", "/entities/taliban", "/feeds/matches.atom"]
)
def test_hostile_html_in_an_article_is_shown_as_text_never_rendered(
    client: TestClient, config_path: Path, path: str
) -> None:
    page = client.get(path.format(id=story_id(HOSTILE_TITLE, config_path)))
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert" in page.text


def test_every_page_has_a_strict_csp_and_no_inline_script(
    client: TestClient, config_path: Path
) -> None:
    article = story_id("Taliban envoys arrive in Doha", config_path)
    for path in ("/", f"/stories/{article}", "/watchlist", "/sources", "/search", "/marks"):
        page = client.get(path)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        tree = html.fromstring(page.text)
        assert all(script.get("src") for script in tree.iter("script")), path
        handlers = [a for e in tree.iter() for a in e.attrib if a.lower().startswith("on")]
        assert not handlers, path  # no inline event handlers
        assert not tree.xpath("//*[@style]"), path  # no inline style either
        assert page.headers["x-frame-options"] == "DENY"


def test_no_secret_of_an_alert_target_reaches_a_page(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.toml"
    secret_url = "json://watcher:hunter2secret@127.0.0.1:9/hook"
    path.write_text(CONFIG + f'\n[[alert]]\nurl = "{secret_url}"\n', encoding="utf-8")
    fill(path)
    with client_for(path) as client:
        for page in ("/", "/watchlist", "/sources", "/api/stories", "/feeds/matches.atom"):
            body = client.get(page).text
            assert "hunter2secret" not in body, page


# --- forms: CSRF and read-only ---------------------------------------------------------------


def post_routes(client: TestClient) -> list[str]:
    return [
        route.path.replace("{article_id:int}", "1").replace("{mark_id:int}", "1")
        for route in client.app.routes
        if isinstance(route, Route) and "POST" in (route.methods or ())
    ]


def test_every_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/")  # a session exists, with its token
    paths = post_routes(client)
    assert len(paths) >= 10
    for path in paths:
        for data in ({}, {"csrf": "forged"}):
            answer = client.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, path
    assert client.post("/watchlist/check", data={"id": "x"}).status_code == 403  # no header


def test_read_only_mode_refuses_every_change_and_hides_the_forms(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.toml"
    path.write_text(
        CONFIG.replace('database = "radar.db"', 'database = "radar.db"\n[web]\nread_only = true\n'),
        encoding="utf-8",
    )
    fill(path)
    with client_for(path) as client:
        page = client.get("/")
        assert "read-only" in page.text and "Mark reviewed" not in page.text
        token = csrf_of(client.get("/watchlist").text)
        answer = client.post("/stories/1/review", data={"csrf": token, "reviewed": "yes"})
        assert answer.status_code == 403 and "read-only" in answer.text
        answer = client.post("/sources/pause", data={"csrf": token, "url": "x", "paused": "yes"})
        assert answer.status_code == 403
        # Reading still works: the matcher box changes nothing.
        answer = client.post("/watchlist/explain", data={"csrf": token, "text": "the Taliban"})
        assert answer.status_code == 200 and "exact" in answer.text


# --- authentication ------------------------------------------------------------------------


def with_web(tmp_path: Path, web: str) -> Path:
    path = tmp_path / "newsradar.toml"
    path.write_text(
        CONFIG.replace('database = "radar.db"\n', f'database = "radar.db"\n[web]\n{web}\n'),
        encoding="utf-8",
    )
    fill(path)
    return path


def test_with_a_password_every_page_needs_a_login_and_attempts_are_limited(
    tmp_path: Path,
) -> None:
    path = with_web(tmp_path, f'password_hash = "{auth.hash_password("correct horse")}"')
    with client_for(path) as client:
        answer = client.get("/sources", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=%2Fsources"
        assert client.get("/api/stories").status_code == 401
        login = client.get("/login")
        token = csrf_of(login.text)
        assert client.post("/login", data={"password": "correct horse"}).status_code == 403
        wrong = client.post("/login", data={"csrf": token, "password": "nope"})
        assert wrong.status_code == 401 and "Wrong password" in wrong.text
        right = client.post(
            "/login",
            data={"csrf": token, "password": "correct horse", "next": "//evil.example/"},
            follow_redirects=False,
        )
        assert right.status_code == 303 and right.headers["location"] == "/"  # no open redirect
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get("/sources").status_code == 200
    with client_for(path) as client:
        token = csrf_of(client.get("/login").text)
        for _ in range(auth.MAX_FAILURES):
            assert client.post("/login", data={"csrf": token, "password": "x"}).status_code == 401
        blocked = client.post("/login", data={"csrf": token, "password": "correct horse"})
        assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text


def test_the_token_opens_the_api_and_the_feed_only(tmp_path: Path) -> None:
    secret = "t0ken-for-feed-readers"
    with client_for(with_web(tmp_path, f'token = "{secret}"')) as client:
        assert client.get("/api/stories").status_code == 401
        assert client.get("/feeds/matches.atom").status_code == 401
        bearer = {"authorization": f"Bearer {secret}"}
        assert client.get("/api/stories", headers=bearer).status_code == 200
        assert client.get(f"/feeds/matches.atom?token={secret}").status_code == 200
        assert client.get(f"/?token={secret}").status_code == 401  # pages: not with the token
        assert client.get("/api/stories?token=wrong-token-wrong-token").status_code == 401


def test_any_address_but_loopback_needs_authentication(tmp_path: Path) -> None:
    config = load_config(with_web(tmp_path, ""))
    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    check_bind("127.0.0.1", config.web)
    with pytest.raises(WebError, match=r"refusing to serve the console on 0\.0\.0\.0"):
        check_bind("0.0.0.0", config.web)
    result = CliRunner().invoke(cli, ["web", "-c", str(config.path), "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "needs [web] password_hash" in result.output
    assert "Traceback" not in result.output


def test_hash_password_prints_a_hash_the_console_accepts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["web", "hash-password"], input="s3cret-words\ns3cret-words\n")
    assert result.exit_code == 0, result.output
    hashed = re.search(r'password_hash = "([^"]+)"', result.output).group(1)
    assert auth.password_ok("s3cret-words", hashed) and not auth.password_ok("other", hashed)
    load_config(with_web(tmp_path, f'password_hash = "{hashed}"'))  # a valid config
    short = CliRunner().invoke(cli, ["web", "hash-password"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 8" in short.output


# --- correcting a match ------------------------------------------------------------------------


def test_exclude_phrase_takes_the_next_word_or_else_the_one_before() -> None:
    text = "Floods close Taliban Road market"
    assert exclude_phrase(text, 13, 20) == "Taliban Road"
    assert exclude_phrase("Storm near the Taliban", 15, 22) == "the Taliban"
    assert exclude_phrase("Taliban", 0, 7) == "Taliban"


def test_a_mention_marked_wrong_becomes_an_exclude_applied_to_the_config(
    client: TestClient, config_path: Path
) -> None:
    article = story_id("Floods close Taliban Road market", config_path)
    page = client.get(f"/stories/{article}")
    token = csrf_of(page.text)
    start = re.search(r'name="start" value="(\d+)"', page.text).group(1)
    marked = client.post(
        f"/stories/{article}/wrong",
        data={"csrf": token, "entity": "taliban", "start": start},
        follow_redirects=False,
    )
    assert marked.status_code == 303
    proposal = client.get(marked.headers["location"])
    assert "taliban: exclude &#39;Taliban Road&#39;" in proposal.text
    assert '<span class="add">+exclude = [&#34;Taliban Road&#34;]</span>' in proposal.text
    assert "this text no longer matches" in proposal.text
    before = config_path.read_text()
    unconfirmed = client.post(
        marked.headers["location"] + "/apply",
        data={"csrf": token, "key": "exclude", "phrase": "Taliban Road"},
    )
    assert unconfirmed.status_code == 403 and config_path.read_text() == before
    applied = client.post(
        marked.headers["location"] + "/apply",
        data={"csrf": token, "key": "exclude", "phrase": "Taliban Road", "confirm": "yes"},
    )
    assert applied.status_code == 200 and "Applied to newsradar.toml" in applied.text
    assert "No service is running" in applied.text
    after = config_path.read_text()
    assert after.startswith("# The analysts' config: this comment must survive")
    assert 'name = "Taliban"   # the group' in after and 'exclude = ["Taliban Road"]' in after
    config = load_config(config_path)
    assert config.entity[0].exclude == ["Taliban Road"]
    # The same text no longer matches; a rematch removes the stored mention.
    checked = client.post(
        "/watchlist/explain", data={"csrf": token, "text": "Floods close Taliban Road market"}
    )
    assert "No mention: this text would not match." in checked.text
    rematched = client.post(
        "/rematch", data={"csrf": token, "entity": "taliban", "since": "1d", "back": "/"}
    )
    assert "Rematched" in rematched.text
    assert "Floods close Taliban Road market" not in client.get("/").text
    # The mark is kept, counted and exported.
    marks = client.get("/marks")
    assert "taliban" in marks.text and "(applied)" in marks.text
    exported = client.get("/marks.json").json()
    assert exported[0]["matched_text"] == "Taliban" and exported[0]["applied"]
    csv_text = client.get("/marks.csv").text
    assert csv_text.splitlines()[0].startswith("id,marked,entity_id") and "Taliban Road" in csv_text


def test_a_change_to_a_csv_watchlist_is_written_to_that_file(tmp_path: Path) -> None:
    (tmp_path / "entities.csv").write_text(
        "id,name,kind,aliases,exclude,tags\nwest,West,other,,,geo\n", encoding="utf-8"
    )
    path = tmp_path / "newsradar.toml"
    path.write_text(CONFIG.replace("database", 'watchlist = "entities.csv"\ndatabase', 1))
    store.open_db(tmp_path / "radar.db").close()
    db = store.open_db(tmp_path / "radar.db")
    article, _ = store.store_article(
        db,
        {"url": "http://127.0.0.1:9/w", "title": "West Bank talks", "extracted_from": "page"},
    )
    config = load_config(path)
    match_pending(db, compile_watchlist(config), targets_of(config))
    db.close()
    with client_for(path) as client:
        token = csrf_of(client.get("/").text)
        marked = client.post(
            f"/stories/{article}/wrong", data={"csrf": token, "entity": "west", "start": "0"}
        )
        assert "entities.csv" in marked.text and "+west,West,other,,West Bank,geo" in marked.text
        mark = re.search(r'action="/marks/(\d+)/apply"', marked.text).group(1)
        client.post(
            f"/marks/{mark}/apply",
            data={"csrf": token, "key": "exclude", "phrase": "West Bank", "confirm": "yes"},
        )
    assert load_config(path).entities()[-1].exclude == ("West Bank",)


# --- entity, sources, watchlist, search ----------------------------------------------


def test_the_entity_page_draws_every_day_of_the_window(client: TestClient) -> None:
    page = client.get("/entities/taliban?since=30d")
    assert page.status_code == 200
    bars = re.findall(r"<rect [^>]*><title>([\d-]+): (\d+)</title>", page.text)
    assert len(bars) == 31  # 30 days back and today, zero days included
    assert [count for _, count in bars[:-1]] == ["0"] * 30 and int(bars[-1][1]) >= 3
    assert "exact" in page.text and "Taliban envoys arrive in Doha" in page.text
    assert client.get("/entities/nobody").status_code == 404


def test_a_source_can_be_paused_and_resumed(client: TestClient, config_path: Path) -> None:
    token = csrf_of(client.get("/sources").text)
    url = "http://127.0.0.1:9/feed.xml"
    client.post("/sources/pause", data={"csrf": token, "url": url, "paused": "yes"})
    db = store.open_db(load_config(config_path).database_path)
    assert store.is_paused(db, url)
    assert "Resume" in client.get("/sources").text
    client.post("/sources/pause", data={"csrf": token, "url": url, "paused": "no"})
    assert not store.is_paused(db, url)
    db.close()


def test_the_watchlist_checks_a_new_entity_with_the_messages_of_check(
    client: TestClient, config_path: Path
) -> None:
    page = client.get("/watchlist")
    token = csrf_of(page.text)
    assert "al-qaeda" in page.text and "config file" in page.text
    header = {"x-csrf-token": token}
    bad = client.post("/watchlist/check", data={"id": "taliban", "name": "Again"}, headers=header)
    assert any("duplicate id 'taliban'" in e for e in bad.json()["errors"])
    short = client.post("/watchlist/check", data={"id": "is", "name": "IS"}, headers=header)
    assert short.json()["errors"] == []
    assert any("too short to be useful" in w for w in short.json()["warnings"])
    added = client.post(
        "/watchlist/add",
        data={
            "csrf": token,
            "id": "ttp",
            "name": "Pakistani Taliban",
            "tags": "groups",
            "action": "add",
        },
    )
    assert added.status_code == 200 and "Added ttp" in added.text
    assert [e.id for e in load_config(config_path).entity][-1] == "ttp"
    assert config_path.read_text().startswith("# The analysts' config")


def test_search_is_the_full_text_search_with_hits_marked(client: TestClient) -> None:
    page = client.get("/search?q=Doha")
    assert "Taliban envoys arrive in" in page.text and "<mark>Doha</mark>" in page.text
    assert "nothing to search for" in client.get("/search?q=%22%22").text


# --- feeds and API ----------------------------------------------------------------------------


def test_the_atom_feed_is_valid_xml_filtered_by_entity_or_tag(client: TestClient) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feed = etree.fromstring(client.get("/feeds/matches.atom").content)
    assert feed.tag == f"{atom}feed" and len(feed.findall(f"{atom}entry")) == 4
    only = etree.fromstring(client.get("/feeds/matches.atom?entity=al-qaeda").content)
    assert [e.findtext(f"{atom}title") for e in only.findall(f"{atom}entry")] == [
        "Monitors on al Qaeda"
    ]
    tagged = etree.fromstring(client.get("/feeds/matches.atom?tag=aq").content)
    assert len(tagged.findall(f"{atom}entry")) == 1


def test_the_api_pages_through_stories_with_the_same_filters(client: TestClient) -> None:
    first = client.get("/api/stories?per_page=3").json()
    assert len(first["stories"]) == 3 and first["next"] == "/api/stories?per_page=3&page=2"
    second = client.get(first["next"]).json()
    assert len(second["stories"]) == 1 and second["next"] is None
    story = client.get("/api/stories?entity=al-qaeda").json()["stories"][0]
    assert story["title"] == "Monitors on al Qaeda" and story["mentions"][0]["rule"] == "exact"
    assert client.get("/api/stories?since=soon").status_code == 400


def test_a_change_to_a_yaml_watchlist_and_a_file_changed_meanwhile(tmp_path: Path) -> None:
    (tmp_path / "entities.yaml").write_text(
        "- id: west\n  name: West\n  tags: [geo]\n", encoding="utf-8"
    )
    path = tmp_path / "newsradar.toml"
    path.write_text(CONFIG.replace("database", 'watchlist = "entities.yaml"\ndatabase', 1))
    config = load_config(path)
    edit = plan(config, Proposal("west", "exclude", "West Bank"))
    assert edit.path.name == "entities.yaml" and "+  - West Bank" in edit.diff
    assert not still_found(
        edit,
        {"entity_id": "west", "start_offset": 0, "article_text": "West Bank talks"},
    )
    edit.apply()
    assert load_config(path).entities()[-1].exclude == ("West Bank",)
    stale = plan(load_config(path), Proposal("taliban", "exclude", "Taliban Road"))
    path.write_text(path.read_text() + "\n# edited by hand meanwhile\n")
    with pytest.raises(EditError, match="changed since this change was proposed"):
        stale.apply()
    assert "Taliban Road" not in path.read_text()
