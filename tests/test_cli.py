"""The command line in-process: help everywhere, and every named error the library raises
turned into one clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.cli.errors import NAMED_ERRORS, TranslatingGroup

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert cli.commands[command].help, f"{command} has no help text"
    assert "Usage:" in result.output


def _named_errors_of_the_codebase() -> set[tuple[str, str]]:
    """(module, class) of every public exception class defined under the three packages."""
    found = set()
    for package in ("crawler", "alerts", "scheduler"):
        for module in pkgutil.walk_packages([str(REPO / package)], prefix=f"{package}."):
            if module.name.endswith("__main__"):
                continue  # running it is the command itself
            loaded = importlib.import_module(module.name)
            for name, cls in inspect.getmembers(loaded, inspect.isclass):
                defined_here = cls.__module__ == module.name and not name.startswith("_")
                if defined_here and issubclass(cls, Exception):
                    found.add((module.name, name))
    return found


def test_every_named_error_of_the_codebase_is_translated() -> None:
    listed = tuple(getattr(importlib.import_module(m), n) for m, n in NAMED_ERRORS)
    for module, name in _named_errors_of_the_codebase():
        # A subclass of a listed error is translated by the same isinstance check.
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, listed), f"{module}.{name} is not translated by the CLI"
    for module, name in NAMED_ERRORS:  # and each entry names a real exception class
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, Exception) and cls.__module__ == module, (module, name)


def _raising(error: BaseException) -> click.Group:
    group = TranslatingGroup()

    @group.command()
    def boom() -> None:
        """Raise the error."""
        raise error

    return group


@pytest.mark.parametrize(("module", "name"), NAMED_ERRORS)
def test_a_named_error_becomes_one_message_and_exit_1(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    result = CliRunner().invoke(_raising(cls("newsradar.toml: what went wrong")), ["boom"])
    assert result.exit_code == 1
    assert result.stderr == "Error: newsradar.toml: what went wrong\n"
    assert "Traceback" not in result.output


def test_a_bug_is_not_disguised_as_a_user_error() -> None:
    result = CliRunner().invoke(_raising(KeyError("job")), ["boom"])
    assert isinstance(result.exception, KeyError)


@pytest.mark.parametrize(
    "command",
    [["matches"], ["alerts"], ["alerts", "--failed"], ["alerts", "retry"], ["stats"], ["status"]],
)
def test_a_damaged_database_is_a_message_not_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "newsradar.db").write_bytes(b"not a database, whatever it was " * 64)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1, result.output
    assert "newsradar.db: not a newsradar database (not a SQLite file at all)" in result.stderr
    assert not isinstance(result.exception, sqlite3.Error)
    assert "Traceback" not in result.output


def test_every_command_that_reads_the_database_says_when_there_is_none() -> None:
    for command in (["matches"], ["alerts"], ["search", "Taliban"], ["stats"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1, (command, result.output)
        assert "no database at newsradar.db yet: run `newsradar run` first" in result.stderr


@pytest.mark.parametrize("command", ["matches", "rematch", "stats"])
def test_since_is_read_by_one_rule(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--since", "yesterday"])
    assert result.exit_code == 2
    assert "Invalid value for '--since': bad duration 'yesterday'" in result.stderr
