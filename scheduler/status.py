"""`newsradar status`: the service's health from its database, for people and monitors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from crawler import store
from scheduler.config import ConfigError, locate_database
from scheduler.runtime import MissingDatabase, open_database

# Three missed heartbeats (the service beats every 30 s) and it counts as down.
STALE_AFTER = timedelta(seconds=90)

HEALTHY, UNHEALTHY, NEVER_RAN = 0, 1, 2


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=store.utcnow().tzinfo)


def _ago(delta: timedelta) -> str:
    """A duration the way people read it: 45s, 3m12s, 2h5m, 4d3h."""
    days, rest = divmod(int(delta.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


def service_status(config_path: Path | None) -> tuple[list[str], int]:
    """The status report's lines, and the exit code: 0 healthy, 1 heartbeat stale
    or alerts failing, 2 no service has run (or no database)."""
    try:
        database = locate_database(config_path)
        db = open_database(config_path, database)
    except ConfigError as err:
        return [f"error: {err}"], NEVER_RAN
    except MissingDatabase:
        return [f"no newsradar database at {database}: no service has run"], NEVER_RAN
    try:
        row = store.service_row(db)
        if row is None:
            return [f"{database}: no newsradar service has run on this database"], NEVER_RAN
        figures = store.status_figures(db)
    finally:
        db.close()
    now = store.utcnow()
    beat = now - _parse(row["heartbeat"])
    stale = beat > STALE_AFTER
    if row["stopped"]:
        state = f"stopped at {row['stopped']}"
    elif stale:
        state = f"NOT RESPONDING: last heartbeat {_ago(beat)} ago (pid {row['pid']})"
    else:
        uptime = now - _parse(row["started"])
        state = f"running for {_ago(uptime)} (pid {row['pid']}), heartbeat {_ago(beat)} ago"
    lines = [
        f"service: {state}",
        f"database: {database}",
        f"sources: {figures['sources']} ({figures['sources'] - figures['sources_failing']} "
        f"healthy, {figures['sources_failing']} failing)",
    ]
    for source in figures["failing"]:
        lines.append(
            f"  failing: {source['name']}: {source['consecutive_failures']} in a row, "
            f"last error: {source['last_error']}; last success: {source['last_success'] or 'never'}"
        )
    f = figures
    lines += [
        f"articles: {f['articles_hour']} in the last hour, {f['articles_day']} in the last day",
        f"alerts: {f['alerts_hour']} sent in the last hour, {f['alerts_day']} in the last day; "
        f"{f['alerts_pending']} pending, {f['alerts_failed']} failed",
    ]
    unhealthy = stale or bool(row["stopped"]) or figures["alerts_failed"] > 0
    cluster = _cluster_lines(config_path)
    if cluster is not None:
        lines += cluster[0]
        unhealthy = unhealthy or not cluster[1]
    return lines, UNHEALTHY if unhealthy else HEALTHY


def _cluster_lines(config_path: Path | None) -> tuple[list[str], bool] | None:
    """The cluster's part of the report, when the config has a ``[cluster]`` section."""
    from scheduler.config import load_config

    try:
        cluster = load_config(config_path).cluster
    except ConfigError as err:
        return [f"cluster: unknown, the config cannot be read: {err}"], False
    if cluster is None:
        return None
    from scheduler.cluster.status import cluster_status

    return cluster_status(cluster.redis)
