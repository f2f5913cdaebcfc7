"""The watchlist: the entities a user tracks, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_KINDS = ("group", "official", "other")


@dataclass(frozen=True)
class Entity:
    """One tracked entity.

    ``aliases`` are extra names besides ``name``; for an ``official`` they are full
    names (the matcher derives surnames and titles itself). ``exclude`` lists phrases
    inside which a match does not count ("West Bank" for a "West" alias). ``tags``
    route alerts to targets.
    """

    id: str
    name: str
    kind: str = "other"
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return tuple(seen)
