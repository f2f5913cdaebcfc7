"""Looking at the data: `newsradar search`, `newsradar stats` and the Datasette
metadata, on real databases filled through crawler.store and the real matcher."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from alerts.pending import match_pending
from alerts.targets import console_target
from alerts.watchlist import Watchlist
from crawler import store
from scheduler import explore
from scheduler.cli import cli
from scheduler.config import default_config_text, parse_config

REPO = Path(__file__).resolve().parents[1]
METADATA = REPO / "datasette" / "metadata.yml"
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

# (days before NOW, source, slug, title, text)
ARTICLES = [
    (
        2,
        "Kabul Ledger",
        "haqqani-reshuffle",
        "Interior ministry reshuffles provincial police chiefs",
        "The ministry is led by Sirajuddin Haqqani, who also heads the Haqqani network. "
        "The Taliban administration said the changes were routine.\n\n"
        "Haqqani has appeared more often at public ceremonies in recent months.",
    ),
    (
        1,
        "Indus Wire",
        "westminster-debate",
        "Westminster debate on the West's plan for South Asia",
        "Among the speakers was Husain Haqqani, a former ambassador, who said the West had "
        "swung from over-ambition to neglect.",
    ),
    (
        1,
        "Indus Wire",
        "un-al-qaeda-report",
        "UN monitors say al-Qaeda keeps a low profile",
        "A monitoring team says al Qaeda keeps a small presence in several provinces, and that "
        "the Taliban have sought to limit visible activity by foreign fighters.",
    ),
    (
        0,
        "Kabul Ledger",
        "falcons-title",
        "Late winner hands Kabul Falcons the league title",
        "A stoppage-time volley gave Kabul Falcons a 2-1 win and the title (AND a trophy).",
    ),
    (
        0,
        "Kabul Ledger",
        "doha-talks",
        "Taliban envoys return to Doha for talks",
        "Taliban envoys arrived in Doha on Tuesday for talks on aid convoys and prisoner "
        "releases, officials said.",
    ),
]


def populate(path: Path) -> sqlite_utils.Database:
    """A database as the service leaves it: sources, articles first seen on different
    days, then the real matcher over them with the built-in watchlist."""
    db = store.open_db(path)
    sources = {
        name: store.upsert_source(
            db, url=f"http://127.0.0.1:9/{name.split()[0].lower()}.xml", name=name, kind="feed"
        )
        for name in ("Kabul Ledger", "Indus Wire")
    }
    for days, source, slug, title, text in ARTICLES:
        moment = NOW - timedelta(days=days)
        # The store stamps first_seen with the current time: set the clock to that day.
        with pytest.MonkeyPatch.context() as clock:
            clock.setattr(store.times, "utcnow", lambda moment=moment: moment)
            store.store_article(
                db,
                {
                    "url": f"http://127.0.0.1:9/news/{slug}",
                    "source_id": sources[source],
                    "title": title,
                    "text": text,
                    "published": store.isotime(moment),
                    "extracted_from": "page",
                },
            )
    watchlist = Watchlist.compile(parse_config(default_config_text()).entities())
    report = match_pending(db, watchlist, [console_target()])
    assert report.articles == len(ARTICLES) and report.matched == 3
    return db


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "newsradar.db"
    populate(path).close()
    yield path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


# --- search --------------------------------------------------------------------------


def test_search_shows_title_source_date_link_and_the_hit(db_path: Path) -> None:
    code, output = run("search", "--db", str(db_path), "Haqqani")
    assert code == 0, output
    assert "Interior ministry reshuffles provincial police chiefs" in output
    assert "Kabul Ledger · 2026-11-25" in output
    assert "http://127.0.0.1:9/news/haqqani-reshuffle" in output
    assert "[Haqqani]" in output  # the hit, marked (not a terminal: brackets)
    assert "Westminster debate" in output  # the word is there, whoever it names
    assert "2 articles matching 'Haqqani'." in output
    assert "Doha" not in output


def test_search_needs_every_word_and_reads_phrases_and_prefixes(db_path: Path) -> None:
    db = store.open_db(db_path)
    titles = lambda text: [hit["title"] for hit in explore.search(db, text)]  # noqa: E731
    assert titles("Haqqani ambassador") == ["Westminster debate on the West's plan for South Asia"]
    # Porter stemming: "envoy" finds "envoys"; a phrase must appear as written.
    assert titles("envoy Doha") == ["Taliban envoys return to Doha for talks"]
    assert titles('"Haqqani network"') == ["Interior ministry reshuffles provincial police chiefs"]
    assert titles('"network Haqqani"') == []
    assert len(titles("Tal*")) == 3
    assert titles("al-Qaeda") == ["UN monitors say al-Qaeda keeps a low profile"]


@pytest.mark.parametrize(
    "text",
    ["AND OR NOT (", 'Taliban"', '"unclosed phrase', "NEAR(a b)", "title:Doha", "^Taliban", "-"],
)
def test_search_treats_query_syntax_as_plain_words(db_path: Path, text: str) -> None:
    code, output = run("search", "--db", str(db_path), text)
    assert "Traceback" not in output
    if text == "-":
        assert code != 0 and "nothing to search for" in output
        return
    assert code == 0, output
    if "Taliban" in text:
        assert "3 articles matching" in output
    if text == "title:Doha":  # FTS5 would read a column filter (and find the Doha
        # story); as plain text it is the phrase "title Doha", which no article has.
        assert "No article matches 'title:Doha'." in output


def test_search_newest_first_limit_and_json(db_path: Path) -> None:
    code, output = run("search", "--db", str(db_path), "Taliban", "--newest", "--json", "-n", "2")
    assert code == 0, output
    rows = [json.loads(line) for line in output.splitlines()]
    assert [row["title"] for row in rows] == [
        "Taliban envoys return to Doha for talks",
        "UN monitors say al-Qaeda keeps a low profile",
    ]
    assert all("[Taliban]" in row["snippet"] for row in rows)
    assert rows[0]["source"] == "Kabul Ledger" and rows[0]["date"] == "2026-11-27T09:30:00Z"


def test_search_and_stats_say_when_there_is_no_database(tmp_path: Path) -> None:
    for command in (["search", "Taliban"], ["stats"]):
        code, output = run(*command, "--db", str(tmp_path / "none.db"))
        assert code != 0 and "no database at" in output and "newsradar run" in output
    # Without --db: the configured database (here the built-in default, ./newsradar.db).
    code, output = run("search", "Taliban")
    assert code != 0 and "newsradar.db" in output


# --- stats ---------------------------------------------------------------------------


def test_daily_mentions_counts_every_mention_by_day(db_path: Path) -> None:
    stats = explore.daily_mentions(store.open_db(db_path), timedelta(days=30), now=NOW)
    assert len(stats.days) == 31 and stats.days[-1] == NOW.date()
    day = lambda n: (NOW - timedelta(days=n)).date()  # noqa: E731
    assert stats.counts["taliban"] == {day(2): 1, day(1): 1, day(0): 2}
    # "Sirajuddin Haqqani", then "Haqqani" alone; Husain Haqqani is someone else.
    assert stats.counts["sirajuddin-haqqani"] == {day(2): 2}
    assert stats.counts["haqqani-network"] == {day(2): 1}
    assert stats.counts["al-qaeda"] == {day(1): 2}
    assert "thomas-west" not in stats.counts  # "the West" twice, and no Thomas West
    assert stats.entities[0] == "taliban"  # most mentioned first
    assert stats.active_days == [day(2), day(1), day(0)]
    narrowed = explore.daily_mentions(
        store.open_db(db_path), timedelta(days=1, hours=12), ("taliban",), now=NOW
    )
    assert narrowed.entities == ["taliban"] and narrowed.counts["taliban"] == {
        day(1): 1,
        day(0): 2,
    }


def test_stats_table_and_json(db_path: Path) -> None:
    code, output = run("stats", "--db", str(db_path), "--since", "400d")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("Mentions per entity per day since ")
    header = next(line for line in lines if line.startswith("entity"))
    assert header.split() == ["entity", "11-25", "11-26", "11-27", "total"]
    assert next(line for line in lines if line.startswith("taliban")).split() == [
        "taliban",
        "1",
        "1",
        "2",
        "4",
    ]
    assert lines[-1].split() == ["total", "4", "3", "2", "9"]
    code, output = run("stats", "--db", str(db_path), "--since", "400d", "--json")
    rows = [json.loads(line) for line in output.splitlines()]
    assert {"day": "2026-11-27", "entity": "taliban", "mentions": 2} in rows
    assert sum(row["mentions"] for row in rows) == 9
    code, output = run("stats", "--db", str(db_path), "--since", "a while")
    assert code != 0 and "bad duration" in output


def test_stats_table_has_days_as_rows_when_there_are_more_days(db_path: Path) -> None:
    stats = explore.daily_mentions(store.open_db(db_path), timedelta(days=30), ("al-qaeda",), NOW)
    stats = explore.DailyMentions(
        stats.days, ["al-qaeda"], {"al-qaeda": {NOW.date(): 1, stats.days[0]: 3}}
    )
    lines = explore.format_table(stats).splitlines()
    assert lines[2].split() == ["day", "al-qaeda", "total"]
    assert lines[4].split() == [stats.days[0].isoformat(), "3", "3"]
    assert lines[-1].split() == ["total", "4", "4"]


def test_stats_plot_writes_a_png(db_path: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib (the plot extra) is not installed")
    chart = tmp_path / "mentions.png"
    code, output = run("stats", "--db", str(db_path), "--since", "400d", "--plot", str(chart))
    assert code == 0, output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.stat().st_size > 10_000  # a drawn chart, not an empty canvas


def test_stats_plot_of_one_day_spans_the_window_with_zero_days(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib (the plot extra) is not installed")
    days = [NOW.date() - timedelta(days=n) for n in range(30, -1, -1)]
    one_day = explore.DailyMentions(days, ["al-qaeda"], {"al-qaeda": {NOW.date(): 4}})
    chart = tmp_path / "one-day.png"
    assert explore.plot(one_day, chart) == (days[0], days[-1])  # the window, not years
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    today = explore.DailyMentions([NOW.date()], ["al-qaeda"], {"al-qaeda": {NOW.date(): 2}})
    first, last = explore.plot(today, tmp_path / "today.png")
    assert (last - first).days == 2  # a day on each side


def test_stats_plot_without_matplotlib_says_how_to_get_it(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what a missing package looks like
    code, output = run("stats", "--db", str(db_path), "--plot", str(tmp_path / "x.png"))
    assert code != 0
    assert "--plot needs matplotlib" in output and "newsradar[plot]" in output
    assert not (tmp_path / "x.png").exists()


# --- Datasette -----------------------------------------------------------------------


def test_datasette_loads_the_metadata_and_runs_every_canned_query(tmp_path: Path) -> None:
    datasette_app = pytest.importorskip(
        "datasette.app", reason="datasette is not installed (pip install datasette)"
    )
    import asyncio

    import yaml

    path = tmp_path / "newsradar.db"
    db = populate(path)
    # A failing source and a failed alert, so those queries return rows too.
    source_id = store.upsert_source(db, url="http://127.0.0.1:9/gone.xml", name="Gone", kind="feed")
    store.finish_run(db, store.start_run(db, source_id), articles_new=0, error="DNS lookup failed")
    [alert] = store.due_alerts(db, ["console"], limit=1)
    store.mark_attempt_failed(db, [alert["id"]], "SMTP AUTH failed", retry_in=None)
    db.close()
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    queries = metadata["databases"]["newsradar"]["queries"]
    assert {
        "latest_matches_per_entity",
        "mentions_per_entity_per_day",
        "failing_sources",
    } <= set(queries)

    async def check() -> None:
        ds = datasette_app.Datasette(files=[str(path)], metadata=metadata)
        await ds.invoke_startup()
        results = {}
        for name in queries:
            response = await ds.client.get(f"/newsradar/{name}.json?_shape=array")
            assert response.status_code == 200, (name, response.text)
            results[name] = response.json()
        latest = results["latest_matches_per_entity"]
        assert latest[0].keys() >= {"entity_id", "first_seen", "source", "title", "url"}
        taliban = [row["title"] for row in latest if row["entity_id"] == "taliban"]
        assert taliban[0] == "Taliban envoys return to Doha for talks"  # newest first
        per_day = results["mentions_per_entity_per_day"]
        assert {"day": "2026-11-27", "entity_id": "taliban", "mentions": 2, "articles": 1} in (
            per_day
        )
        assert [row["name"] for row in results["failing_sources"]] == ["Gone"]
        assert results["failing_sources"][0]["last_error"] == "DNS lookup failed"
        assert results["failed_alerts"][0]["last_error"] == "SMTP AUTH failed"
        # Full-text search and the descriptions, with no other setup.
        response = await ds.client.get("/newsradar/articles.json?_search=Haqqani&_shape=array")
        assert response.status_code == 200
        assert len(response.json()) == 2
        page = (await ds.client.get("/newsradar/articles")).text
        assert "Full-text search covers" in page
        page = (await ds.client.get("/newsradar/mentions")).text
        assert "The watchlist entity" in page  # a column description
        # Foreign keys: an article's source is shown by name (sources' label column).
        response = await ds.client.get("/newsradar/articles.json?_shape=array&_labels=on")
        assert response.json()[-1]["source_id"] == {"value": 1, "label": "Kabul Ledger"}

    asyncio.run(check())
