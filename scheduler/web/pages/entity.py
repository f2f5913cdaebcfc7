"""An entity's page: mentions per day over the whole window (zero days drawn), its
latest stories, and the aliases and rules its mentions were found by."""

from __future__ import annotations

from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawler import store
from scheduler import explore
from scheduler.config import DurationError, parse_duration
from scheduler.web.app import console_of
from scheduler.web.render import day_bars, page, with_pieces

DEFAULT_WINDOW = "30d"
MAX_WINDOW = timedelta(days=730)


async def show(request: Request) -> Response:
    """The entity page; ``?since=`` sets the chart's window (default 30 days)."""
    console = console_of(request)
    entity_id = request.path_params["entity_id"]
    entity = next((e for e in console.config.entities() if e.id == entity_id), None)
    if entity is None:
        raise HTTPException(404, f"no entity {entity_id!r} in the watchlist")
    since_text = request.query_params.get("since") or DEFAULT_WINDOW
    problem = None
    try:
        window = min(parse_duration(since_text), MAX_WINDOW)
    except DurationError as err:
        problem, since_text, window = str(err), DEFAULT_WINDOW, parse_duration(DEFAULT_WINDOW)
    daily = explore.daily_mentions(console.db, window, (entity_id,))
    counts = daily.counts.get(entity_id, {})
    latest = store.inbox(console.db, store.InboxFilter(entity_ids=(entity_id,)), limit=10)
    return page(
        request,
        "entity.html",
        entity=entity,
        chart=day_bars(daily.days, counts),
        total=sum(counts.values()),
        since=since_text,
        problem=problem,
        latest=with_pieces(latest),
        forms=store.entity_forms(console.db, entity_id),
    )


routes = [Route("/entities/{entity_id:str}", show)]
