"""The console's watchlist edits (plan, then apply) on real files: a YAML watchlist
keeps its comments and layout, a CSV one its rows, and the context and variants
proposals give configurations that load."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.watchlist import load_watchlist_file
from scheduler.config import load_config
from scheduler.web.corrections import Proposal, plan, propose
from scheduler.web.edits import EditError, _edit_yaml
from scheduler.web.yamledit import edit_entity

CONFIG = """\
database = "radar.db"

[[entity]]
id = "isi"
name = "Inter-Services Intelligence"
aliases = ["ISI"]
kind = "other"

[[entity]]
id = "haqqani"
name = "Haqqani network"
kind = "group"
"""

TALIBAN = """\
  # the movement itself; spellings from the UN list
  - id: taliban
    name: Taliban
    aliases:
      - Taleban  # the older transliteration
      - "Islamic Emirate"
    tags: [groups]   # shown in the inbox

"""
WEST = """\
  # a person: keep Bank out
  - id: west
    name: West   # surname only
    exclude: West Wing; West End
"""
LAST = """\
  - id: ttp
    name: 'Tehrik-i-Taliban Pakistan'
    kind: group
# end of the list
"""
YAML_FILE = "# Our own watchlist: edited by analysts and by the console.\nentities:\n"


def config_with(tmp_path: Path, watchlist: str, text: str) -> Path:
    (tmp_path / watchlist).write_text(text, encoding="utf-8")
    path = tmp_path / "newsradar.toml"
    path.write_text(f'watchlist = "{watchlist}"\n' + CONFIG, encoding="utf-8")
    return path


def test_an_exclude_added_to_a_yaml_watchlist_keeps_every_comment_and_entity(
    tmp_path: Path,
) -> None:
    before = YAML_FILE + TALIBAN + WEST + LAST
    path = config_with(tmp_path, "own.yaml", before)
    edit = plan(load_config(path), Proposal("west", "exclude", "West Bank"))
    edit.apply()
    after = (tmp_path / "own.yaml").read_text(encoding="utf-8")
    changed_west = (
        "  # a person: keep Bank out\n  - id: west\n    name: West   # surname only\n"
        "    exclude:\n      - West Wing\n      - West End\n      - West Bank\n"
    )
    assert after == YAML_FILE + TALIBAN + changed_west + LAST
    west = next(e for e in load_watchlist_file(tmp_path / "own.yaml") if e.id == "west")
    assert west.exclude == ("West Wing", "West End", "West Bank")
    assert load_config(path).entities()[-1].id == "ttp"


def test_a_yaml_edit_changes_only_the_key_it_is_about(tmp_path: Path) -> None:
    before = YAML_FILE + TALIBAN + WEST + LAST
    path = config_with(tmp_path, "own.yaml", before)
    edit = plan(load_config(path), Proposal("taliban", "exclude", "Taliban Road"))
    expected_taliban = TALIBAN.replace(
        "   # shown in the inbox\n", "   # shown in the inbox\n    exclude:\n      - Taliban Road\n"
    )
    assert edit.after == YAML_FILE + expected_taliban + WEST + LAST
    alias = plan(load_config(path), Proposal("taliban", "variants", False))
    assert "    variants: false\n\n  # a person" in alias.after
    assert "exclude: West Wing; West End" in alias.after  # a string cell nobody changed


def test_a_top_level_yaml_list_keeps_its_layout(tmp_path: Path) -> None:
    text = "---\n# no entities: key\n- id: west\n  name: West\n  tags: [geo]  # places\n"
    path = config_with(tmp_path, "list.yml", text)
    edit = plan(load_config(path), Proposal("west", "exclude", "West Bank"))
    assert edit.after == text + "  exclude:\n  - West Bank\n"
    edit.apply()
    assert load_config(path).entities()[-1].exclude == ("West Bank",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: west\n  name: [West\n", r"own\.yaml: not valid YAML"),
        ("id: west\n", r"own\.yaml: expected a list of entities"),
    ],
)
def test_a_broken_yaml_watchlist_is_an_edit_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(EditError, match=message):
        _edit_yaml(text, "west", lambda record: None, tmp_path / "own.yaml")
    with pytest.raises(EditError, match=r"own\.yaml: no entity 'east'"):
        _edit_yaml("- id: west\n  name: West\n", "east", lambda r: None, tmp_path / "own.yaml")


def test_a_python_tag_in_a_yaml_watchlist_builds_no_object(tmp_path: Path) -> None:
    text = "- id: west\n  name: !!python/object/apply:os.system ['touch pwned']\n"
    after = edit_entity(text, "west", lambda record: record.update(kind="person"))
    assert "!!python/object/apply:os.system" in after and not (tmp_path / "pwned").exists()


def test_a_csv_watchlist_edit_is_written_to_that_file(tmp_path: Path) -> None:
    text = "id,name,kind,aliases,exclude,tags\nwest,West,other,,West Wing,geo\n"
    path = config_with(tmp_path, "own.csv", text)
    plan(load_config(path), Proposal("west", "exclude", "West Bank")).apply()
    after = (tmp_path / "own.csv").read_text(encoding="utf-8")
    assert after == "id,name,kind,aliases,exclude,tags\nwest,West,other,,West Wing; West Bank,geo\n"
    assert load_config(path).entities()[-1].exclude == ("West Wing", "West Bank")


def mention(entity_id: str, text: str, found: str, rule: str) -> dict[str, object]:
    start = text.index(found)
    return {
        "entity_id": entity_id,
        "article_text": text,
        "start_offset": start,
        "end_offset": start + len(found),
        "rule": rule,
    }


ACRONYM = mention("isi", "The ISI tournament opened in Lahore.", "ISI", "acronym")
VARIANT = mention("haqqani", "Haqqanis restaurant reopened.", "Haqqanis", "variant")


def test_an_acronym_mention_proposes_a_context_word_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.toml"
    path.write_text(CONFIG, encoding="utf-8")
    proposals = propose(load_config(path), ACRONYM)
    context = [p for p in proposals if p.key == "context"]
    assert context == [Proposal("isi", "context", ["Inter-Services", "Intelligence"])]
    plan(load_config(path), context[0]).apply()
    entity = next(e for e in load_config(path).entities() if e.id == "isi")
    assert entity.context == ("Inter-Services", "Intelligence")


def test_a_variant_mention_proposes_variants_false_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.toml"
    path.write_text(CONFIG, encoding="utf-8")
    proposals = propose(load_config(path), VARIANT)
    assert Proposal("haqqani", "variants", False) in proposals
    plan(load_config(path), Proposal("haqqani", "variants", False)).apply()
    assert "variants = false" in path.read_text(encoding="utf-8")
    entity = next(e for e in load_config(path).entities() if e.id == "haqqani")
    assert entity.variants is False


def test_context_and_variants_proposals_apply_to_a_yaml_watchlist(tmp_path: Path) -> None:
    text = (
        "# from the file\n- id: isi-file\n  name: Inter-Services Intelligence\n"
        "  aliases: [ISI]  # the acronym\n- id: haqqani-file\n  name: Haqqani network\n"
    )
    path = config_with(tmp_path, "own.yaml", text)
    for found in (
        mention("isi-file", ACRONYM["article_text"], "ISI", "acronym"),
        mention("haqqani-file", VARIANT["article_text"], "Haqqanis", "variant"),
    ):
        extra = [p for p in propose(load_config(path), found) if p.key != "exclude"]
        assert len(extra) == 1
        plan(load_config(path), extra[0]).apply()
    after = (tmp_path / "own.yaml").read_text(encoding="utf-8")
    assert after.startswith("# from the file\n") and "  aliases: [ISI]  # the acronym\n" in after
    entities = {e.id: e for e in load_config(path).entities()}
    assert entities["isi-file"].context == ("Inter-Services", "Intelligence")
    assert entities["haqqani-file"].variants is False


def test_a_watchlist_file_over_the_size_bound_is_not_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "- id: west\n  name: West\n"
    path = config_with(tmp_path, "own.yaml", text)
    monkeypatch.setattr("scheduler.web.edits.MAX_LIST_BYTES", len(text) - 1)
    with pytest.raises(EditError, match="the console edits: change it by hand"):
        plan(load_config(path), Proposal("west", "exclude", "West Bank"))
    assert (tmp_path / "own.yaml").read_text(encoding="utf-8") == text
