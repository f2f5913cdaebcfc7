"""Sources: each one's health, add one by URL (after a discovery preview), pause and
resume polling."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawler import store
from scheduler.config import SourceConfig
from scheduler.sources import source_health
from scheduler.web import csrf
from scheduler.web.app import Console, console_of
from scheduler.web.edits import EditError, append_table, edit_config
from scheduler.web.render import page, tell

DISCOVERY_TIMEOUT = 90.0


def _health(console: Console) -> list[dict]:
    rows = {row["url"]: row for row in store.source_health(console.db)}
    health = source_health(console.config)
    for entry in health:
        row = rows.get(entry["url"]) or {}
        entry["paused"] = row.get("paused")
        entry["next_poll"] = row.get("next_poll") or entry["next_poll"]
        entry["last_polled"] = row.get("last_polled")
    return health


async def sources(request: Request, **extra: Any) -> Response:
    """The sources page (and, from ``discover``, its preview)."""
    return page(request, "sources.html", sources=_health(console_of(request)), **extra)


async def discover(request: Request) -> Response:
    """What `auto` finds behind a URL, nothing stored: the preview before adding it."""
    form = await csrf.checked_form(request)
    url = str(form.get("url") or "").strip()
    try:
        SourceConfig(name="preview", url=url)
    except ValueError as err:
        return await sources(request, url=url, error=str(err).splitlines()[-1].strip())
    candidates, error = await _discover(console_of(request), url)
    return await sources(request, url=url, candidates=candidates, error=error)


async def _discover(console: Console, url: str) -> tuple[list[tuple[str, str]], str | None]:
    """`newsradar sources discover` in a child process: Scrapy's reactor stays out of
    the console's event loop, and a hostile site cannot hang the console."""
    args = [sys.executable, "-m", "scheduler", "sources", "discover", url]
    if console.config.path is not None:
        args += ["-c", str(console.config.path)]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), DISCOVERY_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return [], f"no answer within {DISCOVERY_TIMEOUT:g} s"
    found = []
    for line in out.decode(errors="replace").split("\n\n", 1)[0].splitlines():
        kind, _, where = line.partition("\t")
        if where:
            found.append((kind, where))
    problem = err.decode(errors="replace").strip().splitlines()
    return found, (problem[-1].removeprefix("Error: ") if problem and not found else None)


async def add(request: Request) -> Response:
    """Add a ``[[source]]`` to the config file, then reload the service."""
    form = await csrf.checked_form(request)
    console = console_of(request)
    source = {
        "name": str(form.get("name") or "").strip(),
        "url": str(form.get("url") or "").strip(),
        "kind": str(form.get("kind") or "auto"),
    }

    try:
        add = append_table("source", source)
        edit = edit_config(console.config, add, f"add source {source['name']!r}")
        edit.apply()
    except EditError as err:
        return await sources(request, url=source["url"], error=str(err))
    console.refresh_config()
    store.upsert_source(console.db, **source)
    tell(request, f"Added {source['name']} to {edit.path.name}. {console.reload_service()}")
    return RedirectResponse("/sources", status_code=303)


async def pause(request: Request) -> Response:
    """Pause or resume polling a source (the service skips paused sources)."""
    form = await csrf.checked_form(request)
    console = console_of(request)
    url = str(form.get("url") or "")
    paused = form.get("paused") == "yes"
    store.set_paused(console.db, url, paused)
    tell(request, f"{'Paused' if paused else 'Resumed'} {url}.")
    return RedirectResponse("/sources", status_code=303)


routes = [
    Route("/sources", sources),
    Route("/sources/discover", discover, methods=["POST"]),
    Route("/sources/add", add, methods=["POST"]),
    Route("/sources/pause", pause, methods=["POST"]),
]
