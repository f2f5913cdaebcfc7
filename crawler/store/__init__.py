"""The database: the one owner of newsradar's schema and of every SQL statement it runs.

One SQLite file in WAL mode, written by one service process and read by anyone
(Datasette, ``newsradar matches``, ``sqlite3``). Nothing here imports Scrapy: the
matcher, the dispatcher and the CLI use it too. Callers write ``store.x(db, ...)``;
the modules hold one domain each:

- db: open_db, the named errors, the migration runner
- schema: CURRENT (the schema as one DDL) and the named migrations
- times: the ISO 8601 UTC strings every time is stored as
- sources, articles, stories, matches (mentions), outbox (alerts), service: reads
  and writes of one domain each
- reports: read-only queries for people (recent stories, status, search, stats)
"""

from crawler.store.articles import (
    article_states,
    articles_since,
    content_hash,
    count_articles_since,
    drop_old_text,
    due_rechecks,
    mark_rechecked,
    store_article,
    unmatched_articles,
)
from crawler.store.db import (
    BUSY_TIMEOUT_MS,
    CorruptDatabase,
    DatabaseLocked,
    DatabaseTooNew,
    InvalidArticle,
    NoSuchRow,
    NotNewsradarDatabase,
    StoreError,
    migrate,
    open_db,
)
from crawler.store.matches import article_mentions, matched_before, save_matches
from crawler.store.outbox import (
    alert_counts,
    due_alerts,
    failed_alerts,
    mark_attempt_failed,
    mark_sent,
    retry_failed,
    sent_messages_since,
)
from crawler.store.reports import (
    NothingToSearch,
    article_entities,
    fts_query,
    mentions_per_day,
    recent_stories,
    search_articles,
    status_figures,
    totals,
)
from crawler.store.service import (
    heartbeat,
    optimize,
    service_row,
    service_started,
    service_stopped,
)
from crawler.store.sources import (
    article_gaps,
    clear_discovery,
    close_interrupted_runs,
    finish_run,
    get_validators,
    last_article_at,
    save_discovery,
    save_validators,
    set_last_status,
    set_next_poll,
    set_operator_alerted,
    source_health,
    source_row,
    source_validators,
    start_run,
    upsert_source,
)
from crawler.store.stories import (
    assign_story,
    save_signature,
    story_copies,
    story_entities,
    story_signatures,
    unsigned_articles,
)
from crawler.store.times import isotime, parse_isotime, utcnow

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CorruptDatabase",
    "DatabaseLocked",
    "DatabaseTooNew",
    "InvalidArticle",
    "NoSuchRow",
    "NotNewsradarDatabase",
    "NothingToSearch",
    "StoreError",
    "alert_counts",
    "article_entities",
    "article_gaps",
    "article_mentions",
    "article_states",
    "articles_since",
    "assign_story",
    "clear_discovery",
    "close_interrupted_runs",
    "content_hash",
    "count_articles_since",
    "drop_old_text",
    "due_alerts",
    "due_rechecks",
    "failed_alerts",
    "finish_run",
    "fts_query",
    "get_validators",
    "heartbeat",
    "isotime",
    "last_article_at",
    "mark_attempt_failed",
    "mark_rechecked",
    "mark_sent",
    "matched_before",
    "mentions_per_day",
    "migrate",
    "open_db",
    "optimize",
    "parse_isotime",
    "recent_stories",
    "retry_failed",
    "save_discovery",
    "save_matches",
    "save_signature",
    "save_validators",
    "search_articles",
    "sent_messages_since",
    "service_row",
    "service_started",
    "service_stopped",
    "set_last_status",
    "set_next_poll",
    "set_operator_alerted",
    "source_health",
    "source_row",
    "source_validators",
    "start_run",
    "status_figures",
    "store_article",
    "story_copies",
    "story_entities",
    "story_signatures",
    "totals",
    "unmatched_articles",
    "unsigned_articles",
    "upsert_source",
    "utcnow",
]
