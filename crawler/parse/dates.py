"""Dates in feeds and sitemaps to one form: ISO 8601 UTC to the second, as stored.

Feeds and sitemaps write dates three ways: RFC 3339 / ISO 8601 (Atom, JSON Feed,
sitemaps), the W3C profile's reduced forms ("2024" or "2024-05", sitemaps), and
RFC 822 (RSS). Each is read here with the standard library; feedparser's own
parsed fields (``published_parsed``, struct_time in UTC) go through
``from_struct_time``.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import time
from datetime import UTC, datetime
from typing import Any

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_REDUCED = re.compile(r"(\d{4})(?:-(\d{2}))?")


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO 8601 UTC ("2024-05-01T12:00:00Z"); a naive moment is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def from_struct_time(parsed: time.struct_time | tuple[int, ...] | None) -> str | None:
    """A UTC struct_time (feedparser's ``*_parsed`` fields) as ISO 8601 UTC, or None."""
    if not parsed:
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError):
        return None
    return moment.strftime(ISO_FORMAT)


def parse_date(text: Any) -> str | None:
    """A feed or sitemap date as ISO 8601 UTC, or None when it is not a date.

    RFC 3339 / ISO 8601 with or without time (no zone: UTC), the W3C reduced forms
    "YYYY" and "YYYY-MM" (the first day), and RFC 822 ("Tue, 10 Jun 2003 04:00:00 GMT").
    """
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        return iso_utc(datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        pass
    reduced = _REDUCED.fullmatch(value)
    if reduced:
        try:
            return iso_utc(datetime(int(reduced[1]), int(reduced[2] or 1), 1, tzinfo=UTC))
        except ValueError:
            return None
    try:
        return iso_utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
