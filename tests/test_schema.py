"""The schema: CURRENT equals what the migrations build, every older database upgrades
to it in place, and a file that is not (or not yet, or no longer) ours is refused by name."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawler import store
from crawler.store import schema

V6_DUMP = Path(__file__).parent / "data" / "db" / "newsradar-v6.sql"
FTS_SHADOWS = (
    "articles_fts_data",
    "articles_fts_idx",
    "articles_fts_docsize",
    "articles_fts_config",
)


def normalised(sql: str) -> str:
    """SQL as stored in sqlite_master, without what does not change its meaning:
    comments, identifier quotes, whitespace (ALTER TABLE appends columns with its own)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = re.sub(r'["`\[\]]', "", sql)
    sql = " ".join(sql.split())
    return re.sub(r"\s*([(),;])\s*", r"\1", sql)


def schema_of(db: sqlite_utils.Database) -> dict[str, Any]:
    """Every table, index, trigger and virtual table: its normalised SQL and, for
    tables, the columns, indexes and foreign keys as SQLite itself reports them."""
    objects: dict[str, Any] = {}
    for kind, name, table, sql in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'"
    ):
        entry: dict[str, Any] = {"type": kind, "table": table, "sql": sql and normalised(sql)}
        if kind == "table":
            entry["columns"] = db.execute(f'PRAGMA table_xinfo("{name}")').fetchall()
            entry["foreign_keys"] = db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()
            entry["indexes"] = sorted(
                (
                    index,
                    unique,
                    origin,
                    partial,
                    db.execute(f'PRAGMA index_xinfo("{index}")').fetchall(),
                )
                for _, index, unique, origin, partial in db.execute(f'PRAGMA index_list("{name}")')
            )
        objects[name] = entry
    return objects


def without_later_additions(
    after: dict[str, list[tuple]], before: dict[str, list[tuple]]
) -> dict[str, list[tuple]]:
    """``after`` without what migrations newer than ``before`` added, once checked to be
    empty: their new tables (no rows) and the columns they appended (NULL in old rows)."""
    for table in set(after) - set(before):
        assert after[table] == [], f"{table}: a table a migration added holds rows"
    trimmed = {}
    for table, rows in before.items():
        width = len(rows[0]) if rows else 0
        assert all(all(value is None for value in row[width:]) for row in after[table]), table
        trimmed[table] = sorted((row[:width] for row in after[table]), key=repr)
    return trimmed


def current_schema(tmp_path: Path) -> dict[str, Any]:
    db = store.open_db(tmp_path / "current.db")
    try:
        return schema_of(db)
    finally:
        db.close()


def rows_of(db: sqlite_utils.Database) -> dict[str, list[tuple]]:
    """Every row of every table but the full-text index's own, in a stable order."""
    tables = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if name not in FTS_SHADOWS and name != "articles_fts" and not name.startswith("sqlite_")
    ]
    return {
        table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
        for table in tables
    }


def build_legacy(path: Path, version: int) -> None:
    """A database as newsradar wrote it before migrations had names: the first
    ``version`` migrations applied, counted in PRAGMA user_version, in WAL mode."""
    db = sqlite_utils.Database(path)
    db.enable_wal()
    build_named(db, version)
    db.execute(f"DROP TABLE {schema.MIGRATIONS.migrations_table}")
    db.execute(f"PRAGMA user_version = {version}")
    db.close()


def build_named(db: sqlite_utils.Database, count: int) -> None:
    """Apply the first ``count`` migrations, recorded by name."""
    if count < len(schema.NAMES):
        schema.MIGRATIONS.apply(db, stop_before=schema.NAMES[count])
    else:
        schema.MIGRATIONS.apply(db)


def applied(db: sqlite_utils.Database) -> list[str]:
    return [migration.name for migration in schema.MIGRATIONS.applied(db)]


# --- CURRENT and the migrations agree ------------------------------------------------


def test_migrating_an_empty_database_gives_exactly_current(tmp_path: Path) -> None:
    replayed = sqlite_utils.Database(tmp_path / "replayed.db")
    schema.MIGRATIONS.apply(replayed)  # every migration, one by one, from nothing
    assert schema_of(replayed) == current_schema(tmp_path)
    # And the comparison is not blind: CURRENT without its last column differs.
    other = sqlite_utils.Database(tmp_path / "other.db")
    schema.run_script(other, schema.CURRENT.replace(",\n    story_similarity REAL", ""))
    other.execute("CREATE TABLE _sqlite_migrations (x)")
    assert schema_of(other) != schema_of(replayed)


def test_a_new_database_gets_current_recorded_as_fully_migrated(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    assert db.journal_mode == "wal"
    assert {"sources", "articles", "mentions", "alerts", "runs", "articles_fts"} <= set(
        db.table_names()
    )
    assert applied(db) == schema.NAMES
    version = db.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(schema.NAMES)
    db.close()
    again = store.open_db(tmp_path / "radar.db")  # reopening applies nothing twice
    assert again.execute("PRAGMA user_version").fetchone()[0] == version
    assert applied(again) == schema.NAMES


def test_user_version_still_counts_the_migrations_it_once_counted() -> None:
    assert list(schema.LEGACY_VERSIONS) == schema.NAMES[: len(schema.LEGACY_VERSIONS)]


@pytest.mark.parametrize("version", range(1, len(schema.LEGACY_VERSIONS) + 1))
def test_every_older_numbered_database_upgrades_to_exactly_current(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / f"v{version}.db"
    build_legacy(path, version)
    db = store.open_db(path)
    assert schema_of(db) == current_schema(tmp_path)
    assert applied(db) == schema.NAMES
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(schema.NAMES)
    db.close()


@pytest.mark.parametrize("count", range(1, len(schema.NAMES)))
def test_every_partly_named_database_upgrades_to_exactly_current(
    tmp_path: Path, count: int
) -> None:
    path = tmp_path / f"named{count}.db"
    db = sqlite_utils.Database(path)
    build_named(db, count)
    db.close()
    db = store.open_db(path)
    assert schema_of(db) == current_schema(tmp_path)
    assert applied(db) == schema.NAMES
    db.close()


def test_rows_of_a_first_version_database_survive_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    build_legacy(path, 1)
    db = sqlite_utils.Database(path)
    db.execute(
        "INSERT INTO sources (id, url, name, kind, added) "
        "VALUES (1, 'http://127.0.0.1/feed', 'Ledger', 'feed', '2026-01-01T00:00:00Z')"
    )
    db.execute(
        "INSERT INTO articles (id, url, source_id, title, text, extracted_from, content_hash, "
        "first_seen, updated, matched_at) VALUES (1, 'http://127.0.0.1/a', 1, 'Taliban talks', "
        "'The Taliban said.', 'page', 'h', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
        "'2026-01-01T00:01:00Z')"
    )
    db.execute(
        "INSERT INTO alerts (article_id, target, entities, status, created, next_attempt, sent_at) "
        "VALUES (1, 'desk', '[\"taliban\"]', 'sent', '2026-01-01T00:01:00Z', "
        "'2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z')"
    )
    db.conn.commit()
    db.close()
    db = store.open_db(path)
    (article,) = db.query("SELECT * FROM articles")
    assert (article["title"], article["story_id"]) == ("Taliban talks", 1)  # a story of its own
    assert [r[0] for r in db.execute("SELECT url FROM article_urls")] == ["http://127.0.0.1/a"]
    (alert,) = db.query("SELECT * FROM alerts")
    assert (alert["target"], alert["status"], alert["message_id"]) == ("desk", "sent", None)
    assert [h["id"] for h in store.search_articles(db, "taliban")] == [1]
    db.close()


# --- a database written by the previous newsradar -------------------------------------


# What the migrations after version 6 add to existing rows, per table (defaults).
ADDED_SINCE_V6 = {
    "sources": (None, None),  # m007_console: paused; m008_discovery_note: resolved_note
    # m009_silent_edits: text_changes, text_changed, rechecks, page_etag, page_last_modified
    "articles": (0, None, 0, None, None),
    "runs": (None,),  # m010_run_note: note
}


def test_a_database_from_the_previous_release_upgrades_in_place_losing_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "newsradar.db"
    old = sqlite3.connect(path)
    old.executescript(V6_DUMP.read_text(encoding="utf-8"))
    old.close()
    before_db = sqlite_utils.Database(path)
    before = rows_of(before_db)
    assert before_db.execute("PRAGMA user_version").fetchone()[0] == 6
    assert not before_db[schema.MIGRATIONS.migrations_table].exists()
    before_db.close()
    assert sum(len(rows) for rows in before.values()) > 30  # a real fill, every table

    db = store.open_db(path)
    assert schema_of(db) == current_schema(tmp_path)
    assert applied(db) == schema.NAMES
    after = rows_of(db)
    assert after.pop(schema.MIGRATIONS.migrations_table)
    for table in set(after) - set(before):
        assert after[table] == [], f"{table}: a table a migration added holds rows"
        del after[table]
    # Columns added since version 6 come last in their rows and hold their defaults.
    for table, added in ADDED_SINCE_V6.items():
        assert all(row[-len(added) :] == added for row in after[table]), table
        after[table] = sorted((row[: -len(added)] for row in after[table]), key=repr)
    assert after == before
    assert all(before[table] for table in before), "every table of the fixture has rows"
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
    hits = store.search_articles(db, "doha")
    assert {h["title"] for h in hits} == {
        "Taliban envoys return to Doha for talks",
        "Taliban delegation heads to Doha",
    }
    # It is in use from now on: the stories, the outbox and new articles work on it.
    assert [s["title"] for s in store.recent_stories(db, store.utcnow().replace(year=2020))][
        -1
    ] == "Taliban envoys return to Doha for talks"
    assert store.alert_counts(db) == [
        {"target": "desk", "sent": 2, "pending": 1, "failed": 0},
        {"target": "officials", "sent": 0, "pending": 0, "failed": 1},
    ]
    _, status = store.store_article(
        db,
        {
            "url": "http://127.0.0.1:8001/p/1",  # an alias of the first article
            "source_id": 1,
            "title": "Taliban envoys return to Doha for talks",
            "text": "Another copy.",
            "extracted_from": "page",
        },
    )
    assert status == "duplicate"
    db.close()
    again = store.open_db(path)
    assert applied(again) == schema.NAMES
    again.close()


# --- files this code must not use, each refused by name -------------------------------


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(store.NotNewsradarDatabase) as caught:
        store.open_db(path)
    message = str(caught.value)
    assert str(path) in message and "not a newsradar database" in message and "notes" in message
    assert path.read_bytes() == before  # not even switched to WAL


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.toml"
    path.write_text('[[source]]\nurl = "http://127.0.0.1/feed"\n', encoding="utf-8")
    with pytest.raises(store.NotNewsradarDatabase, match="not a SQLite file") as caught:
        store.open_db(path)
    assert str(path) in str(caught.value)
    assert path.read_text(encoding="utf-8").startswith("[[source]]")


@pytest.mark.parametrize("start", [16, 100], ids=["header", "schema page"])
def test_a_damaged_database_is_reported_as_corrupt(tmp_path: Path, start: int) -> None:
    path = tmp_path / "radar.db"
    store.open_db(path).close()
    data = bytearray(path.read_bytes())
    data[start:4096] = b"\xde\xad\xbe\xef" * ((4096 - start) // 4)
    path.write_bytes(bytes(data))
    with pytest.raises(store.CorruptDatabase) as caught:
        store.open_db(path)
    assert str(path) in str(caught.value) and "damaged" in str(caught.value)


def test_a_database_with_an_unknown_migration_is_refused_as_newer(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    db = store.open_db(path)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('newsradar', 'm007_from_a_later_release', '2027-01-01T00:00:00Z')"
    )
    db.conn.commit()
    db.close()
    with pytest.raises(store.DatabaseTooNew) as caught:
        store.open_db(path)
    message = str(caught.value)
    assert str(path) in message and "m007_from_a_later_release" in message
    assert "upgrade newsradar" in message


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(store.DatabaseTooNew, match="newer than this newsradar") as caught:
        store.open_db(path)
    assert str(path) in str(caught.value)


def test_a_database_locked_while_it_needs_upgrading_is_reported_and_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "radar.db"
    build_legacy(path, 5)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(store.DatabaseLocked) as caught:
            store.open_db(path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(caught.value)
    assert str(path) in message and "locked by another process" in message
    db = store.open_db(path)  # once the lock is gone, the upgrade goes through
    assert applied(db) == schema.NAMES
    db.close()


@pytest.mark.slow
def test_opening_the_database_again_keeps_the_locks_this_process_holds(tmp_path: Path) -> None:
    # Opening and closing the file outside SQLite (say, to read its header) drops every
    # POSIX lock this process holds on it; another process may then checkpoint and
    # delete the WAL under the open connections: a corrupt database.
    path = tmp_path / "radar.db"
    held = store.open_db(path)
    held.execute("SELECT count(*) FROM sources").fetchone()
    store.open_db(path).close()
    probe = (
        "import sqlite3, sys; conn = sqlite3.connect(sys.argv[1], timeout=0); "
        "print(conn.execute('PRAGMA journal_mode = DELETE').fetchone()[0])"
    )
    other = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60
    )
    held.close()
    assert other.returncode != 0 and "database is locked" in other.stderr, other.stdout


def test_every_named_error_is_a_store_error() -> None:
    for error in (
        store.NotNewsradarDatabase,
        store.CorruptDatabase,
        store.DatabaseTooNew,
        store.DatabaseLocked,
        store.NoSuchRow,
        store.InvalidArticle,
        store.NothingToSearch,
    ):
        assert issubclass(error, store.StoreError)
