"""The inbox's filters, read from a query string the same way by the inbox page, the
JSON API and the Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from crawler import store
from scheduler.config import Config, DurationError, parse_duration

PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Query:
    """A parsed inbox query: the store's filter, the page, and what to show back."""

    where: store.InboxFilter
    page: int
    per_page: int
    values: dict[str, str]  # the filters as given, to fill the form and the page links
    problem: str | None = None  # a filter that could not be read (then ignored)

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.per_page

    def link(self, **changes: Any) -> str:
        """This query's URL parameters with ``changes`` (None drops a parameter)."""
        values = {**self.values, **{k: v for k, v in changes.items()}}
        pairs = {k: str(v) for k, v in values.items() if v not in (None, "")}
        return str(QueryParams(pairs))


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


def parse_query(params: QueryParams, config: Config) -> Query:
    """The filters of ``params``: entity (id), tag, source (id), language, since (a
    duration such as 24h or 7d), reviewed (yes/no), page and per_page."""
    values = {
        key: params.get(key, "").strip()
        for key in ("entity", "tag", "source", "language", "since", "reviewed")
    }
    problem = None
    entity_ids: tuple[str, ...] = ()
    if values["entity"]:
        entity_ids = (values["entity"],)
    if values["tag"]:
        tagged = tuple(e.id for e in config.entities() if values["tag"] in e.tags)
        entity_ids = tuple(e for e in entity_ids if e in tagged) if entity_ids else tagged
        if not entity_ids:
            entity_ids = ("",)  # no entity has the tag: nothing matches
    since = None
    if values["since"]:
        try:
            since = store.utcnow() - parse_duration(values["since"])
        except DurationError as err:
            problem = f"since: {err}"
    source_id = None
    if values["source"]:
        try:
            source_id = int(values["source"])
        except ValueError:
            problem = "source: not a source id"
    reviewed = {"yes": True, "no": False}.get(values["reviewed"])
    if params.get("per_page"):
        values["per_page"] = params["per_page"]
    return Query(
        where=store.InboxFilter(
            entity_ids=entity_ids,
            source_id=source_id,
            language=values["language"] or None,
            since=since,
            reviewed=reviewed,
        ),
        page=_int(params.get("page"), 1, 1, 10_000),
        per_page=_int(params.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE),
        values=values,
        problem=problem,
    )


def fetch(db: Any, query: Query) -> tuple[list[dict[str, Any]], bool]:
    """The page of stories ``query`` asks for, and whether there is a next page."""
    rows = store.inbox(db, query.where, limit=query.per_page + 1, offset=query.offset)
    return rows[: query.per_page], len(rows) > query.per_page
