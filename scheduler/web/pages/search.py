"""Search: the same full-text search as `newsradar search`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scheduler import explore
from scheduler.web.app import console_of
from scheduler.web.render import hit_pieces, page

LIMIT = 50


async def search(request: Request) -> Response:
    """The search page; ``?q=`` the words, ``?newest=1`` newest first."""
    words = request.query_params.get("q", "").strip()
    newest = request.query_params.get("newest") == "1"
    hits, problem = [], None
    if words:
        try:
            hits = explore.search(console_of(request).db, words, limit=LIMIT, newest=newest)
        except explore.ExploreError as err:
            problem = str(err)
    for hit in hits:
        hit["pieces"] = hit_pieces(
            " ".join(str(hit["snippet"] or "").split()), explore.HIT_START, explore.HIT_END
        )
    return page(request, "search.html", q=words, newest=newest, hits=hits, problem=problem)


routes = [Route("/search", search)]
