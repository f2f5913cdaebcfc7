"""Looking at what was collected: `matches`, `search` and `stats`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from scheduler.cli.options import Window, config_option, db_option, json_option, since_option


@click.command()
@config_option
@since_option("24h", "How far back: 30m, 24h, 7d…")
@json_option
def matches(config_path: Path | None, since: Window, as_json: bool) -> None:
    """List recent matches, one per story: time, source, title, entities, link, and
    the other outlets that ran the same story (its copies)."""
    from alerts.safetext import json_line, one_line
    from crawler import store
    from scheduler.runtime import open_database

    rows = store.recent_stories(open_database(config_path), store.utcnow() - since.delta)
    if as_json:
        for row in rows:
            click.echo(json_line(json.dumps(row, ensure_ascii=False)))
        return
    if not rows:
        click.echo(f"No matches in the last {since.text}.")
        return
    for row in rows:
        # Titles, sources and URLs come from articles: no terminal control gets through.
        entities = ", ".join(row["entities"])
        click.echo(one_line(f"{row['time']}  {row['source'] or '-'}  [{entities}]"))
        click.echo(f"    {one_line(row['title'] or '')}")
        click.echo(f"    {one_line(row['url'])}")
        if row["copies"]:
            count = len(row["copies"])
            click.echo(f"    also reported by {count} other{'s' if count != 1 else ''}:")
            for copy in row["copies"]:
                line = f"{copy['time']}  {copy['source'] or '-'}  {copy['url']}"
                click.echo(f"      {one_line(line)}")


@click.command()
@click.argument("words", nargs=-1, required=True)
@config_option
@db_option
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="How many articles at most.",
)
@click.option("--newest", is_flag=True, help="Newest first, instead of best match first.")
@json_option
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
    from scheduler.runtime import open_database

    text = " ".join(words)
    hits = explore.search(open_database(config_path, db_path), text, limit=limit, newest=newest)
    if as_json:
        if hits:
            click.echo(explore.hits_as_json(hits))
        return
    bold = (lambda hit: click.style(hit, bold=True)) if sys.stdout.isatty() else None
    click.echo(explore.format_hits(hits, text, bold))


@click.command()
@config_option
@db_option
@since_option("30d", "How far back: 7d, 30d, 12w…")
@click.option("--entity", "entities", multiple=True, help="Only this entity id (repeatable).")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw a chart to this PNG file (needs matplotlib).",
)
@json_option
def stats(
    config_path: Path | None,
    db_path: Path | None,
    since: Window,
    entities: tuple[str, ...],
    plot_path: Path | None,
    as_json: bool,
) -> None:
    """Mentions per entity per day, as a table (and a chart with --plot)."""
    from scheduler import explore
    from scheduler.runtime import open_database

    figures = explore.daily_mentions(open_database(config_path, db_path), since.delta, entities)
    if plot_path is not None:
        explore.plot(figures, plot_path)
    click.echo(explore.stats_as_json(figures) if as_json else explore.format_table(figures))
    if plot_path is not None:
        click.echo(f"Chart written to {plot_path}", err=True)
