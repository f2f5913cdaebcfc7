"""The crawler's config keys: defaults, overrides, and a clear error naming each bad key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.config import ConfigError, parse_config
from scheduler.runtime import scrapy_settings, spider_arguments, spider_for

SOURCE = '[[source]]\nname = "Ledger"\nurl = "https://news.example.org/"\n'


def test_defaults() -> None:
    config = parse_config(SOURCE)
    crawl, source = config.crawl, config.source[0]
    assert source.kind == "auto"
    assert crawl.window == timedelta(days=2)
    assert crawl.max_size == 10 * 1024 * 1024
    assert (crawl.max_articles, crawl.per_domain, crawl.retries) == (500, 4, 2)
    assert crawl.autothrottle is True and crawl.store_html is False
    assert crawl.extract_workers is None
    assert crawl.min_delay == timedelta(0)
    assert source.allow_domains == [] and source.window is None
    assert spider_arguments(config, source) == {
        "url": "https://news.example.org/",
        "source_name": "Ledger",
        "allow_domains": (),
        "window": 2 * 86400.0,
        "max_articles": 500,
        "store_html": False,
    }


def test_source_keys_override_crawl_defaults() -> None:
    config = parse_config(
        '[crawl]\nwindow = "1d"\nmax_size = "512KB"\nstore_html = true\nmax_articles = 50\n'
        + SOURCE
        + 'kind = "sitemap"\nwindow = "6h"\nmax_articles = 5\nstore_html = false\n'
        'allow_domains = ["CDN.example.net", "127.0.0.2"]\n'
    )
    assert config.crawl.max_size == 512 * 1024
    source = config.source[0]
    assert spider_for(source.kind).name == "sitemap"
    assert spider_arguments(config, source) == {
        "url": "https://news.example.org/",
        "source_name": "Ledger",
        "allow_domains": ("cdn.example.net", "127.0.0.2"),
        "window": 6 * 3600.0,
        "max_articles": 5,
        "store_html": False,
    }


@pytest.mark.parametrize(
    ("value", "delay", "autothrottle_max"),
    [("0s", 0.0, 30.0), ("1.5s", 1.5, 30.0), ("1m", 60.0, 60.0)],
)
def test_min_delay_is_scrapys_download_delay_and_autothrottle_can_reach_it(
    value: str, delay: float, autothrottle_max: float
) -> None:
    settings = scrapy_settings(parse_config(f'[crawl]\nmin_delay = "{value}"\n'))
    assert settings.getfloat("DOWNLOAD_DELAY") == delay  # AutoThrottle's floor too
    assert settings.getfloat("AUTOTHROTTLE_MAX_DELAY") == autothrottle_max
    assert settings["DOWNLOADER"] == "crawler.throttle.SiteDownloader"  # floors jitter


@pytest.mark.parametrize("kind", ["auto", "feed", "sitemap", "page"])
def test_every_kind_has_a_spider(kind: str) -> None:
    assert spider_for(kind).name == kind


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SOURCE + 'kind = "rss"', "source #1 (Ledger), key 'kind': 'rss' is not allowed"),
        (SOURCE + 'window = "soon"', "source #1 (Ledger), key 'window': bad duration 'soon'"),
        (SOURCE + "max_articles = 0", "source #1 (Ledger), key 'max_articles'"),
        (SOURCE + 'store_html = "yes"', "source #1 (Ledger), key 'store_html': wrong type"),
        (
            SOURCE + 'allow_domains = ["https://cdn.example.net/"]',
            "source #1 (Ledger), key 'allow_domains': 'https://cdn.example.net/' is not a domain",
        ),
        (SOURCE + 'allow_domain = ["x.org"]', "unknown key 'allow_domain' (did you mean"),
        ('[crawl]\nmax_size = "huge"', "[crawl], key 'max_size': bad size 'huge'"),
        ('[crawl]\nmax_size = "10"', "[crawl], key 'max_size': size '10' must be between"),
        ("[crawl]\nmax_size = 1.5", "[crawl], key 'max_size': wrong type"),
        ("[crawl]\nper_domain = 0", "[crawl], key 'per_domain'"),
        ("[crawl]\nretries = -1", "[crawl], key 'retries'"),
        ("[crawl]\nextract_workers = 1000", "[crawl], key 'extract_workers'"),
        ('[crawl]\nautothrottle = "on"', "[crawl], key 'autothrottle': wrong type"),
        ('[crawl]\nwindow = "0s"', "[crawl], key 'window': duration '0s' must be longer"),
        ('[crawl]\nuser_agent = ""', "[crawl], key 'user_agent'"),
        ('[crawl]\nmin_delay = "soon"', "[crawl], key 'min_delay': bad duration 'soon'"),
        ('[crawl]\nmin_delay = "-1s"', "[crawl], key 'min_delay': bad duration '-1s'"),
        ('[crawl]\nmin_delay = "11m"', "[crawl], key 'min_delay': delay '11m' is too long"),
        ("[crawl]\nmin_delay = 2", "[crawl], key 'min_delay': wrong type"),
        ("[crawl]\nmax_artcles = 5", "unknown key 'max_artcles' (did you mean 'max_articles'?)"),
    ],
)
def test_bad_values_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert message in str(caught.value)
