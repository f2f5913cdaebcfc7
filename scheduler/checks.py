"""What `newsradar check` warns about: a config that is valid but will not do
what its author expects."""

from __future__ import annotations

from alerts.keys import initials
from alerts.targets import Target
from alerts.watchlist import alias_keys
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
