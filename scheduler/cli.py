"""The `newsradar` command: a thin mirror of the library, one function per command.

Heavy imports (Scrapy, Apprise, trafilatura) happen inside the commands that
need them, so `newsradar --help` starts fast.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

import click

from scheduler.config import DEFAULT_NAME, ConfigError, default_config_text, parse_duration

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

config_option = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Config file (default: $NEWSRADAR_CONFIG, else ./{DEFAULT_NAME}, else built-in).",
)


def _load(config_path: Path | None):  # -> Config, imported lazily
    from scheduler.config import load_config

    try:
        return load_config(config_path)
    except ConfigError as err:
        raise click.ClickException(str(err)) from err


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format=LOG_FORMAT, force=True)
    if verbose:
        return
    # Each failed source is reported once, by newsradar.crawl, in one line; these
    # would repeat it with tracebacks, or chatter about every page.
    levels = {
        "scrapy": logging.WARNING,
        "scrapy.downloadermiddlewares.robotstxt": logging.CRITICAL,
        "scrapy.downloadermiddlewares.retry": logging.CRITICAL,
        "feed": logging.ERROR,
        "apscheduler": logging.WARNING,
        "twisted": logging.ERROR,
        "trafilatura": logging.ERROR,
        "htmldate": logging.ERROR,
        "courlan": logging.ERROR,
    }
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsradar")
def cli() -> None:
    """newsradar: poll news sources, flag every mention of the entities you track,
    and send alerts through Apprise.

    Start with `newsradar run` (built-in sources and watchlist, alerts on the
    console), then `newsradar init` to write a config you can edit.
    """


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_NAME)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config to PATH (default ./newsradar.toml)."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists (use --force to overwrite it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_config_text(), encoding="utf-8")
    click.echo(f"Wrote {path}. Edit it, then run: newsradar check -c {path}")


@cli.command()
@config_option
def check(config_path: Path | None) -> None:
    """Validate a config file; exit non-zero naming the key at fault."""
    config = _load(config_path)
    where = config.path or "built-in configuration"
    targets = len(config.alert) or "no alert targets: alerts go to the console"
    click.echo(
        f"{where}: OK: {len(config.source)} sources, {len(config.entity)} entities, "
        f"{targets if isinstance(targets, str) else f'{targets} alert targets'}; "
        f"database {config.database_path}"
    )


@cli.command()
@config_option
@click.option("--once", is_flag=True, help="Poll every source once, deliver alerts, exit.")
@click.option("-v", "--verbose", is_flag=True, help="Also log Scrapy's own messages.")
def run(config_path: Path | None, once: bool, verbose: bool) -> None:
    """Run the service in the foreground until SIGTERM or Ctrl-C.

    With --once: one full cycle (crawl every source, extract, store, match,
    deliver), then exit 0, or 1 when no source could be polled at all.
    """
    config = _load(config_path)
    _setup_logging(verbose)
    from scheduler.service import run_service

    report = run_service(config, once=once, verbose=verbose)
    if report is None:
        return
    crawls = report.crawls
    new = sum(c.articles_new for c in crawls)
    click.echo(
        f"{report.sources_ok}/{len(crawls)} sources polled, {new} new articles, "
        f"{report.matched.matched} matched, {report.dispatched.sent} alerts sent, "
        f"{report.dispatched.failed} alerts to retry",
        err=True,
    )
    if not crawls:
        raise click.ClickException("no sources configured: nothing to poll")
    if report.sources_ok == 0:
        raise click.ClickException("no source could be polled (see the log above)")


@cli.command()
@config_option
@click.option(
    "--since",
    default="24h",
    show_default=True,
    help="How far back: 30m, 24h, 7d…",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def matches(config_path: Path | None, since: str, as_json: bool) -> None:
    """List recent matches: time, source, title, entities, link."""
    from crawler import store

    try:
        window: timedelta = parse_duration(since)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--since") from err
    config = _load(config_path)
    if not config.database_path.exists():
        raise click.ClickException(
            f"no database at {config.database_path} yet: run `newsradar run` first"
        )
    db = store.open_db(config.database_path)
    rows = list(store.recent_matches(db, store.utcnow() - window))
    if as_json:
        for row in rows:
            row["entities"] = sorted(row["entities"].split(","))
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"No matches in the last {since}.")
        return
    for row in rows:
        entities = ", ".join(sorted(row["entities"].split(",")))
        click.echo(f"{row['time']}  {row['source'] or '-'}  [{entities}]")
        click.echo(f"    {row['title']}")
        click.echo(f"    {row['url']}")


def main() -> None:
    """Entry point of the `newsradar` command."""
    cli()
