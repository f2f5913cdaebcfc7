"""What `newsradar check` warns about: a config that is valid but will not do
what its author expects."""

from __future__ import annotations

from alerts.targets import Target
from alerts.watchlist import Entity
from scheduler.config import Config

MIN_ALIAS_LETTERS = 3


def config_warnings(config: Config, targets: list[Target]) -> list[str]:
    """Problems that are not errors: entities nobody hears about, aliases that
    two entities claim, aliases so short they would match almost everything."""
    warnings: list[str] = []
    entities = config.entities()
    for entity in entities:
        if not any(target.hears(entity.tags) for target in targets):
            tags = ", ".join(entity.tags) or "no tags"
            warnings.append(
                f"entity {entity.id!r} ({tags}) reaches no alert target: "
                "its mentions are stored but never sent"
            )
    claimed: dict[str, str] = {}
    for entity in entities:
        for alias in entity.names:
            key = " ".join(alias.casefold().split())
            owner = claimed.setdefault(key, entity.id)
            if owner != entity.id:
                warnings.append(
                    f"alias {alias!r} is claimed by both {owner!r} and {entity.id!r}: "
                    "a mention will be credited to one of them only"
                )
            if sum(ch.isalnum() for ch in alias) < MIN_ALIAS_LETTERS:
                warnings.append(
                    f"entity {entity.id!r}: alias {alias!r} is too short to be useful: "
                    "it would match almost everything"
                )
    warnings.extend(imported_alias_warnings(entities))
    return warnings


def _weak_unused(alias: str) -> str | None:
    """Why the matcher never uses weak alias ``alias`` (None: it does)."""
    from alerts.matcher import weak_alias_usable
    from alerts.normalize import normalize_key

    if weak_alias_usable(alias):
        return None
    return "fewer than two uncommon words" if " " in normalize_key(alias) else "a single word"


def imported_alias_warnings(entities: list[Entity]) -> list[str]:
    """For entities imported from a list (`watchlist import`): the weak aliases the
    matcher will never use, one-word aliases that are ordinary words, and the weak
    aliases and surnames they share with other entities (names shared outright and
    aliases too short are warned about by config_warnings)."""
    from alerts.matcher import ORDINARY_WORDS
    from alerts.normalize import normalize_key

    warnings: list[str] = []
    claims: dict[str, dict[str, str]] = {}  # key -> {entity id: "name", "weak alias"...}
    for entity in entities:
        unused = []
        for alias in entity.weak_aliases:
            reason = _weak_unused(alias)
            if reason is not None:
                unused.append(f"{alias!r} ({reason})")
            else:
                claims.setdefault(normalize_key(alias), {}).setdefault(entity.id, "weak alias")
        ordinary = []
        for alias in entity.names:
            key = normalize_key(alias)
            claims.setdefault(key, {}).setdefault(entity.id, "name")
            if " " not in key and key in ORDINARY_WORDS:
                ordinary.append(repr(alias))
        if entity.kind == "official":
            for name in entity.names:
                words = normalize_key(name).split(" ")
                if len(words) >= 2 and len(words[-1]) >= MIN_ALIAS_LETTERS:
                    claims.setdefault(words[-1], {}).setdefault(entity.id, "surname")
        if not entity.imported_from:
            continue
        if unused:
            warnings.append(
                f"entity {entity.id!r} ({entity.imported_from}): weak aliases never matched: "
                + ", ".join(unused)
            )
        if ordinary:
            warnings.append(
                f"entity {entity.id!r} ({entity.imported_from}): {', '.join(ordinary)} "
                "is an ordinary word and matches wherever it appears: move it to weak_aliases"
            )
    imported = {entity.id for entity in entities if entity.imported_from}
    for key, owners in claims.items():
        if len(owners) < 2 or not imported & set(owners):
            continue
        kinds = set(owners.values())
        if kinds == {"name"}:
            continue
        if kinds == {"surname"}:
            warnings.append(
                f"surname {key!r} is shared by {', '.join(owners)}: alone, it is credited "
                "to the one whose full name appeared last before it"
            )
            continue
        described = ", ".join(f"{owner} ({how})" for owner, how in owners.items())
        warnings.append(f"{key!r} is shared by {described}: a mention may go to either")
    return warnings
