"""Every form of a person's name (alerts/names.py): middle initials, middle names and
nicknames, titles before the surname, and the surname rule in Arabic script."""

from __future__ import annotations

import pytest

from alerts.explain import explain
from alerts.matcher import find_mentions
from alerts.watchlist import Entity, Watchlist

PEOPLE = Watchlist.compile(
    [
        Entity("kurilla", "Michael Kurilla", "official"),
        Entity("west", "Thomas West", "official"),
        Entity("massoud", "Ahmad Massoud", "official"),
        Entity("siraj", "Sirajuddin Haqqani", "official", ("سراج الدين حقاني",)),
        Entity("khalil", "Khalil Haqqani", "official"),
        Entity("akhundzada", "Hibatullah Akhundzada", "official", ("هبت الله آخندزاده",)),
    ]
)


def found(text: str) -> list[tuple[str, str, str]]:
    return [(m.entity_id, text[m.start : m.end], m.rule) for m in find_mentions(text, PEOPLE)]


FORMS = [
    # (text, every mention expected)
    (
        "Michael E. Kurilla spoke. Kurilla left.",
        [("kurilla", "Michael E. Kurilla", "middle"), ("kurilla", "Kurilla", "surname")],
    ),
    ("Michael E Kurilla spoke.", [("kurilla", "Michael E Kurilla", "middle")]),
    ("Michael J. R. Kurilla spoke.", [("kurilla", "Michael J. R. Kurilla", "middle")]),
    ("Michael Quincy Kurilla spoke.", [("kurilla", "Michael Quincy Kurilla", "middle")]),
    ('Michael "Mike" Kurilla spoke.', [("kurilla", 'Michael "Mike" Kurilla', "middle")]),
    ("Michael “Mike” Kurilla spoke.", [("kurilla", "Michael “Mike” Kurilla", "middle")]),
    ("Thomas H. West arrived.", [("west", "Thomas H. West", "middle")]),
    (
        "Gen. Kurilla spoke. Kurilla left.",
        [("kurilla", "Kurilla", "titled"), ("kurilla", "Kurilla", "surname")],
    ),
    ("General Kurilla spoke.", [("kurilla", "Kurilla", "titled")]),
    ("Mullah Akhundzada ruled.", [("akhundzada", "Akhundzada", "titled")]),
    ("Maulvi Akhundzada ruled.", [("akhundzada", "Akhundzada", "titled")]),
    ("Mawlawi Akhundzada ruled.", [("akhundzada", "Akhundzada", "titled")]),
    ("Sheikh Akhundzada ruled.", [("akhundzada", "Akhundzada", "titled")]),
    ("Mr. Massoud spoke.", [("massoud", "Massoud", "titled")]),
    # After the full name a title + surname stays a surname mention.
    (
        "Michael Kurilla spoke. Gen. Kurilla left.",
        [("kurilla", "Michael Kurilla", "exact"), ("kurilla", "Kurilla", "surname")],
    ),
    ("أصدر الملا آخندزاده مرسوما.", [("akhundzada", "آخندزاده", "titled")]),
    (
        "التقى سراج الدين حقاني بالوفد. وقال حقاني إن المحادثات جيدة.",
        [("siraj", "سراج الدين حقاني", "exact"), ("siraj", "حقاني", "surname")],
    ),
    (
        "سراج‌الدین حقانی گفت. حقانی افزود.",
        [("siraj", "سراج‌الدین حقانی", "exact"), ("siraj", "حقانی", "surname")],
    ),
]

NOT_FORMS = [
    # (text, what must not be found, the reason explain gives or None)
    ("Michael E. Smith spoke.", ("kurilla", "Michael E. Smith"), None),
    ("Ahmad Shah Massoud was killed in 2001.", ("massoud", "Massoud"), None),
    ("Ahmad Zia Massoud, his uncle, spoke.", ("massoud", "Massoud"), None),
    ("the michael e. kurilla case", ("kurilla", "kurilla"), None),
    ("Mr. West arrived.", ("west", "West"), None),  # an ordinary-word surname
    # Two tracked people share the surname: a title does not say which.
    ("Sheikh Haqqani spoke.", ("siraj", "Haqqani"), None),
    (
        "Sirajuddin Haqqani spoke. Husain Haqqani disagreed.",
        ("siraj", "Haqqani"),
        "surname of another person",
    ),
    (
        "التقى سراج الدين حقاني بالوفد. وكان جلال الدين حقاني قد أسس الشبكة.",
        ("siraj", "حقاني"),
        "surname of another person",
    ),
    (
        "سراج‌الدین حقانی گفت. پدرش جلال‌الدین حقانی بود.",
        ("siraj", "حقانی"),
        "surname of another person",
    ),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_forms_of_a_name(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(("text", "unwanted", "reason"), NOT_FORMS)
def test_not_forms_of_the_name(text: str, unwanted: tuple[str, str], reason: str | None) -> None:
    hits = [(e, t) for e, t, rule in found(text) if rule != "exact"]
    assert unwanted not in hits
    if reason is not None:
        assert any(
            r.entity_id == unwanted[0] and r.reason == reason
            for r in explain(text, PEOPLE).rejected
        )


def test_arabic_title_is_not_another_person() -> None:
    text = "التقى سراج الدين حقاني بالوفد. وقال الشيخ حقاني إنه راض."
    assert ("siraj", "حقاني", "surname") in found(text)
