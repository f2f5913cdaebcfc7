"""`newsradar init --interactive`: a config from a short conversation.

It asks for feeds (or an OPML file), the entities to track and where alerts go,
checks each answer as it comes (the feed is fetched and parsed, the Apprise URL
validated and, if the user wants, sent a test message), then writes a commented
config that ``parse_config`` has accepted. Every prompt goes through click, so
the dialogue runs the same in a terminal and under click's CliRunner.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.settings import USER_AGENT
from scheduler.onboarding import toml_text
from scheduler.onboarding.feed_check import OpmlError, check_feed, read_opml

if TYPE_CHECKING:
    from alerts.dispatch import Delivery

MAX_FEEDS = 500
MAX_ANSWERS = 1000  # prompts per question, at most: every loop ends
MAX_ENTITIES = 200
ALERT_TRIES = 5
TEST_TIMEOUT = 30.0  # seconds for the test notification
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Answers:
    """What the user chose: (name, url, checked) feeds, entities, one alert target."""

    feeds: list[tuple[str, str, bool]] = field(default_factory=list)
    builtin_sources: bool = False
    builtin_entities: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)
    alert_name: str | None = None
    alert_url: str | None = None


def interactive_init(path: Path) -> None:
    """Ask for feeds, entities and an alert URL, check each answer, and write the
    commented config to ``path`` once ``parse_config`` accepts it.

    Raises click.Abort when the user declines to overwrite ``path``, and
    click.ClickException when the config cannot be validated.
    """
    if path.exists() and not click.confirm(f"{path} exists. Overwrite it?", default=False):
        raise click.Abort()
    click.echo(
        "Let's write a newsradar configuration: your feeds, your watchlist, where alerts go.\n"
        "Every answer is checked as you go; press Enter to accept the [default].\n"
    )
    answers = Answers()
    _ask_feeds(answers)
    _ask_entities(answers)
    _ask_alert(answers)
    text = render_config(answers)
    for warning in _validate(text, path):
        click.echo(f"   warning: {warning}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    sources = len(answers.feeds) + (_builtin_count("source") if answers.builtin_sources else 0)
    click.echo(
        f"\nWrote {path}: {sources} sources, "
        f"{len(answers.entities) + (_builtin_count('entity') if answers.builtin_entities else 0)} "
        f"entities, alerts to {answers.alert_name or 'the console'}.\n"
        "Next:\n"
        f"  newsradar check -c {path}\n"
        f"  newsradar run --once -c {path}   # one full cycle, to see it work\n"
        f"  newsradar run -c {path}          # the service, until Ctrl-C"
    )


# --- feeds -------------------------------------------------------------------------


def _ask_feeds(answers: Answers) -> None:
    click.echo(
        "1. Sources. Give the address of an RSS or Atom feed (or of a news site's page\n"
        "   that links to its feed), or the path of an OPML file exported from a feed\n"
        "   reader. An empty answer ends the list."
    )
    for _ in range(MAX_ANSWERS):
        if len(answers.feeds) >= MAX_FEEDS:
            click.echo(f"   That is {MAX_FEEDS} feeds: add more later by editing the file.")
            break
        answer = click.prompt("   Feed URL or OPML file", default="", show_default=False).strip()
        if not answer:
            break
        if answer.startswith(("http://", "https://")):
            _add_feed_url(answers, answer)
        elif Path(answer).expanduser().is_file():
            _add_opml(answers, Path(answer).expanduser())
        else:
            click.echo("   That is neither an http(s):// URL nor an existing file; try again.")
    if not answers.feeds:
        answers.builtin_sources = click.confirm(
            "   No feeds given. Use the built-in sources (BBC Asia, Al Jazeera, Dawn, ...)?",
            default=True,
        )


def _known(answers: Answers, url: str) -> bool:
    return any(url == known for _, known, _ in answers.feeds)


def _add_feed_url(answers: Answers, url: str) -> None:
    click.echo("   checking...")
    result = check_feed(url)
    if result.ok:
        if _known(answers, result.url):
            click.echo("   Already in the list.")
            return
        found = f"found its feed {result.url}: " if result.discovered else ""
        click.echo(f"   ✓ {found}{result.title or 'untitled feed'}, {result.entries} entries")
        name = _unique_name(answers, result.title or _host(result.url))
        name = click.prompt("   Name for this source", default=name).strip() or name
        answers.feeds.append((_unique_name(answers, name), result.url, True))
        return
    click.echo(f"   ✗ {result.error}")
    if not _known(answers, url) and click.confirm("   Keep it anyway?", default=False):
        name = click.prompt("   Name for this source", default=_host(url)).strip() or _host(url)
        answers.feeds.append((_unique_name(answers, name), url, False))


def _add_opml(answers: Answers, path: Path) -> None:
    try:
        listed = read_opml(path)
    except OpmlError as err:
        click.echo(f"   ✗ {err}")
        return
    click.echo(f"   {len(listed)} feeds in {path.name}; checking each...")
    failed: list[tuple[str, str]] = []
    for name, url in listed[: MAX_FEEDS - len(answers.feeds)]:
        if _known(answers, url):
            continue
        result = check_feed(url)
        if result.ok:
            click.echo(f"   ✓ {name}: {result.entries} entries")
            answers.feeds.append((_unique_name(answers, name), result.url, True))
        else:
            click.echo(f"   ✗ {name}: {result.error}")
            failed.append((name, url))
    which = "the feed" if len(failed) == 1 else f"the {len(failed)} feeds"
    if failed and click.confirm(f"   Keep {which} that could not be read?", default=False):
        answers.feeds += [(_unique_name(answers, name), url, False) for name, url in failed]


def _unique_name(answers: Answers, name: str) -> str:
    names = {known for known, _, _ in answers.feeds}
    candidate, number = name, 2
    while candidate in names:
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


# --- entities ------------------------------------------------------------------------


def _builtin_count(table: str) -> int:
    import tomllib

    from scheduler.config import default_config_text

    return len(tomllib.loads(default_config_text()).get(table, []))


def _ask_entities(answers: Answers) -> None:
    builtin = toml_text.builtin_entities()
    names = ", ".join(entity["name"] for entity in builtin[:4])
    click.echo(
        "\n2. Watchlist: the groups and people to flag. Aliases are other names or\n"
        "   spellings; for a person give full names (the surname alone counts once the\n"
        "   full name has appeared in the same article)."
    )
    answers.builtin_entities = click.confirm(
        f"   Start from the built-in watchlist ({len(builtin)} entries: {names}...)?",
        default=True,
    )
    ids = {entity["id"] for entity in builtin} if answers.builtin_entities else set()
    for _ in range(MAX_ENTITIES):
        name = click.prompt(
            "   Add an entity: its name (empty when done)", default="", show_default=False
        ).strip()
        if not name:
            break
        kind = click.prompt(
            "   Kind", type=click.Choice(["group", "official", "other"]), default="group"
        )
        raw = click.prompt(
            "   Other names, comma-separated (optional)", default="", show_default=False
        )
        aliases = list(dict.fromkeys(a.strip() for a in raw.split(",") if a.strip() != name))
        aliases = [alias for alias in aliases if alias]
        entity_id = _unique_id(name, ids)
        ids.add(entity_id)
        answers.entities.append(
            {
                "id": entity_id,
                "name": name,
                "kind": kind,
                "aliases": aliases,
                # The built-in watchlist's routing tags, so its [[alert]] examples apply.
                "tags": [{"group": "groups", "official": "officials"}.get(kind, "other")],
            }
        )
        click.echo(f"   ✓ {name} (id {entity_id})")
    if not answers.builtin_entities and not answers.entities:
        click.echo("   No entities: articles will be stored and searchable, but nothing alerts.")


def _unique_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "entity"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


# --- the alert target --------------------------------------------------------------------


def _ask_alert(answers: Answers) -> None:
    from alerts.targets import check_apprise_url

    click.echo(
        "\n3. Alerts: where should they go? Any Apprise URL, for example\n"
        "     mailtos://radar:${SMTP_PASSWORD}@smtp.example.org?to=you@example.org"
        "&from=radar@example.org\n"
        "     json://hooks.example.org/newsradar   slack://...   tgram://...\n"
        "   Write passwords as ${NAME}: newsradar reads the environment variable NAME,\n"
        "   so they stay out of the file. An empty answer keeps alerts on the console."
    )
    for _ in range(ALERT_TRIES):
        url = click.prompt("   Alert URL", default="", show_default=False).strip()
        if not url:
            return
        missing = sorted({name for name in _ENV_REF.findall(url) if name not in os.environ})
        # Validate with stand-ins for variables not set here: the URL's shape is
        # what matters now; the service reads the real values when it runs.
        concrete = _ENV_REF.sub(lambda m: os.environ.get(m.group(1), "placeholder"), url)
        problem = check_apprise_url(concrete)
        if problem:
            click.echo(f"   ✗ {problem}; try again")
            continue
        scheme = url.split("://", 1)[0].lower()
        default_name = "email" if scheme.startswith("mailto") else scheme
        answers.alert_name = click.prompt("   Name for this target", default=default_name).strip()
        answers.alert_url = url
        if missing:
            click.echo(
                f"   Set {', '.join(missing)} in the environment before running newsradar "
                "(and run `newsradar notify-test` to test this target)."
            )
        elif click.confirm("   Send a test notification now?", default=True):
            delivery = _send_test(concrete, answers.alert_name)
            click.echo("   ✓ sent" if delivery.ok else f"   ✗ not sent: {delivery.reason}")
            if not delivery.ok and not click.confirm("   Keep this URL anyway?", default=True):
                answers.alert_name = answers.alert_url = None
                continue
        return
    click.echo("   Alerts stay on the console; add an [[alert]] to the file later.")


def _send_test(url: str, name: str) -> Delivery:
    """Send one test message to ``url``: delivered, or why not (scrubbed)."""
    from alerts.dispatch import Delivery, send_test_messages
    from alerts.targets import Target

    target = Target(url=url, name=name)
    [delivery] = send_test_messages([target], TEST_TIMEOUT)
    if delivery.ok or delivery.reason is None:
        return delivery
    return Delivery.failed(target.scrub(delivery.reason))  # the URL holds a secret, maybe


# --- the file ----------------------------------------------------------------------------


def render_config(answers: Answers) -> str:
    """The commented TOML config for ``answers``."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    parts = [
        f"# newsradar configuration, written by `newsradar init --interactive` on {today}.\n"
        "# Edit it freely; `newsradar check` validates it and names the key at fault.\n"
        '# Durations are written "30s", "10m", "1h", "1d"; ${NAME} in any string is\n'
        "# replaced by the environment variable NAME (keep passwords out of this file).\n",
        "# The SQLite database, relative to this file. Open it with Datasette or sqlite3.",
        'database = "newsradar.db"\n',
        toml_text.table(
            "[crawl]",
            {"interval": "15m", "user_agent": USER_AGENT},
            comment="How often each source is polled, and how newsradar introduces itself.",
        ),
        "# " + "-" * 75,
        '# Sources: where the news comes from. kind = "feed" for RSS/Atom/JSON feeds,',
        '# "auto" to let newsradar find out (a feed, a sitemap or a listing page).',
        "# " + "-" * 75 + "\n",
    ]
    for name, url, checked in answers.feeds:
        note = None if checked else "could not be read when this file was written"
        parts.append(
            toml_text.table(
                "[[source]]",
                {"name": name, "url": url, "kind": "feed" if checked else "auto"},
                comment=note,
            )
        )
    if answers.builtin_sources:
        parts.append(_builtin_sources_text())
    parts += [
        "# " + "-" * 75,
        '# The watchlist. kind = "group", "official" or "other"; aliases are other names;',
        "# exclude lists phrases that must not count; tags route entities to [[alert]]s.",
        "# " + "-" * 75 + "\n",
    ]
    entities = (toml_text.builtin_entities() if answers.builtin_entities else []) + list(
        answers.entities
    )
    if entities:
        parts.append(toml_text.entity_tables(entities))
    parts += [
        "# " + "-" * 75,
        "# Alerts: any Apprise URL (https://github.com/caronc/apprise/wiki).",
        "# With no [[alert]] at all, alerts are printed to the console.",
        "# " + "-" * 75 + "\n",
    ]
    if answers.alert_url:
        parts.append(
            toml_text.table("[[alert]]", {"name": answers.alert_name, "url": answers.alert_url})
        )
    else:
        parts.append(
            "# [[alert]]\n"
            '# name = "analyst inbox"\n'
            '# url = "mailtos://radar:${SMTP_PASSWORD}@mail.example.org?to=analyst@example.org"\n'
        )
    return "\n".join(parts)


def _builtin_sources_text() -> str:
    import tomllib

    from scheduler.config import default_config_text

    sources = tomllib.loads(default_config_text()).get("source", [])
    return "\n".join(
        toml_text.table(
            "[[source]]", {key: source.get(key) for key in ("name", "url", "kind", "interval")}
        )
        for source in sources
    )


def _validate(text: str, path: Path) -> list[str]:
    """Refuse to write a config the service would reject; return what `newsradar
    check` would warn about."""
    from scheduler.checks import config_warnings
    from scheduler.config import ConfigError, parse_config
    from scheduler.runtime import targets_of

    # Variables the user will set later must not fail the check now.
    environ = {name: "placeholder" for name in _ENV_REF.findall(text)}
    environ.update(os.environ)
    try:
        config = parse_config(text, path.resolve(), environ=environ)
    except ConfigError as err:
        raise click.ClickException(f"the config would not be valid, not written: {err}") from err
    return config_warnings(config, targets_of(config))
