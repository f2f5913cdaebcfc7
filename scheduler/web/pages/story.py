"""One story in full, and correcting a match: mark a mention wrong, see the watchlist
changes that would have prevented it as diffs, apply one, reload, rematch."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.pending import article_text
from crawler import store
from scheduler.config import DurationError, parse_duration
from scheduler.web import csrf
from scheduler.web.app import Console, console_of
from scheduler.web.corrections import Proposal, plan, propose, still_found
from scheduler.web.edits import EditError
from scheduler.web.render import highlighted, page, safe_path, tell

EXPORT_COLUMNS = (
    "id", "marked", "entity_id", "alias", "rule", "matched_text", "snippet",
    "change", "applied", "article_id", "title", "url",
)  # fmt: skip


def _segments(text: str, mentions: list[dict[str, Any]]) -> list[tuple[str, dict | None]]:
    """``text`` cut at its mentions: (piece, the mention it is, or None), in order."""
    pieces: list[tuple[str, dict | None]] = []
    at = 0
    for mention in sorted(mentions, key=lambda m: m["start_offset"]):
        start, end = mention["start_offset"], mention["end_offset"]
        if start < at or end > len(text):
            continue  # overlapping (two entities, one alias) or stale: shown once
        pieces += [(text[at:start], None), (text[start:end], mention)]
        at = end
    pieces.append((text[at:], None))
    return [piece for piece in pieces if piece[0]]


def _story_or_404(console: Console, article_id: int) -> dict[str, Any]:
    try:
        return store.story(console.db, article_id)
    except store.NoSuchRow as err:
        raise HTTPException(404, str(err)) from err


async def show(request: Request) -> Response:
    """The story page: its text with every mention highlighted, and its copies."""
    console = console_of(request)
    row = _story_or_404(console, request.path_params["article_id"])
    text = article_text(row["title"], row["text"])
    for mention in row["mentions"]:
        mention["pieces"] = highlighted(mention["snippet"], mention["matched_text"])
    return page(
        request,
        "story.html",
        story=row,
        segments=_segments(text, row["mentions"]),
    )


async def mark_wrong(request: Request) -> Response:
    """Record a mention as wrong; go on to the changes that would prevent it."""
    form = await csrf.checked_form(request)
    console = console_of(request)
    try:
        mention = store.mention_at(
            console.db,
            request.path_params["article_id"],
            str(form.get("entity") or ""),
            int(str(form.get("start") or "-1")),
        )
    except (store.NoSuchRow, ValueError) as err:
        raise HTTPException(404, "That mention is no longer stored (rematched?).") from err
    mark_id = store.mark_wrong(console.db, mention, None)
    return RedirectResponse(f"/marks/{mark_id}", status_code=303)


def _mark(console: Console, mark_id: int) -> dict[str, Any]:
    """A mark with its article's text (``article_text``), as propose() reads a mention."""
    try:
        mark = store.mention_mark(console.db, mark_id)
    except store.NoSuchRow as err:
        raise HTTPException(404, str(err)) from err
    row = _story_or_404(console, mark["article_id"])
    mark["article_text"] = article_text(row["title"], row["text"])
    mark["pieces"] = highlighted(mark["snippet"], mark["matched_text"])
    return mark


def _proposal(request_values: Any, mark: dict[str, Any]) -> Proposal:
    key = str(request_values.get("key") or "exclude")
    if key == "exclude":
        phrase = " ".join(str(request_values.get("phrase") or "").split())
        if mark["matched_text"].casefold() not in phrase.casefold():
            raise EditError(f"the phrase must contain the mention {mark['matched_text']!r}")
        return Proposal(mark["entity_id"], "exclude", phrase)
    if key == "context":
        words = [w for w in str(request_values.get("words") or "").replace(",", " ").split() if w]
        if not words:
            raise EditError("give at least one context word")
        return Proposal(mark["entity_id"], "context", words)
    if key == "variants":
        return Proposal(mark["entity_id"], "variants", False)
    raise EditError(f"no such change: {key!r}")


async def correct(request: Request) -> Response:
    """The proposals for a mark, each as a diff with whether it prevents the mention;
    ``?phrase=`` edits the exclude phrase."""
    console = console_of(request)
    mark = _mark(console, request.path_params["mark_id"])
    plans, problems = [], []
    for proposal in propose(console.config, mark):
        if proposal.key == "exclude" and request.query_params.get("phrase"):
            try:
                proposal = _proposal(request.query_params, mark)
            except EditError as err:
                problems.append(str(err))
        try:
            edit = plan(console.config, proposal)
        except EditError as err:
            problems.append(f"{proposal.words}: {err}")
            continue
        plans.append({"proposal": proposal, "edit": edit, "prevents": not still_found(edit, mark)})
    return page(request, "correct.html", mark=mark, plans=plans, problems=problems)


async def apply(request: Request) -> Response:
    """Write the confirmed change, reload the service, offer a rematch."""
    form = await csrf.checked_form(request)
    console = console_of(request)
    mark = _mark(console, request.path_params["mark_id"])
    if form.get("confirm") != "yes":
        raise HTTPException(403, "The change was not confirmed.")
    try:
        edit = plan(console.config, _proposal(form, mark))
        edit.apply()
    except EditError as err:
        tell(request, f"Not applied: {err}")
        return RedirectResponse(f"/marks/{mark['id']}", status_code=303)
    store.mark_applied(console.db, mark["id"], edit.words)
    console.refresh_config()
    tell(request, f"Applied to {edit.path.name}: {edit.words}. {console.reload_service()}")
    return RedirectResponse(f"/marks/{mark['id']}", status_code=303)


async def rematch(request: Request) -> Response:
    """Run the matcher again over recent articles for one entity (no alerts)."""
    form = await csrf.checked_form(request)
    console = console_of(request)
    entity_id = str(form.get("entity") or "")
    try:
        window = parse_duration(str(form.get("since") or "7d"))
    except DurationError as err:
        raise HTTPException(403, str(err)) from err
    report = await asyncio.to_thread(_rematch, console, entity_id, window)
    tell(
        request,
        f"Rematched {report.articles} articles for {entity_id}: "
        f"{report.matched} with mentions, {report.mentions} mentions.",
    )
    return RedirectResponse(safe_path(form.get("back")), status_code=303)


def _rematch(console: Console, entity_id: str, window: Any) -> Any:
    """Rematch in a worker thread, on a connection of its own."""
    from alerts.pending import rematch as rematch_articles
    from scheduler.runtime import compile_watchlist, targets_of

    watchlist = compile_watchlist(console.config)
    if entity_id not in watchlist.entities:
        raise HTTPException(404, f"no entity {entity_id!r} in the watchlist")
    db = store.open_db(console.config.database_path)
    try:
        return rematch_articles(
            db,
            watchlist,
            targets_of(console.config),
            since=store.utcnow() - window,
            entity=entity_id,
            alert=False,
        )
    finally:
        db.close()


async def marks(request: Request) -> Response:
    """Every mention marked wrong, counted per entity."""
    db = console_of(request).db
    return page(request, "marks.html", marks=store.mention_marks(db), counts=store.mark_counts(db))


async def export(request: Request) -> Response:
    """The marks as CSV or JSON, for a download."""
    if request.path_params["format"] not in ("csv", "json"):
        raise HTTPException(404, "marks export as marks.csv or marks.json")
    marked = store.mention_marks(console_of(request).db)
    rows = [{k: m.get(k) for k in EXPORT_COLUMNS} for m in marked]
    if request.path_params["format"] == "json":
        body, kind = json.dumps(rows, ensure_ascii=False, indent=1), "application/json"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        body, kind = out.getvalue(), "text/csv; charset=utf-8"
    name = f"newsradar-marks.{request.path_params['format']}"
    return Response(
        body, media_type=kind, headers={"content-disposition": f'attachment; filename="{name}"'}
    )


routes = [
    Route("/stories/{article_id:int}", show),
    Route("/stories/{article_id:int}/wrong", mark_wrong, methods=["POST"]),
    Route("/marks", marks),
    Route("/marks.{format:str}", export),
    Route("/marks/{mark_id:int}", correct),
    Route("/marks/{mark_id:int}/apply", apply, methods=["POST"]),
    Route("/rematch", rematch, methods=["POST"]),
]
