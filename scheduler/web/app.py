"""The console's Starlette application and the state its pages share.

One ``Console`` per process: the configuration (re-read after every change the
console writes), one database connection (the console's handlers run on the event
loop's thread, so it is never shared across threads), and how to reload the running
service: in-process when served by `newsradar run --web`, else SIGHUP to the pid the
service recorded in the database.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from crawler import store
from scheduler.config import Config, WebConfig, load_config

STATIC = Path(__file__).parent / "static"
SESSION_AGE = 12 * 3600
# A service whose heartbeat is older than this is not signalled: its pid may be reused.
LIVE_HEARTBEAT = timedelta(seconds=90)
LANGUAGES_TTL = 60.0

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class WebError(Exception):
    """The console cannot start as asked (e.g. on a public address without authentication)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or "localhost"."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, web: WebConfig) -> None:
    """Refuse (WebError) to listen on any address but loopback without authentication."""
    if not is_loopback(host) and not (web.password_hash or web.token):
        raise WebError(
            f"refusing to serve the console on {host}: any address but 127.0.0.1 needs "
            "[web] password_hash (from `newsradar web hash-password`) or [web] token"
        )


class Console:
    """What every page of one console process shares."""

    def __init__(
        self, config_path: Path | None, *, reload_service: Callable[[], None] | None = None
    ) -> None:
        self.config_path = config_path
        self.config: Config = load_config(config_path)
        self._db: sqlite_utils.Database | None = None
        self._reload_in_process = reload_service
        self._languages: tuple[float, list[str]] = (0.0, [])

    @property
    def web(self) -> WebConfig:
        """The ``[web]`` settings."""
        return self.config.web

    @property
    def db(self) -> sqlite_utils.Database:
        """The console's connection to the configured database, opened on first use."""
        if self._db is None:
            self._db = store.open_db(self.config.database_path)
        return self._db

    def languages(self) -> list[str]:
        """The stored articles' languages, for the inbox filter (re-read every minute)."""
        when, found = self._languages
        if time.monotonic() - when > LANGUAGES_TTL:
            found = store.article_languages(self.db)
            self._languages = (time.monotonic(), found)
        return found

    def refresh_config(self) -> None:
        """Re-read the configuration file (after the console changed it)."""
        self.config = load_config(self.config_path)

    def reload_service(self) -> str:
        """Make the running service re-read its configuration; say what happened."""
        if self._reload_in_process is not None:
            self._reload_in_process()
            return "The service reloaded its configuration."
        row = store.service_row(self.db)
        if row is None or row["stopped"]:
            return "No service is running: the change applies when it starts."
        age = store.utcnow() - store.parse_isotime(row["heartbeat"])
        if age > LIVE_HEARTBEAT:
            return "The service has not reported for a while: restart it to apply the change."
        try:
            os.kill(int(row["pid"]), signal.SIGHUP)
        except (ProcessLookupError, PermissionError) as err:
            return f"Could not signal the service (pid {row['pid']}): {err}; restart it."
        return f"The service (pid {row['pid']}) was told to reload its configuration."

    def close(self) -> None:
        """Release the database connection."""
        if self._db is not None:
            self._db.close()
            self._db = None


def console_of(request: Request) -> Console:
    """The Console of the application serving ``request``."""
    return request.app.state.console


class SecurityHeaders:
    """Pure ASGI middleware: the CSP and friends on every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """Add SECURITY_HEADERS to every HTTP response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode().lower() not in SECURITY_HEADERS
                ]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    config_path: Path | None = None,
    *,
    reload_service: Callable[[], None] | None = None,
    console: Console | None = None,
) -> Starlette:
    """The console's application for the configuration at ``config_path`` (found as
    every command finds it). ``reload_service``: how to reload a service running in
    this process (`run --web`)."""
    from scheduler.web import api, auth, feeds
    from scheduler.web.pages import entity, inbox, search, sources, story, watchlist

    console = console or Console(config_path, reload_service=reload_service)
    routes = [
        *auth.routes,
        *inbox.routes,
        *story.routes,
        *entity.routes,
        *sources.routes,
        *watchlist.routes,
        *search.routes,
        *feeds.routes,
        *api.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers: dict[Any, Callable[..., Any]] = {404: auth.not_found, 403: auth.forbidden}
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secrets.token_urlsafe(32),
                session_cookie="newsradar_session",
                max_age=SESSION_AGE,
                same_site="strict",
                https_only=False,  # loopback http; behind TLS the proxy sets Secure
            ),
            Middleware(auth.RequireLogin),
        ],
        exception_handlers=handlers,
    )
    app.state.console = console
    app.state.limiter = auth.LoginLimiter()
    return app
