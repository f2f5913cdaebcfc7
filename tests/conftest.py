"""Shared fixtures: isolated state, and real servers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newssite import NewsSite
from receivers import SmtpServer, WebhookReceiver
from redisserver import RedisServer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own empty directory with no config from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSRADAR_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    """A local news site with RSS and Atom feeds; nothing published yet."""
    with NewsSite() as site:
        yield site


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Debian's redis-server on 127.0.0.1 on a free port, with a password, no persistence."""
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server requiring AUTH."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver for JSON webhooks."""
    with WebhookReceiver() as receiver:
        yield receiver


def newsradar(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `newsradar` command as a user would; capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


class RunningService:
    """`newsradar run` as a subprocess, its log in a file."""

    def __init__(self, config: Path, *args: str) -> None:
        self.log_path = config.parent / "service.log"
        self.log_file = self.log_path.open("a")  # restarts append to the same log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run", "-c", str(config), *args],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def wait_until(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, self.log
            assert time.monotonic() < deadline, self.log
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a power cut or the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log_file.close()

    def stop(self) -> int:
        """SIGTERM, and the exit status."""
        if self.log_file.closed:
            return self.process.returncode
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.log_file.close()
        return code


@pytest.fixture
def services() -> Iterator[Callable[..., RunningService]]:
    """Start `newsradar run` subprocesses; any still running are stopped at the end."""
    started: list[RunningService] = []

    def start(config: Path, *args: str) -> RunningService:
        started.append(RunningService(config, *args))
        return started[-1]

    yield start
    for service in started:
        service.stop()
