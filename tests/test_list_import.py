"""Watchlists from published lists: the UN Consolidated List XML and FollowTheMoney
entities, mapped, merged on re-import, checked, and refused when hostile."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from alerts.imports import MAX_LIST_BYTES, ListImportError, import_list, read_records
from alerts.imports.un_xml import list_tag
from alerts.matcher import find_mentions
from alerts.watchlist import Entity, Watchlist, WatchlistError, load_watchlist_file
from scheduler.checks import imported_alias_warnings
from scheduler.cli import cli
from scheduler.config import ConfigError, load_config

LISTS = Path(__file__).parent / "data" / "lists"
UN_V1 = LISTS / "un-consolidated-v1.xml"
UN_V2 = LISTS / "un-consolidated-v2.xml"
FTM_V1 = LISTS / "opensanctions-v1.ftm.json"
FTM_V2 = LISTS / "opensanctions-v2.ftm.json"
TODAY = date(2026, 12, 2)


def by_id(path: Path, fmt: str, **options) -> dict:
    records, _, _ = read_records(path, fmt, **options)
    return {record.id: record for record in records}


def entries(path: Path) -> dict[str, dict]:
    return {entry["id"]: entry for entry in yaml.safe_load(path.read_text(encoding="utf-8"))}


# --- the UN list ------------------------------------------------------------------


def test_un_records_become_entities_with_stable_ids_kinds_and_tags() -> None:
    records = by_id(UN_V1, "un-xml")
    assert sorted(records) == [
        "un-qde.132",
        "un-qdi.006",
        "un-tae.012",
        "un-tai.002",
        "un-tai.024",
        "un-tai.144",
    ]
    baradar = records["un-tai.024"]
    assert baradar.name == "Abdul Ghani Baradar"  # the name parts, in newsroom case
    assert baradar.kind == "official" and baradar.tags == ("un-1988",)
    assert baradar.reference == "TAi.024"
    # Good aliases and the original-script name are aliases...
    assert baradar.aliases == (
        "Mullah Baradar Akhund",
        "Abdul Ghani Baradar Akhund",
        "عبدالغنی برادر",
    )
    # ...low-quality aliases and a bare surname only weak ones.
    assert baradar.weak_aliases == ("Abdul Ghani Biradar", "Baradar")
    assert baradar.notes == ("title: Mullah", "designation: Deputy Minister of Defence")
    assert records["un-qdi.006"].name == "Ayman Muhammed Rabi al-Zawahiri"
    assert records["un-qdi.006"].tags == ("un-1267",)
    network = records["un-tae.012"]
    assert (network.kind, network.name, network.aliases) == (
        "group",
        "Haqqani Network",
        ("Haqqani Taliban Network",),
    )
    ttp = records["un-qde.132"]
    assert ttp.name == "Tehrik-e Taliban Pakistan" and ttp.aliases[0] == "TTP"
    assert ttp.weak_aliases == ("Movement",)  # an ordinary word, from a group


def test_a_person_known_by_one_word_only_is_skipped_and_said_so() -> None:
    records, skipped, _ = read_records(UN_V1, "un-xml")
    assert "un-tai.199" not in {r.id for r in records}
    assert skipped == ["TAi.199 (HAFIZ): no name safe to match on its own"]


def test_quality_good_drops_low_quality_aliases() -> None:
    baradar = by_id(UN_V1, "un-xml", quality="good")["un-tai.024"]
    assert baradar.weak_aliases == ()
    assert "Abdul Ghani Baradar Akhund" in baradar.aliases


@pytest.mark.parametrize("name", ["Taliban", "1988", "un-1988", "TALIBAN"])
def test_list_selects_a_un_list_by_name_number_or_tag(name: str) -> None:
    records = by_id(UN_V1, "un-xml", lists=(name,))
    assert sorted(records) == ["un-tae.012", "un-tai.002", "un-tai.024", "un-tai.144"]


def test_a_list_not_in_the_file_is_an_error_naming_the_lists_it_has() -> None:
    with pytest.raises(
        ListImportError, match=r"no record on 1718; this file has: un-1267, un-1988"
    ):
        read_records(UN_V1, "un-xml", lists=("1718",))


def test_list_tags() -> None:
    assert list_tag("Al-Qaida") == "un-1267"
    assert list_tag("Iraq") == "un-1518"
    assert list_tag("Some New Regime") == "un-some-new-regime"


# --- FollowTheMoney ---------------------------------------------------------------


def test_ftm_people_and_organisations_become_entities() -> None:
    records = by_id(FTM_V1, "ftm")
    assert sorted(records) == [
        "ftm-NK-baradar",
        "ftm-NK-hassan",
        "ftm-NK-network",
        "ftm-NK-siraj",
        "ftm-NK-ttp",
    ]  # the Vessel is no person or group
    baradar = records["ftm-NK-baradar"]
    assert baradar.kind == "official" and baradar.name == "Abdul Ghani Baradar"
    assert baradar.aliases == ("Mullah Baradar Akhund", "عبدالغنی برادر")
    assert baradar.weak_aliases == ("Baradar", "Abdul Ghani Biradar")  # weakAlias
    assert baradar.tags == ("un_sc_sanctions", "sanction")
    assert records["ftm-NK-hassan"].aliases == ("Mullah Mohammad Hassan Akhund",)
    assert records["ftm-NK-network"].kind == "group"
    assert records["ftm-NK-ttp"].kind == "group"  # a LegalEntity
    assert records["ftm-NK-ttp"].aliases == ("TTP", "Pakistani Taliban")


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (("us_ofac_sdn",), {"ftm-NK-siraj", "ftm-NK-ttp"}),
        (("crime.terror",), {"ftm-NK-siraj", "ftm-NK-network"}),
    ],
)
def test_ftm_list_selects_by_dataset_or_topic(selection: tuple[str, ...], expected: set) -> None:
    assert set(by_id(FTM_V1, "ftm", lists=selection)) == expected


def test_a_group_named_only_by_ordinary_words_is_skipped(tmp_path: Path) -> None:
    line = {"id": "g1", "schema": "Organization", "properties": {"name": ["The Base"]}}
    (tmp_path / "one.json").write_text(json.dumps(line) + "\n" + FTM_V1.read_text())
    records, skipped, _ = read_records(tmp_path / "one.json", "ftm")
    assert skipped == ["g1 (The Base): no name safe to match on its own"]
    assert len(records) == 5


def test_ftm_ids_stay_the_same_across_versions() -> None:
    assert set(by_id(FTM_V2, "ftm")) == set(by_id(FTM_V1, "ftm")) - {"ftm-NK-hassan"}


# --- the written file, and loading it ---------------------------------------------


def test_written_yaml_and_csv_load_as_the_same_entities(tmp_path: Path) -> None:
    for name in ("entities.yaml", "entities.csv"):
        import_list(UN_V1, "un-xml", out=tmp_path / name, today=TODAY)
    from_yaml = load_watchlist_file(tmp_path / "entities.yaml")
    from_csv = load_watchlist_file(tmp_path / "entities.csv")
    assert from_yaml == from_csv
    baradar = next(e for e in from_yaml if e.id == "un-tai.024")
    assert baradar.weak_aliases == ("Abdul Ghani Biradar", "Baradar")
    assert baradar.imported_from == "un-xml TAi.024"
    assert (tmp_path / "entities.yaml").read_text(encoding="utf-8").startswith("# Watchlist")


def test_without_out_the_watchlist_is_returned_and_nothing_written(tmp_path: Path) -> None:
    result = import_list(FTM_V1, "ftm", today=TODAY)
    assert result.written is None and list(tmp_path.iterdir()) == []
    assert yaml.safe_load(result.text)[0]["id"] == "ftm-NK-baradar"


def test_config_names_several_watchlist_files(tmp_path: Path) -> None:
    import_list(UN_V1, "un-xml", out=tmp_path / "un.yaml", today=TODAY)
    (tmp_path / "own.csv").write_text("id,name,kind\nkabul-police,Kabul police,group\n")
    config = tmp_path / "newsradar.toml"
    config.write_text('watchlist = ["un.yaml", "own.csv"]\n')
    ids = [entity.id for entity in load_config(config).entities()]
    assert ids[0] == "un-tai.024" and ids[-1] == "kabul-police" and len(ids) == 7
    (tmp_path / "own.csv").write_text("id,name\nun-tai.024,Someone Else\n")
    with pytest.raises(ConfigError, match=r"watchlist own\.csv: entity #1, key 'id': duplicate"):
        load_config(config)


def test_weak_aliases_inline_and_a_damaged_imported_record(tmp_path: Path) -> None:
    config = tmp_path / "newsradar.toml"
    config.write_text(
        '[[entity]]\nid = "b"\nname = "Abdul Ghani Baradar"\nkind = "official"\n'
        'weak_aliases = ["Abdul Ghani Biradar", "Baradar"]\n'
    )
    (entity,) = load_config(config).entities()
    assert entity.weak_aliases == ("Abdul Ghani Biradar", "Baradar")
    (tmp_path / "bad.yaml").write_text("- id: x\n  name: X Y\n  imported: 5\n")
    with pytest.raises(WatchlistError, match=r"entity #1: 'imported' must be a mapping"):
        load_watchlist_file(tmp_path / "bad.yaml")


# --- re-import --------------------------------------------------------------------


def edit(path: Path, entity_id: str, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(entry for entry in data if entry["id"] == entity_id))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def users_edits(entry: dict) -> None:
    entry["aliases"].append("Mullah Beradar")  # the user's own spelling
    entry["aliases"].remove("Mullah Baradar Akhund")  # a list alias the user does not want
    entry["exclude"] = ["Baradar Street"]
    entry["tags"].append("urgent")
    entry["name"] = "Mullah Abdul Ghani Baradar"


def test_reimport_keeps_the_users_edits_and_reports_missing_records(tmp_path: Path) -> None:
    out = tmp_path / "entities.yaml"
    import_list(UN_V1, "un-xml", out=out, today=TODAY)
    edit(out, "un-tai.024", users_edits)
    # A key this version does not know is carried through untouched.
    edit(out, "un-tai.024", lambda entry: entry.update(context=["Taliban", "Kabul"]))
    out.write_text(
        out.read_text(encoding="utf-8") + "- id: kabul-police\n  name: Kabul police\n",
        encoding="utf-8",
    )

    result = import_list(UN_V2, "un-xml", out=out, today=TODAY)
    report = result.report
    assert report.added == ["un-qdi.430"]
    assert report.updated == ["un-tai.024"]  # the list gave it a new alias
    assert report.missing == ["un-tai.002"] and report.removed == []
    after = entries(out)
    baradar = after["un-tai.024"]
    assert baradar["name"] == "Mullah Abdul Ghani Baradar"
    assert baradar["aliases"] == [
        "Abdul Ghani Baradar Akhund",
        "Abdul Ghani Beradar",  # new on the list
        "عبدالغنی برادر",
        "Mullah Beradar",  # the user's, kept; the deleted list alias stays deleted
    ]
    assert baradar["exclude"] == ["Baradar Street"]
    assert baradar["context"] == ["Taliban", "Kabul"]
    assert baradar["tags"] == ["un-1988", "urgent"]
    assert "Mullah Baradar Akhund" in baradar["imported"]["aliases"]
    # A record that left the list is kept, marked; the hand-written entity untouched.
    assert after["un-tai.002"]["imported"]["missing_since"] == "2026-12-02"
    assert after["kabul-police"] == {"id": "kabul-police", "name": "Kabul police"}
    assert list(after)[-1] == "un-qdi.430"

    again = import_list(UN_V2, "un-xml", out=out, today=date(2027, 1, 5))
    assert again.report.updated == [] and again.report.missing == ["un-tai.002"]
    assert entries(out)["un-tai.002"]["imported"]["missing_since"] == "2026-12-02"

    dropped = import_list(UN_V2, "un-xml", out=out, remove_missing=True, today=TODAY)
    assert dropped.report.removed == ["un-tai.002"]
    assert "un-tai.002" not in entries(out) and "kabul-police" in entries(out)


def test_a_record_back_on_the_list_loses_its_missing_mark(tmp_path: Path) -> None:
    out = tmp_path / "entities.yaml"
    import_list(UN_V1, "un-xml", out=out, today=TODAY)
    import_list(UN_V2, "un-xml", out=out, today=TODAY)
    import_list(UN_V1, "un-xml", out=out, today=TODAY)
    assert "missing_since" not in entries(out)["un-tai.002"]["imported"]


def test_reimporting_one_list_does_not_mark_the_others_missing(tmp_path: Path) -> None:
    out = tmp_path / "entities.yaml"
    import_list(UN_V1, "un-xml", out=out, today=TODAY)
    result = import_list(UN_V2, "un-xml", out=out, lists=("1267",), today=TODAY)
    assert result.report.missing == [] and result.report.added == ["un-qdi.430"]
    ftm = import_list(FTM_V1, "ftm", out=out, today=TODAY)
    assert ftm.report.missing == [] and len(ftm.report.added) == 5


def test_reimport_into_csv_keeps_the_users_edits(tmp_path: Path) -> None:
    out = tmp_path / "entities.csv"
    import_list(FTM_V1, "ftm", out=out, today=TODAY)
    text = out.read_text(encoding="utf-8")
    assert "ftm-NK-network,Haqqani Network,group,Haqqani Taliban Network," in text
    out.write_text(
        text.replace(
            "ftm-NK-network,Haqqani Network,group,Haqqani Taliban Network,",
            "ftm-NK-network,Haqqani Network,group,Haqqani Taliban Network; Haqqani group,",
        ),
        encoding="utf-8",
    )
    result = import_list(FTM_V2, "ftm", out=out, today=TODAY)
    assert result.report.missing == ["ftm-NK-hassan"]
    network = next(e for e in load_watchlist_file(out) if e.id == "ftm-NK-network")
    assert network.aliases == ("Haqqani Taliban Network", "Haqqani group")


def test_an_id_the_user_wrote_by_hand_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "entities.yaml"
    out.write_text("- id: un-tai.024\n  name: My Baradar\n  kind: official\n")
    result = import_list(UN_V1, "un-xml", out=out, today=TODAY)
    assert result.report.hand_written == ["un-tai.024"]
    assert entries(out)["un-tai.024"] == {
        "id": "un-tai.024",
        "name": "My Baradar",
        "kind": "official",
    }


# --- matching what was imported ---------------------------------------------------


def imported_watchlist() -> Watchlist:
    records, _, _ = read_records(UN_V1, "un-xml")
    return Watchlist.compile(
        Entity(
            r.id,
            r.name,
            r.kind,
            r.aliases,
            tags=r.tags,
            weak_aliases=r.weak_aliases,
            imported_from="un-xml",
        )
        for r in records
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Abdul Ghani Biradar arrived in Doha.", [("un-tai.024", "Abdul Ghani Biradar")]),
        ("عبدالغنی برادر در دوحه است.", [("un-tai.024", "عبدالغنی برادر")]),
        # Weak one-word names never match alone, nor license a surname.
        ("Baradar arrived. Khalifa spoke. The doctor is in.", []),
        # A weak name gives no surname of its own; "Biradar" after it counts only as a
        # transliteration variant of the listed name's surname "Baradar"...
        (
            "Abdul Ghani Biradar arrived. Biradar said.",
            [("un-tai.024", "Abdul Ghani Biradar"), ("un-tai.024", "Abdul Ghani Biradar")],
        ),
        ("Abdul Ghani Biradar arrived. Akhundzadaa said.", [("un-tai.024", "Abdul Ghani Biradar")]),
        # ...but, being the person's full name, licenses the surname of a strong one.
        (
            "Abdul Ghani Biradar arrived. Baradar said.",
            [("un-tai.024", "Abdul Ghani Biradar"), ("un-tai.024", "Abdul Ghani Biradar")],
        ),
        # A group and a person sharing a surname: the longest name wins, and the
        # surname alone needs the person's full name first.
        (
            "The Haqqani network grew. Sirajuddin Haqqani spoke; Haqqani said more.",
            [
                ("un-tae.012", "Haqqani Network"),
                ("un-tai.144", "Sirajuddin Haqqani"),
                ("un-tai.144", "Sirajuddin Haqqani"),
            ],
        ),
        ("Haqqani said nothing.", []),
        (
            "Fighters of the TTP and the Pakistani Taliban.",
            [("un-qde.132", "TTP"), ("un-qde.132", "Pakistani Taliban")],
        ),
    ],
)
def test_imported_spellings_match_and_weak_ones_only_in_full(text: str, expected: list) -> None:
    found = [(m.entity_id, m.alias) for m in find_mentions(text, imported_watchlist())]
    assert found == expected


def test_check_reports_unused_aliases_and_shared_surnames() -> None:
    records, _, _ = read_records(UN_V1, "un-xml")
    entities = [
        Entity(
            r.id,
            r.name,
            r.kind,
            r.aliases,
            tags=r.tags,
            weak_aliases=r.weak_aliases,
            imported_from=f"un-xml {r.reference}",
        )
        for r in records
    ]
    warnings = imported_alias_warnings(entities)
    assert (
        "entity 'un-tai.024' (un-xml TAi.024): weak aliases never matched: "
        "'Baradar' (a single word)" in warnings
    )
    assert (
        "entity 'un-qdi.006' (un-xml QDi.006): weak aliases never matched: "
        "'Abu Muhammad' (fewer than two uncommon words), "
        "'The Doctor' (fewer than two uncommon words)" in warnings
    )
    assert (
        "surname 'akhund' is shared by un-tai.024, un-tai.002: alone, it is credited "
        "to the one whose full name appeared last before it" in warnings
    )
    # The network and Sirajuddin Haqqani share no name the matcher uses alone.
    assert not [w for w in warnings if "'haqqani" in w]

    # A hand-written entity named like an imported surname or weak alias is reported,
    # and an ordinary word the user added to an imported entity's aliases.
    entities.append(Entity("haqqani-family", "Haqqani", "group"))
    entities.append(Entity("gidar", "Tariq Gidar Group", "group"))
    entities[0] = replace(entities[0], aliases=("Council", "Mullah Beradar"))
    more = imported_alias_warnings(entities)
    assert (
        "'haqqani' is shared by un-tai.144 (surname), haqqani-family (name): "
        "a mention may go to either" in more
    )
    assert not [w for w in more if "'tariq gidar group'" in w]  # two names: check's own warning
    assert (
        "entity 'un-tai.024' (un-xml TAi.024): 'Council' is an ordinary word and matches "
        "wherever it appears: move it to weak_aliases" in more
    )


# --- hostile and broken files -----------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>TAi.1</REFERENCE_NUMBER>
<FIRST_NAME>&lol9;</FIRST_NAME><SECOND_NAME>X</SECOND_NAME></INDIVIDUAL></INDIVIDUALS>
</CONSOLIDATED_LIST>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>TAi.1</REFERENCE_NUMBER>
<FIRST_NAME>&secret;</FIRST_NAME><SECOND_NAME>X</SECOND_NAME></INDIVIDUAL></INDIVIDUALS>
</CONSOLIDATED_LIST>
"""
UN_TEXT = UN_V1.read_bytes()
FTM_TEXT = FTM_V1.read_bytes()

HOSTILE = [
    ("bomb.xml", "un-xml", BILLION_LAUGHS, "refused: the file declares a DTD or entities"),
    ("xxe.xml", "un-xml", EXTERNAL_ENTITY, "refused: the file declares a DTD or entities"),
    ("cut.xml", "un-xml", UN_TEXT[: len(UN_TEXT) // 2], "not well-formed XML"),
    (
        "latin1.xml",
        "un-xml",
        UN_TEXT.replace(b"Test record.", "Caf\u00e9".encode("latin-1")),
        "not UTF-8 text (byte 0xe9 on line 13)",
    ),
    (
        "declared.xml",
        "un-xml",
        UN_TEXT.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
        "declares encoding 'iso-8859-1'; the UN list is published in UTF-8",
    ),
    ("utf16.xml", "un-xml", UN_TEXT.decode().encode("utf-16"), "not UTF-8 text"),
    ("feed.xml", "un-xml", b"<rss><channel/></rss>", "not the UN Consolidated List"),
    ("empty.xml", "un-xml", b"<CONSOLIDATED_LIST/>", "no people or groups found"),
    ("cut.json", "ftm", FTM_TEXT[: len(FTM_TEXT) - 40], "line 6: not valid JSON"),
    ("list.json", "ftm", b"[1, 2]\n", "line 1: not a FollowTheMoney entity"),
    ("schema.json", "ftm", b'{"id": "x", "schema": "Dragon"}\n', "line 1: No schema"),
    ("noid.json", "ftm", b'{"schema": "Person", "properties": {}}\n', "line 1: the entity has no"),
    ("ctrlid.json", "ftm", b'{"id": "\\u0001", "schema": "Person"}\n', "line 1: the entity has no"),
    ("latin1.json", "ftm", '{"id": "é"}'.encode("latin-1"), "not UTF-8 text (byte 0xe9"),
]


@pytest.mark.parametrize(("name", "fmt", "data", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_or_broken_files_give_one_clear_line_and_change_nothing(
    tmp_path: Path, name: str, fmt: str, data: bytes, message: str
) -> None:
    out = tmp_path / "entities.yaml"
    import_list(UN_V1, "un-xml", out=out, today=TODAY)
    before = out.read_bytes()
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ListImportError) as caught:
        import_list(tmp_path / name, fmt, out=out, today=TODAY)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "entities.yaml"])


def test_a_100_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:
        handle.write(b"<CONSOLIDATED_LIST>")
        handle.write(b" " * (1 << 20))
        handle.truncate(100 * 1024 * 1024)
    out = tmp_path / "entities.yaml"
    out.write_text("- id: kept\n  name: Kept Entity\n")
    before = out.read_bytes()
    assert huge.stat().st_size > MAX_LIST_BYTES
    started = time.monotonic()
    for fmt in ("un-xml", "ftm"):
        with pytest.raises(ListImportError, match=r"100 MB is larger than the 50 MB"):
            import_list(huge, fmt, out=out)
    assert time.monotonic() - started < 5  # refused from its size, not parsed
    assert out.read_bytes() == before


def test_a_broken_watchlist_to_merge_into_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "entities.yaml"
    out.write_text("- id: [unclosed\n")
    with pytest.raises(ListImportError, match="not valid YAML, nothing merged"):
        import_list(UN_V1, "un-xml", out=out)
    assert out.read_text() == "- id: [unclosed\n"
    with pytest.raises(ListImportError, match=r"a watchlist file is \.yaml, \.yml or \.csv"):
        import_list(UN_V1, "un-xml", out=tmp_path / "entities.toml")


# --- the command ------------------------------------------------------------------


def test_import_command_reports_and_fails_cleanly(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "entities.yaml"
    first = runner.invoke(
        cli, ["watchlist", "import", str(UN_V1), "--format", "un-xml", "--out", str(out)]
    )
    assert first.exit_code == 0, first.output
    assert "6 people and groups" in first.stderr and "6 added" in first.stderr
    assert "skipped TAi.199 (HAFIZ)" in first.stderr
    second = runner.invoke(
        cli, ["watchlist", "import", str(UN_V2), "--format", "un-xml", "--out", str(out)]
    )
    assert second.exit_code == 0, second.output
    assert "no longer on the list, kept and marked missing_since" in second.stderr
    assert "un-tai.002" in second.stderr
    printed = runner.invoke(cli, ["watchlist", "import", str(FTM_V1), "--format", "ftm"])
    assert printed.exit_code == 0 and yaml.safe_load(printed.stdout)[0]["kind"] == "official"

    (tmp_path / "bomb.xml").write_bytes(BILLION_LAUGHS)
    before = out.read_bytes()
    bad = runner.invoke(
        cli,
        [
            "watchlist",
            "import",
            str(tmp_path / "bomb.xml"),
            "--format",
            "un-xml",
            "--out",
            str(out),
        ],
    )
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert bad.stderr.strip().startswith("Error: ") and len(bad.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == before
    missing = runner.invoke(cli, ["watchlist", "import", "nope.xml", "--format", "un-xml"])
    assert missing.exit_code == 1 and "nope.xml: cannot read" in missing.stderr
    assert runner.invoke(cli, ["watchlist", "import", str(UN_V1)]).exit_code == 2


def test_watchlist_still_lists_and_shows_weak_aliases(tmp_path: Path) -> None:
    shutil.copy(UN_V1, tmp_path / "un.xml")
    runner = CliRunner()
    runner.invoke(cli, ["watchlist", "import", "un.xml", "--format", "un-xml", "--out", "un.yaml"])
    (tmp_path / "newsradar.toml").write_text('watchlist = "un.yaml"\n')
    listed = runner.invoke(cli, ["watchlist", "--json"])
    assert listed.exit_code == 0, listed.output
    first = json.loads(listed.stdout.splitlines()[0])
    assert first["id"] == "un-tai.024" and first["weak_aliases"] == [
        "Abdul Ghani Biradar",
        "Baradar",
    ]
    table = runner.invoke(cli, ["watchlist"])
    assert "    weak aliases: Abdul Ghani Biradar; Baradar" in table.stdout
    checked = runner.invoke(cli, ["check"])
    assert checked.exit_code == 0, checked.output
    assert "weak aliases never matched: 'Baradar' (a single word)" in checked.stderr


# --- the whole workflow, as a user runs it ------------------------------------------

ARTICLES = {
    "Deputy premier visits Doha": [
        "Abdul Ghani Baradar arrived in Doha on Monday for talks on trade, officials said.",
        "Baradar said the talks would continue next week in the Qatari capital.",
        "The delegation is expected to meet business leaders before returning to Kabul.",
    ],
    "گزارش از کابل": [
        "عبدالغنی برادر روز دوشنبه با یک هیئت تجاری در کابل دیدار کرد.",
        "در این دیدار درباره تجارت و راه‌های ترانزیتی گفتگو شد.",
        "هیئت قرار است هفته آینده به کابل بازگردد.",
    ],
    "Network issues statement": [
        "The Haqqani network issued a statement on Tuesday about the border crossings.",
        "Sirajuddin Haqqani, the interior minister, spoke to reporters in Kabul.",
        "Haqqani added that the crossings would reopen within days.",
    ],
    "Bakery opens a second shop": [
        "A baker named Baradar opened a second shop in Herat on Wednesday.",
        "Khalifa, his business partner, said the doctor next door was their first customer.",
        "The shop sells bread and sweets and opens at six every morning.",
    ],
    "Spelling differs in regional papers": [
        "Abdul Ghani Biradar, as some regional papers spell the name, visited Kandahar.",
        "The visit lasted two days and included meetings with traders.",
        "Local officials described the talks as constructive.",
    ],
}


def mentions_by_title(database: Path) -> dict[str, set[tuple[str, str]]]:
    import sqlite_utils

    found: dict[str, set[tuple[str, str]]] = {}
    for row in sqlite_utils.Database(database).query(
        "SELECT articles.title, mentions.entity_id, mentions.alias FROM articles "
        "LEFT JOIN mentions ON mentions.article_id = articles.id"
    ):
        pairs = found.setdefault(row["title"], set())
        if row["entity_id"] is not None:
            pairs.add((row["entity_id"], row["alias"]))
    return found


@pytest.mark.slow
def test_import_check_run_and_reimport_next_month(tmp_path: Path, news_site) -> None:
    from conftest import newsradar

    shutil.copy(UN_V1, tmp_path / "consolidated.xml")
    imported = newsradar(
        "watchlist", "import", "consolidated.xml", "--format", "un-xml", "--out", "un.yaml"
    )
    assert imported.returncode == 0, imported.stderr
    (tmp_path / "own.csv").write_text("id,name,kind\nkabul-police,Kabul police,group\n")
    config = tmp_path / "newsradar.toml"
    config.write_text(
        'database = "radar.db"\nwatchlist = ["un.yaml", "own.csv"]\n'
        f'[[source]]\nname = "Ledger"\nurl = "{news_site.rss_url}"\n',
        encoding="utf-8",
    )
    checked = newsradar("check", "-c", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "7 entities" in checked.stdout
    assert "'un-tai.024' (un-xml TAi.024): weak aliases never matched: 'Baradar'" in (
        checked.stderr
    )
    assert "surname 'akhund' is shared by un-tai.024, un-tai.002" in checked.stderr

    for number, (title, paragraphs) in enumerate(ARTICLES.items()):
        news_site.publish(f"story-{number}", title, paragraphs)
    run = newsradar("run", "--once", "-c", str(config))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert mentions_by_title(tmp_path / "radar.db") == {
        "Deputy premier visits Doha": {("un-tai.024", "Abdul Ghani Baradar")},
        "گزارش از کابل": {("un-tai.024", "عبدالغنی برادر")},
        "Network issues statement": {
            ("un-tae.012", "Haqqani Network"),
            ("un-tai.144", "Sirajuddin Haqqani"),
        },
        "Bakery opens a second shop": set(),  # one-word weak names never match alone
        "Spelling differs in regional papers": {("un-tai.024", "Abdul Ghani Biradar")},
    }

    # Next month: the user has edited the file; the new list keeps those edits.
    edit(tmp_path / "un.yaml", "un-tai.024", users_edits)
    shutil.copy(UN_V2, tmp_path / "consolidated.xml")
    again = newsradar(
        "watchlist", "import", "consolidated.xml", "--format", "un-xml", "--out", "un.yaml"
    )
    assert again.returncode == 0, again.stderr
    assert "1 added, 1 updated, 4 unchanged, 1 no longer listed" in again.stderr
    assert "kept and marked missing_since" in again.stderr and "un-tai.002" in again.stderr
    listed = newsradar("watchlist", "--json", "-c", str(config))
    assert listed.returncode == 0, listed.stderr
    watchlist = {e["id"]: e for e in map(json.loads, listed.stdout.splitlines())}
    baradar = watchlist["un-tai.024"]
    assert baradar["name"] == "Mullah Abdul Ghani Baradar"
    assert baradar["exclude"] == ["Baradar Street"] and "urgent" in baradar["tags"]
    assert "Mullah Beradar" in baradar["aliases"] and "Abdul Ghani Beradar" in baradar["aliases"]
    assert "un-qdi.430" in watchlist and "un-tai.002" in watchlist

    news_site.publish(
        "story-new",
        "New spelling in the wires",
        [
            "Abdul Ghani Beradar met a delegation from Uzbekistan on Thursday.",
            "The two sides discussed a railway project linking the countries.",
            "A further round of talks is planned for the spring.",
        ],
    )
    second = newsradar("run", "--once", "-c", str(config))
    assert second.returncode == 0, second.stderr
    found = mentions_by_title(tmp_path / "radar.db")
    assert found["New spelling in the wires"] == {("un-tai.024", "Abdul Ghani Beradar")}
