"""`newsradar explain FILE|URL|-`: what the matcher finds in a text and why.

Prints every mention with its alias and rule, then every candidate turned down
with the reason (``alerts.explain``). FILE is a UTF-8 text file, ``-`` reads
standard input, and an http(s) URL names an article already stored in the
database (its title and main text, as the matcher read them).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.config import DEFAULT_NAME, ConfigError

__all__ = ["explain", "register"]


def _text_of(source: str, config_path: Path | None) -> str:
    """The text to explain: a stored article's, standard input's or a file's."""
    if source == "-":
        return sys.stdin.read()
    if source.lower().startswith(("http://", "https://")):
        return _stored_article(source, config_path)
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise click.ClickException(f"{path}: cannot read: {err}") from err


def _stored_article(url: str, config_path: Path | None) -> str:
    from alerts.pending import article_text
    from crawler import store
    from scheduler.config import locate_database

    try:
        database = locate_database(config_path)
    except ConfigError as err:
        raise click.ClickException(str(err)) from err
    if not database.exists():
        raise click.ClickException(f"no database at {database} yet: run `newsradar run` first")
    try:
        db = store.open_db(database)
        found = store.article_states(db, [url])
        if url not in found:
            raise click.ClickException(f"no stored article has the URL {url}")
        row = db.table("articles").get(found[url][0])
    except store.StoreError as err:
        raise click.ClickException(str(err)) from err
    return article_text(row.get("title"), row.get("text"))


def _quote(text: str, start: int, end: int) -> str:
    return " ".join(text[start:end].split())


@click.command()
@click.argument("source", metavar="FILE|URL|-")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Config file (default: $NEWSRADAR_CONFIG, else ./{DEFAULT_NAME}, else built-in).",
)
def explain(source: str, config_path: Path | None) -> None:
    """Show every mention the matcher finds in a text (alias and rule) and every
    candidate it turned down, with the reason.

    FILE is a text file, - reads standard input, a URL names a stored article.
    """
    from alerts.explain import RULE_LABELS
    from alerts.explain import explain as explain_text
    from alerts.watchlist import Watchlist
    from scheduler.config import load_config

    try:
        config = load_config(config_path)
    except ConfigError as err:
        raise click.ClickException(str(err)) from err
    text = _text_of(source, config_path)
    result = explain_text(text, Watchlist.compile(config.entities()))
    click.echo(f"{len(result.mentions)} mentions")
    for m in result.mentions:
        click.echo(
            f"  {m.start}-{m.end} {m.entity_id}: {_quote(text, m.start, m.end)!r} "
            f"as {m.alias!r} ({m.rule}: {RULE_LABELS.get(m.rule, m.rule)})"
        )
    click.echo(f"{len(result.rejected)} candidates turned down")
    for r in result.rejected:
        click.echo(
            f"  {r.start}-{r.end} {r.entity_id}: {_quote(text, r.start, r.end)!r} "
            f"as {r.alias!r}: {r.reason}"
        )


def register(cli_group: click.Group) -> None:
    """Add the `explain` command to the `newsradar` command group."""
    cli_group.add_command(explain)
