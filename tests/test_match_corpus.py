"""The labelled corpus (tests/corpus/matches.yaml): the matcher's precision and recall
on it, and the corpus itself holding what it claims to."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))

from score import Passage, Score, load, score, watchlist


@pytest.fixture(scope="module")
def corpus() -> list[Passage]:
    return load()[1]


@pytest.fixture(scope="module")
def result(corpus: list[Passage]) -> Score:
    return score(corpus, watchlist(load()[0]))


def test_precision_is_at_least_099(result: Score) -> None:
    assert result.precision() >= 0.99, result.errors
    for rule in set(result.true_pos) | set(result.false_pos):
        assert result.precision(rule) >= 0.99, (rule, result.errors)


def test_recall_stays_high(result: Score) -> None:
    assert result.recall() >= 0.97, result.errors


def test_the_corpus_covers_what_the_issue_asks(corpus: list[Passage]) -> None:
    acronym = [p for p in corpus if p.group == "acronym"]
    assert len(acronym) >= 30
    texts = " ".join(p.text for p in acronym)
    for needle in ("thrombocytopenic", "TTPs", "Trade and Technology", "Retail Federation"):
        assert needle in texts
    for needle in ("NATO Response Force", "Nouvelle Revue", "IS K", "is K", "Waziristan"):
        assert needle in texts
    variants = [p for p in corpus if p.group == "variant"]
    positives = [p for p in variants if any(rule == "variant" for _, _, rule in p.expect)]
    near = [p for p in variants if p.near_miss and not p.expect]
    assert len(positives) >= 40 and len(near) >= len(positives)
    assert any(p.group == "script" for p in corpus)
    assert any("\u200c" in p.text for p in corpus)


def test_every_near_miss_is_in_its_passage(corpus: list[Passage]) -> None:
    for p in corpus:
        for _, text in p.near_miss:
            assert text in p.text, p.id
        for _, text, _ in p.expect:
            assert text in p.text, p.id
