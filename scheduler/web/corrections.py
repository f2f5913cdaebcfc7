"""A mention marked wrong → the watchlist changes that would have prevented it.

Always an ``exclude`` phrase (the mention with the word after it, or before it:
"Taliban Road"); for an acronym, a ``context`` word the text lacks; for a variant
(a possessive, a lost apostrophe, a glued word), ``variants = false``. The last two
only when this newsradar's watchlist knows those keys. Each proposal is planned
against the file the entity came from (edits.Edit) and checked: does the changed
watchlist still find the mention in the same text?
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from alerts.matcher import find_mentions
from alerts.watchlist import Entity, Watchlist
from scheduler.config import Config, EntityConfig
from scheduler.web.edits import Edit, EditError, edit_config, edit_watchlist_file, entity_table

VARIANT_RULES = frozenset({"stripped", "glued", "possessive", "variant"})
_WORD = re.compile(r"\w[\w'’-]*")


@dataclass(frozen=True)
class Proposal:
    """One change of one entity: set ``key`` to ``value`` (for lists: add the items)."""

    entity_id: str
    key: str  # exclude, context or variants
    value: Any  # a phrase, a list of words, or False

    @property
    def words(self) -> str:
        """The change in words."""
        if self.key == "exclude":
            return f"{self.entity_id}: exclude {self.value!r}"
        if self.key == "context":
            return f"{self.entity_id}: context {', '.join(map(repr, self.value))}"
        return f"{self.entity_id}: variants = {str(self.value).lower()}"


def known_keys(config: Config, entity_id: str) -> set[str]:
    """The entity keys the file ``entity_id`` comes from accepts in this newsradar."""
    if any(entry.id == entity_id for entry in config.entity):
        return set(EntityConfig.model_fields)
    return {f.name for f in dataclasses.fields(Entity)}


def exclude_phrase(text: str, start: int, end: int) -> str:
    """The mention ``text[start:end]`` with the word after it (on the same line), or
    else the word before it: the phrase an ``exclude`` would drop it inside."""
    after = _WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    if after:
        return text[start : after.end()]
    line_start = text.rfind("\n", 0, start) + 1
    before = list(_WORD.finditer(text, line_start, max(start - 1, line_start)))
    if before and text[before[-1].end() : start] == " ":
        return text[before[-1].start() : end]
    return text[start:end]


def propose(config: Config, mention: dict[str, Any]) -> list[Proposal]:
    """The changes that could prevent ``mention`` (a row of store.mention_at)."""
    entity_id = mention["entity_id"]
    text = mention["article_text"]
    keys = known_keys(config, entity_id)
    proposals = [
        Proposal(
            entity_id,
            "exclude",
            exclude_phrase(text, mention["start_offset"], mention["end_offset"]),
        )
    ]
    entity = next((e for e in config.entities() if e.id == entity_id), None)
    if mention["rule"] == "acronym" and "context" in keys and entity is not None:
        present = text.casefold()
        words = [
            word
            for word in dict.fromkeys(_WORD.findall(entity.name))
            if len(word) >= 4 and word.casefold() not in present
        ]
        if words:
            proposals.append(Proposal(entity_id, "context", words[:2]))
    if mention["rule"] in VARIANT_RULES and "variants" in keys:
        proposals.append(Proposal(entity_id, "variants", False))
    return proposals


def _change_record(record: Any, proposal: Proposal) -> None:
    if isinstance(proposal.value, list) or proposal.key == "exclude":
        items = [proposal.value] if isinstance(proposal.value, str) else list(proposal.value)
        current = record.get(proposal.key)
        if current is None:
            record[proposal.key] = items
            return
        for item in items:
            if item not in current:
                current.append(item)
        return
    record[proposal.key] = proposal.value


def plan(config: Config, proposal: Proposal) -> Edit:
    """The edit that makes ``proposal`` in the file its entity came from."""
    if proposal.key not in known_keys(config, proposal.entity_id):
        raise EditError(f"this newsradar's watchlist has no key {proposal.key!r}")
    if any(entry.id == proposal.entity_id for entry in config.entity):
        return edit_config(
            config,
            lambda document: _change_record(entity_table(document, proposal.entity_id), proposal),
            proposal.words,
        )
    return edit_watchlist_file(
        config,
        proposal.entity_id,
        lambda record: _change_record(record, proposal),
        proposal.words,
    )


def still_found(edit: Edit, mention: dict[str, Any]) -> bool:
    """Whether the watchlist after ``edit`` still finds ``mention`` in its text."""
    found = find_mentions(mention["article_text"], Watchlist.compile(edit.entities))
    return any(
        m.entity_id == mention["entity_id"] and m.start == mention["start_offset"] for m in found
    )
