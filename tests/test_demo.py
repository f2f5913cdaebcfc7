"""`newsradar demo`: the real service against the demo's own news sites, end to end."""

from __future__ import annotations

import re
from pathlib import Path

from alerts.matcher import find_mentions
from alerts.pending import article_text
from alerts.watchlist import Watchlist
from conftest import newsradar
from crawler import store
from scheduler.config import default_config_text, parse_config
from scheduler.demo import demo_config_text, publish_times
from scheduler.demo_stories import STORIES

BUILTIN = parse_config(default_config_text())


def figure(output: str, label: str) -> int:
    """The number after ``label`` in the demo's summary."""
    match = re.search(rf"^  {label}\s+(\d+)", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return int(match.group(1))


def test_demo_runs_the_service_end_to_end_and_springs_no_trap(tmp_path: Path) -> None:
    database = tmp_path / "demo" / "newsradar.db"
    result = newsradar("demo", "--duration", "25", "--smtp", "--db", str(database), timeout=90)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert figure(out, "articles read") == len(STORIES)
    assert figure(out, "mentions found") > 0
    alerting = [story for story in STORIES if story.expected]
    # One alert per story about a tracked entity, to each of the two targets.
    assert figure(out, "alerts sent") == 2 * len(alerting)
    assert f"(console: {len(alerting)}, email: {len(alerting)})" in out
    assert f"{len(STORIES)} of {len(STORIES)} stories alerted on exactly" in out
    # Each alert was shown as it arrived: on the console and as a caught email.
    assert out.count("✉  SMTP catcher, mail #") == len(alerting)
    assert "Subject: Taliban: Taliban administration and UN agencies agree" in out
    assert re.search(r"^\[ *\d+s\] \d+/13 stories published · \d+ articles read", out, re.M)
    assert "Next steps: point newsradar at real feeds" in out
    assert "newsradar init --interactive" in out and "newsradar run --once" in out

    # The database says the same: the traps raised no alert for Thomas West or
    # Sirajuddin Haqqani, the stories really about them did.
    db = store.open_db(database)
    alerted = {row["title"]: row["alerted"] for row in store.article_entities(db)}
    traps = [story for story in STORIES if story.trap]
    assert len(traps) >= 3
    for story in traps:
        assert alerted[story.title] == [], story.title
    westminster = next(s for s in traps if s.slug == "westminster-south-asia-debate")
    assert "Husain Haqqani" in westminster.text and "the West" in westminster.text
    assert "thomas-west" in alerted["Former US envoy Thomas West says aid talks need patience"]
    assert "sirajuddin-haqqani" in alerted["Interior ministry reshuffles provincial police chiefs"]
    football = next(s for s in traps if s.section == "Sport")
    assert any("Taliban" in headline for headline in football.sidebar)
    assert store.totals(db)["pending"] == 0 and store.totals(db)["failed"] == 0


def test_demo_refuses_to_overwrite_a_database(tmp_path: Path) -> None:
    existing = tmp_path / "newsradar.db"
    existing.write_bytes(b"precious")
    result = newsradar("demo", "--db", str(existing), timeout=60)
    assert result.returncode != 0 and "already exists" in result.stderr
    assert existing.read_bytes() == b"precious"


def test_demo_config_is_a_real_config_with_the_builtin_watchlist(tmp_path: Path) -> None:
    text = demo_config_text(
        [("Kabul Ledger", "http://127.0.0.1:8001/feed.xml")],
        tmp_path / "newsradar.db",
        [("console", "console://")],
        "3s",
    )
    config = parse_config(text)
    assert config.entity == BUILTIN.entity
    assert [(s.name, s.kind) for s in config.source] == [("Kabul Ledger", "feed")]
    assert config.crawl.interval.total_seconds() == 3
    assert [(a.name, a.url) for a in config.alert] == [("console", "console://")]
    assert config.database_path == tmp_path / "newsradar.db"


def test_stories_ground_truth_matches_the_real_matcher() -> None:
    """Each story's body mentions exactly the entities it claims (the sidebar is not
    part of it): the demo's summary checks the whole pipeline against this."""
    watchlist = Watchlist.compile(BUILTIN.entities())
    ids = {entity.id for entity in BUILTIN.entity}
    for story in STORIES:
        assert story.expected <= ids, story.slug
        found = {
            m.entity_id for m in find_mentions(article_text(story.title, story.text), watchlist)
        }
        assert found == story.expected, story.slug
        assert not (story.trap and story.expected), story.slug
    assert len({story.slug for story in STORIES}) == len(STORIES)


def test_publishing_fits_in_the_duration() -> None:
    times = publish_times(len(STORIES), 25)
    assert times == sorted(times) and times[-1] <= 25 - 10 + 0.5
    assert publish_times(len(STORIES), 600)[-1] <= 24.5
