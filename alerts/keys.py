"""A watchlist compiled for the matcher: the automaton keys and what each one means.

Every alias gives the keys of ``alias_keys`` (``alerts.watchlist``: the one rule for
turning an alias into what the matcher looks for) and, unless the entity says
``variants = false``, its transliteration variants (``alerts.variants``); a person's
full names also give their surnames (and theirs); every ``exclude`` phrase gives its
keys and variants; every ``context`` word its key. Each key carries the entries
(entity, role, case constraints) that ``alerts.matcher`` checks on a hit. A variant
never shadows a listed name: a key that is some entity's alias or surname as written
carries no variant entry of the same role.

The keys go into two pyahocorasick automata. Keys in the Arabic script, whose
clitic prefixes glue onto them inside a word, go into one run over the normalised
text as it is (and only over texts holding an Arabic-script letter). Every other key
can only match at a word start, so its automaton holds it in its ``word_starts``
form, "\\0" and then the key with every character that is not a letter or a digit
as "\\0", and runs over the text in the same form: the trie's root has one child,
a word that stops matching sends the walk back to the root (or to a later word start
within the current match), and no hit that starts inside a word is ever reported.
Keys that differ only in their separators ("qa ida", "qa'ida") share one form; a hit
is checked against the key as written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ahocorasick

from alerts.lexicon import (
    DROPPABLE_PARTICLES,
    INITIALS_SKIP,
    KEPT_PARTICLES,
    ORDINARY_WORDS,
    TITLES,
)
from alerts.normalize import is_arabic, normalize_key
from alerts.variants import alias_variants
from alerts.watchlist import alias_key, alias_keys

if TYPE_CHECKING:
    from alerts.watchlist import Entity

TOKEN = re.compile(r"[^\W_]+")

NAME, SURNAME, EXCLUDE, CONTEXT = 0, 1, 2, 3


# Byte by byte over UTF-8, where every byte below 0x80 is an ASCII character and no
# other character holds one: ASCII separators become 0, everything else stays.
_ASCII_SEPARATORS = bytes(b if chr(b).isalnum() else 0 for b in range(128)) + bytes(range(128, 256))
# Characters outside ASCII that are not letters or digits (``\w`` is ``isalnum`` or "_").
_OTHER_SEPARATOR = re.compile(r"[^\w\x00-\x7f]")


def word_starts(text: str) -> str:
    """``text`` with "\\0" in place of each character that is not a letter or a digit,
    after a "\\0" standing for what precedes the text: offset ``i`` of ``text`` is
    offset ``i + 1`` here. A key in this form matches exactly where the key's letters
    and digits do and a separator (or the start of the text) comes right before it."""
    # str.translate is fast on ASCII text only, bytes.translate on any text; the
    # regular expression runs only on text that is not ASCII.
    marked = (
        text.encode("utf-8", "surrogatepass")
        .translate(_ASCII_SEPARATORS)
        .decode("utf-8", "surrogatepass")
    )
    if not marked.isascii():
        marked = _OTHER_SEPARATOR.sub("\0", marked)
    return "\0" + marked


@dataclass(frozen=True, slots=True)
class Entry:
    """What one automaton key means for one entity."""

    entity_id: str
    alias: str  # as written in the watchlist (for a surname: the full name it came from)
    role: int  # NAME, SURNAME or EXCLUDE
    all_caps: bool = False  # short all-capital alias: the whole span must be capitals
    caps_tokens: tuple[int, ...] = ()  # tokens that must be capitals ("IS" in "IS-Khorasan")
    ordinary: bool = False  # a one-word surname that is an ordinary English word
    forced_rule: str | None = None  # rule implied by the key itself ("script", "variant")
    weak: bool = False  # a weak alias: whole name only, no lenient forms
    initials: str = ""  # an acronym's letters ("TTP"), or an exclude phrase's initials


# A candidate mention on normalised text: (start, end, entry, form).
Cand = tuple[int, int, Entry, str]
# A candidate turned down, for ``explain``: (start, end, entry, reason), normalised offsets.
Rejection = tuple[int, int, Entry, str]


@dataclass(frozen=True, slots=True)
class Key:
    """The payload of one automaton key: its length, flags and entries by role."""

    length: int
    text: str  # the normalised key
    names: tuple[Entry, ...]
    surnames: tuple[Entry, ...]
    excludes: tuple[Entry, ...]
    context: tuple[str, ...]  # entities this word is a context word of
    arabic: bool  # Arabic-script key: clitic rules instead of stripped/glued
    stripped_ok: bool
    glued_ok: bool
    caps: bool  # some entry needs capitals checked against the original text
    variant: bool  # some name or surname entry is a variant: its words need capitals
    # Several words, the last an ordinary one ("Islamic State"): "+s" only after a
    # capital, so "Islamic States" can be a lost apostrophe but "Islamic states" is not.
    last_ordinary: bool
    plain: bool  # exactly one name entry, nothing to check: the fast path
    # A letter or digit after the key other than "s" or "'" ends the hit there: no
    # clitic suffix, no glued word, no exclude phrase (those only need to start a word).
    strict_right: bool
    # Plain, and neither an exclude phrase nor a context word: the scan just keeps it.
    simple: bool
    # Holds a separator, which ``word_starts`` turned into "\0": a hit must be
    # compared with ``text`` (never for Arabic-script keys, scanned as written).
    checked: bool
    # Another key with the same ``word_starts`` form ("qa ida" for "qa'ida").
    alt: Key | None = None


def _automaton(payloads: Mapping[str, object]) -> Any:
    """A pyahocorasick automaton of ``payloads`` (None when there is nothing to find)."""
    if not payloads:
        return None
    automaton = ahocorasick.Automaton()
    for key, payload in payloads.items():
        automaton.add_word(key, payload)
    automaton.make_automaton()
    return automaton


def _caps_shape(alias: str) -> tuple[bool, tuple[int, ...]]:
    """Which parts of an alias must be written in capitals."""
    letters = [c for c in alias if c.isalpha()]
    if letters and len(letters) <= 6 and all(c.isupper() for c in letters):
        return True, ()
    tokens = TOKEN.findall(alias)
    caps = tuple(
        i for i, tok in enumerate(tokens) if 2 <= len(tok) <= 6 and tok.isupper() and tok.isalpha()
    )
    return False, caps


def _add(keys: dict[str, list[Entry]], key: str, entry: Entry) -> None:
    if not key:
        return
    entries = keys.setdefault(key, [])
    # One entry per entity and role: the first alias to produce a key names it.
    if not any(e.entity_id == entry.entity_id and e.role == entry.role for e in entries):
        entries.append(entry)


def initials(phrase: str) -> str:
    """The capital letters an acronym of ``phrase`` would have ("Tehrik-i-Taliban
    Pakistan" -> "TTP"), small words skipped; for an acronym, its own letters."""
    letters = [c for c in phrase if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return "".join(letters)
    words = [w for w in TOKEN.findall(normalize_key(phrase)) if w not in INITIALS_SKIP]
    return "".join(w[0] for w in words).upper()


def _add_entity(entity: Entity, keys: dict[str, list[Entry]]) -> None:
    """Add the automaton keys (aliases and their forms, surnames, excludes, context words)
    of one entity; variants last, so that a listed name always comes first."""
    later: list[tuple[str, Entry]] = []
    for alias in entity.names:
        key, *more = alias_keys(alias)
        all_caps, caps_tokens = _caps_shape(alias)
        entry = Entry(
            entity.id,
            alias,
            NAME,
            all_caps=all_caps,
            caps_tokens=caps_tokens,
            initials=initials(alias) if all_caps else "",
        )
        _add(keys, key, entry)
        for other in more:
            # The ل + ال -> لل form of an Arabic alias is a clitic form by itself.
            if other.startswith("\u0644\u0644") and not key.startswith("\u0644\u0644"):
                _add(keys, other, Entry(entity.id, alias, NAME, forced_rule="script"))
            else:
                _add(keys, other, entry)
        with_variants = entity.variants and not all_caps and not caps_tokens
        if with_variants:
            variant = Entry(entity.id, alias, NAME, forced_rule="variant")
            later.extend((v, variant) for v in alias_variants(key))
        if entity.kind == "official":
            for surname in surnames(key):
                ordinary = " " not in surname and surname in ORDINARY_WORDS
                _add(keys, surname, Entry(entity.id, alias, SURNAME, ordinary=ordinary))
                if with_variants:
                    variant = Entry(entity.id, alias, SURNAME, forced_rule="variant")
                    later.extend((v, variant) for v in alias_variants(surname))
    for alias in entity.weak_aliases:
        if weak_alias_usable(alias):  # never a lone word, never only ordinary words
            _add(keys, alias_key(alias), Entry(entity.id, alias, NAME, weak=True))
    for phrase in entity.exclude:
        exclude = Entry(entity.id, phrase, EXCLUDE, initials=initials(phrase))
        for key in alias_keys(phrase):
            _add(keys, key, exclude)
        if entity.variants:
            later.extend((v, exclude) for v in alias_variants(alias_key(phrase)))
    for word in entity.context:
        _add(keys, alias_key(word), Entry(entity.id, word, CONTEXT))
    for key, entry in later:
        _add(keys, key, entry)


def weak_alias_usable(alias: str) -> bool:
    """Whether a weak alias is matched at all: only when it has two words that are
    neither ordinary words nor particles ("Abdul Ghani Biradar", not "Baradar",
    "Mullah Baradar", "Abu Muhammad" or "The Doctor")."""
    particles = DROPPABLE_PARTICLES | KEPT_PARTICLES
    words = alias_key(alias).split(" ")
    return sum(1 for w in words if w and w not in ORDINARY_WORDS and w not in particles) >= 2


def surnames(key: str) -> list[str]:
    """Surname keys of a normalised full name: "ayman al zawahiri" -> al zawahiri, zawahiri."""
    tokens = key.split(" ")
    if len(tokens) < 2:
        return []
    last = tokens[-1]
    if len(last) < 3 or last in TITLES:
        return []
    particles: list[str] = []
    for tok in reversed(tokens[1:-1]):
        if tok in DROPPABLE_PARTICLES or tok in KEPT_PARTICLES:
            particles.insert(0, tok)
        else:
            break
    if not particles:
        return [last]
    full = " ".join([*particles, last])
    if all(p in DROPPABLE_PARTICLES for p in particles):
        return [full, last]
    return [full]


def given_names(entity: Entity) -> frozenset[str]:
    """The non-surname words of a person's names ("michael", "erik" for Kurilla)."""
    words: set[str] = set()
    for alias in entity.names:
        key = normalize_key(alias)
        surname_words = {w for s in surnames(key) for w in s.split(" ")}
        words.update(t for t in key.split(" ") if t not in surname_words)
    return frozenset(words - DROPPABLE_PARTICLES - KEPT_PARTICLES)


def _listed_first(entries: list[Entry], role: int) -> tuple[Entry, ...]:
    """The entries of one role; variants only when no entity lists the key as written."""
    of_role = [e for e in entries if e.role == role]
    listed = [e for e in of_role if e.forced_rule != "variant"]
    return tuple(listed if listed else of_role)


def _make_key(key: str, entries: list[Entry]) -> Key:
    arabic = is_arabic(key)
    last = key.rsplit(" ", 1)[-1]
    caps = any(e.all_caps or e.caps_tokens for e in entries)
    names = _listed_first(entries, NAME)
    surnames = _listed_first(entries, SURNAME)
    variant = any(e.forced_rule == "variant" for e in names + surnames)
    last_ordinary = " " in key and last in ORDINARY_WORDS
    excludes = tuple(e for e in entries if e.role == EXCLUDE)
    context = tuple(e.entity_id for e in entries if e.role == CONTEXT)
    glued_ok = (
        not arabic and not caps and len(last) >= 4 and last.isalpha() and last not in ORDINARY_WORDS
    )
    plain = (
        len(names) == 1
        and not surnames
        and not caps
        and not variant
        and not last_ordinary
        and names[0].forced_rule is None
        and not names[0].weak
    )
    return Key(
        length=len(key),
        text=key,
        names=names,
        surnames=surnames,
        excludes=excludes,
        context=context,
        arabic=arabic,
        stripped_ok=not arabic and not (" " not in key and key in ORDINARY_WORDS),
        # Capitals mean an acronym in the alias: "IS-Khorasanwe" is no glue.
        glued_ok=glued_ok,
        caps=caps,
        variant=variant,
        last_ordinary=last_ordinary,
        plain=plain,
        strict_right=not arabic and not glued_ok and not excludes,
        simple=plain and not excludes and not context,
        checked=not arabic and not key.isalnum(),
    )


@dataclass(frozen=True, slots=True)
class Compiled:
    """What the matcher needs of a watchlist: the automata and each person's given names."""

    automaton: Any  # keys in their word_starts form; None when there are none
    arabic_automaton: Any  # Arabic-script keys as written; None when there are none
    given_names: Mapping[str, frozenset[str]]
    name_parts: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]
    key_count: int


def build(entities: Iterable[Entity]) -> Compiled:
    """Compile entities (ids already checked unique) into the automata and their payloads."""
    keys: dict[str, list[Entry]] = {}
    given: dict[str, frozenset[str]] = {}
    parts: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {}
    for entity in entities:
        _add_entity(entity, keys)
        if entity.kind == "official":
            given[entity.id] = given_names(entity)
            parts[entity.id] = name_parts(entity)
    by_form: dict[str, Key] = {}
    arabic: dict[str, Key] = {}
    for text, entries in keys.items():
        key = _make_key(text, entries)
        if key.arabic:
            arabic[text] = key
        else:
            form = word_starts(text)
            other = by_form.get(form)
            by_form[form] = key if other is None else dataclasses.replace(key, alt=other)
    return Compiled(_automaton(by_form), _automaton(arabic), given, parts, len(keys))


def name_parts(entity: Entity) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(given-name words, alias) of each of a person's full names: (("michael",),
    "Michael Kurilla"); in each of the written forms of an Arabic-script name."""
    parts: dict[tuple[str, ...], str] = {}
    for alias in entity.names:
        for key in alias_keys(alias):
            forms = surnames(key)
            if forms:
                given = tuple(key.split(" ")[: -len(forms[0].split(" "))])
                if given:
                    parts.setdefault(given, alias)
    return tuple(parts.items())
