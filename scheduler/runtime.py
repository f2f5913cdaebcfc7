"""Config → runtime objects, in one place: alert targets, the delivery policy, the
compiled watchlist, the database, Scrapy's settings and each source's spider and
arguments.

The CLI and the service both build what they run from here, so a key of the
config file means the same thing to every command. Everything beyond the config
(Apprise, the matcher, Scrapy, the spiders) is imported inside the function that
needs it, so that fast commands stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler.config import Config, ConfigError, SourceConfig, locate_database

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.settings import Settings

    from alerts.dispatch import DeliveryPolicy
    from alerts.targets import Target
    from alerts.watchlist import Watchlist
    from crawler.poll import PollRequest
    from crawler.pool import ExtractionPool
    from crawler.spiders.state import SourceState


class MissingDatabase(Exception):
    """The database a command reads does not exist yet."""


# Scrapy's own download warning size, unless max_size is smaller still.
WARN_SIZE = 4 * 1024 * 1024
# What an ordinary article page may weigh in the scraper buffer (see scraper_buffer).
PAGE_ALLOWANCE = 256 * 1024


def scraper_buffer(max_size: int, concurrent_requests: int) -> int:
    """Bytes of responses Scrapy's scraper may hold before downloads pause: two pages
    of the largest size allowed and a full round of ordinary ones, so extraction
    (which responses wait for there) never stops the downloads, whatever the
    throttling settings."""
    return 2 * max_size + concurrent_requests * PAGE_ALLOWANCE


def targets_of(config: Config) -> list[Target]:
    """The configured alert targets (an Apprise config file gives one target per
    URL in it), or the console when none is configured."""
    from alerts.render import Templates
    from alerts.targets import Target, apprise_config_urls, console_target

    if not config.alert:
        return [console_target()]
    targets: list[Target] = []
    for alert in config.alert:
        common: dict[str, Any] = {
            "mode": alert.mode,
            "schedule": alert.schedule,
            "max_per_hour": alert.max_per_hour,
            "body_format": alert.format,
            "templates": Templates(alert.title_template, alert.body_template),
        }
        if alert.url is not None:
            targets.append(Target(url=alert.url, name=alert.name, tags=tuple(alert.tags), **common))
        elif alert.apprise_config is not None:  # the model holds exactly one of the two
            for url, tags in apprise_config_urls(str(config.resolve(alert.apprise_config))):
                # A URL's own tags in the Apprise file route it; untagged ones take the [[alert]]'s.
                targets.append(Target(url=url, tags=tags or tuple(alert.tags), **common))
    _check_labels(targets)
    return targets


def _check_labels(targets: list[Target]) -> None:
    """ConfigError when two targets would share a label (the outbox tells targets
    apart by it): unnamed webhooks that differ only in their masked token."""
    seen: set[str] = set()
    for target in targets:
        if target.label in seen:
            raise ConfigError(
                f"two alert targets would both be labelled {target.label!r} (their "
                "secrets are masked): give each of them a `name`"
            )
        seen.add(target.label)


def delivery_policy(config: Config) -> DeliveryPolicy:
    """The dispatcher's retry policy from ``[delivery]``."""
    from alerts.dispatch import DeliveryPolicy

    delivery = config.delivery
    return DeliveryPolicy(
        retry_after=delivery.retry_after,
        retry_max=delivery.retry_max,
        max_attempts=delivery.max_attempts,
        timeout=delivery.timeout.total_seconds(),
    )


def compile_watchlist(config: Config) -> Watchlist:
    """The matcher's automata for every entity of the config (tables and watchlist file)."""
    from alerts.watchlist import Watchlist

    return Watchlist.compile(config.entities())


def open_database(config_path: Path | None, db_path: Path | None = None) -> sqlite_utils.Database:
    """The existing database a read-only command works on: ``db_path`` (``--db``), else
    the one the configuration names (found as `load_config` finds it, but without
    validating the rest, so these commands start fast). MissingDatabase when there is
    none yet; the store's StoreError when the file is not a newsradar database."""
    from crawler import store

    database = db_path if db_path is not None else locate_database(config_path)
    if not database.is_file():
        raise MissingDatabase(
            f"no database at {database} yet: run `newsradar run` first (or the demo)"
        )
    return store.open_db(database)


def extraction_pool(config: Config) -> ExtractionPool:
    """The extraction workers of ``[crawl] extract_workers``: each page is extracted
    and its text's story signature computed there (alerts.extraction), so matching
    finds it stored."""
    from alerts.extraction import extract_signed
    from crawler.pool import ExtractionPool, worker_count

    return ExtractionPool(worker_count(config.crawl.extract_workers), extractor=extract_signed)


def scrapy_settings(config: Config, *, verbose: bool = False) -> Settings:
    """Scrapy's settings: the project's (``crawler.settings``) under the ``[crawl]`` keys."""
    from scrapy.utils.project import get_project_settings

    import crawler.settings as project_settings

    crawl = config.crawl
    settings = get_project_settings()
    settings.setmodule(project_settings, priority="project")
    for name, value in {
        "NEWSRADAR_DB_PATH": str(config.database_path),
        "USER_AGENT": crawl.user_agent,
        "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
        "DOWNLOAD_MAXSIZE": crawl.max_size,
        "DOWNLOAD_WARNSIZE": min(crawl.max_size, WARN_SIZE),
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": scraper_buffer(
            crawl.max_size, settings.getint("CONCURRENT_REQUESTS")
        ),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_domain,
        "DOWNLOAD_DELAY": crawl.min_delay.total_seconds(),
        # AutoThrottle keeps a delay between DOWNLOAD_DELAY and its maximum, the
        # maximum winning: it must not be below the floor.
        "AUTOTHROTTLE_MAX_DELAY": max(
            settings.getfloat("AUTOTHROTTLE_MAX_DELAY"), crawl.min_delay.total_seconds()
        ),
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "RETRY_TIMES": crawl.retries,
        "NEWSRADAR_EXTRACT_WORKERS": crawl.extract_workers,
    }.items():
        settings.set(name, value, priority="cmdline")
    return settings


def spider_for(kind: str) -> type:
    """The spider class that polls sources of ``kind``; ConfigError for an unknown kind."""
    from crawler.engine import spider_class

    spider = spider_class(kind)
    if spider is None:
        raise ConfigError(f"no spider polls sources of kind {kind!r}")
    return spider


def spider_arguments(config: Config, source: SourceConfig) -> dict[str, object]:
    """The spider arguments for ``source``: its own settings over the [crawl] defaults."""
    crawl = config.crawl
    return {
        "url": source.url,
        "source_name": source.name,
        "allow_domains": tuple(source.allow_domains),
        "window": (source.window or crawl.window).total_seconds(),
        "max_articles": source.max_articles or crawl.max_articles,
        "store_html": crawl.store_html if source.store_html is None else source.store_html,
    }


def poll_request(
    config: Config,
    source: SourceConfig,
    state: SourceState,
    rechecks: Iterable[dict[str, Any]] = (),
) -> PollRequest:
    """What one poll of ``source`` is asked to do: its settings, its stored state and
    the stored articles due for a silent-edit check (rows of store.due_rechecks)."""
    from crawler.poll import PollRequest, Recheck

    crawl = config.crawl
    return PollRequest(
        source_url=source.url,
        kind=source.kind,
        source_name=source.name,
        allow_domains=tuple(source.allow_domains),
        window=(source.window or crawl.window).total_seconds(),
        max_articles=source.max_articles or crawl.max_articles,
        store_html=crawl.store_html if source.store_html is None else source.store_html,
        resolved=state.resolved,
        validators=dict(state.validators),
        credentials=source.credentials,
        rechecks=tuple(
            Recheck(
                url=row["url"],
                title=row["title"],
                published=row["published"],
                etag=row["page_etag"],
                last_modified=row["page_last_modified"],
            )
            for row in rechecks
        ),
    )
