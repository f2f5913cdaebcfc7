"""The docs say what the code does: the README's configuration table lists exactly the
config file's keys, and every command and subcommand has help."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from scheduler.cli import cli
from scheduler.config import Config

README = Path(__file__).resolve().parents[1] / "README.md"


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds: ``CrawlConfig``, ``list[SourceConfig]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
    return []


def config_keys(model: type[BaseModel] = Config, prefix: str = "") -> set[str]:
    """Every key of the config file, dotted under its table: ``crawl.interval``."""
    keys = set()
    for name, info in model.model_fields.items():
        if info.exclude:  # not a key of the file (Config.path)
            continue
        nested = _models_in(info.annotation)
        if nested:
            for table in nested:
                keys |= config_keys(table, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def readme_table_keys() -> set[str]:
    """The keys named in the first column of the README's configuration table."""
    section = README.read_text(encoding="utf-8").split("## The configuration file", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "no configuration table in the README"
    return {key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_the_readme_configuration_table_lists_exactly_the_config_keys() -> None:
    documented, real = readme_table_keys(), config_keys()
    assert not real - documented, f"keys missing from the README's table: {real - documented}"
    assert not documented - real, f"the README's table names no such keys: {documented - real}"


def commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand, with the words that invoke it."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


ALL_COMMANDS = list(commands())


def test_the_command_tree_is_walked() -> None:
    names = {" ".join(path) for path, _ in ALL_COMMANDS}
    assert {"run", "alerts retry", "sources discover", "sources import"} <= names


@pytest.mark.parametrize(
    ("path", "command"), ALL_COMMANDS, ids=[" ".join(path) for path, _ in ALL_COMMANDS]
)
def test_every_command_and_option_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"`newsradar {' '.join(path)}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage:")
