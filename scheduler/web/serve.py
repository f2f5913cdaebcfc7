"""Serving the console from the running service (`newsradar run --web`): a uvicorn
server on the service's own event loop, as one more task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn

from scheduler.config import Config
from scheduler.web.app import WebError, check_bind, create_app

log = logging.getLogger("newsradar.web")


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the service (SIGTERM stops the service,
    which then stops the console; SIGHUP reloads the configuration)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install no handler: the service owns the process's signals."""
        yield


class RunningConsole:
    """The console's server task, to stop with the service."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self.server = server
        self.task = task

    async def stop(self) -> None:
        """Ask the server to finish its requests and stop; wait for it."""
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout=10)


def _listen(host: str, port: int) -> socket.socket:
    """The console's listening socket, bound before the server starts: a port in use is
    a WebError naming it (uvicorn itself would exit the whole process)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as err:
        sock.close()
        raise WebError(f"cannot serve the console on {host}:{port}: {err.strerror}") from err
    return sock


async def start_console(
    config: Config, config_option: Path | None, reload_service: Callable[[], None]
) -> RunningConsole:
    """Start serving the console on ``[web] host`` and ``port``; WebError without the
    authentication a non-loopback address needs, or when the port is taken."""
    check_bind(config.web.host, config.web)
    listening = _listen(config.web.host, config.web.port)
    app = create_app(config_option, reload_service=reload_service)
    server = _EmbeddedServer(
        uvicorn.Config(
            app,
            host=config.web.host,
            port=config.web.port,
            log_level="warning",
            log_config=None,
            server_header=False,
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve(sockets=[listening]), name="web console")
    log.info("console on http://%s:%d/", config.web.host, config.web.port)
    return RunningConsole(server, task)
