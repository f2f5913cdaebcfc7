"""Spellings nobody listed: the common Latin transliterations of a name's words.

Names from Arabic script reach English text in many spellings ("al-Qaeda",
"al-Qaida", "al-Qaidah"; "Muttaqi", "Mottaqi"; "Sirajuddin", "Serajuddin"). Rather
than asking users to list them, the watchlist compiles the common variants of each
alias into the automaton under the rule ``variant``. A variant differs from its
alias by one or two of these edits, each on one part of one word:

* a vowel for its usual alternatives: a/e, e/i, i/ee, u/o/ou/oo, ae/ai/a'i, ai/i,
  a final -i/-y;
* a doubled consonant written once, or a single one doubled (Haqqani/Haqani);
* q for k and back (Haqqani/Hakkani);
* an h after d, t, b or z dropped (Khaledh/Khaled), and a final -a/-ah;
* -nd- before a consonant as -n- (Akhundzada/Akhunzada);
* -uddin as -udin, -uddeen, "ud din" (two words), and back;
* the particles al/el/ul for one another.

Precision guards: only words of at least ``MIN_WORD`` letters get variants (the
particles excepted); a variant that is an ordinary word (``lexicon.ORDINARY_WORDS``)
is dropped; acronyms and Arabic-script aliases get none; at most ``MAX_PER_ALIAS``
variants per alias, the one-edit ones first. The matcher also wants every word of a
variant capitalised in the text (``alerts.keys``).
"""

from __future__ import annotations

import re

from alerts.lexicon import ORDINARY_WORDS

__all__ = ["MAX_PER_ALIAS", "MIN_WORD", "alias_variants", "rejected_variants", "word_edits"]

MIN_WORD = 5
MAX_PER_ALIAS = 24

_PARTICLES = {"al": ("el", "ul"), "el": ("al",), "ul": ("al", "ud"), "ud": ("ul",)}
_CONSONANTS = "bcdfghjklmnpqrstvwxz"

# One pattern per edit kind; each match is one place an edit can be made, and the
# mapping gives what may replace it there. Longest alternatives first.
_VOWEL_ALTERNATIVES = {
    "a'i": ("ai", "ae"),
    "a'e": ("ae", "ai"),
    "ae": ("ai", "a'i"),
    "ai": ("ae", "i"),
    "ou": ("u", "oo"),
    "oo": ("u", "ou"),
    "ee": ("i",),
    "a": ("e",),
    "e": ("a", "i"),
    "i": ("e", "ee"),
    "u": ("o", "ou", "oo"),
    "o": ("u",),
}
_VOWELS = re.compile("|".join(sorted(map(re.escape, _VOWEL_ALTERNATIVES), key=len, reverse=True)))
_DOUBLE = re.compile(r"([bdfgjklmnpqrstvz])\1")
_SINGLE = re.compile(r"(?<=[aeiou])([bdfjklmnqrstz])(?=[aeiou])")
_Q_OR_K = re.compile(r"qq|kk|q|k")
_SILENT_H = re.compile(r"(?<=[dtbz])h")
_FINAL_A = re.compile(r"ah$|a$")
_ND = re.compile(r"nd(?=[" + _CONSONANTS + "])")
_UDDIN = re.compile(r"(uddin|udin|uddeen)$")


def _edits(word: str) -> list[tuple[int, int, str]]:
    """Every single edit of ``word``: (start, end, replacement), in a fixed order."""
    out: list[tuple[int, int, str]] = []
    for m in _VOWELS.finditer(word):
        if m.group() == "i" and m.end() == len(word):
            out.append((m.start(), m.end(), "y"))
        for alt in _VOWEL_ALTERNATIVES[m.group()]:
            out.append((m.start(), m.end(), alt))
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        out.append((len(word) - 1, len(word), "i"))
    for m in _DOUBLE.finditer(word):
        out.append((m.start(), m.end(), m.group(1)))
    for m in _SINGLE.finditer(word):
        out.append((m.start(), m.end(), m.group(1) * 2))
    for m in _Q_OR_K.finditer(word):
        swap = {"qq": "kk", "kk": "qq", "q": "k", "k": "q"}[m.group()]
        out.append((m.start(), m.end(), swap))
    for m in _SILENT_H.finditer(word):
        out.append((m.start(), m.end(), ""))
    for m in _FINAL_A.finditer(word):
        out.append((m.start(), m.end(), "a" if m.group() == "ah" else "ah"))
    for m in _ND.finditer(word):
        out.append((m.start(), m.end(), "n"))
    uddin = _UDDIN.search(word)
    if uddin and uddin.start() >= 3:
        for alt in ("uddin", "udin", "uddeen", " ud din"):
            if alt != uddin.group():
                out.append((uddin.start(), uddin.end(), alt))
    return out


def word_edits(word: str) -> list[str]:
    """The one-edit variants of one folded word (the word itself excluded)."""
    if word in _PARTICLES:
        return list(_PARTICLES[word])
    if len(word) < MIN_WORD or not word.isascii() or not word.replace("'", "").isalpha():
        return []
    seen: dict[str, None] = {}
    for start, end, alt in _edits(word):
        variant = word[:start] + alt + word[end:]
        if variant != word:
            seen.setdefault(variant, None)
    return list(seen)


def _joined(words: list[str]) -> list[list[str]]:
    """Words of the form "X ud din" also written as one word ("Xuddin"), and back."""
    out = []
    for i in range(len(words) - 2):
        if words[i + 1] in ("ud", "ul", "al") and words[i + 2] == "din" and len(words[i]) >= 3:
            out.append([*words[:i], words[i] + "uddin", *words[i + 3 :]])
    return out


def _all_variants(key: str) -> list[str]:
    """Variants of a normalised alias, one-edit ones first, without the ordinary-word guard.

    Only name words change: an ordinary word of the alias ("network", "state") stays.
    """
    words = key.split(" ")
    if not all(w.isascii() for w in words):
        return []
    singles = [
        (i, v) for i, w in enumerate(words) if w not in ORDINARY_WORDS for v in word_edits(w)
    ]
    seen: dict[str, None] = {" ".join(base): None for base in _joined(words)}

    def put(i: int, v: str, j: int = -1, u: str = "") -> None:
        changed = list(words)
        changed[i] = v
        if j >= 0:
            changed[j] = u
        seen.setdefault(" ".join(changed), None)

    for i, v in singles:
        put(i, v)
    limit = 3 * MAX_PER_ALIAS
    # Two edits in one name word ("al-Qaidah" for "al-Qaeda") before one edit in
    # each of two words: transliterations differ within a word more often.
    for i, v in singles:
        if len(seen) >= limit:
            break
        if words[i] not in _PARTICLES:
            for v2 in word_edits(v):
                if v2 != words[i]:
                    put(i, v2)
    for n, (i, v) in enumerate(singles):
        if len(seen) >= limit:
            break
        for j, u in singles[n + 1 :]:
            if j != i:
                put(i, v, j, u)
    seen.pop(key, None)
    return list(seen)[:limit]


def _is_ordinary(variant: str) -> bool:
    """A variant of one word, or with a word, that reads as an ordinary English word."""
    return any(w in ORDINARY_WORDS and len(w) >= 3 for w in variant.split(" ") if w)


def alias_variants(key: str) -> list[str]:
    """The variant keys of one normalised alias key (at most MAX_PER_ALIAS)."""
    out: list[str] = []
    original = set(key.split(" "))
    for variant in _all_variants(key):
        new_words = set(variant.split(" ")) - original
        if _is_ordinary(" ".join(new_words)):
            continue
        out.append(variant)
        if len(out) == MAX_PER_ALIAS:
            break
    return out


def rejected_variants(key: str) -> list[str]:
    """Variants the ordinary-word guard drops ("said" for "sayed"), for ``explain``."""
    original = set(key.split(" "))
    return [v for v in _all_variants(key) if _is_ordinary(" ".join(set(v.split(" ")) - original))][
        :MAX_PER_ALIAS
    ]
