"""Dates in feeds and sitemaps to ISO 8601 UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.parse.dates import from_struct_time, iso_utc, parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-05-01T12:30:00Z", "2024-05-01T12:30:00Z"),
        ("2024-05-01T12:30:00z", "2024-05-01T12:30:00Z"),
        ("2024-05-01T14:30:00+02:00", "2024-05-01T12:30:00Z"),
        ("2024-05-01T12:30:00.123456-04:00", "2024-05-01T16:30:00Z"),
        ("2024-05-01T12:30", "2024-05-01T12:30:00Z"),  # no zone: UTC
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("  2024-05-01 ", "2024-05-01T00:00:00Z"),
        ("2024-05", "2024-05-01T00:00:00Z"),  # W3C Datetime's reduced forms
        ("2024", "2024-01-01T00:00:00Z"),
        ("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"),  # RFC 822
        ("Tue, 10 Jun 2003 04:00:00 +0530", "2003-06-09T22:30:00Z"),
        ("10 Jun 2003 04:00 EST", "2003-06-10T09:00:00Z"),
    ],
)
def test_dates_feeds_and_sitemaps_write(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", [None, "", "   ", "yesterday", "2024-13", "2024-02-30", 20240501])
def test_what_is_not_a_date_is_none(text: object) -> None:
    assert parse_date(text) is None


def test_iso_utc_and_struct_time() -> None:
    moment = datetime(2024, 5, 1, 14, 30, 5, 999, tzinfo=timezone(timedelta(hours=2)))
    assert iso_utc(moment) == "2024-05-01T12:30:05Z"
    assert iso_utc(datetime(2024, 5, 1, 12)) == "2024-05-01T12:00:00Z"  # naive: UTC
    assert from_struct_time(time.gmtime(0)) == "1970-01-01T00:00:00Z"
    assert from_struct_time(datetime(2024, 5, 1, tzinfo=UTC).utctimetuple()) == (
        "2024-05-01T00:00:00Z"
    )
    assert from_struct_time(None) is None
    assert from_struct_time((99999999, 1, 1, 0, 0, 0, 0, 1, 0)) is None  # out of range
