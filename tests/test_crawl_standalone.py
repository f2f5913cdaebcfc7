"""`scrapy crawl feed -a url=...` still works on its own, without the service's
engine: its pipeline gathers the poll's result and records it as the service does."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newssite import NewsSite

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def _crawl(url: str, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "feed", "-a", f"url={url}"]
    command += ["-s", f"NEWSRADAR_DB_PATH={db}", "-s", "LOG_LEVEL=WARNING"]
    return subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )


def test_scrapy_crawl_feed_stores_articles_and_records_the_run(
    tmp_path: Path, news_site: NewsSite
) -> None:
    news_site.publish_sample(3)
    db_path = tmp_path / "radar.db"
    first = _crawl(news_site.rss_url, db_path)
    assert first.returncode == 0, first.stderr
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM articles WHERE extracted_from = 'page'").fetchone() == (
        3,
    )
    assert db.execute("SELECT last_status FROM sources").fetchone() == (
        "3 entries: 3 new, 0 updated",
    )
    again = _crawl(news_site.rss_url, db_path)
    assert again.returncode == 0, again.stderr
    assert db.execute("SELECT last_status FROM sources").fetchone() == ("not modified",)
    assert db.execute("SELECT count(*), count(finished) FROM runs").fetchone() == (2, 2)
