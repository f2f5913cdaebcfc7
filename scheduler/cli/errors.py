"""One translator for every named error: a clear message on stderr and exit status 1,
never a traceback, whichever command raised it.

The error classes are looked up among the modules already imported rather than
imported here: an error can only have been raised by a module that is loaded, and
`newsradar --help` must not pay for importing the crawler to name its errors.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import click

# Every named error of the codebase a command can meet, as (module, class).
# tests/test_cli.py checks that each resolves, and that every named error is one of
# these or a subclass of one (caught by the same isinstance check).
NAMED_ERRORS: tuple[tuple[str, str], ...] = (
    ("scheduler.config", "ConfigError"),
    ("scheduler.config", "DurationError"),
    ("scheduler.config", "ScheduleError"),
    ("scheduler.runtime", "MissingDatabase"),
    ("scheduler.instance", "AlreadyRunning"),
    ("scheduler.instance", "InstanceLockError"),
    ("scheduler.sources", "SourcesError"),
    ("scheduler.explore", "ExploreError"),
    ("scheduler.cluster.queue", "ClusterError"),
    ("scheduler.cluster.queue", "BadMessage"),
    ("scheduler.cluster.queue", "SealError"),
    ("scheduler.cluster.replies", "MalformedReply"),
    ("scheduler.demo.run", "DemoError"),
    ("scheduler.web.app", "WebError"),
    ("scheduler.web.edits", "EditError"),
    ("scheduler.onboarding.feed_check", "OpmlError"),
    ("scheduler.onboarding.feed_check", "FetchError"),
    ("crawler.store.db", "StoreError"),
    ("crawler.parse.feeds", "FeedError"),
    ("crawler.parse.sitemaps", "SitemapError"),
    ("crawler.parse.safexml", "UnsafeXML"),
    ("crawler.parse.opml", "OPMLError"),
    ("crawler.middlewares", "FetchRefused"),
    ("crawler.spiders.base", "ParseTimeout"),
    ("alerts.watchlist", "WatchlistError"),
    ("alerts.imports.records", "ListImportError"),
    ("scheduler.web.yamledit", "YamlEditError"),
    ("alerts.pending", "UnknownEntityError"),
    ("alerts.stories", "StoryIndexError"),
    ("alerts.targets", "AppriseConfigError"),
    ("alerts.render", "TemplateProblem"),
    ("alerts.sandbox", "RenderLimit"),
)


def loaded_named_errors() -> tuple[type[BaseException], ...]:
    """The classes of NAMED_ERRORS whose modules are imported in this process."""
    found = []
    for module, name in NAMED_ERRORS:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def message_of(error: BaseException) -> str:
    """What the user reads: the error's own words (it names the file or key at fault)."""
    from alerts.safetext import strip_controls

    return strip_controls(str(error).strip()) or type(error).__name__


class TranslatingGroup(click.Group):
    """A click group whose commands (and sub-groups') named errors become ClickExceptions."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn a named error into a one-message exit status 1."""
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except sqlite3.Error as err:
            # SQLite's own errors met after the database was opened (a full disk, a
            # lock held too long): said in the store's words.
            from crawler.store.db import explain

            raise click.ClickException(message_of(explain(err))) from err
        except Exception as err:
            if isinstance(err, loaded_named_errors()):
                raise click.ClickException(message_of(err)) from err
            raise
