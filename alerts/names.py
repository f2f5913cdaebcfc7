"""Every form of a person's name: a full name with a middle initial, middle name or
quoted nickname inside ("John Q. Smith", 'John "Jack" Smith' for "John Smith"; not a
common given name such as "Shah": "Ahmad Shah Massoud" is another man), a
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
    LATIN_GIVEN_NAMES,
    ORDINARY_WORDS,
    TITLES,
)
from alerts.normalize import Normalized, is_arabic
from alerts.watchlist import Entity

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
        # The token starts after the last space or line break before it; the line
        # break is looked for only within the token, so the search stays short.
        space = norm.rfind(" ", 0, stop)
        begin = max(space, norm.rfind("\n", space + 1, stop)) + 1
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
    return (
        word.isalpha()
        and len(word) >= 2
        and word not in ORDINARY_WORDS
        and word not in LATIN_GIVEN_NAMES  # "Ahmad Shah Massoud": another person
    )


def _middle_form(
    nt: Normalized, c: Cand, nearest: tuple[int, int], parts: NameParts
) -> tuple[int, str] | None:
    """Where a full name with middle parts starts before surname candidate ``c``, and
    the alias it is a form of; None if the words before are not such a name.
    ``nearest`` is the span of the word right before the surname."""
    norm, text = nt.text, nt.original
    word = norm[slice(*nearest)]
    # Most words before a surname are ordinary ("said Kurilla"): no need to look further.
    if word in ORDINARY_WORDS or not _is_middle(word, text[slice(*nt.span(*nearest))]):
        return None
    longest = max((len(given) for given, _ in parts), default=0)
    spans = _tokens_before(norm, c[0], longest + _MAX_MIDDLE)
    words = [norm[a:b] for a, b in spans]
    for middles in range(1, _MAX_MIDDLE + 1):
        if len(words) < middles + 1:
            break
        if middles > 1:
            a, b = spans[-middles]
            if not _is_middle(words[-middles], text[slice(*nt.span(a, b))]):
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
    entities: Mapping[str, Entity],
) -> tuple[list[Cand], list[Cand]]:
    """Turn surname candidates that are a full name in another form into name
    candidates (rule ``middle`` or ``titled``); return (those, the other surnames).

    A titled mention is recorded under the entity's name as its alias.
    """
    forms: list[Cand] = []
    rest: list[Cand] = []
    first_named: dict[str, int] = {}
    for start, _, entry, _ in names:
        if not entry.weak:
            first_named.setdefault(entry.entity_id, start)
    shared: dict[tuple[int, int], int] = {}
    for c in surnames:
        shared[(c[0], c[1])] = shared.get((c[0], c[1]), 0) + 1
    for c in surnames:
        entity_id = c[2].entity_id
        # After the full name the surname rule takes it: nothing more to find.
        if first_named.get(entity_id, c[0]) < c[0]:
            rest.append(c)
            continue
        nearest = _tokens_before(nt.text, c[0], 1)
        if not nearest:
            rest.append(c)
            continue
        own = parts.get(entity_id, ())
        arabic = is_arabic(nt.text[c[0] : c[1]])
        middle = _middle_form(nt, c, nearest[0], own) if own and not arabic else None
        if middle is not None:
            begin, alias = middle
            forms.append((begin, c[1], Entry(entity_id, alias, NAME), "middle"))
            continue
        if shared[(c[0], c[1])] == 1 and _titled(nt, c, nearest[0]):
            name = entities[entity_id].name
            forms.append((c[0], c[1], Entry(entity_id, name, NAME), "titled"))
            continue
        rest.append(c)
    return forms, rest


def _titled(nt: Normalized, c: Cand, nearest: tuple[int, int]) -> bool:
    """A title or honorific right before an uncommon surname: "Gen. Kurilla"."""
    if c[2].ordinary:
        return False
    word = nt.text[slice(*nearest)].rstrip(".")
    if is_arabic(word):
        return word in ARABIC_TITLES
    if word not in HONORIFICS:
        return False
    original = nt.original[slice(*nt.span(*nearest))]
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
