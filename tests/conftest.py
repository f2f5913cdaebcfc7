"""Shared fixtures: isolated state, and real servers on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newssite import NewsSite
from receivers import SmtpServer, WebhookReceiver

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
