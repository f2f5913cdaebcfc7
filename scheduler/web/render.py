"""Templates and what they draw: Jinja2 with autoescape on (every article byte is
hostile), snippets with the mention highlighted, the inline SVG chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from scheduler.web import csrf

# autoescape=True for every template, the Atom one included (select_autoescape would
# leave a .atom file unescaped).
TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True
    )
)
TEMPLATES.env.globals["csrf_token"] = csrf.token


def http_url(url: object) -> str:
    """An article's URL for a link: only http(s), never "javascript:" or "data:"."""
    text = str(url or "")
    return text if urlsplit(text).scheme.lower() in ("http", "https") else "#"


TEMPLATES.env.filters["http_url"] = http_url


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render the template ``name`` with ``context`` and what every page shows."""
    console = request.app.state.console
    context.setdefault("notice", request.session.pop("notice", None))
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "read_only": console.web.read_only,
            "logged_in": bool(request.session.get("user")),
            "login_enabled": bool(console.web.password_hash),
            **context,
        },
        status_code=status_code,
    )


def tell(request: Request, notice: str) -> None:
    """Show ``notice`` on the next page this session sees."""
    request.session["notice"] = notice


def safe_path(target: object) -> str:
    """``target`` if it is a path of this site, else "/": never "//elsewhere" or
    "https://...", so a form cannot send anyone off the console."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return "/"


def highlighted(snippet: str, matched: str | None) -> tuple[str, str, str]:
    """``snippet`` split around the first occurrence of ``matched`` (any case):
    (before, hit, after); no hit when it is not there. The template escapes each."""
    if matched:
        at = snippet.casefold().find(matched.casefold())
        if at >= 0 and len(snippet.casefold()) == len(snippet):
            return snippet[:at], snippet[at : at + len(matched)], snippet[at + len(matched) :]
    return snippet, "", ""


def with_pieces(stories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inbox rows for display: each entity's mentions in one sentence shown once, the
    snippet split for highlighting (``pieces``)."""
    for story in stories:
        shown: dict[tuple[str, str], dict[str, Any]] = {}
        for mention in story["mentions"]:
            key = (mention["entity_id"], mention["snippet"])
            if key not in shown:
                mention["pieces"] = highlighted(mention["snippet"], mention["matched_text"])
                shown[key] = mention
        story["mentions"] = list(shown.values())
    return stories


def hit_pieces(snippet: str, start: str, end: str) -> list[tuple[str, bool]]:
    """A search snippet whose hits sit between ``start`` and ``end`` marks, as pieces
    (text, is a hit), for the template to escape and mark up."""
    pieces: list[tuple[str, bool]] = []
    for number, part in enumerate(snippet.split(start)):
        if number == 0:
            pieces.append((part, False))
            continue
        hit, _, rest = part.partition(end)
        pieces += [(hit, True), (rest, False)]
    return [piece for piece in pieces if piece[0]]


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 720, 160, 28


def day_bars(days: list[date], counts: dict[date, int]) -> dict[str, Any]:
    """Bar geometry for mentions per day over every day of the window (zero days are
    drawn, as a baseline tick): a list of bars (x, y, width, height, day, count), the
    largest count and the axis labels. Numbers only: the template writes the SVG."""
    top = max(counts.values(), default=0) or 1
    plot_w = CHART_WIDTH - 2 * CHART_PAD
    plot_h = CHART_HEIGHT - 2 * CHART_PAD
    slot = plot_w / max(len(days), 1)
    bars = []
    for number, day in enumerate(days):
        count = counts.get(day, 0)
        height = max(plot_h * count / top, 1.0)  # a zero day is a 1-pixel tick
        bars.append(
            {
                "x": round(CHART_PAD + number * slot + slot * 0.1, 2),
                "y": round(CHART_PAD + plot_h - height, 2),
                "width": round(max(slot * 0.8, 1.0), 2),
                "height": round(height, 2),
                "day": day.isoformat(),
                "count": count,
            }
        )
    return {
        "bars": bars,
        "top": max(counts.values(), default=0),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "baseline": CHART_PAD + plot_h,
        "first": days[0].isoformat() if days else "",
        "last": days[-1].isoformat() if days else "",
    }
