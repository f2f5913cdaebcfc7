"""How a list's spellings become names the matcher can use safely.

A person's alias with fewer than two significant words ("Baradar", "Mullah Baradar",
"bin Laden") would be a bare surname; a group's alias made only of ordinary words
("The Base") would be an ordinary phrase. Both become weak aliases: kept, and matched
only as the complete name, never alone.
"""

from __future__ import annotations

import re

from alerts.keys import weak_alias_usable
from alerts.lexicon import ORDINARY_WORDS
from alerts.normalize import normalize_key

# Particles that are no name on their own ("al", "bin"); lowercase inside a name.
PARTICLES = frozenset(
    {"al", "el", "ul", "ud", "ad", "ur", "ar", "as", "ash", "az", "bin", "ibn", "bint", "bn"}
    | {"abd", "e", "i", "o", "u", "van", "von", "der", "de", "da", "di", "du"}
)
_SMALL_WORDS = frozenset(("of", "the", "and", "in", "for", "on", "to", "at", "by", "with", "a"))
_ACRONYM = re.compile(r"\(([^()]{1,40})\)")


def significant_words(alias: str) -> list[str]:
    """The words of ``alias`` that are neither particles nor ordinary words or titles."""
    return [
        word
        for word in normalize_key(alias).split(" ")
        if word and word not in PARTICLES and word not in ORDINARY_WORDS
    ]


def is_weak(alias: str, kind: str) -> bool:
    """Whether ``alias`` may only match as a whole name (see the module docstring)."""
    if kind == "official":
        return not weak_alias_usable(alias)
    return not significant_words(alias)


def _case_word(word: str, first: bool, kind: str) -> str:
    pieces = word.split("-")
    out = []
    for index, piece in enumerate(pieces):
        lower = piece.lower()
        starts = first and index == 0
        if not starts and (lower in PARTICLES or (kind != "official" and lower in _SMALL_WORDS)):
            out.append(lower)
        else:
            out.append(lower[:1].upper() + lower[1:])
    return "-".join(out)


def display_case(text: str, kind: str) -> str:
    """A name written in capitals ("AYMAN AL-ZAWAHIRI"), as newsrooms write it
    ("Ayman al-Zawahiri"). Text with any lowercase letter, or no case, is left as is."""
    if not any(c.isupper() for c in text) or any(c.islower() for c in text):
        return text
    if " " not in text and sum(c.isalpha() for c in text) <= 6:
        return text  # an acronym: "TTP", "ISIL-K"
    words = text.split(" ")
    return " ".join(_case_word(word, index == 0, kind) for index, word in enumerate(words))


def clean(text: str | None) -> str:
    """Whitespace collapsed, stray punctuation at the ends dropped."""
    return " ".join((text or "").split()).strip(" ,;")


def split_names(raw: str, kind: str) -> list[str]:
    """One list spelling as names: "TEHRIK-E TALIBAN PAKISTAN (TTP)" gives the name in
    newsroom case and the acronym as written."""
    text = clean(raw)
    if not text:
        return []
    inner = [clean(part) for part in _ACRONYM.findall(text)]
    outer = clean(_ACRONYM.sub(" ", text))
    names = [display_case(outer, kind)] if outer else []
    for part in inner:
        if part:
            is_acronym = " " not in part and len(part) <= 8
            names.append(part if is_acronym else display_case(part, kind))
    return names


def unique(names: list[str], taken: set[str]) -> list[str]:
    """``names`` without the ones whose normalised form is in ``taken`` (updated)."""
    kept = []
    for name in names:
        key = normalize_key(name)
        if key and key not in taken:
            taken.add(key)
            kept.append(name)
    return kept


def place_names(
    kind: str, names: list[str], good: list[str], low: list[str]
) -> tuple[str, list[str], list[str]] | None:
    """Choose the name, the aliases and the weak aliases of one record.

    ``names`` are the record's own names (the first is the primary one), ``good`` and
    ``low`` its aliases by quality. Returns None when no name is safe to match alone:
    a person known only by one word, a group only by ordinary words.
    """
    strong = [n for n in [*names, *good] if not is_weak(n, kind)]
    if not strong:
        return None
    primary = strong[0]
    taken = {normalize_key(primary)}
    aliases = unique(strong[1:], taken)
    weak = unique([n for n in [*names, *good, *low] if n != primary], taken)
    return primary, aliases, weak
