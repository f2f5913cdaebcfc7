"""Log output: one line per event on stderr, as text or JSON, with the component
(the logger's name) and, where there is one, the source it concerns."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from alerts.safetext import one_line, strip_controls

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Each failed source is reported once, by newsradar.crawl, in one line; these
# would repeat it with tracebacks, or chatter about every page and job.
QUIET = {
    "scrapy": logging.WARNING,
    "scrapy.downloadermiddlewares.robotstxt": logging.CRITICAL,
    "scrapy.downloadermiddlewares.retry": logging.CRITICAL,
    "scrapy.core.downloader.handlers.http11": logging.ERROR,
    # The spiders' own loggers (named after the spiders).
    "feed": logging.ERROR,
    "sitemap": logging.ERROR,
    "page": logging.ERROR,
    "auto": logging.ERROR,
    # A job skipped because its source is still being polled is summed up by the
    # service once a minute instead of one warning per skip.
    "apscheduler": logging.ERROR,
    "twisted": logging.ERROR,
    "trafilatura": logging.ERROR,
    "htmldate": logging.ERROR,
    "courlan": logging.ERROR,
}


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, the message on one line and without terminal controls: a headline
    in a log line can neither forge another line nor drive the terminal showing it."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, component, source (if any), message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "component": record.name,
            # JSON escapes C0 controls itself; C1 and bidi controls it would keep.
            "message": strip_controls(record.getMessage()),
        }
        source = getattr(record, "source", None)
        if source is not None:
            entry["source"] = strip_controls(str(source))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(fmt: str = "text", verbose: bool = False) -> None:
    """Send log lines to stderr in ``fmt`` ("text" or "json")."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    if not verbose:
        for name, level in QUIET.items():
            logging.getLogger(name).setLevel(level)
