"""How the database writes time: ISO 8601 UTC strings to the second ("2026-11-27T08:15:00Z").

Sortable, readable in Datasette, comparable with plain string comparison. Every time
the store writes or parses goes through these helpers, so the format is written once.
"""

from __future__ import annotations

from datetime import UTC, datetime

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def isotime(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as the ISO 8601 UTC string stored in the database."""
    moment = moment or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def parse_isotime(text: str) -> datetime:
    """A time as the database stores it (see isotime), back as an aware UTC datetime."""
    return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC)
