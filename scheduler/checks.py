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


def _unused_reason(alias: str, weak: bool) -> str | None:
    """Why the matcher never uses ``alias`` (None: it does)."""
    from alerts.matcher import ORDINARY_WORDS, weak_alias_usable
    from alerts.normalize import normalize_key

    key = normalize_key(alias)
    if sum(ch.isalnum() for ch in alias) < MIN_ALIAS_LETTERS:
        return "too short"
    if weak and not weak_alias_usable(alias):
        return "weak, fewer than two uncommon words" if " " in key else "weak, a single word"
    if " " not in key and key in ORDINARY_WORDS:
        return "an ordinary word"
    return None


def imported_alias_warnings(entities: list[Entity]) -> list[str]:
    """For entities imported from a list (`watchlist import`): the aliases the matcher
    will never use, and the weak aliases and surnames they share with other entities
    (names shared outright are warned about by config_warnings)."""
    from alerts.normalize import normalize_key

    warnings: list[str] = []
    claims: dict[str, dict[str, str]] = {}  # key -> {entity id: "name", "weak alias"...}
    for entity in entities:
        unused = []
        spellings = [(a, False) for a in entity.names] + [(a, True) for a in entity.weak_aliases]
        for alias, weak in spellings:
            reason = _unused_reason(alias, weak)
            if reason is not None:
                unused.append(f"{alias!r} ({reason})")
                continue
            how = "weak alias" if weak else "name"
            claims.setdefault(normalize_key(alias), {}).setdefault(entity.id, how)
        if unused and entity.imported_from:
            warnings.append(
                f"entity {entity.id!r} ({entity.imported_from}): never matched: "
                + ", ".join(unused)
            )
        if entity.kind == "official":
            for name in entity.names:
                words = normalize_key(name).split(" ")
                if len(words) >= 2 and len(words[-1]) >= MIN_ALIAS_LETTERS:
                    claims.setdefault(words[-1], {}).setdefault(entity.id, "surname")
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
        warnings.append(
            f"{key!r} is shared by {described}: a mention is credited to each entity that "
            "matches it"
        )
    return warnings
