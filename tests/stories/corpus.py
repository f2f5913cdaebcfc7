"""Load the labelled stories of corpus.yaml: every document with its story label.

With this folder on sys.path, ``corpus.load()`` gives the base stories and their
copies in file order, and ``corpus.labelled_pairs(docs)`` every pair of documents,
labelled same story or not.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Doc:
    """One document: a base story or a copy of one."""

    id: str
    story: str  # the base story it is (a copy of): the label
    kind: str  # "original", or the kind of copy: repost, new-lead, corrected...
    outlet: str
    title: str
    paragraphs: tuple[str, ...]
    topic: str
    date: str
    related_to: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Pair:
    a: Doc
    b: Doc
    same: bool
    hard: bool  # a different story on the same topic and day, or a related one


def _copy(base: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    paragraphs = list(base["paragraphs"])
    for old, new in spec.get("replace", []):
        if not any(old in p for p in paragraphs):
            raise ValueError(f"{spec['id']}: {old!r} is not in {base['id']}")
        paragraphs = [p.replace(old, new) for p in paragraphs]
    drop = {n - 1 for n in spec.get("drop", [])}
    paragraphs = [p for i, p in enumerate(paragraphs) if i not in drop]
    if "keep" in spec:
        paragraphs = paragraphs[: spec["keep"]]
    if "lead" in spec:
        paragraphs = list(spec["lead"]) + paragraphs[spec.get("replace_lead", 0) :]
    return list(spec.get("header", [])) + paragraphs + list(spec.get("footer", []))


def load(path: Path = HERE / "corpus.yaml") -> list[Doc]:
    """Every document of the corpus: each base story, then its copies."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    docs: list[Doc] = []
    for story in data["stories"]:
        common = {
            "story": story["id"],
            "topic": story["topic"],
            "date": str(story["date"]),
            "related_to": story.get("related_to"),
        }
        docs.append(
            Doc(
                id=story["id"],
                kind="original",
                outlet=story["outlet"],
                title=story["title"],
                paragraphs=tuple(story["paragraphs"]),
                **common,
            )
        )
        for spec in story.get("copies", []):
            docs.append(
                Doc(
                    id=spec["id"],
                    kind=spec["kind"],
                    outlet=spec["outlet"],
                    title=spec.get("title", story["title"]),
                    paragraphs=tuple(_copy(story, spec)),
                    **common,
                )
            )
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate document ids in the corpus")
    return docs


def labelled_pairs(docs: list[Doc]) -> list[Pair]:
    """Every unordered pair of documents, labelled."""
    pairs = []
    for a, b in itertools.combinations(docs, 2):
        same = a.story == b.story
        related = {a.story, a.related_to} & {b.story, b.related_to} - {None}
        hard = not same and ((a.topic == b.topic and a.date == b.date) or bool(related))
        pairs.append(Pair(a, b, same, hard))
    return pairs
