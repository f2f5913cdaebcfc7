"""Getting started: `init`, `check`, `watchlist`, `notify-test` and `demo`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scheduler.cli.options import config_option, json_option
from scheduler.config import DEFAULT_NAME, load_config, write_default_config


@click.command()
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
        from scheduler.onboarding.wizard import interactive_init

        if force:
            path.unlink(missing_ok=True)
        interactive_init(path)
        return
    write_default_config(path, force=force)
    click.echo(f"Wrote {path}. Edit it, then run: newsradar check -c {path}")


@click.command()
@config_option
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
def check(config_path: Path | None, strict: bool) -> None:
    """Validate a config file; exit non-zero naming the key at fault.

    Also warns about entities no alert target hears about, aliases two entities
    claim, and aliases too short to be useful.
    """
    from scheduler.checks import acronym_rules, config_warnings
    from scheduler.runtime import targets_of

    config = load_config(config_path)
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


@click.group(invoke_without_command=True)
@config_option
@json_option
@click.pass_context
def watchlist(ctx: click.Context, config_path: Path | None, as_json: bool) -> None:
    """List the watchlist: every entity with its kind, aliases, exclusions and tags
    (`watchlist import` reads a UN or OpenSanctions list into a watchlist file)."""
    if ctx.invoked_subcommand is not None:
        return
    for entity in load_config(config_path).entities():
        if as_json:
            record = {
                "id": entity.id,
                "name": entity.name,
                "kind": entity.kind,
                "aliases": list(entity.aliases),
                "weak_aliases": list(entity.weak_aliases),
                "exclude": list(entity.exclude),
                "tags": list(entity.tags),
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        click.echo(f"{entity.id}  {entity.name}  ({entity.kind})")
        for label, values in (
            ("aliases", entity.aliases),
            ("weak aliases", entity.weak_aliases),
            ("exclude", entity.exclude),
            ("tags", entity.tags),
        ):
            if values:
                click.echo(f"    {label}: {'; '.join(values)}")


@click.command("notify-test")
@config_option
@click.option("--tag", "tags", multiple=True, help="Only targets with this tag (repeatable).")
def notify_test(config_path: Path | None, tags: tuple[str, ...]) -> None:
    """Send a test message to each alert target and report, per target, sent or why not."""
    from alerts.dispatch import send_test_messages
    from alerts.safetext import one_line
    from scheduler.runtime import delivery_policy, targets_of

    config = load_config(config_path)
    targets = [t for t in targets_of(config) if not tags or set(tags) & set(t.tags)]
    if not targets:
        raise click.ClickException(f"no alert target has the tags {', '.join(tags)}")
    deliveries = send_test_messages(targets, delivery_policy(config).timeout)
    for target, delivery in zip(targets, deliveries, strict=True):
        outcome = "sent" if delivery.ok else f"FAILED: {delivery.reason}"
        click.echo(one_line(f"{target.label}: {outcome}"))
    failed = sum(1 for delivery in deliveries if not delivery.ok)
    if failed:
        raise click.ClickException(f"{failed} of {len(targets)} failed")


@click.command()
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
    from scheduler.demo.run import run_demo, summary_text

    result = run_demo(
        duration=duration, db_path=db_path, smtp=smtp, verbose=verbose, echo=click.echo
    )
    click.echo(summary_text(result))
    if result.failed:
        raise click.ClickException("the demo read, matched or alerted nothing (see above)")
