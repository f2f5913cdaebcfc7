"""newsradar's spiders, one per kind of source."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

# Exception class names (Twisted's and Scrapy's wrappers of them) to plain words.
_REASONS = (
    ("DNSLookup", "DNS lookup failed"),
    ("ConnectionRefused", "connection refused"),
    ("TimeoutError", "timed out"),
    ("ConnectionLost", "connection lost"),
    ("ResponseNeverReceived", "no response"),
)


def describe_failure(failure: Failure) -> str:
    """A one-line, user-readable reason for a failed request."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    if isinstance(error, IgnoreRequest) and "robots" in str(error).lower():
        return "forbidden by robots.txt"
    name = type(error).__name__
    for fragment, reason in _REASONS:
        if fragment in name:
            return reason
    text = str(error).strip()
    return f"{name}: {text}" if text else name
