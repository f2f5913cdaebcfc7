"""Score the matcher on the labelled passages of matches.yaml: precision and recall
per rule. Used by tests/test_match_corpus.py and benchmarks/match_quality.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from alerts.matcher import RULES, find_mentions
from alerts.watchlist import Entity, Watchlist, entity_from_record
from scheduler.config import default_config_text, parse_config

CORPUS = Path(__file__).with_name("matches.yaml")


@dataclass(frozen=True)
class Passage:
    """One labelled passage."""

    id: str
    group: str
    text: str
    expect: tuple[tuple[str, str, str], ...]  # (entity, text as written, rule)
    near_miss: tuple[tuple[str, str], ...]


@dataclass
class Score:
    """Counts per rule, and the passages that went wrong."""

    true_pos: Counter[str] = field(default_factory=Counter)
    false_pos: Counter[str] = field(default_factory=Counter)
    false_neg: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def precision(self, rule: str | None = None) -> float:
        tp = self.true_pos[rule] if rule else sum(self.true_pos.values())
        fp = self.false_pos[rule] if rule else sum(self.false_pos.values())
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, rule: str | None = None) -> float:
        tp = self.true_pos[rule] if rule else sum(self.true_pos.values())
        fn = self.false_neg[rule] if rule else sum(self.false_neg.values())
        return tp / (tp + fn) if tp + fn else 1.0


def load(path: Path = CORPUS) -> tuple[list[Entity], list[Passage]]:
    """The corpus's extra entities and its passages."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    entities = [
        entity_from_record(record, f"{path.name}: entity #{n}")
        for n, record in enumerate(data["entities"], start=1)
    ]
    passages = [
        Passage(
            id=p["id"],
            group=p["group"],
            text=p["text"],
            expect=tuple(tuple(e) for e in p.get("expect") or ()),  # type: ignore[misc]
            near_miss=tuple(tuple(n) for n in p.get("near_miss") or ()),  # type: ignore[misc]
        )
        for p in data["passages"]
    ]
    return entities, passages


def watchlist(extra: list[Entity]) -> Watchlist:
    """The built-in watchlist plus the corpus's entities."""
    return Watchlist.compile([*parse_config(default_config_text()).entities(), *extra])


def score(passages: list[Passage], compiled: Watchlist) -> Score:
    """Match every passage; count each expected mention found (by entity, text and
    rule), missed, and each mention found that the passage does not expect."""
    result = Score()
    for p in passages:
        found = Counter(
            (m.entity_id, p.text[m.start : m.end], m.rule) for m in find_mentions(p.text, compiled)
        )
        wanted = Counter(p.expect)
        for item, count in (found & wanted).items():
            result.true_pos[item[2]] += count
        for item, count in (wanted - found).items():
            result.false_neg[item[2]] += count
            result.errors.append(f"{p.id}: missed {item}")
        for item, count in (found - wanted).items():
            result.false_pos[item[2]] += count
            result.errors.append(f"{p.id}: wrongly found {item}")
    return result


def table(result: Score, passages: list[Passage]) -> str:
    """A Markdown table of precision and recall per rule."""
    groups = Counter(p.group for p in passages)
    lines = [
        f"{len(passages)} passages ("
        + ", ".join(f"{n} {g}" for g, n in sorted(groups.items()))
        + f"), {sum(len(p.expect) for p in passages)} expected mentions, "
        f"{sum(len(p.near_miss) for p in passages)} near misses",
        "",
        "| rule | expected | found right | wrongly found | missed | precision | recall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rule in (*RULES, None):
        tp = result.true_pos[rule] if rule else sum(result.true_pos.values())
        fp = result.false_pos[rule] if rule else sum(result.false_pos.values())
        fn = result.false_neg[rule] if rule else sum(result.false_neg.values())
        if rule and not tp + fp + fn:
            continue
        name = f"`{rule}`" if rule else "**all**"
        lines.append(
            f"| {name} | {tp + fn} | {tp} | {fp} | {fn} | "
            f"{result.precision(rule):.3f} | {result.recall(rule):.3f} |"
        )
    return "\n".join(lines)
