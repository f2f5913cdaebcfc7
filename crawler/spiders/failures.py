"""Why a request failed, in words a user can act on."""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

# Exception class names (Twisted's and Scrapy's wrappers of them) to plain words.
_REASONS = (
    ("DNSLookup", "DNS lookup failed"),
    ("CannotResolveHost", "DNS lookup failed"),
    ("ConnectionRefused", "connection refused"),
    ("TimeoutError", "timed out"),
    ("DownloadTimeout", "timed out"),
    ("ConnectionLost", "connection lost"),
    ("ConnectionDone", "connection closed"),
    ("ResponseDataLoss", "connection lost mid-response"),
    ("ResponseFailed", "connection reset"),
    ("ResponseNeverReceived", "no response"),
)


def failed_request(failure: Failure) -> Request:
    """The request an errback's ``failure`` is about (Scrapy sets it on the failure)."""
    request: Request = failure.request  # type: ignore[attr-defined]  # Twisted's type omits it
    return request


def describe_failure(failure: Failure) -> str:
    """A one-line, user-readable reason for a failed request."""
    error = failure.value
    assert error is not None  # a Failure always holds its exception; the type allows None
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    name = type(error).__name__
    text = str(error).strip()
    if isinstance(error, IgnoreRequest):
        lowered = text.lower()
        if "robots" in lowered:
            return "forbidden by robots.txt"
        if "redirections" in lowered:
            return "too many redirects (redirect loop?)"
        if "download_maxsize" in lowered:
            return "too large when decompressed (DOWNLOAD_MAXSIZE exceeded)"
        return text or "request dropped"
    if name == "DownloadCancelledError" and ("max size" in text or not text):
        # Scrapy cancels a body that grows past DOWNLOAD_MAXSIZE without a message
        # (the only other cancellation, a crawl being stopped, records no error).
        return "too large (DOWNLOAD_MAXSIZE exceeded)"
    # Scrapy wraps Twisted's errors (DownloadFailedError: [<Failure ConnectionLost>]):
    # look at the wrapper, its causes and its text for a name we know.
    names = [name, type(error.__cause__).__name__, type(error.__context__).__name__, text]
    for fragment, reason in _REASONS:
        if any(fragment in candidate for candidate in names):
            return reason
    return f"{name}: {text}" if text else name
