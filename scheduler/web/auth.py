"""Who may see the console: a password login (argon2 hash in ``[web] password_hash``)
with rate-limited attempts, and a token for the API and the Atom feed.

Without either configured the console is open, and only ever served on loopback
(``app.check_bind``). With a password hash, every page needs a login, on any address.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from scheduler.web import csrf
from scheduler.web.render import page, safe_path

OPEN_PATHS = ("/login", "/static/")
MACHINE_PATHS = ("/api/", "/feeds/")
MAX_FAILURES = 5  # failed logins per client ...
FAILURE_WINDOW = 300.0  # ... in this many seconds, then refused until the oldest expires

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, for ``[web] password_hash``."""
    return _hasher.hash(password)


def password_ok(password: str, hashed: str) -> bool:
    """Whether ``password`` matches the argon2 ``hashed``."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


class LoginLimiter:
    """At most MAX_FAILURES failed logins per client address in FAILURE_WINDOW seconds."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and time.monotonic() - failures[0] > FAILURE_WINDOW:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        """Whether ``client`` has used up its attempts."""
        return len(self._recent(client)) >= MAX_FAILURES

    def failed(self, client: str) -> None:
        """Count a failed attempt."""
        self._recent(client).append(time.monotonic())


def _token_ok(request: Request, expected: str | None) -> bool:
    if not expected:
        return False
    given = request.query_params.get("token") or ""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        given = header[7:].strip()
    return bool(given) and secrets.compare_digest(given.encode(), expected.encode())


class RequireLogin:
    """Pure ASGI middleware (inside the session middleware): with authentication
    configured, a request needs a logged-in session or, for the API and feeds, the token."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """Pass the request on, or answer 401 / redirect to the login page."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        web = scope["app"].state.console.web
        path = scope["path"]
        if (
            not (web.password_hash or web.token)
            or path.startswith(OPEN_PATHS)
            or request.session.get("user")
            or (path.startswith(MACHINE_PATHS) and _token_ok(request, web.token))
        ):
            await self.app(scope, receive, send)
            return
        response: Response
        if path.startswith(MACHINE_PATHS) or not web.password_hash:
            response = PlainTextResponse("authentication required", status_code=401)
        else:
            target = path + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
            response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        await response(scope, receive, send)


async def login(request: Request) -> Response:
    """GET: the login form; POST: check the password (rate-limited per client)."""
    console = request.app.state.console
    form = await csrf.checked_form(request, writes=False) if request.method == "POST" else None
    if not console.web.password_hash:
        return RedirectResponse("/", status_code=303)
    if form is None:
        return page(request, "login.html", next=safe_path(request.query_params.get("next")))
    limiter: LoginLimiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    target = safe_path(str(form.get("next") or ""))
    if limiter.blocked(client):
        return page(
            request,
            "login.html",
            status_code=429,
            next=target,
            error="Too many failed attempts: wait a few minutes and try again.",
        )
    if not password_ok(str(form.get("password") or ""), console.web.password_hash):
        limiter.failed(client)
        return page(request, "login.html", status_code=401, next=target, error="Wrong password.")
    request.session.clear()  # a new session on login: no fixation
    request.session["user"] = "admin"
    csrf.token(request)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    """Forget the session."""
    await csrf.checked_form(request, writes=False)
    request.session.clear()
    return RedirectResponse("/login" if request.app.state.console.web.password_hash else "/", 303)


async def not_found(request: Request, exc: Exception) -> Response:
    """The 404 page."""
    detail = getattr(exc, "detail", None) or "Not found."
    return page(request, "error.html", status_code=404, title="Not found", message=detail)


async def forbidden(request: Request, exc: HTTPException) -> Response:
    """The 403 page (a missing CSRF token, read-only mode)."""
    return page(request, "error.html", status_code=403, title="Refused", message=exc.detail)


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
]
