"""Running and watching the service: `run`, `status`, `alerts` and `rematch`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.cli.options import Window, config_option, since_option
from scheduler.config import load_config


@click.command()
@config_option
@click.option("--once", is_flag=True, help="Poll every source once, deliver alerts, exit.")
@click.option("-v", "--verbose", is_flag=True, help="Also log Scrapy's own messages.")
@click.option("--web", is_flag=True, help="Also serve the web console ([web] host and port).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text or as JSON objects (for log shippers).",
)
def run(config_path: Path | None, once: bool, verbose: bool, web: bool, log_format: str) -> None:
    """Run the service in the foreground until SIGTERM or Ctrl-C.

    With --once: one full cycle (crawl every source, extract, store, match,
    deliver), then exit 0, or 1 when no source could be polled at all.
    """
    from scheduler.logs import setup_logging

    config = load_config(config_path)
    if web and once:
        raise click.UsageError("--web serves the console while the service runs, not with --once")
    if web:
        from scheduler.web.app import check_bind

        check_bind(config.web.host, config.web)
    setup_logging(log_format, verbose)
    from scheduler.service import run_service

    report = run_service(config, once=once, verbose=verbose, config_option=config_path, web=web)
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


@click.command()
@config_option
def status(config_path: Path | None) -> None:
    """How the service is doing; exit 0 when healthy, 1 when its heartbeat is stale
    or alerts are failing, 2 when no service has run. Usable from monitoring."""
    from alerts.safetext import one_line
    from scheduler.status import service_status

    lines, code = service_status(config_path)
    for line in lines:
        click.echo(one_line(line))
    sys.exit(code)


@click.group(invoke_without_command=True)
@config_option
@click.option("--failed", is_flag=True, help="Show only alerts given up on.")
@click.pass_context
def alerts(ctx: click.Context, config_path: Path | None, failed: bool) -> None:
    """The alert outbox: pending and failed alerts (`alerts retry` resends failed ones)."""
    ctx.obj = config_path
    if ctx.invoked_subcommand is not None:
        return
    from alerts.safetext import one_line
    from crawler import store
    from scheduler.runtime import open_database

    db = open_database(config_path)
    if failed:
        rows = store.failed_alerts(db)
        if not rows:
            click.echo("No failed alerts.")
        for row in rows:
            head = f"#{row['id']}  {row['target']}  {row['attempts']} attempts  {row['title']}"
            click.echo(
                f"{one_line(head)}\n    last error: {one_line(row['last_error'] or '')}\n"
                f"    {one_line(row['url'])}"
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
    from scheduler.runtime import open_database

    count = store.retry_failed(open_database(config_path or ctx.obj), ids)
    click.echo(f"{count} failed alerts queued again; the running service sends them shortly.")


@click.command()
@config_option
@since_option("7d", "Articles first seen this recently.")
@click.option("--entity", "entity_id", help="Only this entity's mentions.")
@click.option(
    "--alert", is_flag=True, help="Queue alerts for new mentions (default: silent backfill)."
)
def rematch(config_path: Path | None, since: Window, entity_id: str | None, alert: bool) -> None:
    """Run the matcher again over stored articles, after a watchlist change."""
    from alerts.pending import rematch as rematch_articles
    from crawler import store
    from scheduler.runtime import compile_watchlist, open_database, targets_of

    config = load_config(config_path)
    watchlist = compile_watchlist(config)
    if entity_id is not None and entity_id not in watchlist.entities:
        raise click.BadParameter(f"no entity {entity_id!r} in the watchlist", param_hint="--entity")
    db = open_database(config_path)
    start = store.utcnow() - since.delta
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
