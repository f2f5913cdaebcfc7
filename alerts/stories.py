"""Stories: one text, many copies. Pure grouping, no database.

The same wire story runs on dozens of sites, and blogs repost articles whole. Two
articles are copies of one story when their main text is the same or nearly so:
a repost with its own header and footer, a wire copy under an outlet's own lead
paragraph, a corrected or trimmed version.

- ``signature(text)``: a MinHash (datasketch, 128 permutations, its named
  ``affine32`` scheme) of the text's word shingles, with the number of shingles.
  Signatures are stored, so the scheme and its parameters are part of ``KIND``.
- ``score(a, b)``: how much of the shorter text the longer one contains (the
  *containment*, from the estimated Jaccard similarity and the two sizes). A trimmed
  copy keeps all of its text in the original, so it scores high; two different
  stories sharing a boilerplate paragraph or two score low.
- ``StoryIndex``: the recent signatures in a banded LSH index, so a new article is
  compared with the few that share a band with it, never with every stored one.

The parameters (shingle size, measure, threshold) were chosen by measuring
precision and recall on the labelled stories in tests/stories/ with
benchmarks/stories.py; docs/BENCHMARKS.md has the numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash

#: Words per shingle.
SHINGLE_WORDS = 4
#: MinHash permutations: a Jaccard estimate to about ±0.04.
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
#: Texts with fewer distinct shingles than this are too short to tell a copy from
#: a coincidence ("The Taliban said."): each is a story of its own.
MIN_SHINGLES = 40
#: "containment" (of the shorter text in the longer) or "jaccard".
MEASURE = "containment"
#: Two texts scoring at least this are one story.
THRESHOLD = 0.55
#: LSH banding: BANDS bands of ROWS MinHash values each (BANDS * ROWS <= NUM_PERM).
#: Two rows per band make a pair with Jaccard 0.2 a candidate 93% of the time
#: (a copy trimmed to a third of the original has about that), 0.3 99.8%.
BANDS, ROWS = 64, 2
#: How far back a new article looks for the story it belongs to.
WINDOW = timedelta(days=7)
#: What a stored signature is: change it whenever anything above that shapes the
#: signature changes, and stored signatures of another kind are recomputed.
KIND = f"minhash-{SCHEME}-p{NUM_PERM}-s{SEED}-w{SHINGLE_WORDS}"

_WORD = re.compile(r"\w+")


class StoryIndexError(ValueError):
    """Index parameters that do not fit together, or a signature of the wrong size."""


def words(text: str) -> list[str]:
    """The text's words, case-folded and Unicode-normalized (NFKC): punctuation,
    quotes, dashes and spacing do not tell copies apart."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The distinct runs of ``size`` consecutive words."""
    tokens = words(text)
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


@dataclass(frozen=True, eq=False)
class Signature:
    """A text's MinHash (``values``, NUM_PERM uint32) and its number of shingles."""

    values: np.ndarray
    size: int

    def to_bytes(self) -> bytes:
        """The values as stored: little-endian uint32."""
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, size: int) -> Signature:
        return cls(np.frombuffer(blob, dtype="<u4").astype(np.uint32), int(size))


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> Any:
    """The permutations of SEED (drawn once, not for every article)."""
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations


def signature(
    text: str | None, *, shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM
) -> Signature | None:
    """The signature of an article's main text, or None when it is too short to group."""
    found = shingles(text or "", shingle_words)
    if len(found) < MIN_SHINGLES:
        return None
    minhash = MinHash(
        num_perm=num_perm, seed=SEED, scheme=SCHEME, permutations=_permutations(num_perm)
    )
    minhash.update_batch([s.encode("utf-8") for s in found])
    return Signature(np.asarray(minhash.hashvalues, dtype=np.uint32), len(found))


def stored_form(sig: Signature | None) -> tuple[str, int, bytes]:
    """A signature as it is stored: (KIND, shingles, MinHash bytes); None (a text too
    short to group) is stored as no shingles and empty bytes."""
    return (KIND, sig.size, sig.to_bytes()) if sig is not None else (KIND, 0, b"")


def jaccard(a: Signature, b: Signature) -> float:
    """The estimated Jaccard similarity of two texts' shingle sets."""
    return float(np.count_nonzero(a.values == b.values)) / len(a.values)


def _containment(
    j: np.ndarray | float, size_a: np.ndarray | int, size_b: np.ndarray | int
) -> Any:  # numpy's broadcasting: an array if any argument is one, else a scalar
    # |A ∩ B| = J (|A| + |B|) / (1 + J); divided by the smaller set.
    inter = j * (size_a + size_b) / (1.0 + j)
    return np.minimum(1.0, inter / np.minimum(size_a, size_b))


def containment(a: Signature, b: Signature) -> float:
    """The estimated share of the shorter text's shingles found in the longer one."""
    return float(_containment(jaccard(a, b), a.size, b.size))


def score(a: Signature, b: Signature, measure: str = MEASURE) -> float:
    """How alike two texts are, by ``measure``: 0 (nothing shared) to 1."""
    return containment(a, b) if measure == "containment" else jaccard(a, b)


@dataclass(frozen=True)
class Match:
    """An indexed article like the one asked about: its key, its story, the score."""

    key: int
    story: int
    score: float


_MIX = np.uint64(0x9E3779B97F4A7C15)
_MUL = np.uint64(0xBF58476D1CE4E5B9)


def _band_hashes(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 per band (per row of ``values``), the band's number mixed in so
    that equal values in two different bands never collide."""
    matrix = np.atleast_2d(values)[:, : bands * rows].astype(np.uint64)
    matrix = matrix.reshape(len(matrix), bands, rows)
    with np.errstate(over="ignore"):
        hashed = np.zeros(matrix.shape[:2], dtype=np.uint64)
        for r in range(rows):
            hashed = (hashed ^ matrix[:, :, r]) * _MUL + np.uint64(r + 1)
        hashed ^= np.arange(1, bands + 1, dtype=np.uint64) * _MIX
        hashed = (hashed ^ (hashed >> np.uint64(31))) * _MUL
    return hashed


class StoryIndex:
    """Recent articles' signatures in a banded MinHash LSH index.

    ``add`` an article (its key, its story, its signature, when it was seen),
    ``query`` a signature for the indexed articles scoring at least ``threshold``
    (best first), ``expire`` what is older than the window, ``remove`` one.

    Compact on purpose: signatures live in one numpy matrix and the band table is a
    sorted array of (band hash, row), 16 bytes a band; the articles added since the
    last merge wait in a small dict. (datasketch's MinHashLSH keeps a Python set per
    band value: about 1 GB for 100,000 articles at 32 bands.)
    """

    def __init__(
        self,
        *,
        threshold: float = THRESHOLD,
        measure: str = MEASURE,
        bands: int = BANDS,
        rows: int = ROWS,
        num_perm: int = NUM_PERM,
    ) -> None:
        if bands * rows > num_perm:
            raise StoryIndexError("bands * rows must not exceed num_perm")
        if measure not in ("containment", "jaccard"):
            raise StoryIndexError(f"unknown measure {measure!r}")
        self.threshold = threshold
        self.measure = measure
        self.bands, self.rows, self.num_perm = bands, rows, num_perm
        self._row: dict[int, int] = {}  # key -> row
        capacity = 1024
        self._sigs = np.zeros((capacity, num_perm), dtype=np.uint32)
        self._sizes = np.zeros(capacity, dtype=np.float64)
        self._keys = np.zeros(capacity, dtype=np.int64)
        self._stories = np.zeros(capacity, dtype=np.int64)
        self._seen = np.zeros(capacity, dtype=np.float64)
        self._alive = np.zeros(capacity, dtype=bool)
        self._used = 0  # rows used, dead ones included
        self._main_hashes = np.zeros(0, dtype=np.uint64)  # sorted
        self._main_rows = np.zeros(0, dtype=np.int64)
        self._fresh: dict[int, list[int]] = {}  # band hash -> rows added since the merge
        self._fresh_rows = 0
        self._dead = 0
        self.merges = 0

    # -- size and contents

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, key: object) -> bool:
        return key in self._row

    def story_of(self, key: int) -> int | None:
        """The story an indexed article belongs to."""
        row = self._row.get(key)
        return None if row is None else int(self._stories[row])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (signatures and band table), in bytes."""
        arrays = (self._sigs, self._sizes, self._keys, self._stories, self._seen, self._alive)
        return sum(a.nbytes for a in arrays) + self._main_hashes.nbytes + self._main_rows.nbytes

    # -- adding and removing

    def add(self, key: int, story: int, sig: Signature, seen: float = 0.0) -> None:
        """Index an article (``seen``: when, in POSIX seconds, for ``expire``);
        adding a key again replaces it."""
        if len(sig.values) != self.num_perm:
            raise StoryIndexError(f"a signature of {len(sig.values)} values, not {self.num_perm}")
        self.remove(key)
        row = self._append(key, story, sig, seen)
        for value in _band_hashes(sig.values, self.bands, self.rows)[0].tolist():
            self._fresh.setdefault(value, []).append(row)
        self._fresh_rows += 1
        if self._fresh_rows > max(4096, len(self._main_rows) // (4 * self.bands)):
            self._merge()

    def add_many(self, entries: Iterable[tuple[int, int, Signature, float]]) -> None:
        """Index many articles at once (the start-up rebuild): one merge at the end."""
        for key, story, sig, seen in entries:
            self.remove(key)
            self._append(key, story, sig, seen)
        self._merge()

    def remove(self, key: int) -> bool:
        """Drop an article from the index; False when it was not there."""
        row = self._row.pop(key, None)
        if row is None:
            return False
        self._alive[row] = False
        self._dead += 1
        return True

    def expire(self, before: float) -> int:
        """Drop the articles seen before ``before`` (POSIX seconds); return how many."""
        rows = np.flatnonzero(self._alive[: self._used] & (self._seen[: self._used] < before))
        for row in rows.tolist():
            del self._row[int(self._keys[row])]
        self._alive[rows] = False
        self._dead += len(rows)
        if self._dead > max(1024, len(self._row)):
            self._merge()
        return len(rows)

    def _append(self, key: int, story: int, sig: Signature, seen: float) -> int:
        if self._used == len(self._keys):
            self._grow(2 * len(self._keys))
        row = self._used
        self._used += 1
        self._sigs[row] = sig.values
        self._sizes[row] = sig.size
        self._keys[row] = key
        self._stories[row] = story
        self._seen[row] = seen
        self._alive[row] = True
        self._row[key] = row
        return row

    def _grow(self, capacity: int) -> None:
        def grown(array: np.ndarray) -> np.ndarray:
            bigger = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
            bigger[: len(array)] = array
            return bigger

        self._sigs, self._sizes, self._keys = (
            grown(self._sigs),
            grown(self._sizes),
            grown(self._keys),
        )
        self._stories, self._seen = grown(self._stories), grown(self._seen)
        self._alive = grown(self._alive)

    def _merge(self) -> None:
        """Fold the fresh rows into the sorted band table, dropping dead rows."""
        live = np.flatnonzero(self._alive[: self._used])
        if self._dead:
            count = len(live)
            for name in ("_sigs", "_sizes", "_keys", "_stories", "_seen", "_alive"):
                array = getattr(self, name)
                array[:count] = array[live]
                array[count : self._used] = 0
            self._used = count
            self._row = dict(zip(self._keys[:count].tolist(), range(count), strict=True))
            live = np.arange(count)
            self._dead = 0
        hashes = _band_hashes(self._sigs[live], self.bands, self.rows).ravel()
        rows = np.repeat(live, self.bands)
        order = np.argsort(hashes, kind="stable")
        self._main_hashes, self._main_rows = hashes[order], rows[order]
        self._fresh.clear()
        self._fresh_rows = 0
        self.merges += 1

    # -- asking

    def candidates(self, sig: Signature) -> np.ndarray:
        """The rows of live articles sharing at least one band with ``sig``."""
        hashes = _band_hashes(sig.values, self.bands, self.rows)[0]
        lo = np.searchsorted(self._main_hashes, hashes, side="left")
        hi = np.searchsorted(self._main_hashes, hashes, side="right")
        found = [
            self._main_rows[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a
        ]
        if self._fresh:
            for value in hashes.tolist():
                fresh = self._fresh.get(value)
                if fresh:
                    found.append(np.asarray(fresh, dtype=np.int64))
        if not found:
            return np.zeros(0, dtype=np.int64)
        rows = np.unique(np.concatenate(found))
        return rows[self._alive[rows]]

    def query(self, sig: Signature, *, exclude: int | None = None) -> list[Match]:
        """The indexed articles scoring at least ``threshold`` with ``sig``, best first
        (``exclude``: a key to leave out, the article itself)."""
        rows = self.candidates(sig)
        if not len(rows):
            return []
        j = np.count_nonzero(self._sigs[rows] == sig.values, axis=1) / self.num_perm
        scores = (
            _containment(j, self._sizes[rows], sig.size) if self.measure == "containment" else j
        )
        keep = np.flatnonzero(scores >= self.threshold)
        matches = [
            Match(int(self._keys[rows[i]]), int(self._stories[rows[i]]), float(scores[i]))
            for i in keep.tolist()
        ]
        matches = [m for m in matches if m.key != exclude]
        # Best first; on a tie, the earliest article.
        return sorted(matches, key=lambda m: (-m.score, m.key))

    def best(self, sig: Signature, *, exclude: int | None = None) -> Match | None:
        """The indexed article most like ``sig`` above the threshold, or None."""
        matches = self.query(sig, exclude=exclude)
        return matches[0] if matches else None
