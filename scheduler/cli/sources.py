"""`newsradar sources`: each source's health, feed discovery, and OPML import/export.

newsradar sources                  # health: last success, last error, failures, next poll
newsradar sources discover URL     # what `auto` finds behind a URL
newsradar sources import FILE.opml # add a feed reader's subscriptions to the config
newsradar sources export           # the configured sources as OPML

The work is done in ``scheduler.sources``; this module parses and prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from scheduler.cli.options import config_option, json_option
from scheduler.config import SourceConfig, load_config


@click.group(invoke_without_command=True)
@config_option
@json_option
@click.pass_context
def sources(ctx: click.Context, config_path: Path | None, as_json: bool) -> None:
    """Each source's health: last success, last error, consecutive failures,
    articles found, next poll. Subcommands discover, import and export sources."""
    if ctx.invoked_subcommand is not None:
        return
    from alerts.safetext import json_line, one_line
    from scheduler.sources import source_health

    health = source_health(load_config(config_path))
    if as_json:
        for entry in health:
            click.echo(json_line(json.dumps(entry, ensure_ascii=False)))
        return
    if not health:
        click.echo("No sources configured.")
        return
    for entry in health:
        failures = entry["consecutive_failures"]
        state = "FAILING" if failures else ("ok" if entry["last_success"] else "not polled yet")
        click.echo(f"{entry['name']}  [{entry['kind']}]  {state}")
        click.echo(f"    polls {entry['polls']} as {entry['polls_as']}")
        if entry["found"]:
            click.echo(f"    found: {entry['found']}")
        click.echo(
            f"    last success {entry['last_success'] or '-'}, "
            f"{entry['articles_found']} articles found, next poll {entry['next_poll']}"
        )
        if entry["last_error"]:
            # A source's error can quote what its server said: no terminal control passes.
            click.echo(
                f"    last error {entry['last_error_at']}: {one_line(entry['last_error'])} "
                f"({failures} consecutive failure{'s' if failures != 1 else ''})"
            )


def _source_url(ctx: click.Context, param: click.Parameter, url: str) -> str:
    """A URL the config would accept as a source's, or a usage error saying why not."""
    try:
        SourceConfig(name="discover", url=url)
    except ValueError as err:  # pydantic's ValidationError
        raise click.BadParameter(str(err).splitlines()[-1], param_hint="URL") from err
    return url


@sources.command("discover")
@click.argument("url", callback=_source_url)
@config_option
def discover_command(url: str, config_path: Path | None) -> None:
    """Show the feeds, sitemaps or listing page found at URL, best first."""
    from scheduler.sources import discover

    config = load_config(config_path)
    candidates, error = discover(config, url)
    if not candidates:
        raise click.ClickException(f"{url}: nothing to poll found ({error or 'no answer'})")
    for kind, found in candidates:
        click.echo(f"{kind}\t{found}")
    kind, best = candidates[0]
    click.echo(f"\n# to poll it:\n[[source]]\nname = {json.dumps(url)}\nurl = {json.dumps(url)}")
    click.echo(f'kind = "auto"  # polls {best} as {kind}')


@sources.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--dry-run", is_flag=True, help="Print the [[source]] tables instead of adding them.")
def import_command(opml: Path, config_path: Path | None, dry_run: bool) -> None:
    """Add the feeds of an OPML file (a feed reader's export) to the config file."""
    from scheduler.sources import import_opml

    plan = import_opml(opml, config_path, dry_run=dry_run)
    if dry_run:
        click.echo(plan.text.lstrip("\n") if plan.text else "# nothing new to import")
    elif not plan.added:
        click.echo(f"{opml}: nothing new; {plan.listed} feeds already configured")
    else:
        known = plan.listed - len(plan.added)
        click.echo(f"Added {len(plan.added)} sources to {plan.target} ({known} known).")


@sources.command("export")
@config_option
def export_command(config_path: Path | None) -> None:
    """Print the configured sources as OPML (for a feed reader, or another newsradar)."""
    from scheduler.sources import write_opml

    click.echo(write_opml(load_config(config_path)), nl=False)
