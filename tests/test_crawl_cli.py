"""`newsradar sources`: health, discovery and OPML, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import newsradar
from crawler.parse.links import COMMON_FEED_PATHS
from hostile import run_once, write_config
from newssite import NewsSite

# Real servers and crawls: the system tier.
pytestmark = pytest.mark.slow

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My feeds</title></head><body>
<outline text="News">
  <outline type="rss" text="Kabul Ledger" title="Kabul Ledger" xmlUrl="{rss}"/>
  <outline type="rss" text="Ledger Atom" xmlUrl="{atom}" htmlUrl="{home}"/>
</outline>
<outline text="A folder without a feed"/>
</body></opml>
"""


def test_discover_shows_what_auto_finds(news_site: NewsSite) -> None:
    news_site.publish_sample(2)
    result = newsradar("sources", "discover", news_site.base_url + "/")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"feed\t{news_site.rss_url}"
    assert f"feed\t{news_site.atom_url}" in lines
    assert f"sitemap\t{news_site.sitemap_index_url}" in lines
    assert 'kind = "auto"  # polls' in result.stdout

    # A URL that answers 404 still leads to the site's feeds and sitemaps...
    missing = newsradar("sources", "discover", news_site.base_url + "/no-such-page")
    assert missing.returncode == 0, missing.stderr
    assert f"feed\t{news_site.rss_url}" in missing.stdout.splitlines()
    # ...and where the site has none either, nothing is found.
    for path in COMMON_FEED_PATHS:
        news_site.set_status(path, 404)
    news_site.set_status("/robots.txt", 404)
    nothing = newsradar("sources", "discover", news_site.base_url + "/no-such-page")
    assert nothing.returncode != 0
    assert "nothing to poll found" in nothing.stderr


def test_opml_import_export_and_health(tmp_path: Path, news_site: NewsSite) -> None:
    news_site.publish_sample(2)
    config = write_config(
        tmp_path / "newsradar.toml",
        [{"name": "Broken", "url": news_site.base_url + "/gone.xml", "kind": "feed"}],
    )
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        OPML.format(rss=news_site.rss_url, atom=news_site.atom_url, home=news_site.base_url),
        encoding="utf-8",
    )
    dry = newsradar("sources", "import", str(opml), "-c", str(config), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert 'name = "Kabul Ledger"' in dry.stdout and "Broken" not in dry.stdout
    imported = newsradar("sources", "import", str(opml), "-c", str(config))
    assert imported.returncode == 0, imported.stderr
    assert "Added 2 sources" in imported.stdout
    again = newsradar("sources", "import", str(opml), "-c", str(config))
    assert "nothing new" in again.stdout
    assert newsradar("check", "-c", str(config)).returncode == 0

    exported = newsradar("sources", "export", "-c", str(config))
    assert exported.returncode == 0, exported.stderr
    assert f'xmlUrl="{news_site.rss_url}"' in exported.stdout
    assert exported.stdout.count("<outline") == 3
    # What export writes, import reads back: nothing new.
    (tmp_path / "back.opml").write_text(exported.stdout, encoding="utf-8")
    back = newsradar("sources", "import", str(tmp_path / "back.opml"), "-c", str(config))
    assert "nothing new" in back.stdout

    before = newsradar("sources", "-c", str(config))
    assert before.returncode == 0, before.stderr
    assert "not polled yet" in before.stdout and "next poll at start" in before.stdout

    assert run_once(config).returncode == 0
    assert run_once(config).returncode == 0
    health = newsradar("sources", "-c", str(config), "--json")
    assert health.returncode == 0, health.stderr
    rows = {row["name"]: row for row in map(json.loads, health.stdout.splitlines())}
    assert rows["Broken"]["last_error"] == "HTTP 404"
    assert rows["Broken"]["consecutive_failures"] == 2
    assert rows["Kabul Ledger"]["consecutive_failures"] == 0
    # Both feeds list the same two stories: each is counted once, by whichever stored it.
    assert rows["Kabul Ledger"]["articles_found"] + rows["Ledger Atom"]["articles_found"] == 2
    assert rows["Kabul Ledger"]["last_status"] == "not modified"
    assert (
        rows["Kabul Ledger"]["last_success"]
        and rows["Kabul Ledger"]["next_poll"] > (rows["Kabul Ledger"]["last_success"])
    )
    table = newsradar("sources", "-c", str(config))
    assert "Broken  [feed]  FAILING" in table.stdout
    assert "HTTP 404 (2 consecutive failures)" in table.stdout
