"""The options several commands share, defined once, and how a command loads its config."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import click

from scheduler.config import DEFAULT_NAME, DurationError, parse_duration

config_option = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Config file (default: $NEWSRADAR_CONFIG, else ./{DEFAULT_NAME}, else built-in).",
)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON lines instead of a table."
)

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: the configured one).",
)


class Window(NamedTuple):
    """A ``--since`` value: as typed ("24h"), and as a duration."""

    text: str
    delta: timedelta


class WindowType(click.ParamType):
    """A duration such as 30m, 24h or 7d, read by the config's own rule."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """``value`` as a Window; a usage error naming the option when it cannot be read."""
        if isinstance(value, Window):
            return value
        try:
            return Window(str(value), parse_duration(value))
        except DurationError as err:
            self.fail(str(err), param, ctx)


def since_option(default: str, help: str) -> Any:
    """``--since``: how far back a command looks, as a Window."""
    return click.option(
        "--since", "since", type=WindowType(), default=default, show_default=True, help=help
    )
