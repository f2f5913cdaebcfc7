"""An alert as a message: a title and a plain-text body, one per article."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from alerts.watchlist import Entity

MAX_TITLE_ENTITIES = 3
MAX_SNIPPETS_PER_ENTITY = 2


@dataclass(frozen=True)
class Message:
    """What a target receives."""

    title: str
    body: str


def _entity_name(entity_id: str, entities: Mapping[str, Entity]) -> str:
    entity = entities.get(entity_id)
    return entity.name if entity else entity_id


def render_alert(
    alert: Mapping[str, Any],
    mentions: Sequence[Mapping[str, Any]],
    entities: Mapping[str, Entity],
) -> Message:
    """Render one alert: the entities and the headline as title; outlet, time,
    the entities matched, a snippet around each mention and the link as body.

    ``alert`` is a row of ``store.due_alerts``; ``mentions`` the article's
    mentions; only the entities this alert was queued for are shown.
    """
    entity_ids: list[str] = json.loads(alert["entities"])
    names = [_entity_name(e, entities) for e in entity_ids]
    shown = ", ".join(names[:MAX_TITLE_ENTITIES])
    if len(names) > MAX_TITLE_ENTITIES:
        shown += f" +{len(names) - MAX_TITLE_ENTITIES}"
    headline = " ".join((alert["title"] or "(untitled article)").split())
    title = f"{shown}: {headline}"

    when = alert["published"] or alert["first_seen"]
    lines = [
        f"{alert['source'] or 'Unknown source'} · {when}",
        "Matched: "
        + ", ".join(
            f"{_entity_name(e, entities)} ({entities[e].kind})" if e in entities else e
            for e in entity_ids
        ),
        "",
    ]
    for entity_id in entity_ids:
        snippets = list(
            dict.fromkeys(m["snippet"] for m in mentions if m["entity_id"] == entity_id)
        )
        for snippet in snippets[:MAX_SNIPPETS_PER_ENTITY]:
            lines.append(f"{_entity_name(entity_id, entities)}: “{snippet}”")
    lines += ["", alert["url"]]
    return Message(title=title, body="\n".join(lines))
