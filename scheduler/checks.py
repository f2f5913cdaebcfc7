"""What `newsradar check` warns about: a config that is valid but will not do
what its author expects."""

from __future__ import annotations

from alerts.keys import initials
from alerts.targets import Target
from alerts.watchlist import Entity, alias_keys
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
    # Keyed as the matcher keys aliases, so "al-Qaeda" and "al Qaeda" collide here too.
    claimed: dict[str, tuple[str, str]] = {}
    for entity in entities:
        for alias in entity.names:
            clash = None
            for key in alias_keys(alias):
                owner, owner_alias = claimed.setdefault(key, (entity.id, alias))
                if owner != entity.id and clash is None:
                    clash = owner, owner_alias
            if clash is not None:
                owner, owner_alias = clash
                written = "" if owner_alias == alias else f" ({owner!r} writes it {owner_alias!r})"
                warnings.append(
                    f"alias {alias!r} is claimed by both {owner!r} and {entity.id!r}{written}: "
                    "the matcher reads both as one name and credits every mention of it "
                    "to both entities"
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
    from alerts.keys import weak_alias_usable
    from alerts.normalize import normalize_key

    if weak_alias_usable(alias):
        return None
    return "fewer than two uncommon words" if " " in normalize_key(alias) else "a single word"


def imported_alias_warnings(entities: list[Entity]) -> list[str]:
    """For entities imported from a list (`watchlist import`): the weak aliases the
    matcher will never use, one-word aliases that are ordinary words, and the weak
    aliases and surnames they share with other entities (names shared outright and
    aliases too short are warned about by config_warnings)."""
    from alerts.lexicon import ORDINARY_WORDS
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


def acronym_rules(config: Config) -> list[str]:
    """For each acronym alias, the rule the matcher reads it by: when a bare one counts,
    and which of the entity's exclude phrases define it as something else."""
    lines: list[str] = []
    for entity in config.entities():
        for alias in entity.names:
            letters = [c for c in alias if c.isalpha()]
            if not letters or len(letters) > 6 or not all(c.isupper() for c in letters):
                continue
            context = (
                f"one of its context words ({', '.join(entity.context)})"
                if entity.context
                else "a context word (it has none: add `context`)"
            )
            rivals = [p for p in entity.exclude if initials(p) == initials(alias)]
            holds = f" or holds {', '.join(repr(p) for p in rivals)}" if rivals else ""
            lines.append(
                f"acronym {alias!r} ({entity.id}) counts, in capitals, when the article "
                f"defines it as this entity, names this or another entity in full, or has "
                f"{context}; never when it defines {alias} as something else{holds}, "
                f"nor as a plural ({alias}s)"
            )
    return lines
