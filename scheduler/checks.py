"""What `newsradar check` warns about: a config that is valid but will not do
what its author expects."""

from __future__ import annotations

from alerts.targets import Target
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
    return warnings
