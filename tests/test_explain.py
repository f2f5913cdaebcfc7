"""`alerts.explain` and `newsradar explain FILE|URL|-`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alerts.explain import explain
from alerts.watchlist import Entity, Watchlist
from conftest import newsradar
from crawler import store
from scheduler.config import default_config_text, parse_config

STARTER = Watchlist.compile(parse_config(default_config_text()).entities())

TEXT = (
    "The National Retail Federation (NRF) said sales rose. "
    "Sirajuddin Haqqani spoke. Husain Haqqani disagreed. Serajuddin Haqqani left. "
    "Gen. Kurilla testified. Threat actors changed TTPs. "
    "Thomas West met officials in the West Bank."
)


def test_explain_lists_mentions_and_rejections_with_reasons() -> None:
    result = explain(TEXT, STARTER)
    mentions = [(m.entity_id, TEXT[m.start : m.end], m.rule) for m in result.mentions]
    assert mentions == [
        ("sirajuddin-haqqani", "Sirajuddin Haqqani", "exact"),
        ("sirajuddin-haqqani", "Serajuddin Haqqani", "variant"),
        ("michael-kurilla", "Kurilla", "titled"),
        ("thomas-west", "Thomas West", "exact"),
    ]
    rejected = [(r.entity_id, TEXT[r.start : r.end], r.reason) for r in result.rejected]
    assert rejected == [
        ("nrf", "NRF", "defined as something else: 'National Retail Federation'"),
        ("sirajuddin-haqqani", "Haqqani", "surname of another person"),
        ("ttp", "TTPs", "plural or inflected acronym"),
        ("thomas-west", "West", "inside an exclude phrase"),
    ]
    alone = explain("Patients with TTP improved.", STARTER)
    assert alone.mentions == ()
    assert [r.reason for r in alone.rejected] == ["acronym without support"]


def test_explain_is_pure_and_agrees_with_find_mentions() -> None:
    from alerts.matcher import find_mentions

    assert explain(TEXT, STARTER).mentions == tuple(find_mentions(TEXT, STARTER))
    assert explain("", STARTER).mentions == () and explain("", STARTER).rejected == ()
    empty = Watchlist.compile([Entity("x", "Nothing Here")])
    assert explain(TEXT, empty).mentions == ()


@pytest.mark.slow
def test_explain_command_reads_a_file_stdin_and_a_stored_article(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    result = newsradar("explain", str(article))
    assert result.returncode == 0, result.stderr
    assert "4 mentions" in result.stdout and "4 candidates turned down" in result.stdout
    assert "'Serajuddin Haqqani' as 'Sirajuddin Haqqani' (variant: variant spelling)" in (
        result.stdout
    )
    assert "'TTPs' as 'TTP': plural or inflected acronym" in result.stdout

    piped = subprocess.run(
        [sys.executable, "-m", "scheduler", "explain", "-"],
        input="The NRF fought in Panjshir.",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert "'NRF' as 'NRF' (acronym: acronym)" in piped.stdout

    db = store.open_db(tmp_path / "radar.db")
    source = store.upsert_source(db, url="http://127.0.0.1/feed", name="Ledger", kind="feed")
    store.store_article(
        db,
        {
            "url": "http://127.0.0.1/story",
            "source_id": source,
            "title": "Mullah Akhundzada speaks",
            "text": "Akhundzada said little.",
            "extracted_from": "page",
        },
    )
    db.close()
    config = tmp_path / "newsradar.toml"
    config.write_text(
        'database = "radar.db"\n'
        '[[entity]]\nid = "hibatullah"\nname = "Hibatullah Akhundzada"\nkind = "official"\n'
    )
    stored = newsradar("explain", "http://127.0.0.1/story", "-c", str(config))
    assert stored.returncode == 0, stored.stderr
    assert "'Akhundzada' as 'Hibatullah Akhundzada' (titled: title and surname)" in stored.stdout
    assert "(surname: surname after full name)" in stored.stdout

    for args, message in (
        (["http://127.0.0.1/missing", "-c", str(config)], "no stored article has the URL"),
        ([str(tmp_path / "nope.txt")], "cannot read"),
    ):
        failed = newsradar("explain", *args)
        assert failed.returncode != 0 and message in failed.stderr
        assert "Traceback" not in failed.stderr
