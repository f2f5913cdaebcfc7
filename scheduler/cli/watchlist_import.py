"""`newsradar watchlist import`: a watchlist file from a UN or OpenSanctions list."""

from __future__ import annotations

from pathlib import Path

import click

from alerts.imports.records import FORMATS


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="un-xml: the UN Security Council Consolidated List XML; "
    "ftm: FollowTheMoney JSON lines (OpenSanctions).",
)
@click.option(
    "--list",
    "lists",
    multiple=True,
    metavar="NAME",
    help="Only this list (repeatable): a UN list (Taliban, 1988, un-1267...) "
    "or an OpenSanctions dataset or topic.",
)
@click.option(
    "--quality",
    type=click.Choice(["all", "good"]),
    default="all",
    show_default=True,
    help="all: keep low-quality aliases as weak aliases; good: drop them.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The watchlist file (.yaml or .csv) to write, or to merge into if it exists "
    "(default: print YAML).",
)
@click.option(
    "--remove-missing",
    is_flag=True,
    help="Drop entities no longer on the list (default: keep them, marked missing_since).",
)
def watchlist_import(
    file: Path,
    fmt: str,
    lists: tuple[str, ...],
    quality: str,
    out: Path | None,
    remove_missing: bool,
) -> None:
    """Import FILE, a sanctions list you downloaded, as watchlist entities.

    One entity per person (kind official) or group, its id from the list's reference
    ("un-tai.024"), aliases from the list's spellings. Importing into an existing
    --out file again keeps your edits there (exclude, tags, aliases you added or
    deleted) and reports records that left the list. Files over 50 MB are refused.
    """
    from alerts.imports import ListImportError, import_list

    try:
        result = import_list(
            file, fmt, lists=lists, quality=quality, out=out, remove_missing=remove_missing
        )
    except ListImportError as err:
        raise click.ClickException(str(err)) from err
    if out is None:
        click.echo(result.text, nl=False)
    report = result.report
    for reason in result.skipped:
        click.echo(f"skipped {reason}", err=True)
    for entity_id in report.hand_written:
        click.echo(
            f"kept your own entity {entity_id!r}: the list's record was not imported", err=True
        )
    if report.missing:
        click.echo(
            f"no longer on the list, kept and marked missing_since (--remove-missing drops "
            f"them): {', '.join(report.missing)}",
            err=True,
        )
    if report.removed:
        click.echo(f"no longer on the list, removed: {', '.join(report.removed)}", err=True)
    where = f"into {out}" if out is not None else "(printed)"
    click.echo(
        f"{result.records} people and groups from {file} {where}: {len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.missing) + len(report.removed)} no longer listed",
        err=True,
    )
    if out is not None:
        click.echo(f'Name it in your config (watchlist = "{out}"), then: newsradar check', err=True)
