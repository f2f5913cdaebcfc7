"""The watchlist: inline or in a CSV/YAML file, listed, linted, and rematched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alerts.matcher import find_mentions
from alerts.pending import UnknownEntityError, match_pending, rematch
from alerts.targets import Target, console_target
from alerts.watchlist import (
    DuplicateEntityError,
    Entity,
    Watchlist,
    WatchlistError,
    alias_key,
    alias_keys,
    load_watchlist_file,
)
from conftest import newsradar
from crawler import store
from scheduler.checks import acronym_rules, config_warnings
from scheduler.config import ConfigError, load_config, parse_config

CSV = """id,name,kind,aliases,exclude,tags
taliban,Taliban,group,Taleban;Islamic Emirate of Afghanistan,,groups
thomas-west,Thomas West,official,Tom West,West Bank,officials;us
"""

YAML = """
- id: haqqani-network
  name: Haqqani network
  kind: group
  tags: [groups]
- id: sirajuddin-haqqani
  name: Sirajuddin Haqqani
  kind: official
  aliases: "Siraj Haqqani"
"""


def test_csv_and_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(CSV)
    taliban, west = load_watchlist_file(tmp_path / "list.csv")
    assert taliban == Entity(
        "taliban",
        "Taliban",
        "group",
        aliases=("Taleban", "Islamic Emirate of Afghanistan"),
        tags=("groups",),
    )
    assert west.exclude == ("West Bank",) and west.tags == ("officials", "us")
    (tmp_path / "list.yml").write_text(YAML)
    network, siraj = load_watchlist_file(tmp_path / "list.yml")
    assert network.tags == ("groups",) and siraj.aliases == ("Siraj Haqqani",)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.csv", "id,name,kind\nx,X,militia\n", "bad.csv: line 2: 'kind' must be one of"),
        ("bad.csv", "id,name\n,Nameless\n", "line 2: 'id' is missing"),
        ("bad.csv", "name,kind\nX,group\n", "the first row must name the columns"),
        ("bad.csv", "id,name,colour\nx,X,red\n", "unknown column 'colour'"),
        ("bad.yml", "- id: x\n  name: X\n  aliases: 5\n", "entity #1: 'aliases' must be a list"),
        ("bad.yml", "id: x\n", "expected a list of entities"),
        ("bad.yml", "- [unclosed\n", "not valid YAML"),
        ("bad.txt", "x", "a watchlist file is .csv, .yml or .yaml"),
    ],
)
def test_watchlist_file_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(WatchlistError, match=message.replace("(", r"\(")):
        load_watchlist_file(tmp_path / name)


@pytest.mark.slow
def test_config_merges_inline_and_file_entities(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(CSV)
    config_path = tmp_path / "newsradar.toml"
    config_path.write_text(
        'watchlist = "list.csv"\n[[entity]]\nid = "al-qaeda"\nname = "al Qaeda"\n'
    )
    config = load_config(config_path)
    assert [e.id for e in config.entities()] == ["al-qaeda", "taliban", "thomas-west"]
    listed = newsradar("watchlist", "--json", "-c", str(config_path))
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [
        "al-qaeda",
        "taliban",
        "thomas-west",
    ]
    config_path.write_text('watchlist = "list.csv"\n[[entity]]\nid = "taliban"\nname = "T"\n')
    with pytest.raises(ConfigError, match=r"watchlist list\.csv: entity #1, key 'id': duplicate"):
        load_config(config_path)
    config_path.write_text('watchlist = "missing.csv"\n')
    with pytest.raises(ConfigError, match=r"key 'watchlist': .*missing\.csv: cannot read"):
        load_config(config_path)


@pytest.mark.slow
def test_check_warns_about_shared_and_tiny_aliases(tmp_path: Path) -> None:
    config = tmp_path / "newsradar.toml"
    config.write_text(
        '[[entity]]\nid = "ttp"\nname = "Tehrik-i-Taliban Pakistan"\n'
        'aliases = ["Pakistani Taliban", "T"]\n'
        '[[entity]]\nid = "taliban"\nname = "Taliban"\naliases = ["pakistani  taliban"]\n'
    )
    result = newsradar("check", "-c", str(config))
    assert result.returncode == 0
    assert "alias 'pakistani  taliban' is claimed by both 'ttp' and 'taliban'" in result.stderr
    assert "entity 'ttp': alias 'T' is too short" in result.stderr


@pytest.mark.slow
def test_rematch_backfills_silently_or_alerts_only_new_entities(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    source = store.upsert_source(db, url="http://127.0.0.1/feed", name="Ledger", kind="feed")
    for slug, text in (
        ("a", "The Taliban met Sirajuddin Haqqani in Kabul."),
        ("b", "Sirajuddin Haqqani spoke on Monday."),
        ("c", "Rain is expected."),
    ):
        store.store_article(
            db,
            {
                "url": f"http://127.0.0.1/{slug}",
                "source_id": source,
                "title": f"Story {slug}",
                "text": text,
                "extracted_from": "page",
            },
        )
    before = [Entity("taliban", "Taliban", "group")]
    target = Target(url="json://127.0.0.1:9/hook", name="hook")
    match_pending(db, Watchlist.compile(before), [target])
    assert db["alerts"].count == 1
    db.close()

    config = tmp_path / "newsradar.toml"
    config.write_text(
        'database = "radar.db"\n'
        '[[entity]]\nid = "taliban"\nname = "Taliban"\nkind = "group"\n'
        '[[entity]]\nid = "siraj"\nname = "Sirajuddin Haqqani"\nkind = "official"\n'
        '[[alert]]\nurl = "json://127.0.0.1:9/hook"\nname = "hook"\n'
    )
    silent = newsradar("rematch", "-c", str(config))
    assert silent.returncode == 0, silent.stderr
    assert "3 articles rematched, 2 with mentions, 3 mentions (no alerts" in silent.stdout
    db = store.open_db(tmp_path / "radar.db")
    assert db["alerts"].count == 1
    assert db.execute("SELECT count(*) FROM mentions WHERE entity_id = 'siraj'").fetchone()[0] == 2

    # A backfilled entity was matched before: --alert now finds nothing new.
    again = newsradar("rematch", "--alert", "-c", str(config))
    assert "0 alerts queued" in again.stdout

    # A fresh database state: rematching one entity with --alert queues only it.
    db.execute("DELETE FROM mentions WHERE entity_id = 'siraj'")
    alerted = newsradar("rematch", "--alert", "--entity", "siraj", "-c", str(config))
    assert alerted.returncode == 0, alerted.stderr
    assert "2 with mentions, 2 mentions, 2 alerts queued" in alerted.stdout
    rows = [json.loads(r["entities"]) for r in db.query("SELECT entities FROM alerts ORDER BY id")]
    assert rows == [["taliban"], ["siraj"], ["siraj"]]
    # The Taliban mention of article a was left alone by an --entity rematch.
    assert (
        db.execute("SELECT count(*) FROM mentions WHERE entity_id = 'taliban'").fetchone()[0] == 1
    )
    unknown = newsradar("rematch", "--entity", "nobody", "-c", str(config))
    assert unknown.returncode != 0 and "no entity 'nobody'" in unknown.stderr


def test_check_keys_aliases_as_the_matcher_does() -> None:
    """Spellings the matcher folds together collide in `check` too, and its warning
    says what the matcher does: both entities get the mention."""
    config = parse_config(
        '[[entity]]\nid = "aq"\nname = "al-Qaeda"\n'
        '[[entity]]\nid = "aq2"\nname = "Base"\naliases = ["al Qaeda"]\n'
        '[[entity]]\nid = "aq3"\nname = "al-Qaida"\n'
        '[[entity]]\nid = "aq4"\nname = "Al Qa’ida"\naliases = ["al-Qa\'ida"]\n'
    )
    warnings = config_warnings(config, [console_target()])
    shared = [w for w in warnings if "claimed by both" in w]
    assert shared == [
        "alias 'al Qaeda' is claimed by both 'aq' and 'aq2' ('aq' writes it 'al-Qaeda'): "
        "the matcher reads both as one name and credits every mention of it to both entities",
        # "al-Qa'ida" is also found without its apostrophe, as "al-Qaida".
        "alias 'Al Qa’ida' is claimed by both 'aq3' and 'aq4' ('aq3' writes it 'al-Qaida'): "
        "the matcher reads both as one name and credits every mention of it to both entities",
        "alias \"al-Qa'ida\" is claimed by both 'aq3' and 'aq4' ('aq3' writes it 'al-Qaida'): "
        "the matcher reads both as one name and credits every mention of it to both entities",
    ]
    mentions = find_mentions("Al-Qaeda said so.", Watchlist.compile(config.entities()))
    assert sorted(m.entity_id for m in mentions) == ["aq", "aq2"]


@pytest.mark.parametrize(
    ("alias", "keys"),
    [
        ("al-Qaeda", ("al qaeda",)),
        ("AL–QAEDA", ("al qaeda",)),
        ("  al   Qaeda ", ("al qaeda",)),
        ("al-Qa'ida", ("al qa'ida", "al qaida")),
        ("Al Qa’ida", ("al qa'ida", "al qaida")),
        ("القاعدة", ("القاعده", "للقاعده")),
        ("Zawāhirī", ("zawahiri",)),
        ("   ", ()),
    ],
)
def test_alias_keys(alias: str, keys: tuple[str, ...]) -> None:
    assert alias_keys(alias) == keys
    assert alias_key(alias) == (keys[0] if keys else "")


def test_duplicate_entity_id_is_a_named_error() -> None:
    with pytest.raises(DuplicateEntityError, match="duplicate entity id 'a'"):
        Watchlist.compile([Entity("a", "A one"), Entity("a", "A two")])
    assert issubclass(DuplicateEntityError, WatchlistError)


def test_rematch_of_an_unknown_entity_is_a_named_error(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "radar.db")
    watchlist = Watchlist.compile([Entity("taliban", "Taliban", "group")])
    with pytest.raises(UnknownEntityError, match="no entity 'nobody'"):
        rematch(db, watchlist, [], since=store.utcnow(), entity="nobody")


def test_context_variants_and_weak_aliases_in_files_and_config(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(
        "id,name,kind,aliases,context,variants,weak_aliases\n"
        "ttp,Tehrik-i-Taliban Pakistan,group,TTP,Waziristan;Peshawar,no,Pakistan Taliban\n"
        "nrf,National Resistance Front,group,NRF,,,\n"
    )
    ttp, nrf = load_watchlist_file(tmp_path / "list.csv")
    assert ttp.context == ("Waziristan", "Peshawar") and ttp.variants is False
    assert ttp.weak_aliases == ("Pakistan Taliban",)
    assert nrf.context == () and nrf.variants is True and nrf.weak_aliases == ()
    (tmp_path / "list.yml").write_text(
        "- id: nrf\n  name: National Resistance Front\n  aliases: [NRF]\n"
        "  context: [Panjshir]\n  variants: false\n  weak_aliases: [Resistance Front]\n"
    )
    (entity,) = load_watchlist_file(tmp_path / "list.yml")
    assert (entity.context, entity.variants, entity.weak_aliases) == (
        ("Panjshir",),
        False,
        ("Resistance Front",),
    )
    (tmp_path / "bad.csv").write_text("id,name,variants\nx,X,perhaps\n")
    with pytest.raises(WatchlistError, match="'variants' must be true or false"):
        load_watchlist_file(tmp_path / "bad.csv")
    config = parse_config(
        '[[entity]]\nid = "ttp"\nname = "Tehrik-i-Taliban Pakistan"\naliases = ["TTP"]\n'
        'context = ["Waziristan"]\nvariants = false\nweak_aliases = ["Pakistan Taliban"]\n'
    )
    (entity,) = config.entities()
    assert entity.context == ("Waziristan",) and entity.variants is False
    assert entity.weak_aliases == ("Pakistan Taliban",)


def test_check_states_the_rule_of_each_acronym_alias() -> None:
    config = parse_config(
        '[[entity]]\nid = "nrf"\nname = "National Resistance Front"\naliases = ["NRF"]\n'
        'context = ["Panjshir"]\nexclude = ["National Retail Federation", "Kabul"]\n'
        '[[entity]]\nid = "aq"\nname = "al Qaeda"\naliases = ["AQIS"]\n'
    )
    assert acronym_rules(config) == [
        "acronym 'NRF' (nrf) counts, in capitals, when the article defines it as this "
        "entity, names this or another entity in full, or has one of its context words "
        "(Panjshir); never when it defines NRF as something else or holds "
        "'National Retail Federation', nor as a plural (NRFs)",
        "acronym 'AQIS' (aq) counts, in capitals, when the article defines it as this "
        "entity, names this or another entity in full, or has a context word (it has "
        "none: add `context`); never when it defines AQIS as something else, nor as a "
        "plural (AQISs)",
    ]
