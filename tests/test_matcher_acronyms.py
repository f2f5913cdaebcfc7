"""Acronyms read in context (alerts/acronyms.py): every rule with cases that must and
must not count, and the reason `explain` gives for each one turned down."""

from __future__ import annotations

import pytest

from alerts.acronyms import definitions
from alerts.explain import explain
from alerts.matcher import find_mentions
from alerts.watchlist import Entity, Watchlist
from scheduler.config import default_config_text, parse_config

STARTER = Watchlist.compile(parse_config(default_config_text()).entities())

# A watchlist with no context words, so that only names give support.
PLAIN = Watchlist.compile(
    [
        Entity("nrf", "National Resistance Front", "group", ("NRF",)),
        Entity("ttp", "Tehrik-i-Taliban Pakistan", "group", ("TTP",)),
        Entity("taliban", "Taliban", "group"),
        Entity("iran", "Iran", "other"),
    ]
)


def acronyms(text: str, watchlist: Watchlist = PLAIN) -> list[tuple[str, str]]:
    return [
        (m.entity_id, text[m.start : m.end])
        for m in find_mentions(text, watchlist)
        if m.rule == "acronym"
    ]


COUNTS = [
    # (text, the acronym mentions expected)
    ("The National Resistance Front (NRF) said. The NRF fought.", [("nrf", "NRF")] * 2),
    ("NRF (National Resistance Front) fighters advanced.", [("nrf", "NRF")]),
    ("The NRF, the National Resistance Front, advanced.", [("nrf", "NRF")]),
    ("The NRF advanced. The National Resistance Front said so.", [("nrf", "NRF")]),
    ("The NRF and the Taliban clashed.", [("nrf", "NRF")]),  # another entity named
    ("The TTP warned Iran.", [("ttp", "TTP")]),  # even an "other" entity supports
    ("Tehrik-i-Taliban Pakistan (TTP) struck; the TTP's men fled.", [("ttp", "TTP")] * 2),
    ("The TTP struck in Waziristan.", []),  # no context words in PLAIN
]

DROPS = [
    # (text, acronym alias, reason explain gives)
    ("The NRF said so.", "NRF", "acronym without support"),
    ("National Retail Federation (NRF) data. The NRF said.", "NRF", "defined as something else"),
    ("NRF (National Retail Federation) data.", "NRF", "defined as something else"),
    ("The NRF, the Nouvelle Revue Française, said.", "NRF", "defined as something else"),
    ("NATO Response Force (NRF) troops and the Taliban.", "NRF", "defined as something else"),
    ("Tactics, techniques and procedures (TTPs) evolve. Each TTP is logged.", "TTP", "defined"),
    ("The TTPs of the Taliban.", "TTP", "plural or inflected acronym"),
    ("WHAT IS K-POP? The Taliban banned it.", "IS-K", "acronym written apart in a run of"),
]


@pytest.mark.parametrize(("text", "expected"), COUNTS)
def test_supported_acronyms_count(text: str, expected: list[tuple[str, str]]) -> None:
    assert acronyms(text) == expected


@pytest.mark.parametrize(("text", "alias", "reason"), DROPS)
def test_unsupported_acronyms_are_turned_down_with_a_reason(
    text: str, alias: str, reason: str
) -> None:
    watchlist = Watchlist.compile(
        [*PLAIN.entities.values(), Entity("is-k", "Islamic State Khorasan", "group", ("IS-K",))]
    )
    assert acronyms(text, watchlist) == []
    result = explain(text, watchlist)
    assert any(r.alias == alias and r.reason.startswith(reason) for r in result.rejected), (
        result.rejected
    )


CONTEXT = [
    # (text, entity whose bare acronym counts thanks to a built-in context word)
    ("The TTP regrouped in North Waziristan.", "ttp"),
    ("A TTP commander was held in Peshawar.", "ttp"),
    ("The NRF fought on in Panjshir.", "nrf"),
    ("ISIS cells remain in Syria.", "islamic-state"),
    ("ISKP fighters attacked in Nangarhar.", "is-k"),
    ("AQIS urged jihadists to act.", "al-qaeda"),
]

NO_CONTEXT = [
    ("The TTP announcement lifted shares.", "ttp"),
    ("The NRF board meets quarterly.", "nrf"),
    ("ISIS, the imaging software, was updated.", "islamic-state"),
    ("The IS-K valve was replaced.", "is-k"),
    # A context word of another entity does not support this one.
    ("The NRF board met in Peshawar.", "nrf"),
]


@pytest.mark.parametrize(("text", "entity"), CONTEXT)
def test_context_words_support_a_bare_acronym(text: str, entity: str) -> None:
    assert entity in {e for e, _ in acronyms(text, STARTER)}


@pytest.mark.parametrize(("text", "entity"), NO_CONTEXT)
def test_without_context_a_bare_acronym_does_not_count(text: str, entity: str) -> None:
    assert entity not in {e for e, _ in acronyms(text, STARTER)}


def test_exclude_phrase_with_the_acronyms_initials_defines_it() -> None:
    text = "Matthew Shay of the National Retail Federation spoke at the NRF show in Kabul."
    assert acronyms(text, STARTER) == []  # despite "Kabul", a context word
    assert acronyms("The NRF show opened in Kabul.", STARTER) == [("nrf", "NRF")]


@pytest.mark.parametrize(
    ("text", "letters", "long_name"),
    [
        ("the National Retail Federation (NRF) said", "NRF", "National Retail Federation"),
        ("Tehrik-i-Taliban Pakistan (TTP) said", "TTP", "Tehrik-i-Taliban Pakistan"),
        ("Islamic State of Iraq and Syria (ISIS) men", "ISIS", "Islamic State of Iraq and Syria"),
        ("the NRF (NATO Response Force) trained", "NRF", "NATO Response Force"),
        ("the TTP, the Trans-Tasman Partnership, stalled", "TTP", "Trans-Tasman Partnership"),
        ("tactics, techniques and procedures (TTPs)", "TTP", "tactics, techniques and procedures"),
        ("the IS-K (Islamic State Khorasan) cell", "ISK", "Islamic State Khorasan"),
    ],
)
def test_definitions(text: str, letters: str, long_name: str) -> None:
    (found,) = definitions(text, {letters})[letters]
    assert found.long_name(text) == long_name


@pytest.mark.parametrize(
    "text",
    [
        "the National Retail (NRF) said",  # initials do not spell it
        "the NRF (which is new) said",
        "the NRF, the group said",
        "NRF said (in Kabul) that",
    ],
)
def test_not_definitions(text: str) -> None:
    assert definitions(text, {"NRF"}) == {}
