"""Every form of a person's name: a full name with a middle initial, middle name or
quoted nickname inside ("John Q. Smith", 'John "Jack" Smith' for "John Smith"), a
title or honorific before the surname ("Gen. Kurilla", "Mullah Akhundzada"), and the
other-person guard for surnames in Arabic script, which has no capitals to tell a
first name by.

Pure functions over normalised text and candidates (``alerts.keys.Cand``); the
matcher calls them between resolving names and licensing surnames.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from alerts.keys import NAME, Cand, Entry
from alerts.lexicon import (
    ARABIC_GIVEN_NAMES,
    ARABIC_NAME_SECONDS,
    ARABIC_TITLES,
    HONORIFICS,
    ORDINARY_WORDS,
    TITLES,
)
from alerts.normalize import Normalized, is_arabic

__all__ = ["NameParts", "arabic_other_person", "name_forms"]

# (given-name words, alias) for each full name of a person.
NameParts = tuple[tuple[tuple[str, ...], str], ...]

_INITIAL = re.compile(r"[a-z]\.?")
_QUOTES = "\"'"
_MAX_MIDDLE = 2


def _tokens_before(norm: str, start: int, count: int) -> list[tuple[int, int]]:
    """Spans of up to ``count`` space-separated tokens right before ``start``, nearest
    last; none across a paragraph break or when punctuation touches the name."""
    spans: list[tuple[int, int]] = []
    end = start
    if end == 0 or norm[end - 1] != " ":
        return spans
    while len(spans) < count:
        if end == 0 or norm[end - 1] != " ":
            break
        stop = end - 1
        begin = stop
        while begin > 0 and norm[begin - 1] not in " \n":
            begin -= 1
        if begin == stop:
            break
        spans.insert(0, (begin, stop))
        end = begin
    return spans


def _is_middle(word: str, original: str) -> bool:
    """A middle initial ("Q."), middle name ("Quincy") or quoted nickname ('"Jack"')."""
    if not original or not (original[0].isupper() or original[0] in _QUOTES + "“‘"):
        return False
    if _INITIAL.fullmatch(word):
        return True
    if len(word) >= 3 and word[0] in _QUOTES and word[-1] in _QUOTES + ",":
        inner = word.strip(_QUOTES + ",")
        return inner.isalpha() and original.lstrip(_QUOTES + "“‘")[:1].isupper()
    return word.isalpha() and len(word) >= 2 and word not in ORDINARY_WORDS


def _middle_form(nt: Normalized, c: Cand, parts: NameParts) -> tuple[int, str] | None:
    """Where a full name with middle parts starts before surname candidate ``c``, and
    the alias it is a form of; None if the words before are not such a name."""
    norm, text = nt.text, nt.original
    longest = max((len(given) for given, _ in parts), default=0)
    spans = _tokens_before(norm, c[0], longest + _MAX_MIDDLE)
    words = [norm[a:b] for a, b in spans]
    originals = [text[slice(*nt.span(a, b))] for a, b in spans]
    for middles in range(1, _MAX_MIDDLE + 1):
        if len(words) < middles + 1:
            break
        if not all(_is_middle(words[-k], originals[-k]) for k in range(1, middles + 1)):
            break
        head = words[: len(words) - middles]
        for given, alias in parts:
            if len(head) >= len(given) and tuple(head[len(head) - len(given) :]) == given:
                first = spans[len(head) - len(given)]
                if text[slice(*nt.span(*first))][:1].isupper():
                    return first[0], alias
    return None


def name_forms(
    surnames: list[Cand],
    names: list[Cand],
    nt: Normalized,
    parts: Mapping[str, NameParts],
    display: Mapping[str, str],
) -> tuple[list[Cand], list[Cand]]:
    """Turn surname candidates that are a full name in another form into name
    candidates (rule ``middle`` or ``titled``); return (those, the other surnames).

    ``display`` gives the alias a titled mention is recorded under (the entity's name).
    """
    forms: list[Cand] = []
    rest: list[Cand] = []
    first_named = {}
    for start, _, entry, _ in names:
        first_named.setdefault(entry.entity_id, start)
    shared: dict[tuple[int, int], int] = {}
    for c in surnames:
        shared[(c[0], c[1])] = shared.get((c[0], c[1]), 0) + 1
    for c in surnames:
        entity_id = c[2].entity_id
        own = parts.get(entity_id, ())
        middle = _middle_form(nt, c, own) if own and not is_arabic(nt.text[c[0] : c[1]]) else None
        if middle is not None:
            begin, alias = middle
            forms.append((begin, c[1], Entry(entity_id, alias, NAME), "middle"))
            continue
        licensed = first_named.get(entity_id, c[0]) < c[0]
        if not licensed and shared[(c[0], c[1])] == 1 and _titled(nt, c):
            forms.append((c[0], c[1], Entry(entity_id, display[entity_id], NAME), "titled"))
            continue
        rest.append(c)
    return forms, rest


def _titled(nt: Normalized, c: Cand) -> bool:
    """A title or honorific right before an uncommon surname: "Gen. Kurilla"."""
    if c[2].ordinary:
        return False
    spans = _tokens_before(nt.text, c[0], 1)
    if not spans:
        return False
    word = nt.text[slice(*spans[0])].rstrip(".")
    if is_arabic(word):
        return word in ARABIC_TITLES
    original = nt.original[slice(*nt.span(*spans[0]))]
    return word in HONORIFICS and original[:1].isupper()


def arabic_other_person(norm: str, start: int, own: NameParts) -> bool:
    """Whether the words before an Arabic-script surname at ``start`` are another
    person's given names ("جلال الدين" before "حقاني" when the tracked person is
    "سراج الدين حقاني"). A title, a verb or a clitic before it is no other person."""
    spans = _tokens_before(norm, start, 4)
    words = [norm[a:b] for a, b in spans]
    own_words = {w for given, _ in own for w in given}
    collected: list[str] = []
    while words:
        word = words.pop()
        if word in ARABIC_NAME_SECONDS and words:
            collected[:0] = [words.pop(), word]  # a compound keeps its first part
        elif word in ARABIC_GIVEN_NAMES or word in own_words or _compound(word):
            collected.insert(0, word)
        else:
            break
        if len(collected) >= 3:
            break
    if not collected:
        return False
    return not any(
        tuple(collected) == given[len(given) - len(collected) :] for given, _ in own
    ) and not all(w in ARABIC_TITLES or w in TITLES for w in collected)


def _compound(word: str) -> bool:
    """A compound given name written as one word: "جلالالدين", "عبدالله"."""
    return len(word) > 5 and any(word.endswith(second) for second in ARABIC_NAME_SECONDS)
