"""Precision and recall of the matcher per rule, on the labelled passages of
tests/corpus/matches.yaml (acronym collisions, name forms, variant spellings with
their near misses, Arabic-script details).

Run from the repository root:

    python benchmarks/match_quality.py            # the table (Markdown)
    python benchmarks/match_quality.py --errors   # also every passage that went wrong
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "corpus"))

from score import load, score, table, watchlist  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list what went wrong")
    args = parser.parse_args()
    entities, passages = load()
    for p in passages:
        for _entity, text in p.near_miss:
            if text not in p.text:
                print(f"{p.id}: near miss {text!r} is not in the passage", file=sys.stderr)
                return 2
    result = score(passages, watchlist(entities))
    print(table(result, passages))
    if args.errors:
        print()
        print("\n".join(result.errors) or "no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
