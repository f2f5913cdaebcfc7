"""One story, one alert: syndicated copies and near-duplicates are grouped.

The grouping itself (alerts/stories.py) on the labelled stories of tests/stories/;
the shell (alerts/pending.py) on a real database; and the whole pipeline with three
real local news sites running the same story, `newsradar run --once` as a user
runs it, and alerts delivered to a real webhook receiver.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from alerts import stories
from alerts.dispatch import DeliveryPolicy, dispatch_due, send_digest
from alerts.pending import StoryTracker, match_pending, rematch
from alerts.stories import Signature, StoryIndex, signature
from alerts.targets import Target
from alerts.watchlist import Entity, Watchlist
from conftest import newsradar
from crawler import store
from newssite import NewsSite
from receivers import WebhookReceiver

sys.path.insert(0, str(Path(__file__).resolve().parent / "stories"))
from corpus import labelled_pairs, load

DOCS = {doc.id: doc for doc in load()}
ORIGINAL = DOCS["kabul-blast"]
REPOST = DOCS["kabul-blast-blog"]  # "Link:" line, "Related Posts", "Comments are closed."
OTHER = DOCS["kandahar-blast"]  # the same day, same wire, same boilerplate: not a copy
HAQQANI_LEAD = (
    "Interior minister Sirajuddin Haqqani visited the wounded in hospital on Saturday "
    "evening and promised to find those who helped the attacker, after a suicide "
    "bombing at the gates of a Kabul ministry killed at least 12 people, according to "
    "wire reports reaching Peshawar."
)
# The wire story under an outlet's own first paragraph, which names someone new.
RELED = [HAQQANI_LEAD, *ORIGINAL.paragraphs[1:]]

ENTITIES = [
    Entity("taliban", "Taliban", "group", tags=("groups",)),
    Entity("is-k", "Islamic State Khorasan", "group", tags=("groups",)),
    Entity("sirajuddin-haqqani", "Sirajuddin Haqqani", "official", tags=("officials",)),
]
WATCHLIST = Watchlist.compile(ENTITIES)
FAST = DeliveryPolicy(
    retry_after=timedelta(seconds=0), retry_max=timedelta(seconds=0), max_attempts=3, timeout=10
)


# --- the pure grouping ---------------------------------------------------------------


def test_signature_needs_enough_text_and_survives_storage() -> None:
    assert signature("The Taliban said.") is None
    assert signature(None) is None
    sig = signature(ORIGINAL.text)
    assert sig is not None and len(sig.values) == stories.NUM_PERM
    again = Signature.from_bytes(sig.to_bytes(), sig.size)
    assert np.array_equal(again.values, sig.values) and again.size == sig.size
    # Case, punctuation, quotes and spacing do not make a different text.
    noisy = ORIGINAL.text.upper().replace('"', "\u201c").replace(" - ", " \u2014 ")
    assert stories.score(signature(noisy), sig) == 1.0


@pytest.mark.parametrize(
    "copy",
    [
        "kabul-blast-blog",
        "kabul-blast-frontier",
        "kabul-blast-corrected",
        "kabul-blast-trimmed",
        "doha-talks-british",
        "un-report-aq-sentinel",
    ],
)
def test_copies_score_above_the_threshold(copy: str) -> None:
    base = signature(DOCS[DOCS[copy].story].text)
    assert stories.score(signature(DOCS[copy].text), base) >= stories.THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kabul-blast", "kandahar-blast"),  # same day, same wire, same boilerplate
        ("kabul-blast", "kabul-blast-toll"),  # the next day's follow-up
        ("kabul-blast", "kabul-blast-analysis"),  # quotes two of its paragraphs
        ("kabul-blast", "morning-briefing"),  # quotes its first paragraph
        ("doha-talks", "doha-talks-end"),
        ("waziristan-attack", "torkham-closure"),
    ],
)
def test_hard_negatives_score_below_the_threshold(a: str, b: str) -> None:
    assert stories.score(signature(DOCS[a].text), signature(DOCS[b].text)) < stories.THRESHOLD


def test_the_labelled_stories_are_grouped() -> None:
    """The chosen parameters on the labelled set, originals first and copies first:
    no two stories merged, and (copies first) at most one copy left on its own
    (benchmarks/stories.py sweeps the parameters over 20 orders)."""
    docs = list(DOCS.values())
    pairs = labelled_pairs(docs)
    for order, least_recall in ((docs, 1.0), (docs[::-1], 0.85)):
        index = StoryIndex()
        story_of: dict[str, int] = {}
        for key, doc in enumerate(order):
            sig = signature(doc.text)
            best = index.best(sig)
            story_of[doc.id] = best.story if best else key
            index.add(key, story_of[doc.id], sig)
        grouped = [story_of[p.a.id] == story_of[p.b.id] for p in pairs]
        assert not any(g and not p.same for g, p in zip(grouped, pairs, strict=True))
        found = sum(g and p.same for g, p in zip(grouped, pairs, strict=True))
        assert found / sum(p.same for p in pairs) >= least_recall


def test_index_add_query_remove_expire_and_merge() -> None:
    index = StoryIndex()
    original, repost, other = (signature(d.text) for d in (ORIGINAL, REPOST, OTHER))
    index.add(1, 100, original, seen=1000.0)
    index.add(2, 200, other, seen=2000.0)
    (match,) = index.query(repost)
    assert (match.key, match.story) == (1, 100) and match.score > 0.9
    assert index.best(original, exclude=1) is None  # itself left out
    assert index.story_of(1) == 100 and 1 in index and len(index) == 2
    assert index.remove(1) and not index.remove(1)
    assert index.query(repost) == []
    index.add(1, 100, original, seen=1000.0)
    assert index.expire(1500.0) == 1
    assert index.query(repost) == [] and len(index) == 1

    # Many articles: the fresh ones are merged into the sorted band table, dead
    # rows compacted away, and every live one can still be found.
    rng = np.random.default_rng(3)
    many = [
        Signature(rng.integers(0, 2**32, stories.NUM_PERM, dtype=np.uint64).astype(np.uint32), 300)
        for _ in range(5000)
    ]
    for key, sig in enumerate(many, start=10):
        index.add(key, key, sig, seen=3000.0 + key)
    assert index.merges >= 1
    for key in range(10, 2010):
        index.remove(key)
    index.add_many([(9, 9, original, 9000.0)])
    assert len(index) == 3002
    assert index.best(many[2500]).key == 2510
    assert index.best(many[5]) is None  # removed
    assert index.best(repost).key == 9
    assert index.nbytes < 20_000_000


# --- the shell: stories in the database, alerts per story -----------------------------


@pytest.fixture
def db(tmp_path: Path):
    database = store.open_db(tmp_path / "radar.db")
    yield database
    database.close()


def add(db, source: str, slug: str, title: str, paragraphs) -> int:
    source_id = store.upsert_source(
        db, url=f"http://127.0.0.1/{source}/feed", name=source, kind="feed"
    )
    article_id, status = store.store_article(
        db,
        {
            "url": f"http://127.0.0.1/{source}/news/{slug}",
            "source_id": source_id,
            "title": title,
            "text": "\n\n".join(paragraphs),
            "extracted_from": "page",
        },
    )
    assert status == "new"
    return article_id


def alerts(db) -> list[tuple[int, str, list[str]]]:
    return [
        (row["article_id"], row["target"], json.loads(row["entities"]))
        for row in db.query("SELECT * FROM alerts ORDER BY id")
    ]


@pytest.mark.slow
def test_first_copy_alerts_later_copies_only_for_new_entities(db, webhook) -> None:
    desk = Target(url=webhook.apprise_url(), name="desk")
    officials = Target(url=webhook.apprise_url("/officials"), name="officials", tags=("officials",))
    targets = [desk, officials]
    wire = add(db, "Indus Wire", "blast", ORIGINAL.title, ORIGINAL.paragraphs)
    report = match_pending(db, WATCHLIST, targets)
    assert report.alerts == 1 and report.copies == 0
    assert alerts(db) == [(wire, "desk", ["is-k", "taliban"])]

    add(db, "Security Watch", "repost", REPOST.title, REPOST.paragraphs)
    other = add(db, "Indus Wire", "kandahar", OTHER.title, OTHER.paragraphs)
    report = match_pending(db, WATCHLIST, targets)
    # The repost joins the story and says nothing new; Kandahar is another story.
    assert report.copies == 1 and report.alerts == 1
    assert alerts(db)[1:] == [(other, "desk", ["is-k", "taliban"])]

    paper = add(db, "Frontier Post", "releads", "IS-K bomber strikes Kabul ministry", RELED)
    report = match_pending(db, WATCHLIST, targets)
    # One alert per target that hears the new entity, for the new entity only.
    assert report.copies == 1 and report.alerts == 2
    assert alerts(db)[2:] == [
        (paper, "desk", ["sirajuddin-haqqani"]),
        (paper, "officials", ["sirajuddin-haqqani"]),
    ]

    story = db.execute("SELECT story_id FROM articles WHERE id = ?", [wire]).fetchone()[0]
    rows = list(db.query("SELECT id, story_id, story_similarity FROM articles ORDER BY id"))
    assert [r["story_id"] == story for r in rows] == [True, True, False, True]
    assert rows[1]["story_similarity"] > 0.9 and rows[0]["story_similarity"] is None
    (row,) = db.query("SELECT * FROM stories WHERE id = ?", [story])
    assert row["first_article_id"] == wire and row["copies"] == 3
    assert row["first_seen"] <= row["last_seen"]
    assert {r["source"] for r in store.story_copies(db, paper)} == {"Indus Wire", "Security Watch"}

    # The Haqqani alert lists the outlets that ran the story before.
    assert asyncio.run(dispatch_due(db, [officials], WATCHLIST.entities, FAST)).sent == 1
    (hook,) = webhook.wait_for(1)
    assert hook["json"]["title"].startswith("Sirajuddin Haqqani: IS-K bomber strikes")
    message = hook["json"]["message"]
    also = message[message.index("Also reported by:") :]
    assert "- Indus Wire: http://127.0.0.1/Indus%20Wire/news/blast" in also
    assert "- Security Watch: http://127.0.0.1/Security%20Watch/news/repost" in also
    assert "Frontier Post" not in also and "kandahar" not in also


def test_updated_article_stays_in_its_story_and_rematch_alerts_once_per_story(db) -> None:
    target = Target(url="json://127.0.0.1:9/x", name="desk")
    wire = add(db, "Indus Wire", "blast", ORIGINAL.title, ORIGINAL.paragraphs)
    blog = add(db, "Security Watch", "repost", REPOST.title, REPOST.paragraphs)
    match_pending(db, WATCHLIST, [target])
    story = db.execute("SELECT story_id FROM articles WHERE id = ?", [blog]).fetchone()[0]

    # The blog rewrites its post completely: it stays where it was grouped.
    db.execute("UPDATE articles SET text = ?, matched_at = NULL WHERE id = ?", [OTHER.text, blog])
    assert match_pending(db, WATCHLIST, [target]).copies == 0
    assert db.execute("SELECT story_id FROM articles WHERE id = ?", [blog]).fetchone()[0] == story
    assert db.execute("SELECT copies FROM stories WHERE id = ?", [story]).fetchone()[0] == 2
    db.execute("UPDATE articles SET text = ?, matched_at = NULL WHERE id = ?", [REPOST.text, blog])
    match_pending(db, WATCHLIST, [target])

    # A new entity in the watchlist, found in both copies: one alert for the story.
    wider = Watchlist.compile([*ENTITIES, Entity("unama", "UN mission", "other")])
    report = rematch(db, wider, [target], since=store.utcnow() - timedelta(days=1), alert=True)
    assert report.alerts == 1
    assert alerts(db)[-1] == (wire, "desk", ["unama"])


def test_index_is_rebuilt_from_the_database(db, tmp_path: Path) -> None:
    target = Target(url="json://127.0.0.1:9/x", name="desk")
    wire = add(db, "Indus Wire", "blast", ORIGINAL.title, ORIGINAL.paragraphs)
    match_pending(db, WATCHLIST, [target])
    (kind, blob) = db.execute(
        "SELECT kind, minhash FROM article_signatures WHERE article_id = ?", [wire]
    ).fetchone()
    assert kind == stories.KIND and len(blob) == 4 * stories.NUM_PERM

    # Another process (a restart) finds the story from the stored signatures alone.
    other = store.open_db(tmp_path / "radar.db")
    loaded = StoryTracker.load(other)
    assert len(loaded.index) == 1
    blog = add(other, "Security Watch", "repost", REPOST.title, REPOST.paragraphs)
    assert match_pending(other, WATCHLIST, [target], tracker=loaded).copies == 1
    # ... and the first connection's own index learns about it on its next pass.
    paper = add(db, "Frontier Post", "releads", "IS-K bomber strikes Kabul ministry", RELED)
    assert match_pending(db, WATCHLIST, [target]).copies == 1
    ids = [r[0] for r in db.execute("SELECT story_id FROM articles ORDER BY id")]
    assert len(set(ids)) == 1 and [wire, blog, paper] == [1, 2, 3]

    # Articles older than the window are not in the index.
    other.execute("UPDATE articles SET first_seen = '2020-01-01T00:00:00Z'")
    assert len(StoryTracker.load(other).index) == 0
    other.close()


# Added to articles after stories (m009_silent_edits), last first.
NEWER_ARTICLE_COLUMNS = ("page_last_modified", "page_etag", "rechecks", "text_changed")
NEWER_ARTICLE_COLUMNS += ("text_changes",)


def test_database_from_before_stories_is_migrated_and_signed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = store.open_db(path)
    old = add(db, "Indus Wire", "blast", ORIGINAL.title, ORIGINAL.paragraphs)
    store.save_matches(db, old, [], {})
    db.close()
    # Back to schema 5, as a database written before stories existed.
    conn = sqlite3.connect(path)
    for statement in (
        # What the migrations after stories (m007 to m010) added, newest first.
        "ALTER TABLE runs DROP COLUMN note",
        "DROP INDEX idx_articles_recheck",
        *(f"ALTER TABLE articles DROP COLUMN {column}" for column in NEWER_ARTICLE_COLUMNS),
        "ALTER TABLE sources DROP COLUMN resolved_note",
        "DROP TABLE mention_marks",
        "DROP TABLE reviews",
        "DROP INDEX idx_mentions_entity_article",
        "ALTER TABLE sources DROP COLUMN paused",
        "DROP TABLE article_signatures",
        "DROP INDEX idx_articles_story",
        "ALTER TABLE articles DROP COLUMN story_similarity",
        "ALTER TABLE articles DROP COLUMN story_id",
        "DROP TABLE stories",
        # Before migrations had names, user_version counted them.
        "DROP TABLE _sqlite_migrations",
        "PRAGMA user_version = 5",
    ):
        conn.execute(statement)
    conn.commit()
    conn.close()

    db = store.open_db(path)
    (row,) = db.query("SELECT id, story_id FROM articles")
    assert row["story_id"] is not None  # a story of its own
    (story,) = db.query("SELECT * FROM stories")
    assert story["first_article_id"] == old and story["copies"] == 1
    loaded = StoryTracker.load(db)  # computes the missing signature
    assert len(loaded.index) == 1
    add(db, "Security Watch", "repost", REPOST.title, REPOST.paragraphs)
    assert match_pending(db, WATCHLIST, [], tracker=loaded).copies == 1
    db.close()


def test_short_texts_are_never_grouped(db) -> None:
    target = Target(url="json://127.0.0.1:9/x", name="desk")
    for i in range(3):
        add(db, "Indus Wire", f"s{i}", f"Taliban story {i}", ["The Taliban said."])
    report = match_pending(db, WATCHLIST, [target])
    assert report.copies == 0 and report.alerts == 3
    assert db.execute("SELECT count(*) FROM stories").fetchone()[0] == 3


# --- the whole pipeline: three local sites run the same story -------------------------

WATCHLIST_TOML = "".join(
    f'[[entity]]\nid = "{e.id}"\nname = "{e.name}"\nkind = "{e.kind}"\ntags = {list(e.tags)!r}\n'
    for e in ENTITIES
).replace("'", '"')


def config(path: Path, sites: list[NewsSite], webhook: WebhookReceiver) -> Path:
    lines = ['database = "radar.db"', "[crawl]", 'interval = "1h"']
    for site in sites:
        lines += ["[[source]]", f'name = "{site.name}"', f'url = "{site.rss_url}"']
    lines += [
        "[[alert]]",
        'name = "desk"',
        f'url = "{webhook.apprise_url()}"',
        "[[alert]]",
        'name = "morning digest"',
        f'url = "{webhook.apprise_url("/digest")}"',
        'mode = "digest"',
        'schedule = "0 8 * * *"',
    ]
    path.write_text("\n".join(lines) + "\n" + WATCHLIST_TOML, encoding="utf-8")
    return path


def instant(webhook: WebhookReceiver) -> list[dict]:
    return [r for r in webhook.requests if r["path"] != "/digest"]


@pytest.mark.slow
def test_one_story_on_three_sites_alerts_once_then_for_a_new_entity(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    with (
        NewsSite("Indus Wire") as wire,
        NewsSite("Security Watch") as blog,
        NewsSite("Frontier Post") as paper,
    ):
        cfg = config(tmp_path / "newsradar.toml", [wire, blog, paper], webhook)
        wire.publish("kabul-ministry-blast", ORIGINAL.title, list(ORIGINAL.paragraphs))
        first = newsradar("run", "--once", "-c", str(cfg))
        assert first.returncode == 0, first.stderr
        assert "1 new articles, 1 matched, 1 alerts sent" in first.stderr
        (hook,) = webhook.wait_for(1)
        assert hook["json"]["title"] == f"Islamic State Khorasan, Taliban: {ORIGINAL.title}"
        assert "Also reported by" not in hook["json"]["message"]

        # The blog reposts it whole, under its own header and footer: no alert.
        blog.publish("reposted-kabul-blast", REPOST.title, list(REPOST.paragraphs))
        second = newsradar("run", "--once", "-c", str(cfg))
        assert second.returncode == 0, second.stderr
        assert "1 new articles, 1 matched, 0 alerts sent" in second.stderr
        assert "is a copy of story" in second.stderr

        # A paper runs the wire copy under its own lead, which names the interior
        # minister: one alert, for him only, listing who ran the story before.
        paper.publish("is-k-bomber-strikes-kabul", "IS-K bomber strikes Kabul ministry", RELED)
        third = newsradar("run", "--once", "-c", str(cfg))
        assert third.returncode == 0, third.stderr
        assert "1 new articles, 1 matched, 1 alerts sent" in third.stderr
        hooks = webhook.wait_for(2)
        time.sleep(0.5)
        assert len(instant(webhook)) == 2
        assert hooks[1]["json"]["title"] == "Sirajuddin Haqqani: IS-K bomber strikes Kabul ministry"
        message = hooks[1]["json"]["message"]
        assert "Matched: Sirajuddin Haqqani (official)" in message
        also = message[message.index("Also reported by:") :]
        assert f"- Indus Wire: {wire.article_url('kabul-ministry-blast')}" in also
        assert f"- Security Watch: {blog.article_url('reposted-kabul-blast')}" in also

        # `newsradar matches` shows one story with its copies.
        listed = newsradar("matches", "--json", "-c", str(cfg))
        assert listed.returncode == 0, listed.stderr
        (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
        assert row["title"] == ORIGINAL.title and row["source"] == "Indus Wire"
        assert row["entities"] == ["is-k", "sirajuddin-haqqani", "taliban"]
        assert [(c["source"], c["url"]) for c in row["copies"]] == [
            ("Security Watch", blog.article_url("reposted-kabul-blast")),
            ("Frontier Post", paper.article_url("is-k-bomber-strikes-kabul")),
        ]
        table = newsradar("matches", "-c", str(cfg))
        assert "also reported by 2 others:" in table.stdout

        # The database: one story of three copies, each article pointing at it.
        db = store.open_db(tmp_path / "radar.db")
        (story,) = db.query("SELECT * FROM stories")
        assert story["copies"] == 3
        first_url = db.execute(
            "SELECT url FROM articles WHERE id = ?", [story["first_article_id"]]
        ).fetchone()[0]
        assert first_url == wire.article_url("kabul-ministry-blast")
        assert {r[0] for r in db.execute("SELECT story_id FROM articles")} == {story["id"]}

        # The morning digest shows the story with every outlet that ran it.
        digest = Target(
            url=webhook.apprise_url("/digest"),
            name="morning digest",
            mode="digest",
            schedule="0 8 * * *",
        )
        assert asyncio.run(send_digest(db, digest, WATCHLIST.entities, FAST)).sent == 2
        db.close()
        (sent,) = [r for r in webhook.wait_for(3) if r["path"] == "/digest"]
        assert sent["json"]["title"].startswith("newsradar digest: 2 articles")
        body = sent["json"]["message"]
        original_entry = body[body.index(f"- {ORIGINAL.title}") :]
        assert "also reported by:" in original_entry
        assert f"Security Watch: {blog.article_url('reposted-kabul-blast')}" in original_entry
        assert f"Frontier Post: {paper.article_url('is-k-bomber-strikes-kabul')}" in body


@pytest.mark.slow
def test_three_copies_in_one_cycle_make_one_alert_listing_the_others(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    with (
        NewsSite("Indus Wire") as wire,
        NewsSite("Security Watch") as blog,
        NewsSite("Lahore Chronicle") as paper,
    ):
        cfg = config(tmp_path / "newsradar.toml", [wire, blog, paper], webhook)
        trimmed = DOCS["kabul-blast-trimmed"]
        wire.publish("kabul-ministry-blast", ORIGINAL.title, list(ORIGINAL.paragraphs))
        blog.publish("reposted-kabul-blast", REPOST.title, list(REPOST.paragraphs))
        paper.publish("kabul-blast-12-dead", trimmed.title, list(trimmed.paragraphs))
        wire.publish("kandahar-market-blast", OTHER.title, list(OTHER.paragraphs))
        result = newsradar("run", "--once", "-c", str(cfg))
        assert result.returncode == 0, result.stderr
        assert "4 new articles, 4 matched, 2 alerts sent" in result.stderr
        webhook.wait_for(2)
        time.sleep(0.5)
        hooks = instant(webhook)
        assert len(hooks) == 2
        (kabul,) = [h for h in hooks if "Kandahar" not in h["json"]["title"]]
        (kandahar,) = [h for h in hooks if "Kandahar" in h["json"]["title"]]
        # Whichever copy was stored first alerted; it lists the other two.
        message = kabul["json"]["message"]
        also = message[message.index("Also reported by:") :]
        outlets = {"Indus Wire", "Security Watch", "Lahore Chronicle"}
        listed = {o for o in outlets if f"- {o}: http://127.0.0.1:" in also}
        assert len(listed) == 2 and message.split(" · ")[0] in outlets - listed
        assert "Also reported by" not in kandahar["json"]["message"]
