"""The configured sources beyond polling them: their health, what `auto` finds behind a
URL, and OPML (a feed reader's subscriptions) in and out of the config file."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from scheduler.config import Config, ConfigError, SourceConfig


class SourcesError(Exception):
    """An OPML file cannot be read, or its sources cannot be added to the config."""


# --- health ------------------------------------------------------------------------


def _next_poll(config: Config, source: SourceConfig, row: dict[str, Any] | None) -> str:
    if not row or not row.get("last_polled"):
        return "at start"
    last = datetime.fromisoformat(row["last_polled"].replace("Z", "+00:00"))
    due = last + config.source_interval(source)
    return due.strftime("%Y-%m-%dT%H:%M:%SZ")


def source_health(config: Config) -> list[dict[str, Any]]:
    """One dict per configured source: its health from the database, and its next poll."""
    from crawler import store

    rows: dict[str, dict[str, Any]] = {}
    if config.database_path.exists():
        db = store.open_db(config.database_path)
        try:
            rows = {row["url"]: row for row in store.source_health(db)}
        finally:
            db.close()
    health = []
    for source in config.source:
        row = rows.get(source.url) or {}
        health.append(
            {
                "name": source.name,
                "url": source.url,
                "kind": source.kind,
                "polls": row.get("resolved_url") or source.url,
                "polls_as": row.get("resolved_kind") or source.kind,
                "found": row.get("resolved_note"),
                "last_success": row.get("last_success"),
                "last_error": row.get("last_error"),
                "last_error_at": row.get("last_error_at"),
                "consecutive_failures": row.get("consecutive_failures", 0),
                "articles_found": row.get("articles_found", 0),
                "last_status": row.get("last_status"),
                "next_poll": _next_poll(config, source, row),
            }
        )
    return health


# --- discover ------------------------------------------------------------------------


def discover(config: Config, url: str) -> tuple[list[tuple[str, str]], str | None]:
    """Run `auto` discovery on ``url`` (nothing stored): (candidates, error)."""
    from scheduler.crawl import run_in_reactor
    from scheduler.runtime import scrapy_settings

    async def main() -> tuple[list[tuple[str, str]], str | None]:
        from scrapy.crawler import AsyncCrawlerRunner

        from crawler.spiders.auto import AutoSpider

        runner = AsyncCrawlerRunner(scrapy_settings(scratch))
        crawl = runner.create_crawler(AutoSpider)
        await runner.crawl(crawl, url=url, source_name=url, discover_only=True)
        found = crawl.stats.get_value("newsradar/discovery") or []
        return [tuple(c) for c in found], crawl.stats.get_value("newsradar/source_error")

    with tempfile.TemporaryDirectory(prefix="newsradar-discover-") as tmp:
        scratch = config.model_copy(update={"database": str(Path(tmp) / "discover.db")})
        return run_in_reactor(main)


# --- OPML -------------------------------------------------------------------------------


def read_opml(body: bytes) -> list[dict[str, str]]:
    """The subscriptions of an OPML file: name, url, kind ("feed" unless newsradar
    exported another kind). Entity declarations are refused, as in every feed.
    SourcesError when it cannot be read."""
    from crawler.parse.opml import OPMLError, parse_opml

    try:
        listed = parse_opml(body)
    except OPMLError as err:
        raise SourcesError(f"not a readable OPML file: {err}") from err
    return [{"name": s.name, "url": s.url, "kind": s.kind} for s in listed]


def _toml_source(source: dict[str, str]) -> str:
    return (
        f"\n[[source]]\nname = {json.dumps(source['name'], ensure_ascii=False)}\n"
        f"url = {json.dumps(source['url'])}\nkind = {json.dumps(source['kind'])}\n"
    )


@dataclass(frozen=True)
class OpmlImport:
    """What importing an OPML file adds: the new sources and their ``[[source]]`` tables."""

    listed: int  # subscriptions in the file
    added: list[dict[str, str]] = field(default_factory=list)
    text: str = ""  # the [[source]] tables of ``added``
    target: Path | None = None  # the config file they go to


def import_opml(opml: Path, config_path: Path | None, *, dry_run: bool = False) -> OpmlImport:
    """Add the subscriptions of ``opml`` that the config does not have yet to the config
    file (unless ``dry_run``), with unique names; refuse (SourcesError) when there is no
    config file, or when the result would not be a valid config."""
    from scheduler.config import find_config, load_config, parse_config

    try:
        subscriptions = read_opml(opml.read_bytes())
    except (OSError, SourcesError) as err:
        raise SourcesError(f"{opml}: {err}") from err
    config = load_config(config_path)
    target = find_config(config_path)
    known_urls = {s.url for s in config.source}
    known_names = {s.name for s in config.source}
    added = []
    for subscription in subscriptions:
        if subscription["url"] in known_urls:
            continue
        name, number = subscription["name"], 2
        while name in known_names:
            name, number = f"{subscription['name']} ({number})", number + 1
        subscription = {**subscription, "name": name}
        known_urls.add(subscription["url"])
        known_names.add(name)
        added.append(subscription)
    plan = OpmlImport(len(subscriptions), added, "".join(_toml_source(s) for s in added), target)
    if dry_run:
        return plan
    if target is None:
        raise SourcesError(
            "no config file to add the sources to: run `newsradar init` first (or use -c)"
        )
    if not added:
        return plan
    current = target.read_text(encoding="utf-8")
    updated = current.rstrip("\n") + "\n" + plan.text
    try:
        parse_config(updated, target.resolve())
    except ConfigError as err:
        raise SourcesError(f"{opml}: the sources would make the config invalid: {err}") from err
    target.write_text(updated, encoding="utf-8")
    return plan


def write_opml(config: Config) -> str:
    """The configured sources as OPML 2.0, as feed readers import it. An `auto`
    source whose feed was found is exported as that feed."""
    health = {entry["url"]: entry for entry in source_health(config)}
    lines = []
    for source in config.source:
        entry = health[source.url]
        name = quoteattr(source.name)
        if source.kind == "feed" or entry["polls_as"] == "feed":
            lines.append(
                f'    <outline type="rss" text={name} title={name} '
                f"xmlUrl={quoteattr(entry['polls'])} htmlUrl={quoteattr(source.url)}/>"
            )
        else:
            lines.append(
                f'    <outline type="link" text={name} title={name} '
                f"url={quoteattr(source.url)} newsradarKind={quoteattr(source.kind)}/>"
            )
    created = datetime.now().astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")
    body = "\n".join(lines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"  <head>\n    <title>newsradar sources</title>\n"
        f"    <dateCreated>{created}</dateCreated>\n  </head>\n"
        f"  <body>\n{body}\n  </body>\n</opml>\n"
    )
