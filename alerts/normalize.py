"""Text normalisation for the matcher, with a way back to original offsets.

``normalize(text)`` returns the text the matcher's Aho-Corasick automata run over
(the Arabic-script keys' one as it is, the other in ``alerts.keys.word_starts`` form):

* every non-ASCII character is folded on its own: NFKC, casefold, diacritics and
  Arabic harakat removed (any nonspacing mark, category Mn), curly and modifier
  apostrophes become ``'``, every dash (category Pd, and the minus sign) becomes a
  space, any Unicode space becomes a space, invisible format characters (soft
  hyphen, zero-width joiners and non-joiners, bidi marks; category Cf) and the
  Arabic tatweel disappear, and Arabic-script letter variants fold to one form
  (ي/ی/ى, ك/ک, ه/ة/ہ/ھ/ە, ٱ→ا; hamza carriers lose the hamza with the other marks);
* ASCII is lowercased, ``-`` becomes a space and a backtick an apostrophe;
* any run of whitespace becomes one space, except a paragraph break (a run with
  two or more line breaks), which stays as it is: no alias contains a newline, so
  no match can span two paragraphs;
* other punctuation and symbols stay as they are (they only ever separate words; a
  "™" folded to "tm" would glue itself to a name). The commonest non-ASCII ones are
  replaced by ASCII look-alikes of the same length (curly quotes, "…" -> ".", "•").

Folding character by character rather than running NFKC over the whole string is
deliberate: because every combining mark is dropped anyway, the result is the same
for the scripts we care about (a precomposed "é" and "e" + U+0301 both fold to "e"),
and it lets a news text go through ``str.replace`` and ``str.lower`` at C speed:
the commonest non-ASCII characters (curly quotes, dashes, no-break spaces) are
replaced one by one with ASCII of the same length, and only what is left (accented
names, other scripts) is looked up, run by run, in a cached table.

Folding can change the length of the text (a ligature expands, a soft hyphen
vanishes, a run of spaces shrinks), so ``Normalized`` keeps a sparse list of the
places where that happened and maps offsets back to the original text on demand.
Texts whose length did not change carry no map at all.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator

__all__ = ["Normalized", "fold_char", "is_arabic", "normalize", "normalize_key"]

# Characters that stand in for an apostrophe in news text and transliterations
# (curly quotes, modifier letters used for hamza/ayn, prime, acute accent, backtick).
_APOSTROPHES = frozenset("`\u2018\u2019\u201b\u02b9\u02bb\u02bc\u02be\u02bf\u2032\u00b4\uff07")

# Arabic-script letters written interchangeably across Arabic, Persian, Urdu and
# Pashto keyboards. Teh marbuta folds to heh because news text swaps them freely
# at the end of a word; both sides of a match are folded, so nothing is lost.
_ARABIC_FOLDS = {
    "\u0649": "\u064a",  # alef maksura -> yeh
    "\u06cc": "\u064a",  # Farsi yeh -> yeh
    "\u06a9": "\u0643",  # keheh -> kaf
    "\u06aa": "\u0643",  # swash kaf -> kaf
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u06c3": "\u0647",  # teh marbuta goal -> heh
    "\u06c1": "\u0647",  # heh goal -> heh
    "\u06be": "\u0647",  # heh doachashmee -> heh
    "\u06d5": "\u0647",  # ae (what heh-with-hamza decomposes to) -> heh
    "\u0671": "\u0627",  # alef wasla -> alef
    "\u0640": "",  # tatweel: pure typography
}

# The commonest non-ASCII characters of English news and their same-length ASCII
# stand-ins; replaced with str.replace before anything else (what fold_char gives
# for them, too).
_STAND_INS = {  # most frequent first: the loop stops once the text is ASCII
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2014": " ",
    "\u2013": " ",
    "\u2018": "'",
    "\u00a0": " ",
    "\u2026": ".",
    "\u2022": "*",
    "\u2011": " ",
    "\u2010": " ",
    "\u2212": " ",
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201e": '"',
    "\u2009": " ",
    "\u202f": " ",
    "\u2032": "'",
    "\u00b4": "'",
    "\u02bc": "'",
}
_STAND_IN_ITEMS = tuple(_STAND_INS.items())

_OTHER_ASCII_SPACES = "\t\r\f\v\x1c\x1d\x1e\x1f"
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_CHUNK = 256
# Starts with a literal, which lets the regex engine skip ahead fast.
_NEWLINE_RUN = re.compile(r"\n[ \n]*")
# Searched with re rather than str.find: for needles this short, made of the
# commonest character, the regex engine is several times faster.
_DOUBLE_SPACE = re.compile("  ")
_NEWLINE_PAIR = re.compile("\n\n")
# The Arabic script's letters (Arabic, Persian, Urdu, Pashto), for ``is_arabic``.
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u08ff]")


def _fold_one(c: str) -> str:
    """Fold one character that is already NFKC, casefolded and decomposed."""
    if c in _APOSTROPHES:
        return "'"
    category = unicodedata.category(c)
    if category == "Pd" or c == "\u2212" or c.isspace():
        return " "
    if category in ("Mn", "Cf"):
        return ""  # diacritics, harakat; soft hyphens, zero-width (non-)joiners, bidi marks
    return _ARABIC_FOLDS.get(c, c)


def fold_char(ch: str) -> str:
    """Return what one character becomes in normalised text (may be "" or several)."""
    if ch in _STAND_INS:
        return _STAND_INS[ch]
    # Checked before NFKC because NFKC turns an acute accent into space + mark.
    if ch in _APOSTROPHES:
        return "'"
    if ch in "\u2028\u2029\x85":
        return "\n"  # line and paragraph separators count as line breaks
    if ch == "\u2212" or ch.isspace():
        return " "
    category = unicodedata.category(ch)
    if category == "Pd":
        return " "
    if category[0] in "PS":
        return ch  # punctuation and symbols only separate words: leave them be
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", ch).casefold())
    folded = "".join(_fold_one(c) for c in decomposed)
    # NFC puts back what NFD split apart that is not a mark (Hangul syllables).
    return unicodedata.normalize("NFC", folded)


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds and caches characters on first sight."""

    def __init__(self) -> None:
        super().__init__()
        # Characters whose folded form is not exactly one character long.
        self.resizing: set[str] = set()

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        if len(folded) != 1:
            self.resizing.add(chr(code))
        # A race between threads only computes the same value twice.
        self[code] = folded
        return folded


_FOLD = _FoldTable()


class _Segments:
    """Places where one stage of normalisation replaced input by output of another length.

    Segment k replaced input[in_starts[k]:in_ends[k]] by output[out_starts[k]:out_ends[k]];
    outside the segments, output and input advance together.
    """

    __slots__ = ("in_ends", "in_starts", "out_ends", "out_starts")

    def __init__(self) -> None:
        self.out_starts: list[int] = []
        self.out_ends: list[int] = []
        self.in_starts: list[int] = []
        self.in_ends: list[int] = []

    @classmethod
    def from_runs(cls, spans: list[tuple[int, int]]) -> _Segments:
        """Segments for input runs [a, b) each replaced by one character."""
        segments = cls()
        removed = 0
        for a, b in spans:
            segments.out_starts.append(a - removed)
            segments.out_ends.append(a - removed + 1)
            removed += b - a - 1
        segments.in_starts = [a for a, _ in spans]
        segments.in_ends = [b for _, b in spans]
        return segments

    def add(self, out_start: int, out_len: int, in_start: int, in_end: int) -> None:
        self.out_starts.append(out_start)
        self.out_ends.append(out_start + out_len)
        self.in_starts.append(in_start)
        self.in_ends.append(in_end)

    def start(self, i: int) -> int:
        """Input offset where output offset ``i`` starts."""
        k = bisect_right(self.out_starts, i) - 1
        if k < 0:
            return i
        if i < self.out_ends[k]:
            return self.in_starts[k]
        return self.in_ends[k] + (i - self.out_ends[k])

    def end(self, j: int) -> int:
        """Input offset where an output span ending (exclusively) at ``j`` ends."""
        if j <= 0:
            return 0
        last = j - 1
        k = bisect_right(self.out_starts, last) - 1
        if k < 0:
            return j
        if last < self.out_ends[k]:
            return self.in_ends[k]
        return self.in_ends[k] + (last - self.out_ends[k]) + 1


class Normalized:
    """Normalised text plus the map from its offsets back to the original's."""

    __slots__ = ("_stages", "original", "text")

    def __init__(self, original: str, text: str, stages: tuple[_Segments, ...]) -> None:
        self.original = original
        self.text = text
        # Mapping back applies the last stage first.
        self._stages = stages[::-1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the original text."""
        for stage in self._stages:
            start, end = stage.start(start), stage.end(end)
        return start, end

    @property
    def identity(self) -> bool:
        """True when offsets in ``text`` are offsets in ``original``."""
        return not self._stages


def _non_ascii_runs(text: str) -> Iterator[re.Match[str]]:
    """Runs of non-ASCII characters, found without scanning the ASCII stretches in Python.

    ``str.isascii`` on a 256-character slice is far cheaper than running the regex
    over it, and most slices of an English text are ASCII. Runs may be cut at slice
    edges, which is harmless: characters are folded one by one.
    """
    n = len(text)
    for i in range(0, n, _CHUNK):
        if not text[i : i + _CHUNK].isascii():
            yield from _NON_ASCII_RUN.finditer(text, i, i + _CHUNK)


def _fold_non_ascii(text: str) -> tuple[str, _Segments | None]:
    """Fold every non-ASCII run; record where the length changed."""
    pieces: list[str] = []
    segments: _Segments | None = None
    last = 0
    out_len = 0
    for match in _non_ascii_runs(text):
        a, b = match.span()
        pieces.append(text[last:a])
        out_len += a - last
        run = match.group()
        folded = run.translate(_FOLD)
        if len(folded) == len(run) and _FOLD.resizing.isdisjoint(run):
            pieces.append(folded)
            out_len += len(folded)
        else:
            # Rare (ligatures, soft hyphens, marks, tatweel): go char by char.
            if segments is None:
                segments = _Segments()
            for offset, ch in enumerate(run):
                piece = _FOLD[ord(ch)]
                if len(piece) != 1:
                    segments.add(out_len, len(piece), a + offset, a + offset + 1)
                pieces.append(piece)
                out_len += len(piece)
        last = b
    pieces.append(text[last:])
    return "".join(pieces), segments


def _fold_newlines(text: str) -> tuple[str, _Segments | None]:
    """A lone line break (with the spaces after it) becomes one space.

    Paragraph breaks (two or more newlines in a run) stay as they are: no alias
    contains a newline, so they keep matches from spanning two paragraphs.
    """
    if "\n" not in text or text.count("\n") == 2 * len(_NEWLINE_PAIR.findall(text)):
        return text, None  # every newline has a twin next to it: only paragraph breaks
    pieces: list[str] = []
    segments: _Segments | None = None
    last = 0
    out_len = 0
    for match in _NEWLINE_RUN.finditer(text):
        a, b = match.span()
        if text.count("\n", a, b) > 1:
            continue
        pieces.append(text[last:a])
        out_len += a - last
        if b - a != 1:
            if segments is None:
                segments = _Segments()
            segments.add(out_len, 1, a, b)
        pieces.append(" ")
        out_len += 1
        last = b
    pieces.append(text[last:])
    return "".join(pieces), segments


def _collapse_spaces(text: str) -> tuple[str, _Segments | None]:
    """Runs of spaces become one space."""
    match = _DOUBLE_SPACE.search(text)
    if match is None:
        return text, None
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    last = 0
    while match is not None:
        i = match.start()
        j = i + 2
        while text.startswith(" ", j):
            j += 1
        pieces.append(text[last : i + 1])
        spans.append((i, j))
        last = j
        match = _DOUBLE_SPACE.search(text, j)
    pieces.append(text[last:])
    return "".join(pieces), _Segments.from_runs(spans)


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching (see the module docstring for what that means)."""
    stages: list[_Segments] = []
    folded = text
    if not folded.isascii():
        for char, stand_in in _STAND_IN_ITEMS:
            if char in folded:
                folded = folded.replace(char, stand_in)
                if folded.isascii():  # O(1): CPython knows the narrowest kind
                    break
        if not folded.isascii():
            folded, segments = _fold_non_ascii(folded)
            if segments is not None:
                stages.append(segments)
    # Non-ASCII characters are already casefolded; lower() only changes ASCII here.
    folded = folded.lower()
    if "-" in folded:
        folded = folded.replace("-", " ")
    if "`" in folded:
        folded = folded.replace("`", "'")
    for space in _OTHER_ASCII_SPACES:
        if space in folded:
            folded = folded.replace(space, " ")
    for stage in (_fold_newlines, _collapse_spaces):
        folded, segments = stage(folded)
        if segments is not None:
            stages.append(segments)
    return Normalized(text, folded, tuple(stages))


def normalize_key(phrase: str) -> str:
    """Normalise a watchlist phrase (alias, exclude) the same way as text, trimmed."""
    return normalize(phrase).text.strip()


def is_arabic(text: str) -> bool:
    """Whether ``text`` holds a letter of the Arabic script (Arabic, Persian, Urdu, Pashto)."""
    # Both answered in C: isascii for the common case, one regex search for the rest.
    return not text.isascii() and _ARABIC_LETTER.search(text) is not None
