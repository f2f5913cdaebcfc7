"""Throughput of the entity matcher against simpler engines, on generated news-like text.

Run from the repository root:

    python benchmarks/matcher.py                 # ~20 MB, 100 and 10,000 aliases
    python benchmarks/matcher.py --quick         # ~4 MB, one repeat
    python benchmarks/matcher.py --write FILE    # also save the Markdown results

Engines, all fed the same articles one at a time (as the crawler does):

* floor: a bare pyahocorasick pass over ``article.casefold()`` with a Python
  word-boundary check on each hit (no normalisation, no rules);
* regex: one ``re`` alternation of every alias between ``\\b``, case-insensitive
  (run on a slice of the corpus when it is too slow; reported as MB/s);
* flashtext: ``KeywordProcessor.extract_keywords`` (needs ``pip install flashtext``);
* newsradar: ``alerts.matcher.find_mentions`` with every rule on (transliteration
  variants included), and once more with ``variants = false`` on every entity, to
  show what the generated spellings cost.

The text is generated deterministically: sentences of common English words with
watchlist names (in their usual variants: curly possessives, dashes, capitals,
stripped apostrophes, surnames after full names), unrelated capitalised names,
curly quotes, em dashes and accented words, in articles of a few kilobytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import describe

from alerts.matcher import find_mentions
from alerts.watchlist import Entity, Watchlist


def _words(text: str) -> list[str]:
    return text.split()


STARTER = [
    Entity("taliban", "Taliban", "group", ("Taleban", "Islamic Emirate of Afghanistan")),
    Entity("ttp", "Tehrik-i-Taliban Pakistan", "group", ("TTP", "Pakistani Taliban")),
    Entity("haqqani-network", "Haqqani network", "group"),
    Entity("al-qaeda", "al Qaeda", "group", ("al-Qaida", "al-Qa'ida", "AQIS")),
    Entity("islamic-state", "Islamic State", "group", ("ISIS", "ISIL", "Daesh")),
    Entity("is-k", "Islamic State Khorasan Province", "group", ("IS-K", "ISKP", "ISIS-K")),
    Entity("nrf", "National Resistance Front", "group", ("NRF",)),
    Entity("sirajuddin-haqqani", "Sirajuddin Haqqani", "official", ("Siraj Haqqani",)),
    Entity("ayman-al-zawahiri", "Ayman al-Zawahiri", "official"),
    Entity("thomas-west", "Thomas West", "official", exclude=("West Bank",)),
    Entity("michael-kurilla", "Michael Kurilla", "official", ("Erik Kurilla",)),
]

COMMON = _words(
    """
the of and to in a is that for it as was with be by on not he this are or his from at
which but have an they you were her she there been one all we their has would when who
will more no if out so said what up its about into than them can only other new some
could time these two may then do first any my now such like our over man me even most
made after also did many before must through back years where much your way well down
should because each just those people how too little state good very make world still
own see men work long get here between both life being under never day same another
know while last might us great old year off come since against go came right used take
three states himself few house use during without again place around however home small
found thought went say part once general high upon school every does got united left
number course war until always away something fact though water less public put think
almost hand enough far took head yet government system better set told nothing night end
why called didn't eyes find going look asked later knew point next city business give
group toward young days let room president side social given present several order
national possible rather second face per among form important often things looked early
white case large become need big four within felt along children saw best church
ever least power development light thing seemed family interest want members mind country
area others done although open god service certain kind problem began different door
thus help sense means whole matter perhaps itself york times law human line above name
example action company hands local show whether five history gave today either act feet
across taken past quite anyone having seen death experience body word half really week
security military officials attack forces border minister spokesman province capital
"""
)

# Enough syllables that generated names rarely collide with one another.
SYLLABLES = _words(
    "ka ra mo zi lan hab dul sar ven tor mir khan bek ash qar nur fai sul man dar rez gul "
    "vor tan hel ab ur za ghi lom pet ros ber nik sho wal jan bar dov eli fen gor hus "
    "ib jel kor lut mas nad ob pir qu rin sef tul um vel wen yar zol ak bri cas dem "
    "eru fol gan hem ilo jur kel lev mun nor oz pan rak sim tov urz vas wik yel zub"
)
ACCENTED = ["Zürich", "café", "São Paulo", "Ankara’s", "Renée", "naïve", "Bogotá", "Kraków"]


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def make_entities(n: int, rng: random.Random) -> list[Entity]:
    """About ``n`` aliases' worth of entities: the starter list, then generated ones."""
    entities = list(STARTER)
    count = sum(len(e.names) for e in entities)
    seen = {a.casefold() for e in entities for a in e.names}
    i = 0
    while count < n:
        i += 1
        r = rng.random()
        if r < 0.4:
            kind = "official"
            alias = f"{_name(rng, 2)} {_name(rng, rng.choice((2, 3)))}"
        elif r < 0.8:
            kind = "group"
            suffix = rng.choice(("", " Front", " network", " Brigade", " Movement"))
            alias = _name(rng, rng.choice((2, 3))) + suffix
        else:
            kind = "group"
            alias = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWZ") for _ in range(rng.choice((3, 4))))
        if alias.casefold() in seen:
            continue
        seen.add(alias.casefold())
        entities.append(Entity(f"e{i}", alias, kind))
        count += 1
    return entities


def _variant(alias: str, rng: random.Random) -> str:
    """How a news text writes an alias: as is, possessive, stripped, dashed, in capitals."""
    r = rng.random()
    if alias.isupper():
        return alias + ("’s" if r < 0.2 else "")
    if r < 0.55:
        return alias
    if r < 0.7:
        return alias + "’s"
    if r < 0.78:
        return alias + "s"
    if r < 0.86:
        return alias.replace(" ", "-")
    if r < 0.92:
        return alias.upper()
    return alias.replace(" ", "\u00a0")


def make_corpus(
    size: int, entities: Sequence[Entity], hot: int, seed: int, density: float = 0.12
) -> list[str]:
    """Articles totalling about ``size`` characters; names from ``entities``.

    ``density`` is the share of sentences naming a watchlist entity (a third of that
    share again ends in a quote attributed to a tracked person). Half of the names
    come from the first ``hot`` entities so that a small watchlist made of those
    still sees hits.
    """
    rng = random.Random(seed)
    officials = [e for e in entities if e.kind == "official"]
    articles: list[str] = []
    total = 0
    while total < size:
        parts = [" ".join(rng.choice(COMMON) for _ in range(rng.randint(5, 10))).title(), "\n\n"]
        seen_people: list[Entity] = []
        for _ in range(rng.randint(20, 60)):
            words = [rng.choice(COMMON) for _ in range(rng.randint(8, 24))]
            words[0] = words[0].capitalize()
            if rng.random() < density:
                pool = entities[:hot] if rng.random() < 0.5 else entities
                entity = rng.choice(pool)
                alias = rng.choice(entity.names)
                if entity in seen_people and rng.random() < 0.5:
                    alias = alias.split()[-1]
                elif entity.kind == "official":
                    seen_people.append(entity)
                words.insert(rng.randrange(len(words) + 1), _variant(alias, rng))
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words) + 1), _name(rng, 3))
            if rng.random() < 0.03:  # about one accented word per article
                words.insert(rng.randrange(len(words) + 1), rng.choice(ACCENTED))
            if rng.random() < 0.1:
                i = rng.randrange(1, len(words) + 1)
                words[i - 1] += "\u2014"
            sentence = " ".join(words)
            if rng.random() < density / 3:
                sentence = f"“{sentence},” {rng.choice(officials).names[0]} said"
            parts.append(sentence + rng.choice((". ", ". ", ". ", "? ", ".\n\n")))
        article = "".join(parts)
        articles.append(article)
        total += len(article)
    return articles


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------


def floor_engine(entities: Sequence[Entity]) -> Callable[[str], int]:
    """Bare pyahocorasick over casefolded text with a Python word-boundary check."""
    automaton = ahocorasick.Automaton()
    for entity in entities:
        for alias in entity.names:
            key = alias.casefold()
            automaton.add_word(key, (len(key), entity.id))
    automaton.make_automaton()

    def run(text: str) -> int:
        folded = text.casefold()
        n = len(folded)
        hits = []
        for last, (length, entity_id) in automaton.iter(folded):
            start = last + 1 - length
            if start and folded[start - 1].isalnum():
                continue
            if last + 1 < n and folded[last + 1].isalnum():
                continue
            hits.append((start, last + 1, entity_id))
        return len(hits)

    return run


def regex_engine(entities: Sequence[Entity]) -> Callable[[str], int]:
    """One big alternation between \\b, case-insensitive, longest alias first."""
    aliases = sorted({a for e in entities for a in e.names}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, aliases)) + r")\b", re.IGNORECASE)

    def run(text: str) -> int:
        return sum(1 for _ in pattern.finditer(text))

    return run


def flashtext_engine(entities: Sequence[Entity]) -> Callable[[str], int] | None:
    try:
        from flashtext import KeywordProcessor
    except ImportError:
        return None
    processor = KeywordProcessor(case_sensitive=False)
    for entity in entities:
        for alias in entity.names:
            processor.add_keyword(alias, entity.id)

    def run(text: str) -> int:
        return len(processor.extract_keywords(text, span_info=True))

    return run


def _without_variants(entities: Sequence[Entity]) -> list[Entity]:
    """The same entities with ``variants = false``: what the generated spellings cost."""
    return [dataclasses.replace(e, variants=False) for e in entities]


# What compiling each watchlist cost: (label, aliases, automaton keys, CPU seconds).
COMPILED: list[tuple[str, int, int, float]] = []


def newsradar_engine(entities: Sequence[Entity], label: str = "") -> Callable[[str], int]:
    t0 = time.process_time()
    watchlist = Watchlist.compile(entities)
    seconds = time.process_time() - t0
    aliases = sum(len(e.names) for e in entities)
    COMPILED.append((label, aliases, watchlist.key_count, seconds))
    print(
        f"compiled {label}: {aliases:,} aliases, {watchlist.key_count:,} keys in {seconds:.1f}s",
        file=sys.stderr,
    )

    def run(text: str) -> int:
        return len(find_mentions(text, watchlist))

    return run


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------


def measure(
    run: Callable[[str], int], articles: Sequence[str], sizes: Sequence[int], budget: float = 0.0
) -> tuple[float, float, int]:
    """One pass of ``run`` over ``articles`` (``sizes`` in bytes); returns (MB, seconds, hits).

    With a ``budget`` (seconds) the pass stops after the first article that
    exceeds it: slow engines are measured on a leading slice.
    """
    hits = 0
    size = 0
    # CPU time of this process: other work on a shared machine does not count.
    t0 = time.process_time()
    for article, article_size in zip(articles, sizes, strict=True):
        hits += run(article)
        size += article_size
        if budget and time.process_time() - t0 > budget:
            break
    return size / 1e6, time.process_time() - t0, hits


Row = tuple[str, str, int, float, float, int, str]  # corpus, engine, aliases, MB, MB/s, hits, note

FLOOR = "floor: pyahocorasick + boundary check"
OURS = "newsradar find_mentions (all rules)"
OURS_PLAIN = "newsradar find_mentions, variants off"
FLASHTEXT = "flashtext"
REGEX = "regex alternation with \\b"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~4 MB, one repeat")
    parser.add_argument("--mb", type=float, default=None, help="news-stream corpus size in MB")
    parser.add_argument("--sizes", default="100,10000", help="alias counts, comma-separated")
    parser.add_argument("--write", type=Path, help="also write a markdown section here")
    args = parser.parse_args(argv)
    size_mb = args.mb or (4.0 if args.quick else 20.0)
    repeats = 1 if args.quick else 5
    regex_budget = 1.5 if args.quick else 5.0

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {describe()}; {_load()} at the start", file=sys.stderr)
    load_before = _load()
    all_entities = make_entities(max(sizes), random.Random(20240601))
    t0 = time.perf_counter()
    corpora = {
        # About one sentence in eight names an entity: a monitored news stream.
        "news": make_corpus(int(size_mb * 1e6), all_entities, hot=60, seed=7),
        # Nearly every other sentence does, like the seed article: cost per mention.
        "topical": make_corpus(int(size_mb * 1e6 / 4), all_entities, 60, seed=8, density=0.45),
    }
    sizes_of = {name: [len(a.encode("utf-8")) for a in arts] for name, arts in corpora.items()}
    for name, articles in corpora.items():
        mb = sum(sizes_of[name]) / 1e6
        print(f"corpus {name}: {len(articles)} articles, {mb:.1f} MB", file=sys.stderr)
    print(f"(generated in {time.perf_counter() - t0:.1f}s)", file=sys.stderr)

    rows: list[Row] = []
    rates: dict[tuple[str, str, int], float] = {}
    for n in sizes:
        entities = _first_aliases(all_entities, n)
        engines: list[tuple[str, Callable[[str], int] | None, float, tuple[str, ...]]] = [
            (FLOOR, floor_engine(entities), 0.0, ("news", "topical")),
            (OURS, newsradar_engine(entities, "variants on"), 0.0, ("news", "topical")),
            (
                OURS_PLAIN,
                newsradar_engine(_without_variants(entities), "variants off"),
                0.0,
                ("news",),
            ),
            (FLASHTEXT, flashtext_engine(entities), 0.0, ("news",)),
            (REGEX, regex_engine(entities), regex_budget, ("news",)),
        ]
        best: dict[tuple[str, str], tuple[float, float, int]] = {}
        # Rounds interleave the engines, so a burst of load on a shared machine
        # hits them all alike; each keeps its best round.
        for round_ in range(repeats):
            for name, run, budget, corpus_names in engines:
                if run is None or (budget and round_):
                    continue  # the slow regex runs once
                for corpus_name in corpus_names:
                    mb, seconds, hits = measure(
                        run, corpora[corpus_name], sizes_of[corpus_name], budget
                    )
                    previous = best.get((corpus_name, name))
                    if previous is None or mb / seconds > previous[0] / previous[1]:
                        best[(corpus_name, name)] = (mb, seconds, hits)
        for name, run, _, corpus_names in engines:
            if run is None:
                print(f"{name}: not installed, skipped", file=sys.stderr)
                continue
            for corpus_name in corpus_names:
                mb, seconds, hits = best[(corpus_name, name)]
                sliced = mb < sum(sizes_of[corpus_name]) / 1e6 * 0.99
                rates[(corpus_name, name, n)] = mb / seconds
                note = f"first {mb:.2f} MB only" if sliced else ""
                rows.append((corpus_name, name, n, mb, mb / seconds, hits, note))
                print(
                    f"{corpus_name:8s} {n:>6} aliases  {name:40s} {mb / seconds:8.2f} MB/s",
                    file=sys.stderr,
                )

    verdicts = []
    for n in sizes:
        ours, floor = rates[("news", OURS, n)], rates[("news", FLOOR, n)]
        regex = rates[("news", REGEX, n)]
        ok = ours >= 0.5 * floor and ours >= 10 * regex
        verdicts.append(
            f"{n:,} aliases, news stream: newsradar runs at {ours / floor:.0%} of the floor "
            f"(target >= 50%) and {ours / regex:,.0f}x the regex (target >= 10x): "
            + ("met" if ok else "NOT met")
        )
        if ("topical", OURS, n) in rates:
            dense = rates[("topical", OURS, n)] / rates[("topical", FLOOR, n)]
            verdicts.append(f"{n:,} aliases, topical text: {dense:.0%} of the floor")

    load = f"{load_before} at the start, {_load()} at the end"
    print(f"machine load: {load}", file=sys.stderr)
    table = render(rows, rates)
    command = "python benchmarks/matcher.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    print(table)
    print("\n".join(verdicts))
    if args.write:
        args.write.write_text(document(table, verdicts, command, corpora, load))
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


def _load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes, as ``uptime`` shows them."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f}"


def _first_aliases(entities: Sequence[Entity], n: int) -> list[Entity]:
    """The leading entities holding about ``n`` aliases in total."""
    taken: list[Entity] = []
    count = 0
    for entity in entities:
        if count >= n:
            break
        taken.append(entity)
        count += len(entity.names)
    return taken


def render(rows: Sequence[Row], rates: dict[tuple[str, str, int], float]) -> str:
    lines = [
        "| text | aliases | engine | MB measured | MB/s | vs floor | hits per MB | note |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for corpus, name, n, mb, rate, hits, note in rows:
        floor = rates[(corpus, FLOOR, n)]
        lines.append(
            f"| {corpus} | {n:,} | {name} | {mb:.2f} | {rate:.2f} | {rate / floor:.0%} "
            f"| {hits / mb:,.0f} | {note} |"
        )
    return "\n".join(lines)


def document(
    table: str,
    verdicts: Sequence[str],
    command: str,
    corpora: dict[str, list[str]],
    load: str,
) -> str:
    today = dt.date.today().isoformat()
    compiled = "\n".join(
        f"- {label}, {n:,} aliases: {keys:,} keys in {seconds:.1f} s"
        for label, n, keys, seconds in COMPILED
    )
    sizes = ", ".join(
        f"{name} {sum(len(a.encode('utf-8')) for a in arts) / 1e6:.1f} MB in {len(arts)} articles"
        for name, arts in corpora.items()
    )
    return f"""## Entity matcher throughput

Measured {today} on {describe()}; machine {load}.

Compiling the watchlist (CPU time, automaton keys):
{compiled}

Command (from the repository root): `{command}`

Text: generated deterministically by `benchmarks/matcher.py`; every article is
passed on its own, as the crawler does. "news" names a watchlist entity in about one
sentence in eight (plus quotes attributed to tracked people); "topical" in nearly
every other sentence, like an article about the watchlist itself, which shows the
cost per mention. Both mix common English words, unrelated capitalised names, curly
quotes and apostrophes, em dashes, paragraph breaks and an accented word now and
then; names appear as written, possessive, without their apostrophe, hyphenated, in
capitals and as surnames after a full name. Sizes: {sizes}.

Times are CPU time of the benchmark process (`time.process_time`), best of the
rounds, with the engines interleaved round by round, so that other work on a shared
machine disturbs the comparison as little as possible.

"hits per MB" counts each engine's own matches, so they differ: the floor and
flashtext know none of the variants (curly possessives, dropped apostrophes,
surnames) and count acronyms in any case; the regex knows only `\\b`. The regex is
timed on the leading articles it gets through in its time budget.

{table}

{chr(10).join("- " + v for v in verdicts)}

Where the time goes: the automaton pass is most of the floor. Newsradar's own pass
costs, at 10,000 aliases, about half the floor's whole run in spite of its larger
trie: its keys start
with a word-start marker and it runs over a copy of the text with every separator
marked, so it never reports, nor walks deep for, a hit that starts inside a word. On
top of it newsradar pays a roughly fixed cost for normalisation (curly quotes,
dashes and no-break spaces go through `str.replace`, only other non-ASCII runs
through a cached per-character table, and an offset map is built only where the
length changed) and for marking the separators, a small cost per raw automaton hit
(the right boundary, the form after the alias), and a few microseconds per reported
mention (mapping offsets back, finding the sentence for the snippet, building the
`Mention`). That last part is why text dense with mentions ("topical") runs at a
lower share of the floor than the news stream. The generated watchlist of 10,000
aliases holds about 2,000 random three- and four-letter acronyms, which hit inside
ordinary words all the time (the floor pays for those raw hits; newsradar's pass
does not report them), and some of which are ordinary words ("BUT", "LESS"), which
newsradar's case check rejects.
"""


if __name__ == "__main__":
    raise SystemExit(main())
