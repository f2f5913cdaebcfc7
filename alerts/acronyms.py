"""Acronyms read in context: is this "NRF" the tracked one?

An acronym alias ("TTP", "NRF", "IS-K") is ambiguous by nature, so a bare one counts
only when the article supports it, in this order:

1. The article's own definition wins. "Long Name (ACR)", "ACR (Long Name)" and
   "ACR, the Long Name" define the acronym; so does one of the entity's ``exclude``
   phrases whose initials are the acronym ("National Retail Federation" for NRF). A
   definition whose long name is a mention of the entity makes every bare ACR of the
   article count; one that names something else makes none count.
2. Without a definition, a bare acronym needs support in the same article: the entity
   named in full or by another (non-acronym) alias, another watchlist entity matched
   by a non-acronym alias, or one of the entity's ``context`` words.

Plural and inflected acronyms ("TTPs", "NRFs") never count (``alerts.matcher``), and
in a run of capitals ("WHAT IS K-POP") an acronym written with a space where its alias
has a dash ("IS K") does not either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from alerts.keys import TOKEN, Cand, Entry, Rejection
from alerts.lexicon import INITIALS_SKIP
from alerts.normalize import Normalized

__all__ = ["Definition", "definitions", "supported"]

_WORD = re.compile(r"[^\W\d_][\w'’]*")
_MAX_WORDS = 12


@dataclass(frozen=True, slots=True)
class Definition:
    """An acronym defined in the text: where its long name and the acronym stand
    (original offsets)."""

    letters: str
    long_start: int
    long_end: int
    acronym_start: int
    acronym_end: int

    def long_name(self, text: str) -> str:
        """The long name as written."""
        return text[self.long_start : self.long_end]


# Where an acronym can be defined, found once per text for every acronym at once:
# "Long Name (ACR)", "ACR (Long Name)" and "ACR, the Long Name". An acronym is written
# with capitals, optionally dashes, dots or spaces between them and a plural "s".
_ACR = r"[A-Z](?:[-\u2010-\u2015. ]?[A-Z0-9]){0,7}(?:s|['\u2019]s)?"
_PARENS_ACR = re.compile(r"\(\s*(" + _ACR + r")\s*\)")
_ACR_PARENS = re.compile(r"\b(" + _ACR + r")\s*\(([^()\n]{3,120})\)")
_ACR_THE = re.compile(r"\b(" + _ACR + r"),\s+(the\s+[^,.;()\n]{3,120})")
_NOT_LETTERS = re.compile(r"[^A-Z0-9]")


def _letters(written: str) -> str:
    """The letters of an acronym as written: "IS-K" -> "ISK", "TTPs" -> "TTP"."""
    written = re.sub(r"(?:s|['\u2019]s)$", "", written)
    return _NOT_LETTERS.sub("", written)


def _initials_match(words: list[str], letters: str) -> int:
    """How many of ``words`` (in reading order) spell ``letters`` by their initials,
    small words skipped; 0 if they do not."""
    k = 0
    for i, word in enumerate(words):
        if k == len(letters):
            return i
        low = word.lower()
        if low in INITIALS_SKIP and not (low[0].upper() == letters[k] and word[0].isupper()):
            continue
        if word[0].upper() != letters[k]:
            return 0
        k += 1
    return len(words) if k == len(letters) else 0


def _words_before(text: str, end: int) -> list[re.Match[str]]:
    start = max(0, end - 200)
    window = text[start:end]
    cut = max(window.rfind("\n"), max(window.rfind(c) for c in ".;:!?"))
    return list(_WORD.finditer(text, start + cut + 1, end))[-_MAX_WORDS:]


def _long_before(text: str, paren: int, letters: str) -> tuple[int, int] | None:
    """The long name that ends right before "(" at ``paren``, by its initials."""
    words = _words_before(text, paren)
    for first in range(len(words) - 1, -1, -1):
        chosen = words[first:]
        spelled = _initials_match([m.group() for m in chosen], letters) == len(chosen)
        if spelled and chosen[0].group().lower() not in INITIALS_SKIP:
            return chosen[0].start(), chosen[-1].end()
    return None


def _long_after(text: str, start: int, end: int, letters: str) -> tuple[int, int] | None:
    """The long name in text[start:end], from its start, by its initials."""
    words = list(_WORD.finditer(text, start, end))[:_MAX_WORDS]
    if words and words[0].group().lower() == "the":
        words = words[1:]
    used = _initials_match([m.group() for m in words], letters)
    if used and words:
        return words[0].start(), words[used - 1].end()
    return None


def definitions(text: str, letters: Iterable[str]) -> dict[str, list[Definition]]:
    """Every definition in ``text`` of each acronym in ``letters`` (capitals: "NRF")."""
    wanted = set(letters)
    found: dict[str, list[Definition]] = {}
    if "(" in text:
        for m in _PARENS_ACR.finditer(text):
            acr = _letters(m.group(1))
            if acr in wanted and (span := _long_before(text, m.start(), acr)):
                found.setdefault(acr, []).append(Definition(acr, *span, *m.span(1)))
        for m in _ACR_PARENS.finditer(text):
            acr = _letters(m.group(1))
            if acr in wanted and (span := _long_after(text, m.start(2), m.end(2), acr)):
                found.setdefault(acr, []).append(Definition(acr, *span, *m.span(1)))
    if ", the" in text:
        for m in _ACR_THE.finditer(text):
            acr = _letters(m.group(1))
            if acr in wanted and (span := _long_after(text, m.start(2), m.end(2), acr)):
                found.setdefault(acr, []).append(Definition(acr, *span, *m.span(1)))
    return found


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def supported(
    cands: list[Cand],
    nt: Normalized,
    context: set[str],
    excluded: list[tuple[int, int, Entry]],
    rejected: list[Rejection] | None,
) -> list[Cand]:
    """The candidates without the acronyms the article does not support (see above)."""
    acronyms = [c for c in cands if c[2].all_caps and c[3] != "surname"]
    if not acronyms:
        return cands
    text = nt.original
    named = {c[2].entity_id for c in cands if not c[2].all_caps}
    defined = definitions(text, {c[2].initials for c in acronyms if c[2].initials})
    excluded_initials = {(e.entity_id, e.initials) for _, _, e in excluded if e.initials}
    spans: dict[str, list[tuple[int, int]]] | None = None  # built only for a definition
    dropped: set[int] = set()
    for c in acronyms:
        entry = c[2]
        reason = None
        found = defined.get(entry.initials)
        if found:
            if spans is None:
                spans = {}
                for o in cands:
                    if not o[2].all_caps:
                        spans.setdefault(o[2].entity_id, []).append(nt.span(o[0], o[1]))
            own_spans = spans.get(entry.entity_id, [])
            own: list[Definition] = []
            foreign: list[Definition] = []
            for d in found:
                names_it = any(_overlap(d.long_start, d.long_end, a, b) for a, b in own_spans)
                (own if names_it else foreign).append(d)
            o_start = nt.span(c[0], c[1])[0]
            inside = next((d for d in own + foreign if d.acronym_start == o_start), None)
            if inside is not None:
                if inside in foreign:
                    reason = f"defined as something else: {inside.long_name(text)!r}"
            elif foreign:
                reason = f"defined as something else: {foreign[0].long_name(text)!r}"
        elif (entry.entity_id, entry.initials) in excluded_initials:
            reason = "defined as something else: an exclude phrase with these initials"
        elif not named and entry.entity_id not in context:
            reason = "acronym without support"
        if reason is None and not entry.alias.isalpha():
            o_start, o_end = nt.span(c[0], c[1])
            if _shouting_with_space(text, o_start, o_end, entry):
                reason = "acronym written apart in a run of capitals"
        if reason is not None:
            dropped.add(id(c))
            if rejected is not None:
                rejected.append((c[0], c[1], entry, reason))
    return [c for c in cands if id(c) not in dropped] if dropped else cands


def _shouting_with_space(text: str, start: int, end: int, entry: Entry) -> bool:
    """ "IS K" (alias "IS-K") between words in capitals: "WHAT IS K-POP"."""
    span = text[start:end]
    if not any(ch.isspace() for ch in span) or any(ch.isspace() for ch in entry.alias):
        return False
    before = TOKEN.findall(text[max(0, start - 40) : start])[-1:]
    after = TOKEN.findall(text[end : end + 40])[:1]
    return any(w.isupper() and len(w) > 1 for w in before + after)
