"""Find mentions of watchlist entities in news text.

Two Aho-Corasick automata (pyahocorasick, compiled by ``alerts.keys``) hold every
normalised alias (in each of its written forms, ``alerts.watchlist.alias_keys``) and
its transliteration variants (``alerts.variants``), the surnames derived from the
people's full names, every ``exclude`` phrase and every ``context`` word: the keys
in the Arabic script in one, every other key in the other, in its word-start form
(``alerts.keys.word_starts``: a marker character, then the key with each character
that is not a letter or a digit replaced by the marker).
``find_mentions`` normalises the text (``alerts.normalize``: NFKC, casefold,
diacritics, apostrophes, dashes, whitespace, Arabic letter variants), runs the
second automaton once over the text in word-start form, where it can only report
hits that start a word (a hit on a key holding a separator is compared with the key
as written), and the Arabic-script one over the normalised text itself when it holds
an Arabic-script letter (its keys may start inside a word, after a clitic prefix),
keeps the hits whose boundaries and case fit the rules below,
resolves overlaps, finds the other forms of people's names (``alerts.names``), keeps
the surnames an earlier full name licenses, drops the acronyms the article does not
support (``alerts.acronyms``), and maps offsets back to the original text.

Rules, named by ``Mention.rule`` (one word per mention; when several apply the
first in this list wins):

``surname``
    A person's (kind "official") surname alone or after a title ("Kurilla",
    "Gen. Kurilla", "Zawahiri", "bin Laden"). Counts only after one of the
    person's full names appeared earlier in the same text, and not when:
    it is lowercase; another capitalised first name stands right before it
    ("Husain Haqqani"); a determiner stands before it ("in the West", "a Haqqani"),
    unless that is "the" before an uncommon surname used as a modifier ("the
    Zawahiri strike"); or the surname is an ordinary English word followed by a
    capitalised word ("West Virginia"). Arabic articles are optional ("al-Zawahiri"
    gives "al-Zawahiri" and "Zawahiri"); "bin", "ibn", "abu", "van", "de"... stay
    ("bin Laden"). When two tracked people share a surname, the one whose full
    name appeared last before it gets the mention. ``alias`` is the full name that
    licensed it.
    In Arabic script, where no capital tells a first name, the words before the
    surname must not be another person's given names ("جلال الدين حقاني").
``middle``
    A person's full name with a middle initial, middle name or quoted nickname
    inside ("Michael E. Kurilla", 'Michael "Erik" Kurilla' for "Michael Kurilla").
    Licenses later surnames like the full name.
``titled``
    A title or honorific and a person's uncommon surname, before any full name
    ("Gen. Kurilla", "Mullah Akhundzada", "ملا اخندزاده"); not when two tracked people
    share the surname. Licenses later surnames like the full name.
``variant``
    A spelling of an alias nobody listed ("al-Qaidah", "Mottaqi", "Serajuddin
    Haqqani"), from ``alerts.variants``; every word of 3 letters or more capitalised
    in the text. Never for acronyms, nor where the variant is an ordinary word or
    some entity's listed alias; off for an entity with ``variants = false``.
``acronym``
    A short all-capital alias ("TTP", "IS-K", "ISIS-K"): matches only when written
    in capitals, never as a plural ("TTPs"), and only where the article supports it
    (its definition, the entity or another one named, or a ``context`` word; see
    ``alerts.acronyms``). Capital tokens inside longer aliases ("IS" in
    "IS-Khorasan") must be capitals too, but such a mention is named by its
    boundary form.
``script``
    An Arabic-script alias with an attached clitic: a prefix of و ف ب ل ك
    (optionally followed by ال), or a Persian/Urdu/Pashto/Arabic suffix
    (ی, ها, های, و, ې, یه...; "طالبانی" is "Talibani", counted). Aliases starting
    with ال also match the ل + ل form ("للقاعدة"). A bare Arabic-script alias between
    separators is ``exact``.
``glued``
    The alias directly followed by a common English word, because scraping ate the
    dash between them ("the Talibanmost of whose", "the Talibanwe made"). Only for
    aliases whose last word is at least 4 letters, not an ordinary English word and
    not capitals, and only with the short word list in ``GLUE_WORDS`` (no "a", "i",
    so "Haqqania" and "Talibani" stay out; "Talibanism" is not a word in the list).
``stripped``
    A possessive that lost its apostrophe: alias + "s" ("Talibans rampage",
    "al Qaedas frontman"). Not for one-word aliases that are ordinary English words
    ("West" would give "Wests"), nor for acronyms ("TTPs" are tactics).
``possessive``
    Alias + "'s" or a plural-possessive apostrophe ("Taliban's", "Taliban’s",
    "Taliban' ").
``exact``
    The alias between word boundaries (after normalisation, so "al-Qaeda",
    "al Qaeda", "al–Qaeda" and "AL QAEDA" all count for "al Qaeda").

Always: a match may not span a blank line (a paragraph break); a match inside one of
its entity's ``exclude`` phrases is dropped ("West Bank"); overlapping matches
resolve to the longest ("Pakistani Taliban" is only the TTP, "Haqqani network" only
the group, "Islamic State Khorasan" only IS-K); two entities sharing an identical
alias both get the mention; a ``weak_aliases`` entry counts only as the exact or
possessive whole name of several words, and gives no surname. Offsets (``start``,
``end``) index the original text and cover the alias only, not the "'s", "s" or
glued word after it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import Any

from alerts.acronyms import supported
from alerts.keys import SURNAME, TOKEN, Cand, Entry, Key, Rejection, word_starts
from alerts.lexicon import (
    ABBREVIATIONS,
    AR_PREFIX,
    AR_SUFFIXES,
    DETERMINERS,
    DROPPABLE_PARTICLES,
    GLUE_WORDS,
    KEPT_PARTICLES,
    ORDINARY_WORDS,
)
from alerts.names import arabic_other_person, name_forms
from alerts.normalize import Normalized, is_arabic, normalize, normalize_key
from alerts.watchlist import Watchlist

__all__ = ["NOTED_RULES", "RULES", "RULE_LABELS", "Mention", "analyse", "find_mentions"]

RULES = (
    "surname",
    "middle",
    "titled",
    "variant",
    "acronym",
    "script",
    "glued",
    "stripped",
    "possessive",
    "exact",
)

#: What each rule means, in words, for people reading an explanation or an alert.
RULE_LABELS = {
    "exact": "alias",
    "acronym": "acronym",
    "possessive": "possessive",
    "stripped": "possessive without its apostrophe",
    "glued": "glued to the next word",
    "script": "with an Arabic-script prefix or suffix",
    "variant": "variant spelling",
    "surname": "surname after full name",
    "middle": "full name with a middle name, initial or nickname",
    "titled": "title and surname",
}
#: Rules an alert names next to the snippet: a form of the name nobody wrote down.
NOTED_RULES = ("surname", "middle", "titled", "variant")

SNIPPET_MAX = 300


def _not_after(words: Iterable[str]) -> str:
    """Lookbehinds refusing a "." right after one of ``words``, one per word length."""
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(re.escape(word))
    return "".join(
        rf"(?<!\b(?:{'|'.join(sorted(group))})\.)" for _, group in sorted(by_length.items())
    )


# Sentence ends: terminal punctuation (and closing quotes) before whitespace and a
# non-lowercase character, except after common abbreviations and single initials
# ("U.S.", "J. Smith"); or any line break.
_SENTENCE_END = re.compile(
    # One character class first, so the regex engine can skip to candidates fast.
    r"[.!?\u2026\n](?:(?<=\n)\s*|[.!?\u2026]*"
    + _not_after(ABBREVIATIONS)
    + r"(?<![.\s][A-Z]\.)(?<!^[A-Z]\.)"
    + r"[\"'\u201d\u2019)\]]*[^\S\n]+(?=[^\sa-z]))"
)
# The last sentence end in a window: the greedy prefix makes the engine try the
# boundary from the right end leftwards, a reverse search in one call.
_LAST_SENTENCE_END = re.compile(r"(?s:.*)(?:" + _SENTENCE_END.pattern + ")")
# How far to look for a sentence boundary; a longer sentence is cut to a window.
_WINDOW = 400
_WORD_CHARS = re.compile(r"\w+")
_TRAILING_PUNCT = ".,;:!?\"')]}\u201d\u2019"


# ---------------------------------------------------------------------------
# Public values
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of a watchlist entity in a text."""

    entity_id: str
    alias: str  # the configured name/alias that matched, as written in the watchlist
    rule: str  # one of RULES
    start: int  # offsets into the original text: text[start:end] is what matched
    end: int
    snippet: str  # the sentence around the mention, whitespace collapsed, <= 300 chars


# ---------------------------------------------------------------------------
# Boundaries (on normalised text)
# ---------------------------------------------------------------------------


def _right_form(norm: str, start: int, end: int, key: Key) -> str | None:
    """How the alias at [start, end) is followed: a rule name, or None if not a word end."""
    n = len(norm)
    if end >= n:
        return "exact"
    c = norm[end]
    if not c.isalnum():
        if c == "'" and end + 1 < n:
            after = norm[end + 1]
            if after == "s" and (end + 2 >= n or not norm[end + 2].isalnum()):
                return "possessive"
            if after.isalnum():
                return None  # "Qa'ida" is not "Qa"
        # "Taliban' rule" is possessive, "'Taliban'" is just quoted.
        return "exact" if c != "'" or (start and norm[start - 1] == "'") else "possessive"
    if key.arabic:
        rest = _WORD_CHARS.match(norm, end)
        return "script" if rest and rest.group() in AR_SUFFIXES else None
    if c == "s" and key.stripped_ok and (end + 1 >= n or not norm[end + 1].isalnum()):
        return "stripped"
    if key.glued_ok:
        rest = _WORD_CHARS.match(norm, end)
        if rest and rest.group() in GLUE_WORDS:
            return "glued"
    return None


def _arabic_prefix_ok(norm: str, start: int) -> bool:
    """Whether the letters glued before an Arabic-script alias are clitics ("و", "بال")."""
    i = start
    while i > 0 and norm[i - 1].isalnum() and start - i < 4:
        i -= 1
    if i > 0 and norm[i - 1].isalnum():
        return False
    return AR_PREFIX.fullmatch(norm, i, start) is not None


# A hit on normalised text: (start, end, key, form).
_Hit = tuple[int, int, Key, str]


def _scan_order(pair: tuple[int, Key]) -> tuple[int, int]:
    """By end, and longest first at one end: the order one automaton reports hits in."""
    return pair[0], -pair[1].length


def _scan(
    norm: str, automaton: Any, arabic: Any
) -> tuple[list[_Hit], list[tuple[int, int, Entry]], set[str]]:
    """Automaton hits that start and end on word boundaries, exclude-phrase hits, and
    the entities one of whose context words the text holds.

    ``automaton`` (keys in their ``word_starts`` form, run over the text in that form)
    reports only hits that start a word; ``arabic`` (Arabic-script keys) runs over the
    text as it is, and only when it holds an Arabic-script letter. Hits are taken by
    end and, at one end, longest first, as one automaton reports them.

    The hot loop: everything here runs once per raw hit, so it stays inline.
    """
    hits: list[_Hit] = []
    excluded: list[tuple[int, int, Entry]] = []
    context: set[str] = set()
    n = len(norm)
    isalnum = str.isalnum
    startswith = norm.startswith
    append = hits.append
    name_end = -1
    # Offset i + 1 of the word_starts form is offset i of norm: a hit's last offset
    # there is its end here.
    pairs: Iterable[tuple[int, Key]] = (
        automaton.iter(word_starts(norm)) if automaton is not None else ()
    )
    if arabic is not None and is_arabic(norm):
        pairs = sorted(
            chain(pairs, ((last + 1, key) for last, key in arabic.iter(norm))), key=_scan_order
        )
    for end, key in pairs:
        start = end - key.length
        prefixed = False
        if key.checked:
            # Its separators matched any separator: find the key written here, if any.
            found: Key | None = key
            while found is not None and not startswith(found.text, start):
                found = found.alt
            if found is None:
                continue
            key = found
        elif key.arabic and start and isalnum(norm[start - 1]):
            if not _arabic_prefix_ok(norm, start):
                continue
            prefixed = True
        if end < n:
            c = norm[end]
            if isalnum(c):
                # Many raw hits run on into a longer word ("but" in "button"): turned
                # down with a handful of operations, no call, no tuple built.
                if c != "s" and key.strict_right:
                    continue
                form = _right_form(norm, start, end, key)
            elif c == "'":
                form = _right_form(norm, start, end, key)
            else:
                form = "exact"
        else:
            form = "exact"
        if prefixed and (form == "exact" or form == "possessive"):
            form = "script"
        if key.simple and form is not None:
            name_end = end
            append((start, end, key, form))
            continue
        if key.excludes:
            # An exclude phrase needs only to start a word: "West Bank-based" counts.
            excluded.extend((start, end, e) for e in key.excludes)
        if form is None:
            continue
        if key.context:
            context.update(key.context)
        if key.names:
            if not key.caps:
                name_end = end
        elif not key.surnames or end == name_end:
            # Exclude-only, or a surname ending where the name just found ends
            # (hits come longest first): "Kurilla" inside "Michael Kurilla".
            continue
        append((start, end, key, form))
    return hits, excluded, context


# ---------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------


def _caps_ok(span: str, entry: Entry) -> bool:
    """Capital letters where the alias has them (acronyms, "IS" in "IS-Khorasan")."""
    if entry.all_caps:
        return span.upper() == span
    if entry.caps_tokens:
        tokens = TOKEN.findall(span)
        want = TOKEN.findall(entry.alias)
        if len(tokens) != len(want):
            return True  # odd separators (soft hyphens...): give recall the benefit
        return all(tokens[i].upper() == tokens[i] for i in entry.caps_tokens)
    return True


def _candidates(
    hits: list[_Hit],
    nt: Normalized,
    excluded: list[tuple[int, int, Entry]],
    rejected: list[Rejection] | None,
) -> tuple[list[Cand], list[Cand]]:
    """Expand hits into (name, surname) candidates per entity, after case and excludes."""
    text = nt.original
    names: list[Cand] = []
    surnames: list[Cand] = []
    for start, end, key, form in hits:
        if key.plain:  # the common case: one entity, no capitals, no special form
            names.append((start, end, key.names[0], form))
            continue
        span = ""
        if key.caps or key.variant or (form == "stripped" and key.last_ordinary):
            o_start, o_end = nt.span(start, end)
            span = text[o_start:o_end]
            if form == "stripped" and key.last_ordinary and not _last_word_capitalised(span):
                continue
        for entry in key.names:
            if key.caps and (entry.all_caps or entry.caps_tokens):
                if not _caps_ok(span, entry):
                    continue
                if entry.all_caps and form == "stripped":
                    # "TTPs", "NRFs": a plural acronym is something else (tactics...).
                    if rejected is not None:
                        rejected.append((start, end + 1, entry, "plural or inflected acronym"))
                    continue
            if entry.weak and form not in ("exact", "possessive"):
                continue
            if entry.forced_rule == "variant" and not _capitalised_words(span):
                if rejected is not None:
                    rejected.append((start, end, entry, "variant spelling not capitalised"))
                continue
            names.append((start, end, entry, entry.forced_rule or form))
        for entry in key.surnames:
            if entry.forced_rule == "variant" and not _capitalised_words(span):
                continue
            surnames.append((start, end, entry, form))
    if excluded:
        names = _drop_excluded(names, excluded, rejected)
        surnames = _drop_excluded(surnames, excluded, rejected)
    return names, surnames


def _capitalised_words(span: str) -> bool:
    """Every name word of a variant's span (3 letters or more, not an ordinary word
    such as "network") starts with a capital."""
    return all(
        not w[0].islower()
        for w in _NAME_WORD.findall(span)
        if len(w) >= 3 and w.lower() not in _LOWERCASE_OK
    )


# A word with its inner apostrophes ("Qa'idah" is one word, not "Qa" and "idah").
_NAME_WORD = re.compile(r"[^\W_][\w'\u2019]*")


# Words a variant may write in lowercase: ordinary words ("network") and particles.
_LOWERCASE_OK = ORDINARY_WORDS | KEPT_PARTICLES | DROPPABLE_PARTICLES | {"din", "deen"}


def _last_word_capitalised(span: str) -> bool:
    last_word = span.rsplit(None, 1)[-1].rsplit("-", 1)[-1]
    return not last_word[:1].islower()


class _Excluded:
    """Exclude-phrase spans by entity, for "is this span inside one" in log time."""

    def __init__(self, excluded: list[tuple[int, int, Entry]]) -> None:
        spans: dict[str, list[tuple[int, int]]] = {}
        for a, b, e in excluded:
            spans.setdefault(e.entity_id, []).append((a, b))
        self._starts: dict[str, list[int]] = {}
        self._reach: dict[str, list[int]] = {}  # furthest end among spans starting so far
        for entity_id, pairs in spans.items():
            pairs.sort()
            self._starts[entity_id] = [a for a, _ in pairs]
            self._reach[entity_id] = list(accumulate((b for _, b in pairs), max))

    def covers(self, entity_id: str, start: int, end: int) -> bool:
        starts = self._starts.get(entity_id)
        if starts is None:
            return False
        k = bisect_right(starts, start) - 1
        return k >= 0 and self._reach[entity_id][k] >= end


def _drop_excluded(
    cands: list[Cand],
    excluded: list[tuple[int, int, Entry]],
    rejected: list[Rejection] | None,
) -> list[Cand]:
    """Drop candidates lying inside an exclude phrase of their own entity."""
    index = _Excluded(excluded)
    kept = [c for c in cands if not index.covers(c[2].entity_id, c[0], c[1])]
    if rejected is not None and len(kept) < len(cands):
        rejected.extend(
            (c[0], c[1], c[2], "inside an exclude phrase")
            for c in cands
            if index.covers(c[2].entity_id, c[0], c[1])
        )
    return kept


def _span_order(c: Cand) -> tuple[int, int]:
    return c[0], -c[1]


def _longest_order(c: Cand) -> tuple[int, int]:
    return c[0] - c[1], c[0]


def _resolve_names(names: list[Cand]) -> list[Cand]:
    """Longest match wins inside each cluster of overlapping candidates.

    Most candidates overlap nothing, so clusters are found in one sweep and only
    the rare real clusters are sorted. Identical spans (one alias shared by two
    entities) all stay.
    """
    names.sort(key=_span_order)
    kept: list[Cand] = []
    i, n = 0, len(names)
    while i < n:
        cluster_end = names[i][1]
        j = i + 1
        while j < n and names[j][0] < cluster_end:
            cluster_end = max(cluster_end, names[j][1])
            j += 1
        if j == i + 1:
            kept.append(names[i])
        else:
            taken: list[tuple[int, int]] = []
            for c in sorted(names[i:j], key=_longest_order):
                if all(c[1] <= a or b <= c[0] or (a, b) == (c[0], c[1]) for a, b in taken):
                    taken.append((c[0], c[1]))
                    kept.append(c)
        i = j
    kept.sort(key=_span_order)
    return kept


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, non-overlapping spans."""
    i = bisect_left(starts, end)
    return i > 0 and ends[i - 1] > start


def _resolve_surnames(
    surnames: list[Cand],
    names: list[Cand],
    nt: Normalized,
    watchlist: Watchlist,
    rejected: list[Rejection] | None,
) -> list[Cand]:
    """Keep surnames licensed by an earlier full name, in context, not inside a longer match."""
    full_names: dict[str, list[tuple[int, str]]] = {}
    for start, _, entry, _ in names:  # sorted by start
        # A weak alias found whole names the person too, so it licenses the surnames of
        # the entity's listed names (it never gives a surname of its own: keys.py).
        full_names.setdefault(entry.entity_id, []).append((start, entry.alias))
    starts = [c[0] for c in names]
    ends = [c[1] for c in names]
    # All entries sharing a span: the person whose full name came last before it wins.
    by_span: dict[tuple[int, int], list[Cand]] = {}
    for c in surnames:
        by_span.setdefault((c[0], c[1]), []).append(c)
    kept: list[Cand] = []
    for start, end in sorted(by_span, key=lambda s: (s[0] - s[1], s[0])):
        if _overlaps(starts, ends, start, end):
            continue
        best: tuple[int, Cand, str] | None = None
        for c in by_span[(start, end)]:
            seen = full_names.get(c[2].entity_id)
            i = bisect_left(seen, (start, "")) - 1 if seen else -1
            if seen and i >= 0 and (best is None or seen[i][0] > best[0]):
                best = (seen[i][0], c, seen[i][1])
        if best is None:
            continue
        _, c, licence = best
        given = watchlist._given_names.get(c[2].entity_id, frozenset())
        problem = _surname_context_ok(nt, c, given)
        if problem is not None:
            if rejected is not None:
                rejected.append((start, end, c[2], problem))
            continue
        if is_arabic(nt.text[start:end]) and arabic_other_person(
            nt.text, start, watchlist._name_parts.get(c[2].entity_id, ())
        ):
            if rejected is not None:
                rejected.append((start, end, c[2], "surname of another person"))
            continue
        i = bisect_left(starts, start)
        starts.insert(i, start)
        ends.insert(i, end)
        kept.append((start, end, Entry(c[2].entity_id, licence, SURNAME), "surname"))
    return kept


def _token_before(text: str, pos: int) -> str:
    """The whitespace-separated token right before ``pos`` ("" across a line break)."""
    i = pos
    while i > 0 and text[i - 1].isspace():
        if text[i - 1] == "\n":
            return ""
        i -= 1
    if i == pos:
        return ""  # punctuation touches the name: "(Kurilla", "al-Zawahiri"
    j = i
    while j > 0 and not text[j - 1].isspace():
        j -= 1
    return text[j:i]


def _token_after(text: str, pos: int) -> str:
    """The whitespace-separated token right after ``pos`` ("" if punctuation or a line break)."""
    n = len(text)
    i = pos
    while i < n and text[i].isspace():
        if text[i] == "\n":
            return ""
        i += 1
    if i == pos:
        return ""
    j = i
    while j < n and not text[j].isspace():
        j += 1
    return text[i:j]


def _is_capitalised_word(token: str) -> bool:
    return token.isalpha() and token[0].isupper() and not token.isupper()


def _surname_context_ok(nt: Normalized, c: Cand, given: frozenset[str]) -> str | None:
    """The surname checks that need the original text around the mention: None when
    it counts, else why not."""
    text = nt.original
    o_start, o_end = nt.span(c[0], c[1])
    if not _last_word_capitalised(text[o_start:o_end]):
        return "surname in lowercase"  # "the west", "laden"
    entry, form = c[2], c[3]
    before = _token_before(text, o_start)
    folded_before = normalize_key(before) if before else ""
    after = _token_after(text, o_end).rstrip(_TRAILING_PUNCT) if form == "exact" else ""
    if folded_before in DETERMINERS:
        if folded_before != "the" or entry.ordinary:
            return "surname after a determiner"
        # "The Zawahiri strike": the article belongs to the noun after the name.
        if after.isalpha() and after.islower() and after not in GLUE_WORDS:
            return None
        return "surname after a determiner"
    if (
        _is_capitalised_word(before)
        and folded_before not in ORDINARY_WORDS
        and folded_before not in given
    ):
        return "surname of another person"  # "Husain Haqqani", "Jalaluddin Haqqani"
    # "West Virginia", "West Point": an ordinary-word surname opening another name.
    if entry.ordinary and after[:1].isupper():
        return "ordinary-word surname opening another name"
    return None


# ---------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------


def _sentence_start(text: str, pos: int, floor: int) -> int:
    """Where the sentence holding ``pos`` starts (looking back to ``floor`` or _WINDOW)."""
    lo = max(floor, pos - _WINDOW)
    # One step past pos, for the lookahead after the boundary; a mention never starts
    # with whitespace, so the boundary itself still ends by pos.
    m = _LAST_SENTENCE_END.match(text, lo, min(len(text), pos + 1))
    return m.end() if m and m.end() <= pos else lo


def _sentence_end(text: str, pos: int) -> int:
    """Where the sentence holding ``pos`` ends, after its punctuation (or _WINDOW on)."""
    hi = min(len(text), pos + _WINDOW)
    m = _SENTENCE_END.search(text, pos, hi)
    return m.end() if m else hi


def _collapse(text: str) -> str:
    """Whitespace runs as one space, trimmed."""
    return " ".join(text.split())


def _window(text: str, s0: int, s1: int, start: int, end: int) -> str:
    """A window of the long sentence [s0, s1) centred on the mention, collapsed."""
    budget = max(0, SNIPPET_MAX - 2 - (end - start))  # two ellipses
    w0 = max(s0, start - budget // 2)
    w1 = min(s1, end + budget - (start - w0))
    w0 = max(s0, min(w0, w1 - (end - start) - budget))
    head = "…" if w0 > s0 else ""
    tail = "…" if w1 < s1 else ""
    return (head + _collapse(text[w0:w1]) + tail)[:SNIPPET_MAX]


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def find_mentions(text: str, watchlist: Watchlist) -> list[Mention]:
    """Every mention of a watchlist entity in ``text``, sorted by start offset.

    Pure: no I/O, no state; ``text`` is typically title + "\\n\\n" + body.
    """
    return analyse(text, watchlist, None)


def analyse(text: str, watchlist: Watchlist, rejected: list[Rejection] | None) -> list[Mention]:
    """``find_mentions``, also recording each candidate turned down and why into
    ``rejected`` (normalised offsets) when it is a list: what ``alerts.explain`` shows."""
    automaton, arabic = watchlist._automaton, watchlist._arabic_automaton
    if (automaton is None and arabic is None) or not text:
        return []
    nt = normalize(text)
    hits, excluded, context = _scan(nt.text, automaton, arabic)
    if not hits:
        return []
    names, surnames = _candidates(hits, nt, excluded, rejected)
    names = _resolve_names(names)
    if surnames:
        forms, surnames = name_forms(surnames, names, nt, watchlist._name_parts, watchlist.entities)
        if forms:
            names = _resolve_names(names + forms)
        if surnames:
            names += _resolve_surnames(surnames, names, nt, watchlist, rejected)
            names.sort(key=_span_order)
    names = supported(names, nt, context, excluded, rejected)
    return _mentions(names, nt)


def _mentions(cands: list[Cand], nt: Normalized) -> list[Mention]:
    """Mentions with original offsets and sentence snippets, in the candidates' order."""
    text = nt.original
    # Boundaries are looked for near each mention only: splitting the whole text
    # into sentences costs more, even in texts dense with mentions.
    # Sentence of the previous mention: later mentions inside it reuse its snippet,
    # and the search for the next sentence never looks back past its end.
    s0 = s1 = 0
    sentence: str | None = None
    mentions: list[Mention] = []
    identity = nt.identity
    for start, end, entry, form in cands:
        o_start, o_end = (start, end) if identity else _original_span(nt, start, end)
        if o_start >= s1 or o_end > s1:
            if o_start >= s1:
                s0 = _sentence_start(text, o_start, s1)
            # else: a name across a line break ("al\nQaeda") joins the next line.
            s1 = _sentence_end(text, o_end)
            sentence = _collapse(text[s0:s1])
            if len(sentence) > SNIPPET_MAX:
                sentence = None
        snippet = sentence if sentence is not None else _window(text, s0, s1, o_start, o_end)
        if entry.all_caps and form in ("exact", "possessive"):
            form = "acronym"
        mentions.append(Mention(entry.entity_id, entry.alias, form, o_start, o_end, snippet))
    return mentions


def _original_span(nt: Normalized, start: int, end: int) -> tuple[int, int]:
    o_start, o_end = nt.span(start, end)
    text = nt.original
    # Keep trailing combining marks (harakat, accents) with the word they sit on.
    while o_end < len(text) and not text[o_end].isascii() and _is_mark(text[o_end]):
        o_end += 1
    return o_start, o_end


def _is_mark(c: str) -> bool:
    return unicodedata.category(c) == "Mn"
