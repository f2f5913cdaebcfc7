"""What `newsradar demo` is made of: its config, its stories' ground truth, its timing."""

from __future__ import annotations

from pathlib import Path

from alerts.matcher import find_mentions
from alerts.pending import article_text
from alerts.watchlist import Watchlist
from scheduler.config import default_config_text, parse_config
from scheduler.demo.run import demo_config_text, publish_times
from scheduler.demo.stories import STORIES

BUILTIN = parse_config(default_config_text())


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
