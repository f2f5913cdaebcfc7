"""Looking at what newsradar collected: `newsradar search` and `newsradar stats`.

Read-only: the queries are in ``crawler.store`` (search_articles, mentions_per_day)
and the database is found by ``scheduler.runtime.open_database``; this module lays
the rows out for a terminal, as JSON lines, or as a chart (matplotlib, imported
only for ``--plot``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from alerts.safetext import json_line, one_line, strip_controls
from crawler import store

# Where snippet() marks the words that matched: control characters, so they
# cannot collide with the article's own text; replaced before printing.
HIT_START, HIT_END = "\x02", "\x03"
MAX_PLOTTED = 10  # entities drawn on a chart; more would be unreadable
MARKED_DAYS = 62  # up to this many days, each day's value is also drawn as a dot


class ExploreError(Exception):
    """The request makes no sense, or its chart cannot be drawn; says which."""


# --- search ---------------------------------------------------------------------


def search(
    db: sqlite_utils.Database, text: str, *, limit: int = 20, newest: bool = False
) -> list[dict[str, Any]]:
    """Articles matching every word of ``text`` (see store.fts_query), best first or
    newest first; the snippet marks each hit with HIT_START and HIT_END."""
    try:
        return store.search_articles(
            db, text, limit=limit, newest=newest, marks=(HIT_START, HIT_END)
        )
    except ValueError as err:
        raise ExploreError(str(err)) from err


def format_hits(
    hits: list[dict[str, Any]], text: str, highlight: Callable[[str], str] | None = None
) -> str:
    """Search results as a reader sees them: title, source and date, link, snippet.

    ``highlight`` renders a hit (e.g. in bold); by default hits are [bracketed].
    """
    if not hits:
        return f"No article matches {text!r}."
    mark = highlight or (lambda word: f"[{word}]")
    blocks = []
    for hit in hits:
        snippet = " ".join(str(hit["snippet"] or "").split())
        # The article's own controls go; only the hit marks are read, then dropped.
        pieces = snippet.split(HIT_START)
        snippet = strip_controls(pieces[0]) + "".join(
            mark(strip_controls(hit_text)) + strip_controls(rest)
            for hit_text, _, rest in (piece.partition(HIT_END) for piece in pieces[1:])
        )
        day = one_line(hit["date"] or "")[:10] or "undated"
        blocks.append(
            f"{one_line(hit['title'] or '') or '(no title)'}\n"
            f"    {one_line(hit['source'] or '') or 'unknown source'} · {day}\n"
            f"    {one_line(hit['url'])}\n"
            f"    {snippet}"
        )
    count = f"{len(hits)} article{'s' if len(hits) != 1 else ''}"
    return "\n\n".join(blocks) + f"\n\n{count} matching {text!r}."


def hits_as_json(hits: list[dict[str, Any]]) -> str:
    """Search results as JSON lines, the snippet's hits marked with [ and ]."""
    lines = []
    for hit in hits:
        row = dict(hit)
        row["snippet"] = str(row["snippet"] or "").replace(HIT_START, "[").replace(HIT_END, "]")
        lines.append(json_line(json.dumps(row, ensure_ascii=False)))
    return "\n".join(lines)


# --- stats ------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyMentions:
    """Mentions per entity per day: ``counts[entity][day]``, days oldest first."""

    days: list[date]
    entities: list[str]  # most mentioned first
    counts: dict[str, dict[date, int]]

    def total(self, entity: str) -> int:
        """All of an entity's mentions in the window."""
        return sum(self.counts[entity].values())

    @property
    def active_days(self) -> list[date]:
        """The days with at least one mention."""
        return [d for d in self.days if any(d in self.counts[e] for e in self.entities)]


def daily_mentions(
    db: sqlite_utils.Database,
    since: timedelta,
    entity_ids: tuple[str, ...] = (),
    now: datetime | None = None,
) -> DailyMentions:
    """Mentions per entity for each day (UTC) of the last ``since``, zero days included."""
    now = now or store.utcnow()
    start = now - since
    counts: dict[str, dict[date, int]] = {}
    for row in store.mentions_per_day(db, start, entity_ids):
        day = date.fromisoformat(row["day"])
        counts.setdefault(row["entity_id"], {})[day] = row["mentions"]
    first = start.date()
    days = [first + timedelta(days=n) for n in range((now.date() - first).days + 1)]
    entities = sorted(counts, key=lambda entity: (-sum(counts[entity].values()), entity))
    return DailyMentions(days, entities, counts)


def format_table(stats: DailyMentions) -> str:
    """A table of mentions per entity and day, with totals; days without any mention
    are left out. The longer dimension runs down the page: days as rows when there
    are more days than entities, else entities as rows (days as MM-DD columns)."""
    if not stats.entities:
        return f"No mentions since {stats.days[0].isoformat()}."
    days = stats.active_days
    totals = [stats.total(e) for e in stats.entities]
    if len(days) > len(stats.entities):
        header = ["day", *stats.entities, "total"]
        rows: list[list[Any]] = [
            [
                day.isoformat(),
                *(stats.counts[e].get(day, 0) for e in stats.entities),
                sum(stats.counts[e].get(day, 0) for e in stats.entities),
            ]
            for day in days
        ]
        rows.append(["total", *totals, sum(totals)])
    else:
        header = ["entity", *(day.strftime("%m-%d") for day in days), "total"]
        rows = [
            [e, *(stats.counts[e].get(day, 0) for day in days), total]
            for e, total in zip(stats.entities, totals, strict=True)
        ]
        per_day = [sum(stats.counts[e].get(d, 0) for e in stats.entities) for d in days]
        rows.append(["total", *per_day, sum(totals)])
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[Any]) -> str:
        texts = [str(cell) if cell != 0 else "-" for cell in cells]
        first = texts[0].ljust(widths[0])
        rest = (text.rjust(width) for text, width in zip(texts[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    body = [line(header), rule, *(line(row) for row in rows[:-1]), rule, line(rows[-1])]
    title = (
        f"Mentions per entity per day since {stats.days[0].isoformat()} "
        "(UTC, by the day newsradar first saw the article):"
    )
    return "\n".join([title, "", *body])


def stats_as_json(stats: DailyMentions) -> str:
    """JSON lines: one per entity and day with mentions."""
    return "\n".join(
        json.dumps({"day": day.isoformat(), "entity": entity, "mentions": count})
        for day in stats.days
        for entity in stats.entities
        if (count := stats.counts[entity].get(day, 0))
    )


def plot(stats: DailyMentions, path: Path) -> tuple[date, date]:
    """Draw mentions per day, one line per entity (the MAX_PLOTTED most mentioned),
    to the image file ``path`` (PNG, SVG or PDF, by its extension). The axis spans the
    whole window, days without mentions drawn as zero, so a single day of data is a
    spike on its own date, not a lone dot on an axis matplotlib stretched over years.
    Returns the first and last day the axis spans."""
    try:
        import matplotlib
    except ImportError as err:
        raise ExploreError(
            "--plot needs matplotlib, which is not installed: "
            "pip install 'newsradar[plot]' (or pip install matplotlib)"
        ) from err
    matplotlib.use("Agg")  # files only: no display needed, none opened
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    if not stats.entities:
        raise ExploreError(f"no mentions since {stats.days[0].isoformat()}: nothing to plot")
    days = stats.days
    # A window of one day still gets an axis a day wide on each side, not years.
    first, last = (
        (days[0], days[-1])
        if len(days) > 1
        else (
            days[0] - timedelta(days=1),
            days[0] + timedelta(days=1),
        )
    )
    marker = "o" if len(days) <= MARKED_DAYS else None  # dots only where they can be told apart
    figure, axes = plt.subplots(figsize=(10, 5), dpi=110)
    try:
        for entity in stats.entities[:MAX_PLOTTED]:
            values = [stats.counts[entity].get(day, 0) for day in days]
            # matplotlib plots dates through its unit converters; its stubs allow only numbers.
            axes.plot(days, values, marker=marker, markersize=4, label=entity)  # type: ignore[arg-type]
        axes.set_title(f"Mentions per entity per day since {days[0].isoformat()} (UTC)")
        axes.set_ylabel("mentions")
        axes.set_ylim(bottom=0)
        axes.set_xlim(mdates.date2num(first), mdates.date2num(last))
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=12))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize="small")
        figure.autofmt_xdate()
        figure.tight_layout()
        try:
            figure.savefig(path)
        except (OSError, ValueError) as err:
            raise ExploreError(f"cannot write {path}: {err}") from err
    finally:
        plt.close(figure)
    return first, last
