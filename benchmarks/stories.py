"""Story grouping: how well (precision, recall) and how fast (cost per article, rebuild).

Run from the repository root:

    python benchmarks/stories.py                    # both parts, 100,000 stored articles
    python benchmarks/stories.py quality            # the labelled set only (seconds)
    python benchmarks/stories.py cost --articles 20000
    python benchmarks/stories.py --write FILE     # also save the Markdown results

**Quality.** The labelled stories of tests/stories/corpus.yaml (base stories, their
reposts, re-led wire copies, corrected and trimmed versions, and hard negatives:
different stories on the same topic and day sharing wire boilerplate, follow-ups,
independent reports of one event, a briefing quoting five first paragraphs) are
grouped exactly as the service groups them: each document, in turn, joins the story
of the best indexed match scoring at least the threshold, or starts its own. The
order of arrival matters (a trimmed copy may come before its original), so every
configuration is run over 20 orders: the file's (originals first), its reverse (copies
first) and 18 shuffles. Precision and recall are over pairs of
documents: a pair is predicted "same story" when both end in one story. For each
shingle size and measure the threshold is swept from 0.05 to 0.95; the pick is the
middle of the widest run of thresholds with the best F1 (the largest margin on both
sides), preferring the configuration whose run is widest.

**Cost.** A database of N synthetic articles (first seen over the last 7 days, so
the index holds all of them: the worst case; one in five is a copy of another with
its own lead paragraph) with their signatures stored; then the start-up rebuild
(signatures read from SQLite into a StoryIndex), and the cost of grouping a new
article through ``alerts.pending.StoryTracker.assign`` (signature, LSH query, the story and
signature written to SQLite) and of ``match_pending`` over new articles, with and
without grouping.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "stories"))

from corpus import Doc, labelled_pairs, load  # noqa: E402
from machine import describe  # noqa: E402  (benchmarks/, the script's own folder)

from alerts import stories  # noqa: E402
from alerts.stories import Signature, StoryIndex, signature  # noqa: E402

SHUFFLES = 20
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]


# --- quality ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    false_pairs: int  # different-story pairs grouped
    missed_pairs: int  # same-story pairs split

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def group(
    docs: list[Doc], sigs: dict[str, Signature | None], threshold: float, measure: str
) -> dict[str, int]:
    """Group documents in this order as the service does; return doc id -> story."""
    index = StoryIndex(threshold=threshold, measure=measure)
    assigned: dict[str, int] = {}
    for key, doc in enumerate(docs):
        sig = sigs[doc.id]
        if sig is None:
            assigned[doc.id] = -key - 1
            continue
        best = index.best(sig)
        story = best.story if best else key
        index.add(key, story, sig)
        assigned[doc.id] = story
    return assigned


def pair_scores(docs: list[Doc], assigned: dict[str, int]) -> Scores:
    tp = fp = fn = 0
    for pair in labelled_pairs(docs):
        predicted = assigned[pair.a.id] == assigned[pair.b.id]
        tp += predicted and pair.same
        fp += predicted and not pair.same
        fn += (not predicted) and pair.same
    return Scores(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, fp, fn)


def shuffled_scores(
    docs: list[Doc], sigs: dict[str, Signature | None], threshold: float, measure: str
) -> Scores:
    """Mean precision and recall over SHUFFLES orders of arrival: the file's order
    (originals before their copies), its reverse (copies first), then shuffles."""
    results = []
    for seed in range(SHUFFLES):
        order = list(docs) if seed != 1 else docs[::-1]
        if seed > 1:
            random.Random(seed).shuffle(order)
        results.append(pair_scores(docs, group(order, sigs, threshold, measure)))
    return Scores(
        statistics.fmean(r.precision for r in results),
        statistics.fmean(r.recall for r in results),
        sum(r.false_pairs for r in results),
        sum(r.missed_pairs for r in results),
    )


def widest_best_run(rows: list[tuple[float, Scores]]) -> tuple[float, float, float, float]:
    """(best F1, first and last threshold of the widest run reaching it, its middle)."""
    best = max(round(s.f1, 4) for _, s in rows)
    runs: list[list[float]] = []
    current: list[float] = []
    for threshold, s in rows:
        if round(s.f1, 4) == best:
            current.append(threshold)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    run = max(runs, key=len)
    middle = round(round((run[0] + run[-1]) / 2 / 0.05) * 0.05, 2)
    return best, run[0], run[-1], middle


def quality(out: list[str]) -> dict[str, object]:
    docs = load()
    pairs = labelled_pairs(docs)
    same = sum(p.same for p in pairs)
    hard = sum(p.hard for p in pairs)
    out.append(
        f"Labelled set: {len(docs)} documents ({sum(d.kind == 'original' for d in docs)} "
        f"base stories, {sum(d.kind != 'original' for d in docs)} copies), {len(pairs)} pairs: "
        f"{same} same-story, {len(pairs) - same} different-story of which {hard} hard "
        "(same topic and day, or a follow-up / independent report / briefing of the story)."
    )
    out.append("")
    # Exact similarity of every same-story pair and of the hardest negatives.
    out.append(
        f"Exact scores on the labelled pairs ({stories.SHINGLE_WORDS}-word shingles, "
        "no MinHash error):"
    )
    out.append("")
    exact = {d.id: stories.shingles(d.text) for d in docs}

    def jac(a: str, b: str) -> float:
        return len(exact[a] & exact[b]) / len(exact[a] | exact[b])

    def con(a: str, b: str) -> float:
        return len(exact[a] & exact[b]) / min(len(exact[a]), len(exact[b]))

    out.append("| pairs | Jaccard min–max | containment min–max |")
    out.append("| --- | --- | --- |")
    for label, chosen in (
        ("same story", [p for p in pairs if p.same]),
        ("hard different", [p for p in pairs if p.hard]),
        ("other different", [p for p in pairs if not p.same and not p.hard]),
    ):
        js = [jac(p.a.id, p.b.id) for p in chosen]
        cs = [con(p.a.id, p.b.id) for p in chosen]
        out.append(
            f"| {label} ({len(chosen)}) | {min(js):.2f}–{max(js):.2f} "
            f"| {min(cs):.2f}–{max(cs):.2f} |"
        )
    out.append("")
    by_kind: dict[str, list[float]] = {}
    for p in pairs:
        if p.same and "original" in (p.a.kind, p.b.kind):
            copy = p.b if p.a.kind == "original" else p.a
            by_kind.setdefault(copy.kind, []).append(con(p.a.id, p.b.id))
    out.append(
        "Copy vs its original, exact containment by kind of copy: "
        + ", ".join(f"{k} {min(v):.2f}–{max(v):.2f}" for k, v in sorted(by_kind.items()))
        + "."
    )
    hardest = sorted(pairs, key=lambda p: -con(p.a.id, p.b.id) if not p.same else 0)[:3]
    out.append(
        "Hardest negatives (containment): "
        + "; ".join(f"{p.a.id} / {p.b.id} {con(p.a.id, p.b.id):.2f}" for p in hardest)
        + "."
    )
    out.append("")

    configs = []
    for size in (3, 4, 5, 6):
        sigs = {d.id: signature(d.text, shingle_words=size) for d in docs}
        for measure in ("jaccard", "containment"):
            rows = [(t, shuffled_scores(docs, sigs, t, measure)) for t in THRESHOLDS]
            best, lo, hi, middle = widest_best_run(rows)
            configs.append((best, round(hi - lo, 2), size, measure, lo, hi, middle, rows))
    # Ties: containment (trimmed copies keep scoring high), then the size in use.
    configs.sort(
        key=lambda c: (c[0], c[1], c[3] == "containment", c[2] == stories.SHINGLE_WORDS),
        reverse=True,
    )
    out.append(
        f"Grouping over {SHUFFLES} orders of arrival: best F1 per configuration, and the "
        "thresholds reaching it:"
    )
    out.append("")
    out.append("| shingle words | measure | best F1 | thresholds reaching it | middle |")
    out.append("| --- | --- | --- | --- | --- |")
    for best, _, size, measure, lo, hi, middle, _ in configs:
        out.append(f"| {size} | {measure} | {best:.3f} | {lo:.2f}–{hi:.2f} | {middle:.2f} |")
    out.append("")
    chosen = next(c for c in configs if c[2] == stories.SHINGLE_WORDS and c[3] == stories.MEASURE)
    best, _, size, measure, lo, hi, middle, rows = chosen
    out.append(
        f"newsradar uses {size}-word shingles, {measure}, threshold {stories.THRESHOLD:.2f} "
        f"(alerts/stories.py); the sweep for that configuration:"
    )
    out.append("")
    out.append("| threshold | precision | recall | F1 | wrongly grouped pairs | missed pairs |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    for threshold, s in rows:
        mark = " ←" if abs(threshold - stories.THRESHOLD) < 1e-9 else ""
        out.append(
            f"| {threshold:.2f}{mark} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} "
            f"| {s.false_pairs / SHUFFLES:.1f} | {s.missed_pairs / SHUFFLES:.1f} |"
        )
    out.append("")
    return {
        "best": configs[0][2:4],
        "chosen": (size, measure, lo, hi, middle),
        "at_threshold": dict(rows).get(stories.THRESHOLD),
    }


# --- cost ------------------------------------------------------------------------

VOCABULARY_SIZE = 30_000


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(2, 10))))
    return sorted(words)


class TextMaker:
    """News-like text: Zipf-distributed words, the corpus's wire boilerplate
    paragraphs sprinkled in (so unrelated articles do share shingles)."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = _vocabulary(self.rng)
        weights = 1 / np.arange(1, len(self.words) + 1) ** 1.1
        self.cum = np.cumsum(weights / weights.sum())
        self.np_rng = np.random.default_rng(seed)
        import yaml

        data = yaml.safe_load((ROOT / "tests" / "stories" / "corpus.yaml").read_text())
        self.boilerplate = list(data["boilerplate"])

    def paragraph(self, n: int = 60) -> str:
        picks = np.searchsorted(self.cum, self.np_rng.random(n))
        return " ".join(self.words[min(i, len(self.words) - 1)] for i in picks) + "."

    def article(self) -> str:
        paragraphs = [
            self.paragraph(self.rng.randint(30, 80)) for _ in range(self.rng.randint(4, 9))
        ]
        if self.rng.random() < 0.6:
            paragraphs.insert(
                self.rng.randint(1, len(paragraphs)), self.rng.choice(self.boilerplate)
            )
        return "\n\n".join(paragraphs)


def build_database(path: Path, n: int, out: list[str]) -> None:
    """N articles over the last 7 days, 1 in 5 a re-led copy of an earlier one,
    grouped and with their signatures stored, as the service would have left them."""
    from crawler import store

    db = store.open_db(path)
    source = store.upsert_source(db, url="http://127.0.0.1/feed", name="Synthetic", kind="feed")
    maker = TextMaker()
    now = dt.datetime.now(dt.UTC)
    texts: list[str] = []
    started = time.perf_counter()
    sign_time = 0.0
    index = StoryIndex()
    story_of: dict[int, int] = {}
    batch: list[tuple] = []
    db.execute("PRAGMA foreign_keys = OFF")  # copies point at stories inserted after them
    with db.atomic():
        for i in range(n):
            if texts and maker.rng.random() < 0.2:
                original = maker.rng.randrange(len(texts))
                text = maker.paragraph() + "\n\n" + texts[original].split("\n\n", 1)[-1]
            else:
                text = maker.article()
            texts.append(text)
            seen = now - dt.timedelta(seconds=(n - i) * 6 * 86400 / n)
            t0 = time.perf_counter()
            sig = signature(text)
            sign_time += time.perf_counter() - t0
            article_id = i + 1
            best = index.best(sig) if sig else None
            story = best.story if best else article_id
            story_of[article_id] = story
            if sig:
                index.add(article_id, story, sig, seen.timestamp())
            batch.append((article_id, text, store.isotime(seen), story, sig, best))
        for article_id, text, seen, story, _, best in batch:
            db.execute(
                "INSERT INTO articles (id, url, source_id, title, text, extracted_from, "
                "content_hash, first_seen, updated, matched_at, story_id, story_similarity) "
                "VALUES (?, ?, ?, ?, ?, 'page', '', ?, ?, ?, ?, ?)",
                [
                    article_id,
                    f"http://127.0.0.1/news/{article_id}",
                    source,
                    f"Article {article_id}",
                    text,
                    seen,
                    seen,
                    seen,
                    story,
                    best.score if best else None,
                ],
            )
        for article_id, _, seen, story, _, _ in batch:
            if story == article_id:
                db.execute(
                    "INSERT INTO stories (id, first_article_id, first_seen, last_seen, copies) "
                    "VALUES (?, ?, ?, ?, 1)",
                    [story, article_id, seen, seen],
                )
        db.execute(
            "UPDATE stories SET copies = (SELECT count(*) FROM articles "
            "WHERE story_id = stories.id), last_seen = (SELECT max(first_seen) FROM articles "
            "WHERE story_id = stories.id)"
        )
        db.conn.executemany(
            "INSERT INTO article_signatures (article_id, kind, shingles, minhash) "
            "VALUES (?, ?, ?, ?)",
            [
                (article_id, stories.KIND, sig.size, sig.to_bytes())
                for article_id, _, _, _, sig, _ in batch
                if sig is not None
            ],
        )
    db.execute("PRAGMA foreign_keys = ON")
    db.close()
    copies = sum(1 for a, s in story_of.items() if a != s)
    out.append(
        f"Generated {n:,} articles ({copies:,} grouped as copies) in "
        f"{time.perf_counter() - started:.0f} s; signatures alone: "
        f"{sign_time / n * 1000:.2f} ms per article."
    )


def cost(out: list[str], n: int, new: int) -> None:
    from alerts.pending import StoryTracker, match_pending
    from alerts.watchlist import Entity, Watchlist
    from crawler import store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        build_database(path, n, out)
        size_mb = path.stat().st_size / 1e6
        db = store.open_db(path)
        sig_bytes = db.execute(
            "SELECT sum(length(minhash)) + 24 * count(*) FROM article_signatures"
        ).fetchone()[0]
        out.append(
            f"Database: {size_mb:.0f} MB, of which signatures about {sig_bytes / 1e6:.0f} MB "
            f"({sig_bytes / n:.0f} bytes per article)."
        )
        out.append("")

        # The start-up rebuild, three times (the first one reads a cold page cache).
        times = []
        for _ in range(3):
            gc.collect()
            t0 = time.perf_counter()
            loaded = StoryTracker.load(db)
            times.append(time.perf_counter() - t0)
        out.append(
            f"Start-up rebuild (read {len(loaded.index):,} signatures of the last 7 days "
            f"from SQLite, build the index): {min(times):.2f} s best of 3 "
            f"(first {times[0]:.2f} s); index arrays {loaded.index.nbytes / 1e6:.0f} MB."
        )

        # Grouping new articles: half fresh stories, half re-led copies of stored ones.
        maker = TextMaker(seed=11)
        texts = [
            r[0] for r in db.execute("SELECT text FROM articles ORDER BY random() LIMIT ?", [new])
        ]
        source = store.upsert_source(db, url="http://127.0.0.1/feed", name="Synthetic", kind="feed")
        ids = []
        for i in range(new):
            text = maker.article() if i % 2 else maker.paragraph() + "\n\n" + texts[i]
            article_id, _ = store.store_article(
                db,
                {
                    "url": f"http://127.0.0.1/new/{i}",
                    "source_id": source,
                    "title": f"New {i}",
                    "text": text,
                    "extracted_from": "page",
                },
            )
            ids.append(article_id)
        rows = store.unmatched_articles(db, limit=new)
        indexed = len(loaded.index)
        sig_t, query_t, total_t, candidates = [], [], [], []
        grouped = 0
        for row in rows:
            t0 = time.perf_counter()
            sig = signature(row["text"])
            t1 = time.perf_counter()
            candidates.append(len(loaded.index.candidates(sig)))
            loaded.index.best(sig)
            t2 = time.perf_counter()
            sig_t.append(t1 - t0)
            query_t.append(t2 - t1)
            t0 = time.perf_counter()
            assignment = loaded.assign(db, row)
            total_t.append(time.perf_counter() - t0)
            grouped += assignment.copy_of is not None
        # Brute force for comparison: every indexed signature scored with numpy.
        live = loaded.index._sigs[: loaded.index._used]
        t0 = time.perf_counter()
        for row in rows[:50]:
            sig = signature(row["text"])
            np.count_nonzero(live == sig.values, axis=1)
        brute = (time.perf_counter() - t0) / 50 - statistics.fmean(sig_t)

        def ms(values: list[float]) -> str:
            mean, p95 = statistics.fmean(values) * 1000, np.percentile(values, 95) * 1000
            return f"{mean:.2f} ms (p95 {p95:.2f})"

        out.append("")
        out.append(
            f"Grouping {new:,} new articles against {indexed:,} indexed ones "
            f"({grouped:,} found to be copies, {new // 2:,} were):"
        )
        out.append("")
        out.append("| step | per article |")
        out.append("| --- | --- |")
        out.append(f"| signature (shingles + MinHash) | {ms(sig_t)} |")
        out.append(
            f"| LSH query + scoring the candidates | {ms(query_t)}; "
            f"{statistics.fmean(candidates):.1f} candidates on average |"
        )
        out.append(
            f"| `StoryTracker.assign` in all (signature, query, story and signature written) "
            f"| {ms(total_t)} |"
        )
        out.append(
            f"| for comparison: scoring all {len(live):,} signatures instead of the LSH "
            f"| {brute * 1000:.2f} ms |"
        )
        out.append("")

        # The whole matching pass, with and without grouping.
        watchlist = Watchlist.compile(
            [
                Entity("taliban", "Taliban", "group"),
                Entity("un", "United Nations", "other"),
            ]
        )
        for label, with_stories in (("with grouping", True), ("without grouping", False)):
            db.execute("UPDATE articles SET matched_at = NULL WHERE id >= ?", [ids[0]])
            if with_stories:
                db.execute(
                    "UPDATE articles SET story_id = NULL, story_similarity = NULL WHERE id >= ?",
                    [ids[0]],
                )
                db.execute("DELETE FROM stories WHERE first_article_id >= ?", [ids[0]])
                db.execute("DELETE FROM article_signatures WHERE article_id >= ?", [ids[0]])
                held = StoryTracker.load(db)
            t0 = time.perf_counter()
            if with_stories:
                report = match_pending(db, watchlist, [], tracker=held)
            else:
                report = match_pending(db, watchlist, [], group=False)
            elapsed = time.perf_counter() - t0
            out.append(
                f"`match_pending` over {report.articles:,} new articles {label}: "
                f"{elapsed / report.articles * 1000:.2f} ms per article"
                + (f" ({report.copies:,} copies)" if with_stories else "")
                + "."
            )
        db.close()

        if os.environ.get("BENCH_DATASKETCH_LSH"):
            from datasketch import LeanMinHash, MinHashLSH

            lsh = MinHashLSH(num_perm=stories.NUM_PERM, params=(stories.BANDS, stories.ROWS))
            db = store.open_db(path)
            t0 = time.perf_counter()
            for article_id, blob in db.execute(
                "SELECT article_id, minhash FROM article_signatures"
            ):
                values = np.frombuffer(blob, dtype="<u4")
                lsh.insert(
                    article_id,
                    LeanMinHash(seed=1, hashvalues=values, scheme="affine32"),
                    check_duplication=False,
                )
            out.append(
                f"For comparison, datasketch MinHashLSH with the same bands: "
                f"{time.perf_counter() - t0:.1f} s to build."
            )
            db.close()


# --- main -------------------------------------------------------------------------


def machine() -> str:
    import datasketch

    version = getattr(datasketch, "__version__", "?")
    return describe(f"numpy {np.__version__}", f"datasketch {version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", nargs="?", choices=("quality", "cost", "all"), default="all")
    parser.add_argument("--articles", type=int, default=100_000, help="stored articles (cost)")
    parser.add_argument("--new", type=int, default=1000, help="new articles to group (cost)")
    parser.add_argument("--write", type=Path, help="also write the Markdown results here")
    args = parser.parse_args()
    out: list[str] = [
        f"Run on {dt.date.today().isoformat()}: {machine()}.",
        "",
    ]
    if args.part in ("quality", "all"):
        out.append("## Quality: the labelled stories")
        out.append("")
        quality(out)
    if args.part in ("cost", "all"):
        out.append(f"## Cost: {args.articles:,} stored articles")
        out.append("")
        cost(out, args.articles, args.new)
    text = "\n".join(out)
    print(text)
    if args.write:
        args.write.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
