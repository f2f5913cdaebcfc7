"""Spellings nobody listed (alerts/variants.py) and the precision guards around them;
weak aliases; Arabic-script aliases with and without zero-width non-joiners."""

from __future__ import annotations

import pytest

from alerts.explain import explain
from alerts.matcher import find_mentions
from alerts.variants import MAX_PER_ALIAS, alias_variants, word_edits
from alerts.watchlist import Entity, Watchlist

NAMES = Watchlist.compile(
    [
        Entity("aq", "al-Qaeda", "group"),
        Entity("muttaqi", "Amir Khan Muttaqi", "official"),
        Entity("siraj", "Sirajuddin Haqqani", "official"),
        Entity("akhundzada", "Hibatullah Akhundzada", "official"),
        Entity("network", "Haqqani network", "group", exclude=("Haqqani network of traders",)),
        Entity("off", "Jalaluddin Haqqani", "official", variants=False),
        Entity("acr", "TTP", "group", context=("Waziristan",)),
        Entity("reece", "Tony Reece", "official"),
    ]
)


def found(text: str, watchlist: Watchlist = NAMES) -> list[tuple[str, str, str]]:
    return [(m.entity_id, text[m.start : m.end], m.rule) for m in find_mentions(text, watchlist)]


VARIANTS = [
    ("al-Qaida said", "aq", "al-Qaida"),
    ("al-Qaidah said", "aq", "al-Qaidah"),
    ("al-Qa'idah said", "aq", "al-Qa'idah"),
    ("el-Qaeda said", "aq", "el-Qaeda"),
    ("Al-Kaida said", "aq", "Al-Kaida"),
    ("Amir Khan Mottaqi said", "muttaqi", "Amir Khan Mottaqi"),
    ("Amir Khan Muttaki said", "muttaqi", "Amir Khan Muttaki"),
    ("Serajuddin Haqqani said", "siraj", "Serajuddin Haqqani"),
    ("Siraj ud-Din Haqqani said", "siraj", "Siraj ud-Din Haqqani"),
    ("Sirajuddin Haqani said", "siraj", "Sirajuddin Haqani"),
    ("Hibatullah Akhunzada said", "akhundzada", "Hibatullah Akhunzada"),
    ("Hebatullah Akhundzada said", "akhundzada", "Hebatullah Akhundzada"),
    ("Hibatullah Akhundzadah said", "akhundzada", "Hibatullah Akhundzadah"),
    ("the Haqani network said", "network", "Haqani network"),
    ("the Hakkani network's", "network", "Hakkani network"),
]

NOT_VARIANTS = [
    # (text, entity, why a careless rule would take it)
    ("children read a qaida, a primer", "aq", "lowercase"),
    ("al qaidah in lowercase", "aq", "lowercase"),
    ("Jalaluddin Haqqani founded it", "siraj", "another person"),
    ("Jalaluddin Haqani founded it", "off", "variants = false"),
    ("the Hakkani network of traders opened a shop", "network", "exclude expands too"),
    ("the TPP trade pact in Waziristan", "acr", "acronyms get no variants"),
    ("Tony Rice spoke", "reece", "an ordinary word"),
    ("al-Qaidahi", "aq", "not a word end"),
]


@pytest.mark.parametrize(("text", "entity", "matched"), VARIANTS)
def test_variant_spellings(text: str, entity: str, matched: str) -> None:
    assert found(text) == [(entity, matched, "variant")]


@pytest.mark.parametrize(("text", "entity", "why"), NOT_VARIANTS)
def test_not_variants(text: str, entity: str, why: str) -> None:
    assert entity not in {e for e, _, _ in found(text)}, why


def test_listed_alias_is_never_a_variant() -> None:
    watchlist = Watchlist.compile(
        [Entity("a", "Hamid Karzai", "official"), Entity("b", "Hamed Karzai", "official")]
    )
    assert found("Hamed Karzai spoke.", watchlist) == [("b", "Hamed Karzai", "exact")]


def test_variant_surname_after_full_name() -> None:
    assert found("Amir Khan Muttaqi spoke. Mottaqi left.") == [
        ("muttaqi", "Amir Khan Muttaqi", "exact"),
        ("muttaqi", "Mottaqi", "surname"),
    ]


def test_explain_names_the_ordinary_word_variant() -> None:
    result = explain("Tony Reece spoke. Rice fell.", NAMES)
    assert [m.rule for m in result.mentions] == ["exact"]
    assert [(r.entity_id, r.reason) for r in result.rejected] == [
        ("reece", "variant rejected as an ordinary word")
    ]


@pytest.mark.parametrize(
    ("word", "included", "excluded"),
    [
        ("qaeda", {"qaida", "qa'ida", "qaedah", "kaeda"}, {"qaeda"}),
        ("muttaqi", {"mottaqi", "mutaqi", "muttaki", "muttaqee", "muttaqy"}, set()),
        ("akhundzada", {"akhunzada", "akhundzadah", "akhondzada"}, set()),
        ("sirajuddin", {"serajuddin", "sirajudin", "siraj ud din", "sirajuddeen"}, set()),
        ("al", {"el", "ul"}, set()),
        ("omar", set(), {"umar"}),  # shorter than MIN_WORD: no variants
        ("TTP".lower(), set(), {"tpp"}),
    ],
)
def test_word_edits(word: str, included: set[str], excluded: set[str]) -> None:
    edits = set(word_edits(word))
    assert included <= edits
    assert not excluded & edits


def test_variants_are_bounded_and_skip_ordinary_words() -> None:
    assert len(alias_variants("sirajuddin haqqani")) <= MAX_PER_ALIAS
    assert all(v.endswith(" network") for v in alias_variants("haqqani network"))
    assert "rice" not in {w for v in alias_variants("tony reece") for w in v.split()}


def test_weak_aliases() -> None:
    watchlist = Watchlist.compile(
        [
            Entity(
                "p",
                "Abdul Ghani Baradar",
                "official",
                weak_aliases=("Ghani Baradar Akhund", "Baradar"),
            )
        ]
    )
    assert found("Ghani Baradar Akhund arrived.", watchlist) == [
        ("p", "Ghani Baradar Akhund", "exact")
    ]
    assert found("Ghani Baradar Akhund's car.", watchlist) == [
        ("p", "Ghani Baradar Akhund", "possessive")
    ]
    # Never alone when one word, never a surname source, no lenient forms or variants;
    # but found whole it names the person, so the listed name's surname counts after it.
    assert found("Ghani Baradar Akhund arrived. Akhund left. Baradar too.", watchlist) == [
        ("p", "Ghani Baradar Akhund", "exact"),
        ("p", "Baradar", "surname"),
    ]
    assert found("Akhund left. Baradar too.", watchlist) == []
    assert found("Ghani Baradar Akhunds rampage. Ghany Baradar Akhund.", watchlist) == []


@pytest.mark.parametrize(
    "text",
    ["سراج‌الدین حقانی گفت", "سراج الدین حقانی گفت", "سراجالدین حقانی گفت", "سراج‍الدین حقانی"],
)
def test_zero_width_non_joiner_is_a_space_or_nothing(text: str) -> None:
    for alias in ("سراج الدين حقاني", "سراج‌الدین حقانی", "سراجالدين حقاني"):
        watchlist = Watchlist.compile([Entity("s", alias, "official")])
        assert [e for e, _, _ in found(text, watchlist)] == ["s"], (alias, text)
