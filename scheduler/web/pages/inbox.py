"""The inbox: matched stories, newest first, filtered; mark a story reviewed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawler import store
from scheduler.web import csrf
from scheduler.web.app import console_of
from scheduler.web.filters import fetch, parse_query
from scheduler.web.render import page, safe_path, tell, with_pieces


async def inbox(request: Request) -> Response:
    """The inbox page."""
    console = console_of(request)
    query = parse_query(request.query_params, console.config)
    stories, more = fetch(console.db, query)
    return page(
        request,
        "inbox.html",
        stories=with_pieces(stories),
        more=more,
        query=query,
        entities=console.config.entities(),
        tags=sorted({tag for e in console.config.entities() for tag in e.tags}),
        sources=store.source_health(console.db),
        languages=console.languages(),
    )


async def review(request: Request) -> Response:
    """Mark a story reviewed, or not reviewed any more; back to where the form was."""
    form = await csrf.checked_form(request)
    article_id = int(request.path_params["article_id"])
    reviewed = form.get("reviewed") != "no"
    store.set_reviewed(console_of(request).db, article_id, reviewed)
    tell(request, "Marked reviewed." if reviewed else "Marked not reviewed.")
    return RedirectResponse(safe_path(form.get("back")), status_code=303)


routes = [
    Route("/", inbox),
    Route("/stories/{article_id:int}/review", review, methods=["POST"]),
]
