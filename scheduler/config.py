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
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from alerts.watchlist import Entity

CONFIG_ENV = "NEWSRADAR_CONFIG"
DEFAULT_NAME = "newsradar.toml"


class ConfigError(Exception):
    """The configuration file is invalid."""


# --- durations --------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """Parse "30s", "10m", "1h", "1d", "2w" or combinations such as "1h30m".

    Raises ValueError with a readable reason.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        parts = _DURATION_PART.findall(text)
        if not parts or _DURATION_PART.sub("", text).strip():
            raise ValueError(f"bad duration {value!r} (use a number and a unit: 30s, 10m, 1h, 1d)")
        seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    else:
        raise ValueError(
            f'wrong type: a duration is a string such as "10m" (got {type(value).__name__})'
        )
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


# --- the schema ----------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CrawlConfig(_Strict):
    """``[crawl]``: defaults for every source."""

    interval: Duration = timedelta(minutes=15)
    user_agent: str = "newsradar/0.1 (self-hosted news monitor)"
    timeout: Duration = timedelta(seconds=30)


class SourceConfig(_Strict):
    """``[[source]]``: one feed to poll."""

    name: str
    url: str
    kind: Literal["feed"] = "feed"
    interval: Duration | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http:// or https:// URL")
        return url


class EntityConfig(_Strict):
    """``[[entity]]``: one watchlist entry."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1)
    kind: Literal["group", "official", "other"] = "other"
    aliases: list[str] = []
    exclude: list[str] = []
    tags: list[str] = []

    def to_entity(self) -> Entity:
        """The matcher's view of this entry."""
        return Entity(
            id=self.id,
            name=self.name,
            kind=self.kind,
            aliases=tuple(self.aliases),
            exclude=tuple(self.exclude),
            tags=tuple(self.tags),
        )


def check_cron(expression: str) -> str:
    """Validate a crontab expression ("0 * * * *", "@hourly", "@daily"); return it."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(CRON_ALIASES.get(expression, expression), timezone="UTC")
    except ValueError as err:
        raise ValueError(f"bad cron schedule {expression!r}: {err}") from err
    return expression


CRON_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 8 * * *",
    "@weekly": "0 8 * * 1",
}


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
    def _template(cls, source: str | None) -> str | None:
        from alerts.render import TemplateProblem, compile_template

        if source is not None:
            try:
                compile_template(source)
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


class Config(_Strict):
    """The whole configuration file."""

    database: str = "newsradar.db"
    crawl: CrawlConfig = CrawlConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    source: list[SourceConfig] = []
    entity: list[EntityConfig] = []
    alert: list[AlertConfig] = []
    # Where the file was read from (None: the built-in default); not a TOML key.
    path: Path | None = Field(default=None, exclude=True)

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

    def entities(self) -> list[Entity]:
        """The watchlist as matcher entities."""
        return [entry.to_entity() for entry in self.entity]


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


def _message(error: dict[str, Any], data: dict[str, Any]) -> str:
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
        ("entity", "id", [e.id for e in config.entity]),
        ("source", "url", [s.url for s in config.source]),
        ("source", "name", [s.name for s in config.source]),
        ("alert", "name", [a.name for a in config.alert]),
    ):
        seen: set[str] = set()
        for number, value in enumerate(values, start=1):
            if value is None:
                continue
            if value in seen:
                raise ConfigError(f"{table} #{number}, key '{key}': duplicate {key} {value!r}")
            seen.add(value)


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
        _check_unique(config)
        return config
    except ConfigError as err:
        raise ConfigError(f"{label}: {err}") from err
    except ValidationError as err:
        problems = [_message(e, data) for e in err.errors(include_url=False)]
        raise ConfigError(f"{label}: " + f"\n{label}: ".join(problems)) from err


def default_config_text() -> str:
    """The built-in configuration, as the commented TOML `newsradar init` writes."""
    return resources.files("scheduler").joinpath("newsradar.toml").read_text(encoding="utf-8")


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
