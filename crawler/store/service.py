"""The service row (heartbeat) and periodic upkeep."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from crawler.store.times import isotime


def service_started(db: sqlite_utils.Database, pid: int, config: str | None) -> None:
    """Record that a service process started (there is one service row)."""
    now = isotime()
    db.execute(
        "INSERT INTO service (id, pid, started, heartbeat, stopped, config) "
        "VALUES (1, ?, ?, ?, NULL, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, "
        "started = excluded.started, heartbeat = excluded.heartbeat, stopped = NULL, "
        "config = excluded.config",
        [pid, now, now, config],
    )


def heartbeat(db: sqlite_utils.Database) -> None:
    """Record that the service is alive."""
    db.execute("UPDATE service SET heartbeat = ? WHERE id = 1", [isotime()])


def service_stopped(db: sqlite_utils.Database) -> None:
    """Record a clean shutdown."""
    now = isotime()
    db.execute("UPDATE service SET heartbeat = ?, stopped = ? WHERE id = 1", [now, now])


def service_row(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The service row, or None when no service ever ran on this database."""
    rows = list(db.query("SELECT * FROM service WHERE id = 1"))
    return rows[0] if rows else None


def optimize(db: sqlite_utils.Database) -> None:
    """Periodic upkeep: refresh the query planner's statistics, bound the WAL file."""
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
