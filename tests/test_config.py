"""The config file: defaults, lookup order, and a clear error for each mistake."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scheduler import runtime
from scheduler.config import (
    ConfigError,
    default_config_text,
    load_config,
    parse_config,
    parse_duration,
)

SOURCE = '[[source]]\nname = "Kabul Ledger"\nurl = "https://news.example.org/feed.xml"\n'
ENTITY = '[[entity]]\nid = "taliban"\nname = "Taliban"\nkind = "group"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("1h", timedelta(hours=1)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 2W ", timedelta(weeks=2)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["10", "10 minutes", "m", "", "0s", "-5m", "1y"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_builtin_default_is_valid_and_useful() -> None:
    config = parse_config(default_config_text())
    assert config.path is None
    assert config.database_path == Path("newsradar.db")
    assert len(config.source) >= 5
    assert all(s.url.startswith("https://") for s in config.source)
    ids = {e.id for e in config.entity}
    assert {"taliban", "al-qaeda", "is-k", "haqqani-network", "sirajuddin-haqqani"} <= ids
    assert {"ayman-al-zawahiri", "thomas-west", "michael-kurilla", "nrf"} <= ids
    assert config.alert == []


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    config = parse_config(SOURCE + ENTITY, tmp_path / "newsradar.toml")
    assert config.crawl.interval == timedelta(minutes=15)
    assert config.source_interval(config.source[0]) == timedelta(minutes=15)
    assert config.source[0].kind == "auto"
    # The database is relative to the config file, not to the working directory.
    assert config.database_path == tmp_path / "newsradar.db"
    assert config.entities()[0].name == "Taliban"


def test_environment_interpolation() -> None:
    text = '[[alert]]\nurl = "json://127.0.0.1:9/${HOOK_PATH}"\nname = "hook"\n'
    config = parse_config(text, environ={"HOOK_PATH": "incoming"})
    assert config.alert[0].url == "json://127.0.0.1:9/incoming"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('databse = "x.db"', "unknown key 'databse' (did you mean 'database'?)"),
        ('[crawl]\nintervl = "10m"', "[crawl]: unknown key 'intervl' (did you mean 'interval'?)"),
        (SOURCE + 'colour = "red"', "source #1 (Kabul Ledger): unknown key 'colour'"),
        ("database = 5", "key 'database': wrong type"),
        (SOURCE + "interval = 10", "source #1 (Kabul Ledger), key 'interval': wrong type"),
        ('[crawl]\ninterval = "10 minutes"', "[crawl], key 'interval': bad duration '10 minutes'"),
        (ENTITY + 'aliases = "Taleban"', "entity #1 (taliban), key 'aliases': wrong type"),
        (
            '[[entity]]\nid = "x"\nname = "X"\nkind = "militia"',
            "entity #1 (x), key 'kind': 'militia' is not allowed",
        ),
        (ENTITY + ENTITY, "entity #2, key 'id': duplicate id 'taliban'"),
        ('[[entity]]\nname = "Taliban"', "entity #1 (Taliban), key 'id': is required"),
        (
            '[[source]]\nname = "A"\nurl = "ftp://example.org/feed"',
            "source #1 (A), key 'url': 'ftp://example.org/feed' is not an http",
        ),
        (
            '[[alert]]\nurl = "mailto://radar:${NR_TEST_UNSET_PASSWORD}@mail.example.org"',
            "alert #1, key 'url': environment variable NR_TEST_UNSET_PASSWORD is not set",
        ),
        (
            '[[alert]]\nurl = "nosuchservice://radar:hunter2secret@mail.example.org"',
            "alert #1, key 'url': not a valid Apprise URL for scheme 'nosuchservice://'",
        ),
        ('[[alert]]\nurl = "just-a-word"', "alert #1, key 'url': not an Apprise URL"),
        ("database = ", "not valid TOML"),
    ],
)
def test_config_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("/etc/newsradar.toml"), environ={})
    assert message in str(caught.value)
    assert str(caught.value).startswith("/etc/newsradar.toml: ")
    # An Apprise URL's password never appears in an error.
    assert "hunter2secret" not in str(caught.value)


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_config().path is None  # nothing here: the built-in default
    (tmp_path / "newsradar.toml").write_text('database = "local.db"\n')
    assert load_config().database_path == tmp_path / "local.db"
    (tmp_path / "env.toml").write_text('database = "env.db"\n')
    monkeypatch.setenv("NEWSRADAR_CONFIG", str(tmp_path / "env.toml"))
    assert load_config().database_path == tmp_path / "env.db"
    (tmp_path / "option.toml").write_text('database = "option.db"\n')
    assert load_config(tmp_path / "option.toml").database_path == tmp_path / "option.db"
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml")


# --- config → runtime objects (scheduler.runtime) ---------------------------------


def test_runtime_objects_come_from_the_config(tmp_path: Path) -> None:
    text = (
        '[crawl]\nuser_agent = "radar (+mailto:desk@example.org)"\nmax_size = "512KB"\n'
        '[delivery]\nretry_after = "5s"\ntimeout = "20s"\n'
        + ENTITY
        + '[[alert]]\nname = "desk"\nurl = "json://127.0.0.1:9/hook"\ntags = ["groups"]\n'
    )
    config = parse_config(text, tmp_path / "newsradar.toml")
    [target] = runtime.targets_of(config)
    assert (target.label, target.tags) == ("desk", ("groups",))
    assert [t.url for t in runtime.targets_of(parse_config(""))] == ["console://"]
    policy = runtime.delivery_policy(config)
    assert (policy.retry_after, policy.timeout) == (timedelta(seconds=5), 20.0)
    assert set(runtime.compile_watchlist(config).entities) == {"taliban"}
    settings = runtime.scrapy_settings(config)
    assert settings.get("USER_AGENT") == "radar (+mailto:desk@example.org)"
    assert settings.getint("DOWNLOAD_MAXSIZE") == 512 * 1024
    assert settings.get("NEWSRADAR_DB_PATH") == str(tmp_path / "newsradar.db")


def test_runtime_refuses_what_it_cannot_build(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no spider polls sources of kind 'rss'"):
        runtime.spider_for("rss")
    with pytest.raises(runtime.MissingDatabase, match="run `newsradar run` first"):
        runtime.open_database(None, tmp_path / "none.db")
