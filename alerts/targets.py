"""Alert targets: Apprise URLs, their safe names, and the secrets they carry.

Apprise URLs carry passwords and tokens. Nothing outside this module prints a
target URL: it prints ``Target.label`` (the configured name, or Apprise's
privacy rendering) and passes error text through ``Target.scrub``.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
from apprise.decorators import notify as apprise_notify

from alerts.render import FORMATS, Templates
from alerts.safetext import one_line, strip_controls

CONSOLE_SCHEMA = "console"
CONSOLE_URL = "console://"

# Apprise logs URLs in a "privacy" form that still shows a password's first and
# last characters: its messages never reach the log output directly, only
# through the dispatcher's capture and Target.scrub.
logging.getLogger("apprise").propagate = False


@apprise_notify(on=CONSOLE_SCHEMA, name="newsradar console")
def _console(body: str, title: str, notify_type: str, **_: object) -> bool:
    """Print an alert to standard output: the default target when none is configured."""
    rule = "─" * 72
    text = f"{one_line(title)}\n\n{strip_controls(body)}"
    print(f"{rule}\n{text}\n{rule}", file=sys.stdout, flush=True)
    return True


def check_apprise_url(url: str) -> str | None:
    """Return why ``url`` is not a usable Apprise URL, or None when it is.

    The reason never contains the URL itself (it may carry a password).
    """
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not scheme:
        return "not an Apprise URL: it must look like scheme://... (e.g. mailto://, json://)"
    if apprise.Apprise.instantiate(url) is None:
        return f"not a valid Apprise URL for scheme '{scheme}://' (check its parts and options)"
    return None


_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)
_SECRET_KEYS = re.compile(r"pass|token|key|secret|auth|pwd|sig", re.IGNORECASE)
# Generic webhooks: their whole path may be a token (json://host/hooks/<token>).
_WEBHOOK_PLUGINS = {"NotifyJSON", "NotifyForm", "NotifyXML"}
MASK = "****"

# The body format and markup dialect newsradar writes for a service, chosen per
# service rather than taken from Apprise's first preference: Discord, Mattermost,
# Zulip and Rocket.Chat list TEXT first but render every message as Markdown, so
# unescaped text would be live markup there; Slack and Google Chat read mrkdwn,
# which has no backslash escapes; Telegram takes HTML best (its legacy Markdown
# cannot escape most characters).
_SERVICE_DIALECTS = {
    "NotifyTelegram": "html",
    "NotifyDiscord": "markdown",
    "NotifyMattermost": "markdown",
    "NotifyZulip": "markdown",
    "NotifyRocketChat": "markdown",
    "NotifySlack": "mrkdwn",
    "NotifyGoogleChat": "mrkdwn",
}


@dataclass(frozen=True)
class Target:
    """One place alerts go: an Apprise URL, an optional name, optional routing tags,
    and how alerts reach it (instantly or as a digest, at most so many an hour, in
    which body format, through which templates)."""

    url: str = field(repr=False)
    name: str | None = None
    tags: tuple[str, ...] = ()
    mode: str = "instant"  # or "digest"
    schedule: str | None = None  # cron, for digests
    max_per_hour: int | None = None
    body_format: str | None = None  # None: the service's preferred format
    templates: Templates = field(default_factory=Templates)

    @cached_property
    def _plugin(self) -> apprise.NotifyBase | None:
        return apprise.Apprise.instantiate(self.url)

    @cached_property
    def label(self) -> str:
        """How the target is named in the database, logs and CLI output: never a secret.

        Apprise's privacy rendering, without its query (defaults and options, rarely
        what tells targets apart), with every path segment that may be a token masked:
        all of them for generic webhooks (json://, form://, xml://)."""
        if self.name:
            return self.name
        if self._plugin is None:
            return f"{self.url.split('://', 1)[0]}://"
        private = self.legacy_label
        scheme, _, rest = private.partition("://")
        host, slash, path = rest.partition("/")
        webhook = type(self._plugin).__name__ in _WEBHOOK_PLUGINS
        segments = [
            MASK if segment and (webhook or unquote(segment) in self.secrets) else segment
            for segment in path.split("/")
        ]
        return f"{scheme}://{host}{slash}" + "/".join(segments)

    @cached_property
    def legacy_label(self) -> str:
        """The label older versions gave this target (Apprise's privacy rendering,
        which kept a webhook's path token): its alerts are renamed to ``label``."""
        if self.name or self._plugin is None:
            return self.label
        return self._plugin.url(privacy=True).split("?", 1)[0]

    @cached_property
    def dialect(self) -> str:
        """The markup the article's strings are escaped for (a key of alerts.render's
        DIALECTS): the service's own dialect of the body format."""
        name = type(self._plugin).__name__
        fmt = self.format
        if fmt == "text" or fmt == "html":
            return fmt
        if name in ("NotifySlack", "NotifyGoogleChat"):
            return "mrkdwn"
        if name == "NotifyTelegram":
            version = str(getattr(self._plugin, "markdown_ver", "")).lower()
            return "telegram-mdv2" if "v2" in version else "telegram-md"
        return "markdown"

    @cached_property
    def format(self) -> str:
        """The body format alerts are rendered in: the configured one, else the one
        chosen for the service (see _SERVICE_DIALECTS), else Apprise's preference."""
        if self.body_format:
            return self.body_format
        chosen = _SERVICE_DIALECTS.get(type(self._plugin).__name__)
        if chosen is not None:
            return "markdown" if chosen == "mrkdwn" else chosen
        preferred = getattr(self._plugin, "notify_format", None)
        if isinstance(preferred, tuple | list):
            preferred = preferred[0] if preferred else None
        value = str(getattr(preferred, "value", preferred) or "text")
        return value if value in FORMATS else "text"

    @cached_property
    def blends_title(self) -> bool:
        """Whether the service writes the title into the body (Telegram, Google Chat…),
        where it is read in the body's format, so it must be escaped like the body."""
        return getattr(self._plugin, "title_maxlen", 1) <= 0

    def hears(self, entity_tags: tuple[str, ...]) -> bool:
        """Whether an entity with these tags is routed to this target."""
        return not self.tags or bool(set(self.tags) & set(entity_tags))

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        """The parts of the URL that may be credentials: password, tokens, key values."""
        parts = urlsplit(self.url)
        found: set[str] = set()
        if parts.password:
            found.add(unquote(parts.password))
        if parts.username and parts.password is None:
            found.add(unquote(parts.username))  # many services put a token here
        for segment in parts.path.split("/"):
            if len(segment) >= 8:
                found.add(unquote(segment))
        for key, value in parse_qsl(parts.query):
            if _SECRET_KEYS.search(key) and value:
                found.add(value)
        return tuple(sorted((s for s in found if len(s) >= 3), key=len, reverse=True))

    def scrub(self, text: str) -> str:
        """``text`` with this target's secrets and every URL's user info masked."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return _USERINFO.sub(rf"\1{MASK}@", text)


class AppriseConfigError(ValueError):
    """An Apprise config file that cannot be read or names no usable URL."""


def apprise_config_urls(path: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each URL of an Apprise YAML or TEXT config file, with its tags.

    Raises AppriseConfigError (never showing a URL) when the file has no usable URL.
    """
    config = apprise.AppriseConfig()
    if not config.add(path):
        raise AppriseConfigError(f"{path}: not a readable Apprise config file")
    servers = config.services()
    if not servers:
        raise AppriseConfigError(f"{path}: no valid Apprise URL in this file")
    return [(server.url(privacy=False), tuple(sorted(map(str, server.tags)))) for server in servers]


def console_target() -> Target:
    """The target used when the configuration names none: the console."""
    return Target(url=CONSOLE_URL, name="console")
