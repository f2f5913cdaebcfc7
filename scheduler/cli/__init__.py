"""The `newsradar` command: a thin mirror of the library, one function per command.

Each command parses its options and calls the library; every named error the
library raises becomes one message and exit status 1 (``errors.TranslatingGroup``).
Heavy imports (Scrapy, Apprise, trafilatura) happen inside the commands that need
them, so `newsradar --help` and `newsradar status` start fast.
"""

from __future__ import annotations

import click

from scheduler.cli import data_cmds, service_cmds, setup_cmds, web_cmds, worker_cmds
from scheduler.cli.errors import TranslatingGroup
from scheduler.cli.explain import explain
from scheduler.cli.sources import sources
from scheduler.cli.watchlist_import import watchlist_import


@click.group(cls=TranslatingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsradar")
def cli() -> None:
    """newsradar: poll news sources, flag every mention of the entities you track,
    and send alerts through Apprise.

    Start with `newsradar run` (built-in sources and watchlist, alerts on the
    console), then `newsradar init` to write a config you can edit.
    """


for command in (
    setup_cmds.init,
    setup_cmds.check,
    service_cmds.run,
    worker_cmds.worker,
    data_cmds.matches,
    setup_cmds.watchlist,
    service_cmds.rematch,
    service_cmds.status,
    service_cmds.alerts,
    setup_cmds.notify_test,
    setup_cmds.demo,
    data_cmds.search,
    data_cmds.stats,
    sources,
    explain,
    web_cmds.web,
):
    cli.add_command(command)
setup_cmds.watchlist.add_command(watchlist_import)


def main() -> None:
    """Entry point of the `newsradar` command."""
    cli()
