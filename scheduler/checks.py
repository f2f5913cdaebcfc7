"""What `newsradar check` warns about: a config that is valid but will not do
what its author expects."""

from __future__ import annotations

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
