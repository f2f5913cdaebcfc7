"""The schema: CURRENT, what a newsradar database holds today, and the named migrations
that brought older databases there.

A new database gets CURRENT in one go and is recorded as having every migration
applied; an older one gets the migrations it lacks, in order (crawler/store/db.py
runs them). The two must always agree (tests/test_schema.py checks that migrating
from nothing gives exactly CURRENT), so a schema change is two edits: CURRENT, and a
new migration appended to the list below. Never edit or rename a migration that has
shipped: databases record them by name.

Column order matters for that comparison: a migration's ``ALTER TABLE ... ADD COLUMN``
appends, so CURRENT lists added columns last, in the order they were added. Keep
commas out of a comment that follows a column: SQLite's ``DROP COLUMN`` of the column
after it cuts the stored SQL at that comma.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import sqlite_utils
from sqlite_utils import Migrations

CURRENT = """
-- Every configured source, keyed by its URL, with the health of its polls.
-- operator_alerted: failing / silent, as operators were told; resolved_note: what
-- auto found behind the URL, how, and why it chose it. (No comment after the last
-- columns: SQLite's DROP COLUMN, which the tests use to rebuild older schemas,
-- cannot cut a column whose predecessor ends in a comment.)
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                                -- as configured: feed, sitemap, page, auto
    added TEXT NOT NULL,
    last_polled TEXT,
    last_success TEXT,
    last_error TEXT,
    last_error_at TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    articles_found INTEGER NOT NULL DEFAULT 0,
    resolved_kind TEXT,                                -- what `auto` discovered behind the URL
    resolved_url TEXT,
    last_status TEXT,                                  -- the last poll's outcome, in words
    next_poll TEXT,
    operator_alerted TEXT,                             -- failing / silent: what operators were told
    -- When polling was paused in the console; NULL: polled.
    paused TEXT,
    resolved_note TEXT
);

-- One row per poll of a source. note: what was odd about a poll that still succeeded
-- (a malformed feed read anyway, an undeclared charset...).
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL DEFAULT 'running',            -- running, ok, failed, interrupted
    articles_new INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    note TEXT
);
CREATE INDEX idx_runs_source ON runs(source_id, started);

-- ETag / Last-Modified of every document a source polls, for conditional requests.
-- Per source: two sources polling one feed must not answer each other's 304s.
CREATE TABLE http_validators (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    url TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    saved TEXT NOT NULL,
    PRIMARY KEY (source_id, url)
) WITHOUT ROWID;

-- One row per article, unique by URL. text_changes / text_changed: how often and
-- when a re-fetch found a new text; rechecks: silent-edit re-fetches done (1 h, 6 h,
-- 24 h after first seen); page_etag / page_last_modified: the validators of the page
-- for them.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    source_id INTEGER REFERENCES sources(id),
    title TEXT,
    text TEXT,
    author TEXT,
    published TEXT,
    language TEXT,
    extracted_from TEXT NOT NULL,                      -- page, or feed when the page failed
    content_hash TEXT NOT NULL,                        -- of title and text, to notice edits
    first_seen TEXT NOT NULL,
    updated TEXT NOT NULL,
    matched_at TEXT,                                   -- NULL: the matcher has not seen it yet
    entry_updated TEXT,                                -- when the feed/sitemap said it changed
    charset_note TEXT,
    text_dropped TEXT,                                 -- when retention dropped the text
    story_id INTEGER REFERENCES stories(id),
    story_similarity REAL,
    text_changes INTEGER NOT NULL DEFAULT 0,
    text_changed TEXT,
    rechecks INTEGER NOT NULL DEFAULT 0,
    page_etag TEXT,
    page_last_modified TEXT
);
CREATE INDEX idx_articles_unmatched ON articles(id) WHERE matched_at IS NULL;
CREATE INDEX idx_articles_first_seen ON articles(first_seen);
CREATE INDEX idx_articles_story ON articles(story_id);
CREATE INDEX idx_articles_recheck ON articles(source_id, first_seen) WHERE rechecks < 3;

-- Every URL an article was reached by: none of them is fetched again.
CREATE TABLE article_urls (
    url TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id)
) WITHOUT ROWID;

-- The raw page, for sources configured to keep it (re-extraction later).
CREATE TABLE article_html (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    url TEXT NOT NULL,
    html TEXT NOT NULL,
    fetched TEXT NOT NULL
);

-- Full-text search over titles and text, kept in step with articles by triggers
-- (the layout sqlite-utils' enable_fts makes, which Datasette's search box uses).
CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "text",
    tokenize='porter',
    content="articles"
);
CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
    VALUES('delete', old.rowid, old."title", old."text");
END;
CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
    VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;

-- Syndicated copies and near-duplicates of one text, grouped (alerts/stories.py):
-- one story, one alert. `copies` counts the story's articles, the first included.
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    first_article_id INTEGER NOT NULL UNIQUE REFERENCES articles(id),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    copies INTEGER NOT NULL DEFAULT 1
);

-- An article's MinHash signature, to rebuild the story index at start-up.
CREATE TABLE article_signatures (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    kind TEXT NOT NULL,
    shingles INTEGER NOT NULL,
    minhash BLOB NOT NULL                              -- empty: too short to group
);

-- Every mention of a watchlist entity; offsets point into "title\\n\\ntext".
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    entity_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    rule TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    snippet TEXT NOT NULL,
    UNIQUE (article_id, entity_id, start_offset)
);
CREATE INDEX idx_mentions_entity ON mentions(entity_id);
CREATE INDEX idx_mentions_entity_article ON mentions(entity_id, article_id);

-- The alert outbox: one alert per article, target and entity set. Alerts sent
-- together (a digest) share a message id: rate limits count messages.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    target TEXT NOT NULL,
    entities TEXT NOT NULL,                            -- JSON list of entity ids, sorted
    status TEXT NOT NULL DEFAULT 'pending',            -- pending, sent, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    next_attempt TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT,
    message_id TEXT,
    UNIQUE (article_id, target, entities)
);
CREATE INDEX idx_alerts_due ON alerts(next_attempt) WHERE status = 'pending';
CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
CREATE INDEX idx_alerts_article ON alerts(article_id);

-- The running service's heartbeat: one row.
CREATE TABLE service (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    started TEXT NOT NULL,
    heartbeat TEXT NOT NULL,
    stopped TEXT,
    config TEXT
);

-- Stories a person marked reviewed in the console, by the story's first matched article.
CREATE TABLE reviews (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    reviewed TEXT NOT NULL
);

-- Mentions a person marked wrong in the console, copied (a rematch replaces mentions),
-- with the watchlist change proposed and whether it was applied.
CREATE TABLE mention_marks (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    entity_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    rule TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    matched_text TEXT NOT NULL,                        -- what the text said at the offsets
    snippet TEXT NOT NULL,
    marked TEXT NOT NULL,
    change TEXT,                                       -- the proposed change, as words
    applied TEXT                                       -- when it was written to the watchlist
);
CREATE INDEX idx_mention_marks_entity ON mention_marks(entity_id, marked);
"""


def statements(script: str) -> Iterator[str]:
    """The complete SQL statements of ``script``, one by one (trigger bodies whole).

    Run them one at a time, not with ``executescript``: that would commit the
    surrounding transaction half-way."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run every statement of ``script`` inside the current transaction."""
    for statement in statements(script):
        db.execute(statement)


# --- the migrations, by name --------------------------------------------------------
#
# Each runs once, in order, in the transaction that records its name. Databases
# written before migrations had names counted them in PRAGMA user_version: version N
# means the first N of these (db.py adopts such a database by recording those names).

MIGRATIONS = Migrations("newsradar")
NAMES: list[str] = []  # every migration's name, in order


def migration(step: Callable[[sqlite_utils.Database], None]) -> Callable[..., None]:
    """Register ``step`` as the next migration, named after the function."""
    NAMES.append(step.__name__)
    return MIGRATIONS()(step)


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            added TEXT NOT NULL,
            last_polled TEXT,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            articles_found INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            source_id INTEGER REFERENCES sources(id),
            title TEXT,
            text TEXT,
            author TEXT,
            published TEXT,
            language TEXT,
            extracted_from TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            updated TEXT NOT NULL,
            matched_at TEXT
        );
        CREATE INDEX idx_articles_unmatched ON articles(id) WHERE matched_at IS NULL;
        CREATE INDEX idx_articles_first_seen ON articles(first_seen);
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            entity_id TEXT NOT NULL,
            alias TEXT NOT NULL,
            rule TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            snippet TEXT NOT NULL,
            UNIQUE (article_id, entity_id, start_offset)
        );
        CREATE INDEX idx_mentions_entity ON mentions(entity_id);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            target TEXT NOT NULL,
            entities TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT,
            UNIQUE (article_id, target)
        );
        CREATE INDEX idx_alerts_due ON alerts(next_attempt) WHERE status = 'pending';
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            articles_new INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE INDEX idx_runs_source ON runs(source_id, started);
        """,
    )
    db.table("articles").enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


@migration
def m002_alert_messages(db: sqlite_utils.Database) -> None:
    # Alerts sent together (a digest) share a message id: rate limits count messages.
    run_script(
        db,
        """
        ALTER TABLE alerts ADD COLUMN message_id TEXT;
        CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
        """,
    )


@migration
def m003_crawler(db: sqlite_utils.Database) -> None:
    for statement in (
        # What `auto` discovered behind a source's URL, and the last poll's outcome.
        "ALTER TABLE sources ADD COLUMN resolved_kind TEXT",
        "ALTER TABLE sources ADD COLUMN resolved_url TEXT",
        "ALTER TABLE sources ADD COLUMN last_status TEXT",
        # When the feed/sitemap last said the entry changed; a charset warning.
        "ALTER TABLE articles ADD COLUMN entry_updated TEXT",
        "ALTER TABLE articles ADD COLUMN charset_note TEXT",
        # Every URL an article was reached by: none of them is fetched again.
        "CREATE TABLE article_urls (url TEXT PRIMARY KEY, "
        "article_id INTEGER NOT NULL REFERENCES articles(id)) WITHOUT ROWID",
        "INSERT OR IGNORE INTO article_urls (url, article_id) SELECT url, id FROM articles",
        # The raw page, for sources configured to keep it (re-extraction later).
        "CREATE TABLE article_html (article_id INTEGER PRIMARY KEY REFERENCES articles(id), "
        "url TEXT NOT NULL, html TEXT NOT NULL, fetched TEXT NOT NULL)",
        # ETag / Last-Modified of every document a source polls (feeds, sitemaps,
        # listing pages), for conditional requests. Per source: two sources
        # polling one feed must not answer each other's 304s.
        "CREATE TABLE http_validators (source_id INTEGER NOT NULL REFERENCES sources(id), "
        "url TEXT NOT NULL, etag TEXT, last_modified TEXT, saved TEXT NOT NULL, "
        "PRIMARY KEY (source_id, url)) WITHOUT ROWID",
    ):
        db.execute(statement)


@migration
def m004_service(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE service (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            started TEXT NOT NULL,
            heartbeat TEXT NOT NULL,
            stopped TEXT,
            config TEXT
        );
        ALTER TABLE sources ADD COLUMN next_poll TEXT;
        ALTER TABLE sources ADD COLUMN operator_alerted TEXT;
        ALTER TABLE articles ADD COLUMN text_dropped TEXT
        """,
    )


@migration
def m005_alert_per_new_entities(db: sqlite_utils.Database) -> None:
    # An updated or rematched article may alert a target again, for entities it
    # had not mentioned before: one alert per article, target and entity set.
    run_script(
        db,
        """
        CREATE TABLE alerts_new (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            target TEXT NOT NULL,
            entities TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            UNIQUE (article_id, target, entities)
        );
        INSERT INTO alerts_new SELECT id, article_id, target, entities, status, attempts,
            created, next_attempt, last_error, sent_at, message_id FROM alerts;
        DROP TABLE alerts;
        ALTER TABLE alerts_new RENAME TO alerts;
        CREATE INDEX idx_alerts_due ON alerts(next_attempt) WHERE status = 'pending';
        CREATE INDEX idx_alerts_sent ON alerts(target, sent_at) WHERE status = 'sent';
        CREATE INDEX idx_alerts_article ON alerts(article_id)
        """,
    )


@migration
def m006_stories(db: sqlite_utils.Database) -> None:
    # One story, one alert: syndicated copies and near-duplicates of one text are
    # grouped (alerts/stories.py). `copies` counts the story's articles, the first
    # included; an article's MinHash signature is kept to rebuild the index at start-up.
    # Every article matched so far becomes a story of its own.
    run_script(
        db,
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            first_article_id INTEGER NOT NULL UNIQUE REFERENCES articles(id),
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            copies INTEGER NOT NULL DEFAULT 1
        );
        ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id);
        ALTER TABLE articles ADD COLUMN story_similarity REAL;
        CREATE INDEX idx_articles_story ON articles(story_id);
        CREATE TABLE article_signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            kind TEXT NOT NULL,
            shingles INTEGER NOT NULL,
            minhash BLOB NOT NULL
        );
        INSERT INTO stories (id, first_article_id, first_seen, last_seen, copies)
            SELECT id, id, first_seen, first_seen, 1 FROM articles WHERE matched_at IS NOT NULL;
        UPDATE articles SET story_id = id WHERE matched_at IS NOT NULL
        """,
    )


@migration
def m007_console(db: sqlite_utils.Database) -> None:
    # The web console: sources can be paused, stories marked reviewed, mentions marked
    # wrong; the inbox filters an entity's mentions by article.
    run_script(
        db,
        """
        ALTER TABLE sources ADD COLUMN paused TEXT;
        CREATE INDEX idx_mentions_entity_article ON mentions(entity_id, article_id);
        CREATE TABLE reviews (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            reviewed TEXT NOT NULL
        );
        CREATE TABLE mention_marks (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            entity_id TEXT NOT NULL,
            alias TEXT NOT NULL,
            rule TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            matched_text TEXT NOT NULL,
            snippet TEXT NOT NULL,
            marked TEXT NOT NULL,
            change TEXT,
            applied TEXT
        );
        CREATE INDEX idx_mention_marks_entity ON mention_marks(entity_id, marked)
        """,
    )


@migration
def m008_discovery_note(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE sources ADD COLUMN resolved_note TEXT")


@migration
def m009_silent_edits(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        ALTER TABLE articles ADD COLUMN text_changes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN text_changed TEXT;
        ALTER TABLE articles ADD COLUMN rechecks INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN page_etag TEXT;
        ALTER TABLE articles ADD COLUMN page_last_modified TEXT;
        CREATE INDEX idx_articles_recheck ON articles(source_id, first_seen) WHERE rechecks < 3;
        """,
    )


@migration
def m010_run_note(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE runs ADD COLUMN note TEXT")


# The migrations a database counted in PRAGMA user_version before they had names,
# in order: user_version N means the first N. Frozen: new migrations are named only.
LEGACY_VERSIONS = (
    "m001_initial",
    "m002_alert_messages",
    "m003_crawler",
    "m004_service",
    "m005_alert_per_new_entities",
    "m006_stories",
)
