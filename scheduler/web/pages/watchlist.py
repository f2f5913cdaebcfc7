"""The watchlist: every entity and where it is defined, the warnings `newsradar check`
gives, a new entity checked as it is typed, and "would this match?" on pasted text."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from alerts.explain import explain as explain_text
from scheduler.checks import config_warnings
from scheduler.runtime import compile_watchlist, targets_of
from scheduler.web import csrf
from scheduler.web.app import Console, console_of
from scheduler.web.edits import Edit, EditError, append_table, edit_config
from scheduler.web.render import highlighted, page, tell

LIST_FIELDS = ("aliases", "exclude", "tags")
MAX_TEXT = 200_000  # characters of pasted text the matcher is run on


def _entity_from(form: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": str(form.get("id") or "").strip(),
        "name": str(form.get("name") or "").strip(),
        "kind": str(form.get("kind") or "other").strip(),
    }
    for key in LIST_FIELDS:
        items = [item.strip() for item in str(form.get(key) or "").split(";") if item.strip()]
        if items:
            entity[key] = items
    return entity


def _check(console: Console, entity: dict[str, Any]) -> tuple[Edit | None, list[str], list[str]]:
    """The edit adding ``entity`` to the config file, or the errors that refuse it, and
    the warnings `newsradar check` would give that the current configuration has not."""
    try:
        add = append_table("entity", entity)
        edit = edit_config(console.config, add, f"add entity {entity['id']!r}")
    except EditError as err:
        return None, [line.strip() for line in str(err).splitlines() if line.strip()], []
    assert edit.config is not None  # a TOML edit
    before = set(config_warnings(console.config, targets_of(console.config)))
    after = config_warnings(edit.config, targets_of(edit.config))
    return edit, [], [warning for warning in after if warning not in before]


async def watchlist(request: Request, **extra: Any) -> Response:
    """The watchlist page."""
    console = console_of(request)
    in_config = {entry.id for entry in console.config.entity}
    return page(
        request,
        "watchlist.html",
        entities=console.config.entities(),
        in_config=in_config,
        watchlist_file=", ".join(console.config.watchlist_files),
        warnings=config_warnings(console.config, targets_of(console.config)),
        **extra,
    )


async def check(request: Request) -> Response:
    """JSON for the page's script: the errors and new warnings of the typed entity."""
    csrf.check_header(request)
    entity = _entity_from(await request.form())
    _, errors, warnings = _check(console_of(request), entity)
    return JSONResponse({"errors": errors, "warnings": warnings})


async def add(request: Request) -> Response:
    """Check the typed entity (button "check") or add it to the config file."""
    form = await csrf.checked_form(request, writes=form_writes(await request.form()))
    console = console_of(request)
    entity = _entity_from(form)
    edit, errors, warnings = _check(console, entity)
    if form.get("action") == "check" or edit is None:
        return await watchlist(
            request, draft=entity, errors=errors, new_warnings=warnings, checked=True
        )
    try:
        edit.apply()
    except EditError as err:
        return await watchlist(request, draft=entity, errors=[str(err)], checked=True)
    console.refresh_config()
    tell(request, f"Added {entity['id']} to {edit.path.name}. {console.reload_service()}")
    return RedirectResponse("/watchlist", status_code=303)


def form_writes(form: Any) -> bool:
    """Whether a watchlist form changes the config (a check only reads)."""
    return form.get("action") != "check"


async def explain(request: Request) -> Response:
    """Would this match? The matcher's mentions in pasted text, with alias and rule."""
    form = await csrf.checked_form(request, writes=False)
    console = console_of(request)
    text = str(form.get("text") or "")[:MAX_TEXT]
    explanation = explain_text(text, compile_watchlist(console.config))
    mentions = explanation.mentions
    rejected = [
        {
            "entity_id": r.entity_id,
            "alias": r.alias,
            "matched": text[r.start : r.end],
            "reason": r.reason,
        }
        for r in explanation.rejected
    ]
    found = [
        {
            "entity_id": m.entity_id,
            "alias": m.alias,
            "rule": m.rule,
            "matched": text[m.start : m.end],
            "pieces": highlighted(m.snippet, text[m.start : m.end]),
        }
        for m in mentions
    ]
    return await watchlist(request, sample=text, found=found, rejected=rejected, explained=True)


routes = [
    Route("/watchlist", watchlist),
    Route("/watchlist/check", check, methods=["POST"]),
    Route("/watchlist/add", add, methods=["POST"]),
    Route("/watchlist/explain", explain, methods=["POST"]),
]
