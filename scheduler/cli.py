"""The `newsradar` command: a thin mirror of the library, one function per command.

Heavy imports (Scrapy, Apprise, trafilatura) happen inside the commands that
need them, so `newsradar --help` starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click

from scheduler.config import DEFAULT_NAME, ConfigError, default_config_text, parse_duration

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
@click.option(
    "-i",
    "--interactive",
    is_flag=True,
    help="Ask for feeds (or an OPML file), entities and an alert URL, checking each answer.",
)
def init(path: Path, force: bool, interactive: bool) -> None:
    """Write a commented starter config to PATH (default ./newsradar.toml)."""
    if interactive:
        from scheduler.setup_wizard import interactive_init

        if force:
            path.unlink(missing_ok=True)
        interactive_init(path)
        return
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists (use --force to overwrite it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_config_text(), encoding="utf-8")
    click.echo(f"Wrote {path}. Edit it, then run: newsradar check -c {path}")


@cli.command()
@config_option
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
def check(config_path: Path | None, strict: bool) -> None:
    """Validate a config file; exit non-zero naming the key at fault.

    Also warns about entities no alert target hears about, aliases two entities
    claim, and aliases too short to be useful.
    """
    from scheduler.checks import acronym_rules, config_warnings
    from scheduler.service import targets_of

    config = _load(config_path)
    targets = targets_of(config)
    warnings = config_warnings(config, targets)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for rule in acronym_rules(config):
        click.echo(rule)
    where = config.path or "built-in configuration"
    alerting = (
        f"{len(targets)} alert targets"
        if config.alert
        else "no alert targets: alerts go to the console"
    )
    click.echo(
        f"{where}: OK: {len(config.source)} sources, {len(config.entities())} entities, "
        f"{alerting}; database {config.database_path}"
    )
    if strict and warnings:
        raise click.ClickException(f"{len(warnings)} warnings (--strict)")


@cli.command()
@config_option
@click.option("--once", is_flag=True, help="Poll every source once, deliver alerts, exit.")
@click.option("-v", "--verbose", is_flag=True, help="Also log Scrapy's own messages.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text or as JSON objects (for log shippers).",
)
def run(config_path: Path | None, once: bool, verbose: bool, log_format: str) -> None:
    """Run the service in the foreground until SIGTERM or Ctrl-C.

    With --once: one full cycle (crawl every source, extract, store, match,
    deliver), then exit 0, or 1 when no source could be polled at all.
    """
    from scheduler.logs import setup_logging

    config = _load(config_path)
    setup_logging(log_format, verbose)
    from scheduler.service import run_service

    report = run_service(config, once=once, verbose=verbose, config_option=config_path)
    if report is None:
        return
    crawls = report.crawls
    new = sum(c.articles_new for c in crawls)
    click.echo(
        f"{report.sources_ok}/{len(crawls)} sources polled, {new} new articles, "
        f"{report.matched.matched} matched, {report.dispatched.sent} alerts sent, "
        f"{report.dispatched.failed} alerts to retry, "
        f"{report.matched.copies} copies of stories already seen",
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
    """List recent matches, one per story: time, source, title, entities, link, and
    the other outlets that ran the same story (its copies)."""
    from crawler import store

    try:
        window: timedelta = parse_duration(since)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--since") from err
    db = _open_existing_db(config_path)
    rows = store.recent_stories(db, store.utcnow() - window)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"No matches in the last {since}.")
        return
    for row in rows:
        entities = ", ".join(row["entities"])
        click.echo(f"{row['time']}  {row['source'] or '-'}  [{entities}]")
        click.echo(f"    {row['title']}")
        click.echo(f"    {row['url']}")
        if row["copies"]:
            count = len(row["copies"])
            click.echo(f"    also reported by {count} other{'s' if count != 1 else ''}:")
            for copy in row["copies"]:
                click.echo(f"      {copy['time']}  {copy['source'] or '-'}  {copy['url']}")


@cli.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def watchlist(config_path: Path | None, as_json: bool) -> None:
    """List the watchlist: every entity with its kind, aliases, exclusions and tags."""
    config = _load(config_path)
    for entity in config.entities():
        if as_json:
            record = {
                "id": entity.id,
                "name": entity.name,
                "kind": entity.kind,
                "aliases": list(entity.aliases),
                "exclude": list(entity.exclude),
                "tags": list(entity.tags),
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        click.echo(f"{entity.id}  {entity.name}  ({entity.kind})")
        for label, values in (
            ("aliases", entity.aliases),
            ("exclude", entity.exclude),
            ("tags", entity.tags),
        ):
            if values:
                click.echo(f"    {label}: {'; '.join(values)}")


@cli.command()
@config_option
@click.option("--since", default="7d", show_default=True, help="Articles first seen this recently.")
@click.option("--entity", "entity_id", help="Only this entity's mentions.")
@click.option(
    "--alert", is_flag=True, help="Queue alerts for new mentions (default: silent backfill)."
)
def rematch(config_path: Path | None, since: str, entity_id: str | None, alert: bool) -> None:
    """Run the matcher again over stored articles, after a watchlist change."""
    from alerts.pending import rematch as rematch_articles
    from alerts.watchlist import Watchlist
    from crawler import store
    from scheduler.service import targets_of

    try:
        window: timedelta = parse_duration(since)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--since") from err
    config = _load(config_path)
    watchlist = Watchlist.compile(config.entities())
    if entity_id is not None and entity_id not in watchlist.entities:
        raise click.BadParameter(f"no entity {entity_id!r} in the watchlist", param_hint="--entity")
    db = _open_existing_db(config_path)
    start = store.utcnow() - window
    total = store.count_articles_since(db, start)
    with click.progressbar(length=total, label="Rematching", file=sys.stderr) as bar:
        report = rematch_articles(
            db,
            watchlist,
            targets_of(config),
            since=start,
            entity=entity_id,
            alert=alert,
            progress=bar.update,
        )
    queued = f", {report.alerts} alerts queued" if alert else " (no alerts: use --alert)"
    click.echo(
        f"{report.articles} articles rematched, {report.matched} with mentions, "
        f"{report.mentions} mentions{queued}"
    )


def _open_existing_db(config_path: Path | None):  # -> sqlite_utils.Database
    from crawler import store
    from scheduler.config import locate_database

    try:
        database = locate_database(config_path)
    except ConfigError as err:
        raise click.ClickException(str(err)) from err
    if not database.exists():
        raise click.ClickException(f"no database at {database} yet: run `newsradar run` first")
    return store.open_db(database)


@cli.command()
@config_option
def status(config_path: Path | None) -> None:
    """How the service is doing; exit 0 when healthy, 1 when its heartbeat is stale
    or alerts are failing, 2 when no service has run. Usable from monitoring."""
    from scheduler.status import service_status

    lines, code = service_status(config_path)
    for line in lines:
        click.echo(line)
    sys.exit(code)


@cli.group(invoke_without_command=True)
@config_option
@click.option("--failed", is_flag=True, help="Show only alerts given up on.")
@click.pass_context
def alerts(ctx: click.Context, config_path: Path | None, failed: bool) -> None:
    """The alert outbox: pending and failed alerts (`alerts retry` resends failed ones)."""
    ctx.obj = config_path
    if ctx.invoked_subcommand is not None:
        return
    from crawler import store

    db = _open_existing_db(config_path)
    if failed:
        rows = store.failed_alerts(db)
        if not rows:
            click.echo("No failed alerts.")
        for row in rows:
            click.echo(
                f"#{row['id']}  {row['target']}  {row['attempts']} attempts  {row['title']}\n"
                f"    last error: {row['last_error']}\n    {row['url']}"
            )
        return
    counts = store.alert_counts(db)
    if not counts:
        click.echo("No alerts yet.")
    for row in counts:
        click.echo(
            f"{row['target']}: {row['sent']} sent, {row['pending']} pending, {row['failed']} failed"
        )


@alerts.command("retry")
@click.argument("ids", nargs=-1, type=int)
@config_option
@click.pass_context
def alerts_retry(ctx: click.Context, ids: tuple[int, ...], config_path: Path | None) -> None:
    """Queue failed alerts (all, or the IDS given) to be sent again by the service."""
    from crawler import store

    db = _open_existing_db(config_path or ctx.obj)
    count = store.retry_failed(db, ids)
    click.echo(f"{count} failed alerts queued again; the running service sends them shortly.")


@cli.command("notify-test")
@config_option
@click.option("--tag", "tags", multiple=True, help="Only targets with this tag (repeatable).")
def notify_test(config_path: Path | None, tags: tuple[str, ...]) -> None:
    """Send a test message to each alert target and report, per target, sent or why not."""
    import asyncio

    from alerts.dispatch import send
    from alerts.render import Message
    from scheduler.service import delivery_policy, targets_of

    config = _load(config_path)
    targets = [t for t in targets_of(config) if not tags or set(tags) & set(t.tags)]
    if not targets:
        raise click.ClickException(f"no alert target has the tags {', '.join(tags)}")
    timeout = delivery_policy(config).timeout

    async def send_all() -> list[str | None]:
        return await asyncio.gather(
            *(
                send(
                    target,
                    Message(
                        title="newsradar test message",
                        body="If you can read this, newsradar can reach this target.",
                        format="text",
                    ),
                    timeout,
                )
                for target in targets
            )
        )

    errors = asyncio.run(send_all())
    for target, error in zip(targets, errors, strict=True):
        click.echo(f"{target.label}: {'sent' if error is None else f'FAILED: {error}'}")
    if any(errors):
        raise click.ClickException(f"{sum(1 for e in errors if e)} of {len(targets)} failed")


@cli.command()
@click.option(
    "--duration",
    type=click.FloatRange(10, 600),
    default=35,
    show_default=True,
    help="Stop after this many seconds at the latest.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the demo's database in this new file (default: a temporary one).",
)
@click.option("--smtp", is_flag=True, help="Also mail each alert to a local SMTP catcher.")
@click.option("-v", "--verbose", is_flag=True, help="Also log the service's own messages.")
def demo(duration: float, db_path: Path | None, smtp: bool, verbose: bool) -> None:
    """See newsradar work in half a minute, with no network and no config.

    Two fictional news sites on 127.0.0.1 publish sample stories while the real
    service polls them, matches the built-in watchlist and prints each alert.
    """
    from scheduler.demo import DemoError, run_demo, summary_text

    try:
        result = run_demo(
            duration=duration, db_path=db_path, smtp=smtp, verbose=verbose, echo=click.echo
        )
    except DemoError as err:
        raise click.ClickException(str(err)) from err
    click.echo(summary_text(result))
    if result.failed:
        raise click.ClickException("the demo read, matched or alerted nothing (see above)")


@cli.command()
@click.argument("words", nargs=-1, required=True)
@config_option
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: the configured one).",
)
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="How many articles at most.",
)
@click.option("--newest", is_flag=True, help="Newest first, instead of best match first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
def search(
    words: tuple[str, ...],
    config_path: Path | None,
    db_path: Path | None,
    limit: int,
    newest: bool,
    as_json: bool,
) -> None:
    """Full-text search of the articles' titles and text.

    Every word must appear (in any form: "talks" finds "talk"); quote a phrase;
    end a word with * to search by prefix. For example:

    \b
        newsradar search Taliban Doha
        newsradar search '"Haqqani network"' Khost*
    """
    from scheduler import explore

    text = " ".join(words)
    try:
        hits = explore.search(
            explore.open_database(config_path, db_path), text, limit=limit, newest=newest
        )
    except explore.ExploreError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        if hits:
            click.echo(explore.hits_as_json(hits))
        return
    bold = (lambda hit: click.style(hit, bold=True)) if sys.stdout.isatty() else None
    click.echo(explore.format_hits(hits, text, bold))


@cli.command()
@config_option
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: the configured one).",
)
@click.option("--since", default="30d", show_default=True, help="How far back: 7d, 30d, 12w…")
@click.option("--entity", "entities", multiple=True, help="Only this entity id (repeatable).")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw a chart to this PNG file (needs matplotlib).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def stats(
    config_path: Path | None,
    db_path: Path | None,
    since: str,
    entities: tuple[str, ...],
    plot_path: Path | None,
    as_json: bool,
) -> None:
    """Mentions per entity per day, as a table (and a chart with --plot)."""
    from scheduler import explore

    try:
        window = parse_duration(since)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--since") from err
    try:
        figures = explore.daily_mentions(
            explore.open_database(config_path, db_path), window, entities
        )
        if plot_path is not None:
            explore.plot(figures, plot_path)
    except explore.ExploreError as err:
        raise click.ClickException(str(err)) from err
    click.echo(explore.stats_as_json(figures) if as_json else explore.format_table(figures))
    if plot_path is not None:
        click.echo(f"Chart written to {plot_path}", err=True)


def main() -> None:
    """Entry point of the `newsradar` command."""
    cli()


from scheduler.sources_cli import sources  # noqa: E402  (the `sources` command group)

cli.add_command(sources)
from scheduler.explain_cmd import explain  # noqa: E402  (the `explain` command)

cli.add_command(explain)
