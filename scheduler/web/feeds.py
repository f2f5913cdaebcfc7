"""The Atom feed of matches, ``/feeds/matches.atom`` (``?entity=ID``, ``?tag=T``), that
feed readers subscribe to: the latest matched stories, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawler import store
from scheduler.web.app import console_of
from scheduler.web.filters import fetch, parse_query
from scheduler.web.render import TEMPLATES

ENTRIES = 50


async def matches(request: Request) -> Response:
    """The feed (Atom 1.0, every value escaped by the template)."""
    console = console_of(request)
    query = parse_query(request.query_params, console.config)
    query = type(query)(query.where, 1, ENTRIES, query.values)
    rows, _ = fetch(console.db, query)
    names = {e.id: e.name for e in console.config.entities()}
    body = TEMPLATES.get_template("matches.atom").render(
        stories=rows,
        names=names,
        base=str(request.base_url).rstrip("/"),
        self_url=str(request.url.remove_query_params("token")),
        updated=rows[0]["first_seen"] if rows else store.isotime(),
        filters=query.values,
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


routes = [Route("/feeds/matches.atom", matches)]
