"""The installed command as a user runs it, in a subprocess: init → check, config errors
that say what is wrong, and commands that say what to do before the first run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import newsradar

pytestmark = pytest.mark.slow


def test_installed_command_runs() -> None:
    path = shutil.which("newsradar")
    assert path, "the newsradar command is not installed (pip install -e .)"
    result = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("init", "check", "run", "matches"):
        assert command in result.stdout


def test_init_writes_a_config_that_checks(tmp_path: Path) -> None:
    result = newsradar("init")
    assert result.returncode == 0, result.stderr
    written = tmp_path / "newsradar.toml"
    assert "[[source]]" in written.read_text() and "[[entity]]" in written.read_text()
    again = newsradar("init")
    assert again.returncode != 0 and "already exists" in again.stderr
    check = newsradar("check")  # finds ./newsradar.toml
    assert check.returncode == 0, check.stderr
    assert f"{written}: OK" in check.stdout
    other = newsradar("init", "conf/radar.toml")
    assert other.returncode == 0 and (tmp_path / "conf" / "radar.toml").is_file()


def test_check_without_any_config_uses_the_builtin_default() -> None:
    result = newsradar("check")
    assert result.returncode == 0, result.stderr
    assert "built-in configuration: OK" in result.stdout
    assert "alerts go to the console" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[crawl]\nintervall = "10m"\n', "unknown key 'intervall'"),
        ("[crawl]\ninterval = 10\n", "[crawl], key 'interval': wrong type"),
        ('[crawl]\ninterval = "ten minutes"\n', "bad duration 'ten minutes'"),
        (
            '[[alert]]\nurl = "mailto://radar:hunter2pw@@@"\n',
            "alert #1, key 'url': not a valid Apprise URL",
        ),
        (
            '[[entity]]\nid = "a"\nname = "A"\n[[entity]]\nid = "a"\nname = "B"\n',
            "duplicate id 'a'",
        ),
        (
            '[[alert]]\nurl = "json://127.0.0.1/${NEWSRADAR_TEST_MISSING}"\n',
            "environment variable NEWSRADAR_TEST_MISSING is not set",
        ),
    ],
)
def test_check_reports_bad_configs(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = newsradar("check", "-c", str(path))
    assert result.returncode != 0
    assert message in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2pw" not in result.stderr + result.stdout


def test_config_from_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('database = "x.db"\n[crawl]\ninterval = "nope"\n')
    result = newsradar("check", env={"NEWSRADAR_CONFIG": str(path)})
    assert result.returncode != 0 and "bad duration 'nope'" in result.stderr
    missing = newsradar("run", "--once", "-c", str(tmp_path / "missing.toml"))
    assert missing.returncode != 0 and "no such config file" in missing.stderr


def test_matches_before_any_run_says_what_to_do() -> None:
    result = newsradar("matches")
    assert result.returncode != 0
    assert "run `newsradar run` first" in result.stderr
    bad = newsradar("matches", "--since", "yesterday")
    assert bad.returncode != 0 and "bad duration" in bad.stderr
