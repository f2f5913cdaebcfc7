"""The deploy/ files as shipped: systemd accepts both units, and the compose file's
services, run as the processes it describes (its Redis command, its environment, its
service and worker commands), poll a local site through Redis into the database.

No container engine runs here, so the image build itself is not exercised: what is
tested is every command, argument and variable the compose file hands the image,
whose entry point is `newsradar`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import RunningService, newsradar
from newssite import NewsSite
from redisserver import PASSWORD, RedisServer

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = ("newsradar.service", "newsradar-worker.service")
INSTALLED = "/opt/newsradar/venv/bin/newsradar"
CONFIG_IN_IMAGE = "/etc/newsradar/newsradar.toml"
#: ``${NAME}``, ``${NAME:?message}`` and ``${NAME:-default}``, as compose interpolates them.
VARIABLE = re.compile(r"\$\{(\w+)(?::?([?-])([^}]*))?\}")


def compose() -> dict[str, Any]:
    """deploy/compose.yaml, with its anchors and merge keys resolved."""
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def interpolated(value: str, variables: dict[str, str]) -> str:
    """``value`` with its ``${...}`` replaced; a variable it needs and lacks fails."""

    def one(match: re.Match[str]) -> str:
        name, kind, default = match.groups()
        if kind == "-":
            return variables.get(name) or default
        assert name in variables, f"compose.yaml needs ${{{name}}}"
        return variables[name]

    return VARIABLE.sub(one, value)


def unit_command(unit: str) -> list[str]:
    """The newsradar arguments of a unit's ExecStart."""
    (line,) = [ln for ln in (DEPLOY / unit).read_text().splitlines() if ln.startswith("ExecStart=")]
    program, *arguments = line.removeprefix("ExecStart=").split()
    assert program == INSTALLED
    return arguments


def installed_command() -> Path:
    """The `newsradar` script this environment installed."""
    script = Path(sys.executable).parent / "newsradar"
    if not script.exists():
        pytest.skip("the newsradar command is not installed next to this Python")
    return script


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("unit", UNITS)
def test_systemd_accepts_the_unit_without_a_warning(tmp_path: Path, unit: str) -> None:
    text = (DEPLOY / unit).read_text()
    copy = tmp_path / unit  # the same unit, pointing at the newsradar installed here
    copy.write_text(text.replace(INSTALLED, str(installed_command())))
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr == "", verified.stderr  # an unknown or misspelt key is a warning


def test_the_units_run_what_the_compose_file_runs() -> None:
    services = compose()["services"]
    assert unit_command("newsradar.service") == services["service"]["command"]
    assert unit_command("newsradar-worker.service") == services["worker"]["command"]
    for unit in UNITS:  # every option a unit passes is one the command has
        arguments = unit_command(unit)
        checked = newsradar(*arguments, "--help")
        assert checked.returncode == 0, (unit, checked.stderr)


@pytest.mark.slow
def test_the_compose_services_poll_through_redis_into_the_database(
    tmp_path: Path, news_site: NewsSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = compose()
    services = spec["services"]
    variables = {"REDIS_PASSWORD": PASSWORD}
    redis_command = [interpolated(part, variables) for part in services["redis"]["command"]]
    assert redis_command[0] == "redis-server"
    news_site.publish_sample(3)
    with RedisServer(tmp_path / "redis", options=redis_command[1:]) as server:
        # The image's environment, with the compose network's host name `redis` here.
        environments = [services[name]["environment"] for name in ("service", "worker")]
        assert environments[0] == environments[1]
        for name, value in environments[0].items():
            monkeypatch.setenv(name, interpolated(value, variables))
        assert os.environ["REDIS_URL"] == f"redis://:{PASSWORD}@redis:6379/0"
        monkeypatch.setenv(
            "REDIS_URL", os.environ["REDIS_URL"].replace("@redis:6379", f"@127.0.0.1:{server.port}")
        )
        config = tmp_path / "newsradar.toml"
        config.write_text(
            f'database = "{tmp_path / "newsradar.db"}"\n'
            '[cluster]\nredis = "${REDIS_URL}"\n'
            '[crawl]\ninterval = "2s"\nextract_workers = 0\n'
            f'[[source]]\nname = "Local Wire"\nurl = "{news_site.rss_url}"\nkind = "feed"\n'
        )

        def arguments(service: str) -> list[str]:
            command: list[str] = services[service]["command"]
            assert CONFIG_IN_IMAGE in command
            return [str(config) if part == CONFIG_IN_IMAGE else part for part in command]

        service_arguments = arguments("service")
        assert service_arguments[:3] == ["run", "-c", str(config)]
        running = RunningService(config, *service_arguments[3:])
        worker = subprocess.Popen(
            [sys.executable, "-m", "scheduler", *arguments("worker")],
            stdout=(tmp_path / "worker.log").open("ab"),
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )
        try:

            def stored() -> int:
                if not (tmp_path / "newsradar.db").exists():
                    return 0
                with sqlite3.connect(tmp_path / "newsradar.db") as db:
                    try:
                        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
                    except sqlite3.OperationalError:  # not created yet
                        return 0

            running.wait_until(lambda: stored() == 3, timeout=90)
            status = newsradar("status", "-c", str(config))
            assert "worker" in status.stdout, status.stdout + status.stderr
            assert PASSWORD not in status.stdout + status.stderr + running.log
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            code = running.stop()
        assert code == 0, running.log
        assert worker.returncode == 0, (tmp_path / "worker.log").read_text()
        # The service logged JSON lines, as the compose file asked.
        first = next(line for line in running.log.splitlines() if line.strip())
        assert first.startswith("{"), first
