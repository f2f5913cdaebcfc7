"""How fast the console's inbox renders with 100,000 articles stored.

Fills a fresh database through the store's production path (store.store_article,
then store.assign_story and store.save_matches for the matched ones, as the matcher
does), spreads first_seen over 90 days as a long-running crawl would, then times:

- the floor: the inbox's queries alone (store.inbox: the page's SELECT and the
  three that attach mentions, copies and delivery states);
- the page: GET / through Starlette's TestClient (routing, session, template);

for the unfiltered inbox and three filters, and prints a Markdown table of median
and p95 per page and its ratio to the floor.

    python benchmarks/console.py [--articles 100000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import describe
from crawler import store

ENTITIES = [f"entity-{n:02d}" for n in range(40)]
LANGUAGES = ["en"] * 8 + ["fr", "ar"]
BATCH = 1000


def fill(db_path: Path, articles: int, matched_share: float, seed: int = 7) -> int:
    """Store ``articles`` articles, ``matched_share`` of them with mentions; return
    how many have mentions."""
    rng = random.Random(seed)
    db = store.open_db(db_path)
    source_ids = [
        store.upsert_source(
            db, url=f"http://127.0.0.1:9/{n}/feed.xml", name=f"Source {n}", kind="feed"
        )
        for n in range(50)
    ]
    matched = 0
    last_story = None
    for start in range(0, articles, BATCH):
        with db.atomic():
            for number in range(start, min(start + BATCH, articles)):
                entity = ENTITIES[min(int(rng.expovariate(0.15)), len(ENTITIES) - 1)]
                words = " ".join(
                    rng.choice(("talks", "report", "council", "border")) for _ in range(60)
                )
                article_id, _ = store.store_article(
                    db,
                    {
                        "url": f"http://127.0.0.1:9/news/{number}",
                        "source_id": rng.choice(source_ids),
                        "title": f"Story {number} about {entity}",
                        "text": f"{entity.title()} said {words}.",
                        "language": rng.choice(LANGUAGES),
                        "extracted_from": "page",
                    },
                )
                has_mentions = rng.random() < matched_share
                copy_of = last_story if has_mentions and rng.random() < 0.2 else None
                story_id, _ = store.assign_story(db, article_id, story_id=copy_of, similarity=0.9)
                mentions = []
                if has_mentions:
                    matched += 1
                    last_story = story_id
                    mentions = [
                        {
                            "entity_id": entity,
                            "alias": entity,
                            "rule": "exact",
                            "start_offset": len(f"Story {number} about "),
                            "end_offset": len(f"Story {number} about {entity}"),
                            "snippet": f"Story {number} about {entity}",
                        }
                    ]
                alerts = {"desk": [entity]} if has_mentions and copy_of is None else {}
                store.save_matches(db, article_id, mentions, alerts)
    # A crawl over 90 days, not one second: spread first_seen, newest last.
    now = store.utcnow()
    with db.atomic():
        db.execute(
            "UPDATE articles SET first_seen = strftime('%Y-%m-%dT%H:%M:%SZ', ?, "
            "'-' || ((? - id) * 77760 / ?) || ' seconds')",
            [store.isotime(now), articles, articles],
        )
    store.optimize(db)
    db.close()
    return matched


def timed(call: Callable[[], None], repeat: int) -> tuple[float, float]:
    """Median and p95 of ``repeat`` calls, in milliseconds (after two warm-up calls)."""
    call()
    call()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    """Fill, time, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--matched", type=float, default=0.1, help="share with mentions")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--db", type=Path, help="fill this database (kept) or, if it exists, reuse it"
    )
    args = parser.parse_args()

    from starlette.datastructures import QueryParams
    from starlette.testclient import TestClient

    from scheduler.web.app import create_app
    from scheduler.web.filters import Query, parse_query

    with tempfile.TemporaryDirectory(prefix="newsradar-console-bench-") as tmp:
        db_path = args.db.resolve() if args.db else Path(tmp) / "radar.db"
        began = time.perf_counter()
        if db_path.exists():
            db = store.open_db(db_path)
            args.articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            matched = db.execute("SELECT count(DISTINCT article_id) FROM mentions").fetchone()[0]
            db.close()
        else:
            matched = fill(db_path, args.articles, args.matched)
        filled = time.perf_counter() - began
        config = Path(tmp) / "newsradar.toml"
        entities = "".join(f'[[entity]]\nid = "{e}"\nname = "{e}"\n\n' for e in ENTITIES)
        config.write_text(f'database = "{db_path}"\n\n{entities}', encoding="utf-8")
        app = create_app(config)
        console = app.state.console
        floor_db = store.open_db(db_path)  # the app's own connection lives on its thread
        rows = []
        with TestClient(app, base_url="http://127.0.0.1") as client:
            for label, query in (
                ("inbox, no filter", ""),
                ("entity filter (a common entity)", "entity=entity-00"),
                ("entity filter (a rare entity)", "entity=entity-39"),
                ("language + last 7 days", "language=fr&since=7d"),
            ):
                parsed = parse_query(QueryParams(query), console.config)

                def floor(parsed: Query = parsed) -> None:
                    store.inbox(floor_db, parsed.where, limit=parsed.per_page + 1)

                def page(query: str = query) -> None:
                    answer = client.get(f"/?{query}")
                    assert answer.status_code == 200

                floor_median, floor_p95 = timed(floor, args.repeat)
                page_median, page_p95 = timed(page, args.repeat)
                rows.append((label, floor_median, floor_p95, page_median, page_p95))
    print(f"Machine: {describe()}")
    print(
        f"{args.articles} articles ({matched} with mentions) stored in {filled:.0f} s; "
        f"{args.repeat} renders each, 50 stories a page\n"
    )
    print(
        "| inbox page | floor: queries median | floor p95 | page median | page p95 | page ÷ floor |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, fm, fp, pm, pp in rows:
        print(
            f"| {label} | {fm:.1f} ms | {fp:.1f} ms | {pm:.1f} ms | {pp:.1f} ms | {pm / fm:.1f}× |"
        )


if __name__ == "__main__":
    main()
