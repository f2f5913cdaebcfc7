"""The seed article (a scraped Foreign Policy piece) against the starter watchlist.

The article sits outside the repository (``shared/seed`` next to the checkout, or
next to a directory holding it); without it these tests skip. Every count below was
checked by reading the text.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from alerts.matcher import Mention, find_mentions
from alerts.watchlist import Entity, Watchlist
from scheduler.config import default_config_text, parse_config

SEED_NAME = "000_faa72e42c67dfc2a.txt"
SEED = next(
    (
        folder / "shared" / "seed" / SEED_NAME
        for folder in Path(__file__).resolve().parents[1:]
        if (folder / "shared" / "seed" / SEED_NAME).is_file()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "seed" / SEED_NAME,
)


def load_starter() -> list[Entity]:
    """The watchlist of the built-in (starter) configuration."""
    return parse_config(default_config_text()).entities()


@pytest.fixture(scope="module")
def text() -> str:
    if not SEED.is_file():
        pytest.skip(f"seed article not present ({SEED.name})")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mentions(text: str) -> list[Mention]:
    return find_mentions(text, Watchlist.compile(load_starter()))


EXPECTED_COUNTS = {
    "taliban": 34,
    "al-qaeda": 13,
    "is-k": 11,
    "islamic-state": 10,
    "ayman-al-zawahiri": 6,  # 1 full name + 5 surnames ("The Zawahiri strike" counts)
    "nrf": 3,
    "michael-kurilla": 2,
    "thomas-west": 2,  # "Thomas West", "by West,"; not "in the West"
    "osama-bin-laden": 2,
    "ali-maisam-nazary": 2,
    "haqqani-network": 1,
    "sirajuddin-haqqani": 1,
}

# What each entity's mentions cover in the original text.
EXPECTED_SPANS = {
    "taliban": {"Taliban"},
    "al-qaeda": {"al Qaeda", "Al Qaeda"},
    "is-k": {"IS-K", "IS-Khorasan Province"},
    "islamic-state": {"Islamic State", "ISIS"},
    "ayman-al-zawahiri": {"Ayman al-Zawahiri", "Zawahiri"},
    "nrf": {"National Resistance Front", "NRF"},
    "michael-kurilla": {"Michael Kurilla", "Kurilla"},
    "thomas-west": {"Thomas West", "West"},
    "osama-bin-laden": {"Osama bin Laden", "bin Laden"},
    "ali-maisam-nazary": {"Ali Maisam Nazary", "Nazary"},
    "haqqani-network": {"Haqqani network"},
    "sirajuddin-haqqani": {"Sirajuddin Haqqani"},
}

# (phrase in the article, offset of the mention inside the phrase, entity, matched, rule)
MANGLED_FORMS = [
    ("the Taliban’s Pledge", 4, "taliban", "Taliban", "possessive"),
    ("the Taliban's Pledge", 4, "taliban", "Taliban", "possessive"),
    ("the Talibans rampage", 4, "taliban", "Taliban", "stripped"),
    ("then al Qaedas frontman", 5, "al-qaeda", "al Qaeda", "stripped"),
    ("the Talibanmost of whose leadership", 4, "taliban", "Taliban", "glued"),
    ("pact with the Talibanwe made", 14, "taliban", "Taliban", "glued"),
    ("The Talibans rank", 4, "taliban", "Taliban", "stripped"),
    ("The Talibans leadership", 4, "taliban", "Taliban", "stripped"),
    ("the pre-Taliban government", 8, "taliban", "Taliban", "exact"),
    ("the Taliban spinoff", 4, "taliban", "Taliban", "exact"),
    ("an offshoot of the Taliban thats close", 19, "taliban", "Taliban", "exact"),
    ("Zawahiris presence", 0, "ayman-al-zawahiri", "Zawahiri", "surname"),
    ("the hit on Zawahiri, we", 11, "ayman-al-zawahiri", "Zawahiri", "surname"),
    ("The Zawahiri strike", 4, "ayman-al-zawahiri", "Zawahiri", "surname"),
    ("bringing Zawahiri to Kabul", 9, "ayman-al-zawahiri", "Zawahiri", "surname"),
    ("is Zawahiri. Forged", 3, "ayman-al-zawahiri", "Zawahiri", "surname"),
    ("Army Gen. Michael Kurilla", 10, "michael-kurilla", "Michael Kurilla", "exact"),
    ("Kurilla, the head of Centcom", 0, "michael-kurilla", "Kurilla", "surname"),
    ("miscalculation by West,", 18, "thomas-west", "West", "surname"),
    ("dispatched bin Laden", 11, "osama-bin-laden", "bin Laden", "surname"),
    ("Nazary said.", 0, "ali-maisam-nazary", "Nazary", "surname"),
    ("known as IS-Khorasan Province, or IS-K,", 9, "is-k", "IS-Khorasan Province", "exact"),
    ("known as IS-Khorasan Province, or IS-K,", 34, "is-k", "IS-K", "acronym"),
    ("fight against ISIS, said NRF", 14, "islamic-state", "ISIS", "acronym"),
    ("fight against ISIS, said NRF", 25, "nrf", "NRF", "acronym"),
    ("National Resistance Front (NRF)", 27, "nrf", "NRF", "acronym"),
    ("to the Haqqani network,", 7, "haqqani-network", "Haqqani network", "exact"),
    ("minister, Sirajuddin Haqqani.", 10, "sirajuddin-haqqani", "Sirajuddin Haqqani", "exact"),
    ("Al Qaeda is patient", 0, "al-qaeda", "Al Qaeda", "exact"),
]


def test_counts_per_entity(mentions: list[Mention]) -> None:
    assert Counter(m.entity_id for m in mentions) == EXPECTED_COUNTS


def test_no_entity_the_text_does_not_contain(mentions: list[Mention]) -> None:
    found = {m.entity_id for m in mentions}
    assert "ttp" not in found
    assert "hibatullah-akhundzada" not in found


def test_every_span_is_the_entity_name(text: str, mentions: list[Mention]) -> None:
    spans: dict[str, set[str]] = {}
    for m in mentions:
        spans.setdefault(m.entity_id, set()).add(text[m.start : m.end])
    assert spans == EXPECTED_SPANS


@pytest.mark.parametrize(("phrase", "offset", "entity", "matched", "rule"), MANGLED_FORMS)
def test_mangled_forms(
    text: str,
    mentions: list[Mention],
    phrase: str,
    offset: int,
    entity: str,
    matched: str,
    rule: str,
) -> None:
    assert text.count(phrase) == 1, phrase
    start = text.index(phrase) + offset
    at = [(m.entity_id, text[m.start : m.end], m.rule) for m in mentions if m.start == start]
    assert at == [(entity, matched, rule)]


def test_the_west_is_not_thomas_west(text: str, mentions: list[Mention]) -> None:
    start = text.index("in the West and") + len("in the ")
    assert all(m.start != start for m in mentions)


def test_taliban_forms(mentions: list[Mention]) -> None:
    rules = Counter(m.rule for m in mentions if m.entity_id == "taliban")
    assert rules == {"exact": 27, "stripped": 3, "possessive": 2, "glued": 2}


def test_snippets_are_sentences(text: str, mentions: list[Mention]) -> None:
    for m in mentions:
        assert 0 < len(m.snippet) <= 300
        assert "  " not in m.snippet and "\n" not in m.snippet
        assert " ".join(text[m.start : m.end].split()) in m.snippet
    by_start = {m.start: m.snippet for m in mentions}
    kurilla = text.index("Kurilla, the head")
    assert by_start[kurilla].startswith("Kurilla, the head of Centcom, name-checked IS-K")
    assert by_start[kurilla].endswith("on March 16.")
    title = text.index("Taliban’s Pledge")
    assert by_start[title] == "What Happened to the Taliban’s Pledge to Fight Terrorism?"
