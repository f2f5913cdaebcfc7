"""JSON for machines: ``/api/stories``, the inbox with the same filters, paginated."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduler.web.app import console_of
from scheduler.web.filters import fetch, parse_query


async def stories(request: Request) -> Response:
    """``{"stories": [...], "page": n, "per_page": n, "next": "?…" or null}``; a
    filter that cannot be read answers 400 naming it."""
    console = console_of(request)
    query = parse_query(request.query_params, console.config)
    if query.problem:
        return JSONResponse({"error": query.problem}, status_code=400)
    rows, more = fetch(console.db, query)
    return JSONResponse(
        {
            "stories": rows,
            "page": query.page,
            "per_page": query.per_page,
            "next": f"/api/stories?{query.link(page=query.page + 1)}" if more else None,
        }
    )


routes = [Route("/api/stories", stories)]
