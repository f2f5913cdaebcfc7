"""The TOML configuration: where it is found, how it is validated, what it holds.

Read once, at the edge (the CLI and the service), and passed down as plain
values. Every error names the key and what is wrong with it.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from alerts.watchlist import MAX_NAME_LENGTH, Entity
from crawler.settings import USER_AGENT

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

CONFIG_ENV = "NEWSRADAR_CONFIG"
DEFAULT_NAME = "newsradar.toml"


class ConfigError(Exception):
    """The configuration file is invalid."""


class DurationError(ValueError):
    """A duration that cannot be read ("ten minutes"). A ValueError, so that pydantic
    reports it at the key that holds it."""


class ScheduleError(ValueError):
    """A cron schedule that cannot be read. A ValueError, for pydantic as above."""


# --- durations --------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: No interval, window or retention means more than this (timedelta's own limit is
#: ~2.7 million years, and arithmetic with one near it overflows).
MAX_DURATION = timedelta(days=100 * 366)


def parse_duration(value: Any) -> timedelta:
    """Parse "30s", "10m", "1h", "1d", "2w" or combinations such as "1h30m".

    Raises DurationError with a readable reason.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        parts = _DURATION_PART.findall(text)
        if not parts or _DURATION_PART.sub("", text).strip():
            raise DurationError(
                f"bad duration {value!r} (use a number and a unit: 30s, 10m, 1h, 1d)"
            )
        seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    else:
        raise DurationError(
            f'wrong type: a duration is a string such as "10m" (got {type(value).__name__})'
        )
    if seconds <= 0:
        raise DurationError(f"duration {value!r} must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise DurationError(f"duration {value!r} is too long (at most {MAX_DURATION.days} days)")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

_ZERO = re.compile(r"0+(?:\.0+)?\s*[smhdw]?")
#: The longest [crawl] min_delay: longer, a site's 500 new articles would take days.
MAX_MIN_DELAY = timedelta(minutes=10)


def parse_delay(value: Any) -> timedelta:
    """A delay: "0s" (none), or a duration as `parse_duration` reads it, at most
    MAX_MIN_DELAY. Raises DurationError with a readable reason."""
    if isinstance(value, str) and _ZERO.fullmatch(value.strip().lower()):
        return timedelta(0)
    delay = parse_duration(value)
    if delay > MAX_MIN_DELAY:
        longest = int(MAX_MIN_DELAY.total_seconds() // 60)
        raise DurationError(f"delay {value!r} is too long (at most {longest}m)")
    return delay


Delay = Annotated[timedelta, BeforeValidator(parse_delay)]


# --- the schema ----------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CrawlConfig(_Strict):
    """``[crawl]``: defaults for every source, and how politely the crawler fetches."""

    interval: Duration = timedelta(minutes=15)
    user_agent: str = Field(default=USER_AGENT, min_length=1)
    timeout: Duration = timedelta(seconds=30)
    # Sitemap entries older than this are not followed (a 50,000-URL archive
    # sitemap costs one fetch, not 50,000).
    window: Duration = timedelta(days=2)
    # Largest page, feed or sitemap fetched, after decompression: "10MB", "512KB".
    max_size: int = 10 * 1024 * 1024
    # Article pages fetched per source per poll, at most.
    max_articles: int = Field(default=500, ge=1, le=50_000)
    # Requests at once to one site; AutoThrottle adapts to how fast it answers.
    per_domain: int = Field(default=4, ge=1, le=64)
    # The shortest time between two requests to one site, AutoThrottle on or off.
    min_delay: Delay = timedelta(0)
    autothrottle: bool = True
    # Retries of a request that failed on the network or with a 5xx.
    retries: int = Field(default=2, ge=0, le=10)
    # Processes extracting article text (default: one per core; 0: none, in-process).
    extract_workers: int | None = Field(default=None, ge=0, le=64)
    # Keep each article's raw HTML too (in article_html), to re-extract it later.
    store_html: bool = False

    @field_validator("max_size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError('wrong type: a size is a string such as "10MB" (got bool)')
        if isinstance(value, int):
            size = value
        elif isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)\s*", value.lower())
            if not match:
                raise ValueError(f"bad size {value!r} (use a number and a unit: 512KB, 10MB)")
            unit = match.group(2).rstrip("ib")
            number = float(match.group(1))
            if number > 1024**3:  # int(inf) would overflow
                raise ValueError(f"size {value!r} must be between 1KB and 1GB")
            size = int(number * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])
        else:
            raise ValueError(
                f'wrong type: a size is a string such as "10MB" (got {type(value).__name__})'
            )
        if not 1024 <= size <= 1024**3:
            raise ValueError(f"size {value!r} must be between 1KB and 1GB")
        return size


def _without_userinfo(url: str) -> str:
    """``url`` without ``user:password@``: what is stored, logged and exported."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class SourceConfig(_Strict):
    """``[[source]]``: one source to poll.

    ``kind``: "feed" (RSS, Atom, JSON Feed), "sitemap" (a sitemap, a News
    sitemap, an index, or a site root whose robots.txt lists them), "page" (a
    listing page without a feed) or "auto" (find out from the URL).
    """

    name: str = Field(min_length=1)
    url: str
    kind: Literal["auto", "feed", "sitemap", "page"] = "auto"
    interval: Duration | None = None
    # Instead of an interval: poll at these times (cron, UTC), e.g. "*/10 6-22 * * *".
    schedule: str | None = None
    # Tell operators when the source brings nothing new for this long
    # (default: judged from its own history).
    expect_update_every: Duration | None = None
    # Overrides of the [crawl] defaults of the same names.
    window: Duration | None = None
    max_articles: int | None = Field(default=None, ge=1, le=50_000)
    store_html: bool | None = None
    # Other sites whose links this source may follow ("example-cdn.com"
    # also allows its subdomains). Its own site is always allowed.
    allow_domains: list[str] = []

    # User and password from the URL (http://user:pass@host/feed), sent as HTTP basic
    # auth to that host only; the URL itself keeps neither.
    _credentials: tuple[str, str] | None = PrivateAttr(default=None)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"https?://[^/\s]+", url):
            raise ValueError(f"{_without_userinfo(url)!r} is not an http:// or https:// URL")
        return url

    @model_validator(mode="after")
    def _take_credentials(self) -> SourceConfig:
        parts = urlsplit(self.url)
        if parts.username is not None or parts.password is not None:
            self._credentials = (unquote(parts.username or ""), unquote(parts.password or ""))
            # The model is frozen for its users; this is its own construction.
            object.__setattr__(self, "url", _without_userinfo(self.url))
        return self

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(user, password) for HTTP basic auth, when the URL carried them."""
        return self._credentials

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        return check_cron(schedule) if schedule is not None else None

    @model_validator(mode="after")
    def _one_timing(self) -> SourceConfig:
        if self.schedule is not None and self.interval is not None:
            raise ValueError("give 'interval' or 'schedule', not both")
        return self

    @field_validator("allow_domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        for domain in domains:
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", domain):
                raise ValueError(
                    f"{domain!r} is not a domain name (write example.org, without "
                    "scheme, port or path)"
                )
        return [domain.lower() for domain in domains]


Name = Annotated[str, Field(max_length=MAX_NAME_LENGTH)]


class EntityConfig(_Strict):
    """``[[entity]]``: one watchlist entry."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=MAX_NAME_LENGTH)
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    kind: Literal["group", "official", "other"] = "other"
    aliases: list[Name] = []
    exclude: list[Name] = []
    tags: list[Name] = []
    context: list[Name] = []
    variants: bool = True
    weak_aliases: list[Name] = []

    def to_entity(self) -> Entity:
        """The matcher's view of this entry."""
        return Entity(
            id=self.id,
            name=self.name,
            kind=self.kind,
            aliases=tuple(self.aliases),
            exclude=tuple(self.exclude),
            tags=tuple(self.tags),
            context=tuple(self.context),
            variants=self.variants,
            weak_aliases=tuple(self.weak_aliases),
        )


# What crontab(5) means by them: the start of each hour, day (00:00) and week (Sunday 00:00).
CRON_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
}
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_days(field: str) -> str:
    """Translate a crontab day-of-week field (0 or 7 = Sunday) into day names:
    APScheduler numbers days from Monday = 0, so "1-5" would mean Tuesday to Saturday."""
    if field == "*" or any(ch.isalpha() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            first_text, last_text = span.split("-", 1)
            first, last = int(first_text), int(last_text)
        else:
            first = last = int(span)
        if not (0 <= first <= 7 and 0 <= last <= 7 and first <= last and step >= 1):
            raise ScheduleError(f"bad day of week {part!r}")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[day] for day in sorted(days))


def cron_trigger(expression: str) -> CronTrigger:
    """A UTC CronTrigger for a standard crontab line ("30 6 * * 1-5", "@hourly");
    ScheduleError when it cannot be read."""
    from apscheduler.triggers.cron import CronTrigger

    fields = CRON_ALIASES.get(expression, expression).split()
    if len(fields) != 5:
        raise ScheduleError(f"wrong number of fields: got {len(fields)}, expected 5")
    minute, hour, day, month, day_of_week = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_cron_days(day_of_week),
            timezone="UTC",
        )
    except ScheduleError:
        raise
    except ValueError as err:  # APScheduler's word for a field it cannot read
        raise ScheduleError(str(err)) from err


def check_cron(expression: str) -> str:
    """Validate a crontab expression ("0 * * * *", "@hourly", "@daily"); return it,
    or raise ScheduleError naming it."""
    try:
        cron_trigger(expression)
    except ScheduleError as err:
        raise ScheduleError(f"bad cron schedule {expression!r}: {err}") from err
    return expression


class AlertConfig(_Strict):
    """``[[alert]]``: one Apprise target, or every target of an Apprise config file."""

    url: str | None = None
    apprise_config: str | None = None
    name: str | None = None
    tags: list[str] = []
    mode: Literal["instant", "digest"] = "instant"
    schedule: str | None = None
    max_per_hour: int | None = Field(default=None, ge=1)
    format: Literal["text", "markdown", "html"] | None = None
    title_template: str | None = None
    body_template: str | None = None

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, url: str | None) -> str | None:
        from alerts.targets import check_apprise_url

        problem = check_apprise_url(url) if url is not None else None
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        return check_cron(schedule) if schedule is not None else None

    @field_validator("title_template", "body_template")
    @classmethod
    def _template(cls, source: str | None, info: ValidationInfo) -> str | None:
        from alerts.render import TemplateProblem, Templates, check_templates

        if source is not None:
            part = str(info.field_name).removesuffix("_template")  # "title" or "body"
            try:
                check_templates(Templates(**{part: source}))
            except TemplateProblem as err:
                raise ValueError(str(err)) from err
        return source

    @model_validator(mode="after")
    def _consistent(self) -> AlertConfig:
        if (self.url is None) == (self.apprise_config is None):
            raise ValueError("give exactly one of 'url' and 'apprise_config'")
        if self.mode == "digest" and not self.schedule:
            raise ValueError('mode = "digest" needs a cron \'schedule\', e.g. "0 * * * *"')
        if self.mode != "digest" and self.schedule:
            raise ValueError("'schedule' only applies to mode = \"digest\"")
        return self


class DeliveryConfig(_Strict):
    """``[delivery]``: how hard the dispatcher tries before an alert is marked failed."""

    retry_after: Duration = timedelta(seconds=30)
    retry_max: Duration = timedelta(hours=1)
    max_attempts: int = Field(default=12, ge=1)
    timeout: Duration = timedelta(seconds=60)


class WebConfig(_Strict):
    """``[web]``: the console (`newsradar web`, `newsradar run --web`)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8450, ge=1, le=65535)
    # An argon2 hash from `newsradar web hash-password`: pages need a login.
    password_hash: str | None = None
    # A token for the JSON API and the Atom feed (?token= or "Authorization: Bearer").
    token: str | None = Field(default=None, min_length=16)
    # Show everything, change nothing (a shared screen).
    read_only: bool = False

    @field_validator("password_hash")
    @classmethod
    def _argon2(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("$argon2"):
            raise ValueError("not an argon2 hash: make one with `newsradar web hash-password`")
        return value


class ClusterConfig(_Strict):
    """``[cluster]``: fetch workers on other machines take the polls through Redis."""

    # redis://[:password@]host[:port][/db]; put the password in the environment
    # (redis = "${REDIS_URL}"), never in the file.
    redis: str = Field(min_length=1, repr=False)
    # A job a worker holds this long without renewing it goes to another worker.
    lease: Duration = timedelta(seconds=60)
    # The service waits this long for a poll's result before counting it failed.
    job_timeout: Duration = timedelta(minutes=10)
    # A job Redis has handed to workers this many times without a result (each worker
    # died or hung holding it) is answered as a failed poll instead of being run again.
    max_deliveries: int = Field(default=3, ge=1, le=100)
    # A Fernet key both ends share: sources' users and passwords travel to the workers
    # sealed with it. Needed when a source URL has them; from the environment
    # (secret = "${NEWSRADAR_CLUSTER_SECRET}"), never in the file.
    secret: str | None = Field(default=None, repr=False)

    @field_validator("redis")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        # The message never repeats the value: it may hold a password.
        if not re.match(r"(?i)^(redis|rediss|unix)://", value):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("secret")
    @classmethod
    def _fernet_key(cls, value: str | None) -> str | None:
        # The message never repeats the value: it is the secret.
        if value is None:
            return None
        from cryptography.fernet import Fernet

        try:
            Fernet(value.encode())
        except ValueError:
            raise ValueError(
                "must be a Fernet key (32 random bytes in URL-safe base64): make one with "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
        return value


class Config(_Strict):
    """The whole configuration file."""

    database: str = "newsradar.db"
    # More entities, from CSV or YAML files (relative to this file): one path or a list.
    watchlist: str | list[str] | None = None
    # Drop article text older than this (metadata and mentions stay); none: keep all.
    retention: Duration | None = None
    # Tell targets tagged "operator" when a source fails this many polls in a row.
    operator_alert_after: int = Field(default=5, ge=1)
    crawl: CrawlConfig = CrawlConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    web: WebConfig = WebConfig()
    # Fetch workers through Redis; none: the service polls every source itself.
    cluster: ClusterConfig | None = None
    source: list[SourceConfig] = []
    entity: list[EntityConfig] = []
    alert: list[AlertConfig] = []
    # Where the file was read from (None: the built-in default); not a TOML key.
    path: Path | None = Field(default=None, exclude=True)

    @property
    def watchlist_files(self) -> list[str]:
        """The watchlist files named by ``watchlist``, in order (none, one or several)."""
        if self.watchlist is None:
            return []
        return [self.watchlist] if isinstance(self.watchlist, str) else list(self.watchlist)

    @property
    def database_path(self) -> Path:
        """The database file: relative paths are relative to the config file."""
        return self.resolve(self.database)

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config file (or the working directory)."""
        path = Path(relative).expanduser()
        if not path.is_absolute() and self.path is not None:
            path = self.path.parent / path
        return path

    def source_interval(self, source: SourceConfig) -> timedelta:
        """How often ``source`` is polled."""
        return source.interval or self.crawl.interval

    _file_entities: list[Entity] = PrivateAttr(default_factory=list)
    # (file name, how many entities it gave), to say which file a duplicate id is in.
    _file_counts: list[tuple[str, int]] = PrivateAttr(default_factory=list)

    def entities(self) -> list[Entity]:
        """The watchlist as matcher entities: the [[entity]] tables, then the watchlist file's."""
        return [entry.to_entity() for entry in self.entity] + self._file_entities


# --- loading ---------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _interpolate(value: Any, where: tuple[str | int, ...], environ: dict[str, str]) -> Any:
    """Replace ${NAME} in every string with the environment variable NAME."""
    if isinstance(value, dict):
        return {k: _interpolate(v, (*where, k), environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*where, i), environ) for i, v in enumerate(value)]
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConfigError(f"{_where(where, {})}: environment variable {name} is not set")
            return environ[name]

        return _ENV_REF.sub(substitute, value)
    return value


def _where(loc: tuple[str | int, ...], data: dict[str, Any]) -> str:
    """Say where a key is: "source #2 (Kabul Wire), key 'interval'"."""
    table = ""
    rest = list(loc)
    if len(rest) >= 2 and isinstance(rest[0], str) and isinstance(rest[1], int):
        name, index = rest[0], rest[1]
        rest = rest[2:]
        table = f"{name} #{index + 1}"
        entries = data.get(name)
        if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
            keys = ("id", "name") if name == "entity" else ("name", "id")
            label = entries[index].get(keys[0]) or entries[index].get(keys[1])
            if isinstance(label, str) and name != "alert":
                table += f" ({label})"
    elif len(rest) >= 2 and isinstance(rest[0], str):
        table = f"[{rest[0]}]"
        rest = rest[1:]
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    key = key.removeprefix(".")
    if table and key:
        return f"{table}, key '{key}'"
    return table or f"key '{key}'"


def _message(error: ErrorDetails, data: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    msg = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(loc[-1]), _known_keys(loc[:-1]), n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        problem = f"unknown key '{loc[-1]}'{suggestion}"
        if len(loc) == 1:
            return problem
        where = f"[{loc[0]}]" if len(loc) == 2 else _where(loc[:-1], data)
        return f"{where}: {problem}"
    if kind == "missing":
        return f"{_where(loc, data)}: is required"
    if kind.endswith("_type") or kind == "model_type":
        msg = f"wrong type: {msg[0].lower()}{msg[1:]} (got {type(error.get('input')).__name__})"
    elif kind == "literal_error":
        msg = f"{error.get('input')!r} is not allowed; {msg[0].lower()}{msg[1:]}"
    return f"{_where(loc, data)}: {msg}"


def _known_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys valid at ``loc``, for "did you mean" hints."""
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
    return [name for name in model.model_fields if name != "path"]


def _check_unique(config: Config) -> None:
    for table, key, values in (
        ("entity", "id", [e.id for e in config.entities()]),
        ("source", "url", [s.url for s in config.source]),
        ("source", "name", [s.name for s in config.source]),
        ("alert", "name", [a.name for a in config.alert]),
    ):
        seen: set[str] = set()
        for number, value in enumerate(values, start=1):
            if value is None:
                continue
            if value in seen:
                where = f"{table} #{number}"
                if table == "entity" and number > len(config.entity):
                    where = _file_entity_where(config, number - len(config.entity))
                raise ConfigError(f"{where}, key '{key}': duplicate {key} {value!r}")
            seen.add(value)


def _file_entity_where(config: Config, number: int) -> str:
    """Which watchlist file holds the ``number``-th entity read from the files, and where."""
    for name, count in config._file_counts:
        if number <= count:
            return f"watchlist {name}: entity #{number}"
        number -= count
    return f"watchlist: entity #{number}"


def _load_watchlist_file(config: Config) -> None:
    from alerts.watchlist import WatchlistError, load_watchlist_file

    entities: list[Entity] = []
    for name in config.watchlist_files:
        try:
            loaded = load_watchlist_file(config.resolve(name))
        except WatchlistError as err:
            raise ConfigError(f"key 'watchlist': {err}") from err
        config._file_counts.append((name, len(loaded)))
        entities.extend(loaded)
    config._file_entities = entities


def _check_apprise_files(config: Config) -> None:
    from alerts.targets import apprise_config_urls

    for number, alert in enumerate(config.alert, start=1):
        if alert.apprise_config is not None:
            try:
                apprise_config_urls(str(config.resolve(alert.apprise_config)))
            except ValueError as err:
                raise ConfigError(f"alert #{number}, key 'apprise_config': {err}") from err


def _check_cluster_secret(config: Config) -> None:
    """A source's user and password go to fetch workers only sealed: with a [cluster]
    section and such a source, [cluster] secret is required."""
    if config.cluster is None or config.cluster.secret is not None:
        return
    for number, source in enumerate(config.source, 1):
        if source.credentials is not None:
            raise ConfigError(
                f"[cluster], key 'secret': is required, since source #{number} ({source.name}) "
                "has a user and password in its URL, which go to the fetch workers only "
                'encrypted with it (secret = "${NEWSRADAR_CLUSTER_SECRET}")'
            )


def parse_config(
    text: str, path: Path | None = None, environ: dict[str, str] | None = None
) -> Config:
    """Validate the TOML ``text`` of a config file; raise ConfigError naming the key at fault."""
    label = str(path) if path else "built-in configuration"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{label}: not valid TOML: {err}") from err
    try:
        data = _interpolate(data, (), dict(os.environ) if environ is None else environ)
        config = Config.model_validate({**data, "path": path} if path else data)
        _load_watchlist_file(config)
        _check_unique(config)
        _check_cluster_secret(config)
        _check_apprise_files(config)
        return config
    except ConfigError as err:
        raise ConfigError(f"{label}: {err}") from err
    except ValidationError as err:
        problems = [_message(e, data) for e in err.errors(include_url=False)]
        raise ConfigError(f"{label}: " + f"\n{label}: ".join(problems)) from err
    except Exception as err:
        # Whatever else a value makes a validator raise (OverflowError, csv.Error…)
        # is still the file's fault: a ConfigError, never a traceback or a dead service.
        raise ConfigError(f"{label}: cannot be read: {type(err).__name__}: {err}") from err


def default_config_text() -> str:
    """The built-in configuration, as the commented TOML `newsradar init` writes."""
    return resources.files("scheduler").joinpath("newsradar.toml").read_text(encoding="utf-8")


def write_default_config(path: Path, *, force: bool = False) -> None:
    """Write the built-in configuration to ``path`` (what `newsradar init` does);
    ConfigError when the file exists and ``force`` is not given."""
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists (use --force to overwrite it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_config_text(), encoding="utf-8")


def find_config(option: str | Path | None = None) -> Path | None:
    """Where the config comes from: ``-c``, else $NEWSRADAR_CONFIG, else ./newsradar.toml.

    Returns None when none of those applies (the built-in default is used).
    Raises ConfigError when an explicitly named file does not exist.
    """
    for named, origin in ((option, "-c"), (os.environ.get(CONFIG_ENV), f"${CONFIG_ENV}")):
        if named:
            path = Path(named).expanduser()
            if not path.is_file():
                raise ConfigError(f"{path}: no such config file (from {origin})")
            return path
    local = Path(DEFAULT_NAME)
    return local if local.is_file() else None


def locate_database(option: str | Path | None = None) -> Path:
    """The database path alone, without validating the rest of the config (and so
    without importing what validation needs): for fast read-only commands."""
    path = find_config(option)
    if path is None:
        return Path(Config.model_fields["database"].default)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from err
    database = _interpolate(data.get("database", "newsradar.db"), ("database",), dict(os.environ))
    if not isinstance(database, str):
        raise ConfigError(f"{path}: key 'database': wrong type: a path is a string")
    relative = Path(database).expanduser()
    return relative if relative.is_absolute() else path.resolve().parent / relative


def load_config(option: str | Path | None = None) -> Config:
    """Find, read and validate the configuration (see find_config)."""
    path = find_config(option)
    if path is None:
        return parse_config(default_config_text())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from err
    return parse_config(text, path.resolve())
