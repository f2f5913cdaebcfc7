"""Why the matcher found what it found in a text, and why it turned the rest down.

``explain(text, watchlist)`` is pure, like ``find_mentions``: it runs the same
matcher, keeping every candidate a rule turned down with the reason (an acronym
without support, an acronym the article defines as something else, a match inside an
exclude phrase, the surname of another person, a transliteration variant that is an
ordinary word...). ``newsradar explain`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from alerts.keys import TOKEN, Rejection
from alerts.matcher import RULE_LABELS, Mention, analyse
from alerts.normalize import normalize
from alerts.variants import rejected_variants
from alerts.watchlist import Watchlist, alias_key

__all__ = ["RULE_LABELS", "Explanation", "Rejected", "explain"]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A candidate the matcher turned down: which entity and alias, where, and why."""

    entity_id: str
    alias: str
    start: int  # offsets into the original text
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every mention of a text and every candidate turned down, by start offset."""

    mentions: tuple[Mention, ...]
    rejected: tuple[Rejected, ...]


def explain(text: str, watchlist: Watchlist) -> Explanation:
    """The mentions of ``text`` with their rules, and the rejected candidates with why."""
    raw: list[Rejection] = []
    mentions = analyse(text, watchlist, raw)
    rejected: dict[tuple[int, int, str, str], Rejected] = {}
    if raw:
        nt = normalize(text)
        for start, end, entry, reason in raw:
            o_start, o_end = nt.span(start, min(end, len(nt.text)))
            item = Rejected(entry.entity_id, entry.alias, o_start, o_end, reason)
            rejected.setdefault((o_start, o_end, item.entity_id, reason), item)
    for item in _ordinary_variants(text, watchlist):
        rejected.setdefault((item.start, item.end, item.entity_id, item.reason), item)
    found = {(m.start, m.end, m.entity_id) for m in mentions}
    kept = [r for r in rejected.values() if (r.start, r.end, r.entity_id) not in found]
    kept.sort(key=lambda r: (r.start, r.end, r.entity_id))
    return Explanation(tuple(mentions), tuple(kept))


@lru_cache(maxsize=8)
def _ordinary_variant_index(watchlist: Watchlist) -> dict[str, tuple[str, str]]:
    """Variant words the ordinary-word guard dropped: word -> (entity id, alias)."""
    index: dict[str, tuple[str, str]] = {}
    for entity in watchlist.entities.values():
        if not entity.variants:
            continue
        for alias in entity.names:
            key = alias_key(alias)
            words = set(key.split(" "))
            for variant in rejected_variants(key):
                for word in set(variant.split(" ")) - words:
                    index.setdefault(word, (entity.id, alias))
    return index


def _ordinary_variants(text: str, watchlist: Watchlist) -> list[Rejected]:
    """Capitalised words of ``text`` that a careless variant rule would take for a name."""
    index = _ordinary_variant_index(watchlist)
    if not index:
        return []
    out = []
    for m in TOKEN.finditer(text):
        word = m.group()
        if word[0].isupper() and word.lower() in index:
            entity_id, alias = index[word.lower()]
            out.append(
                Rejected(
                    entity_id, alias, m.start(), m.end(), "variant rejected as an ordinary word"
                )
            )
    return out
