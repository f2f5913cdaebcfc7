"""The CSRF token every form carries: one random token per session, compared in
constant time; a POST without it, or with another, is refused with 403."""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

FIELD = "csrf"
HEADER = "x-csrf-token"


def token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    if FIELD not in request.session:
        request.session[FIELD] = secrets.token_urlsafe(32)
    return request.session[FIELD]


def _matches(request: Request, given: object) -> bool:
    expected = request.session.get(FIELD)
    return (
        isinstance(given, str)
        and isinstance(expected, str)
        and secrets.compare_digest(given.encode(), expected.encode())
    )


async def checked_form(request: Request, *, writes: bool = True) -> FormData:
    """The posted form once its CSRF token is checked (HTTPException 403 otherwise).
    ``writes``: the form changes something, refused in read-only mode."""
    form = await request.form()
    if not _matches(request, form.get(FIELD)):
        raise HTTPException(403, "This form has expired or did not come from the console.")
    if writes:
        refuse_if_read_only(request)
    return form


def check_header(request: Request) -> None:
    """For JSON posts from the console's own script: the token in the X-CSRF-Token header."""
    if not _matches(request, request.headers.get(HEADER)):
        raise HTTPException(403, "CSRF token missing or wrong.")


def refuse_if_read_only(request: Request) -> None:
    """HTTPException 403 in read-only mode."""
    if request.app.state.console.web.read_only:
        raise HTTPException(403, "This console is read-only ([web] read_only = true).")
