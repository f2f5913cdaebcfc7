"""`newsradar sources`: each source's health, feed discovery, and OPML import/export.

newsradar sources                  # health: last success, last error, failures, next poll
newsradar sources discover URL     # what `auto` finds behind a URL
newsradar sources import FILE.opml # add a feed reader's subscriptions to the config
newsradar sources export           # the configured sources as OPML
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import click

from scheduler.config import DEFAULT_NAME, Config, ConfigError, SourceConfig

_config_option = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Config file (default: $NEWSRADAR_CONFIG, else ./{DEFAULT_NAME}, else built-in).",
)


def _load(config_path: Path | None) -> Config:
    from scheduler.config import load_config

    try:
        return load_config(config_path)
    except ConfigError as err:
        raise click.ClickException(str(err)) from err


# --- health ------------------------------------------------------------------------


def _next_poll(config: Config, source: SourceConfig, row: dict[str, Any] | None) -> str:
    if not row or not row.get("last_polled"):
        return "at start"
    last = datetime.fromisoformat(row["last_polled"].replace("Z", "+00:00"))
    due = last + config.source_interval(source)
    return due.strftime("%Y-%m-%dT%H:%M:%SZ")


def source_health(config: Config) -> list[dict[str, Any]]:
    """One dict per configured source: its health from the database, and its next poll."""
    from crawler import store

    rows: dict[str, dict[str, Any]] = {}
    if config.database_path.exists():
        db = store.open_db(config.database_path)
        try:
            rows = {row["url"]: row for row in store.source_health(db)}
        finally:
            db.close()
    health = []
    for source in config.source:
        row = rows.get(source.url) or {}
        health.append(
            {
                "name": source.name,
                "url": source.url,
                "kind": source.kind,
                "polls": row.get("resolved_url") or source.url,
                "polls_as": row.get("resolved_kind") or source.kind,
                "last_success": row.get("last_success"),
                "last_error": row.get("last_error"),
                "last_error_at": row.get("last_error_at"),
                "consecutive_failures": row.get("consecutive_failures", 0),
                "articles_found": row.get("articles_found", 0),
                "last_status": row.get("last_status"),
                "next_poll": _next_poll(config, source, row),
            }
        )
    return health


@click.group(invoke_without_command=True)
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@click.pass_context
def sources(ctx: click.Context, config_path: Path | None, as_json: bool) -> None:
    """Each source's health: last success, last error, consecutive failures,
    articles found, next poll. Subcommands discover, import and export sources."""
    if ctx.invoked_subcommand is not None:
        return
    config = _load(config_path)
    health = source_health(config)
    if as_json:
        for entry in health:
            click.echo(json.dumps(entry, ensure_ascii=False))
        return
    if not health:
        click.echo("No sources configured.")
        return
    for entry in health:
        failures = entry["consecutive_failures"]
        state = "FAILING" if failures else ("ok" if entry["last_success"] else "not polled yet")
        click.echo(f"{entry['name']}  [{entry['kind']}]  {state}")
        click.echo(f"    polls {entry['polls']} as {entry['polls_as']}")
        click.echo(
            f"    last success {entry['last_success'] or '-'}, "
            f"{entry['articles_found']} articles found, next poll {entry['next_poll']}"
        )
        if entry["last_error"]:
            click.echo(
                f"    last error {entry['last_error_at']}: {entry['last_error']} "
                f"({failures} consecutive failure{'s' if failures != 1 else ''})"
            )


# --- discover ------------------------------------------------------------------------


def discover(config: Config, url: str) -> tuple[list[tuple[str, str]], str | None]:
    """Run `auto` discovery on ``url`` (nothing stored): (candidates, error)."""
    from scheduler.crawl import Crawler, run_in_reactor

    async def main() -> tuple[list[tuple[str, str]], str | None]:
        from crawler.spiders.auto import AutoSpider

        crawler = Crawler(scratch)
        crawl = crawler.runner.create_crawler(AutoSpider)
        await crawler.runner.crawl(crawl, url=url, source_name=url, discover_only=True)
        found = crawl.stats.get_value("newsradar/discovery") or []
        return [tuple(c) for c in found], crawl.stats.get_value("newsradar/source_error")

    with tempfile.TemporaryDirectory(prefix="newsradar-discover-") as tmp:
        scratch = config.model_copy(update={"database": str(Path(tmp) / "discover.db")})
        return run_in_reactor(main)


@sources.command("discover")
@click.argument("url")
@_config_option
def discover_command(url: str, config_path: Path | None) -> None:
    """Show the feeds, sitemaps or listing page found at URL, best first."""
    config = _load(config_path)
    try:
        SourceConfig(name="discover", url=url)
    except ValueError as err:
        raise click.BadParameter(str(err).splitlines()[-1], param_hint="URL") from err
    candidates, error = discover(config, url)
    if not candidates:
        raise click.ClickException(f"{url}: nothing to poll found ({error or 'no answer'})")
    for kind, found in candidates:
        click.echo(f"{kind}\t{found}")
    kind, best = candidates[0]
    click.echo(f"\n# to poll it:\n[[source]]\nname = {json.dumps(url)}\nurl = {json.dumps(url)}")
    click.echo(f'kind = "auto"  # polls {best} as {kind}')


# --- OPML -------------------------------------------------------------------------------


def read_opml(body: bytes) -> list[dict[str, str]]:
    """The subscriptions of an OPML file: name, url, kind ("feed" unless newsradar
    exported another kind). Entity declarations are refused, as in every feed."""
    from crawler.parse.opml import parse_opml

    return [{"name": s.name, "url": s.url, "kind": s.kind} for s in parse_opml(body)]


def _toml_source(source: dict[str, str]) -> str:
    return (
        f"\n[[source]]\nname = {json.dumps(source['name'], ensure_ascii=False)}\n"
        f"url = {json.dumps(source['url'])}\nkind = {json.dumps(source['kind'])}\n"
    )


@sources.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_config_option
@click.option("--dry-run", is_flag=True, help="Print the [[source]] tables instead of adding them.")
def import_command(opml: Path, config_path: Path | None, dry_run: bool) -> None:
    """Add the feeds of an OPML file (a feed reader's export) to the config file."""
    from scheduler.config import find_config, parse_config

    try:
        subscriptions = read_opml(opml.read_bytes())
    except ValueError as err:
        raise click.ClickException(f"{opml}: {err}") from err
    config = _load(config_path)
    target = find_config(config_path)
    known_urls = {s.url for s in config.source}
    known_names = {s.name for s in config.source}
    added = []
    for subscription in subscriptions:
        if subscription["url"] in known_urls:
            continue
        name, number = subscription["name"], 2
        while name in known_names:
            name, number = f"{subscription['name']} ({number})", number + 1
        subscription = {**subscription, "name": name}
        known_urls.add(subscription["url"])
        known_names.add(name)
        added.append(subscription)
    text = "".join(_toml_source(s) for s in added)
    if dry_run:
        click.echo(text.lstrip("\n") if text else "# nothing new to import")
        return
    if target is None:
        raise click.ClickException(
            "no config file to add the sources to: run `newsradar init` first (or use -c)"
        )
    if not added:
        click.echo(f"{opml}: nothing new; {len(subscriptions)} feeds already configured")
        return
    current = target.read_text(encoding="utf-8")
    updated = current.rstrip("\n") + "\n" + text
    try:
        parse_config(updated, target.resolve())
    except ConfigError as err:
        raise click.ClickException(
            f"{opml}: the sources would make the config invalid: {err}"
        ) from err
    target.write_text(updated, encoding="utf-8")
    click.echo(f"Added {len(added)} sources to {target} ({len(subscriptions) - len(added)} known).")


def write_opml(config: Config) -> str:
    """The configured sources as OPML 2.0, as feed readers import it. An `auto`
    source whose feed was found is exported as that feed."""
    health = {entry["url"]: entry for entry in source_health(config)}
    lines = []
    for source in config.source:
        entry = health[source.url]
        name = quoteattr(source.name)
        if source.kind == "feed" or entry["polls_as"] == "feed":
            lines.append(
                f'    <outline type="rss" text={name} title={name} '
                f"xmlUrl={quoteattr(entry['polls'])} htmlUrl={quoteattr(source.url)}/>"
            )
        else:
            lines.append(
                f'    <outline type="link" text={name} title={name} '
                f"url={quoteattr(source.url)} newsradarKind={quoteattr(source.kind)}/>"
            )
    created = datetime.now().astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")
    body = "\n".join(lines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"  <head>\n    <title>newsradar sources</title>\n"
        f"    <dateCreated>{created}</dateCreated>\n  </head>\n"
        f"  <body>\n{body}\n  </body>\n</opml>\n"
    )


@sources.command("export")
@_config_option
def export_command(config_path: Path | None) -> None:
    """Print the configured sources as OPML (for a feed reader, or another newsradar)."""
    click.echo(write_opml(_load(config_path)), nl=False)
