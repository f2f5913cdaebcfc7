"""A real redis-server (Debian's) on 127.0.0.1, on a free port, with a password and
no persistence: started for a test, restarted when a test wants, stopped after."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest

PASSWORD = "s3cret-redis-pass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1:``port`` requiring ``PASSWORD``."""

    def __init__(
        self, workdir: Path, password: str = PASSWORD, options: Sequence[str] = ()
    ) -> None:
        """``options``: more redis-server arguments, after (so over) the defaults."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.workdir = workdir
        self.password = password
        self.options = list(options)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis://:password@127.0.0.1:port/0"""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> Self:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--requirepass", self.password,
                "--dir", str(self.workdir),
                *self.options,
            ],
            stdout=(self.workdir / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    pytest.fail(f"redis-server exited: {(self.workdir / 'redis.log').read_text()}")
                time.sleep(0.05)
        pytest.fail("redis-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, downtime: float = 0.0) -> None:
        """Stop Redis (everything in it is lost: no persistence), wait, start it again."""
        self.stop()
        time.sleep(downtime)
        self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
