"""Alerts as messages: one per article (or one digest), in the target's format.

Everything that comes from an article is hostile: it is escaped for the format
(HTML for email, Markdown for chat, plain text elsewhere) and mass mentions
(``@everyone``, ``@here``, ``<!channel>``) are defused for every format. Templates,
the built-in ones and the user's, are Jinja2 run only in a SandboxedEnvironment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from alerts.matcher import NOTED_RULES, RULE_LABELS
from alerts.sandbox import BoundedEnvironment, check_bounded, render_bounded

FORMATS = ("text", "markdown", "html")
#: Each markup dialect a service reads, and the body format it is written in:
#: CommonMark ("markdown": Discord, Mattermost, Zulip, Rocket.Chat…), Slack's
#: and Google Chat's mrkdwn (no backslash escapes), Telegram's two Markdowns.
DIALECTS = {
    "text": "text",
    "html": "html",
    "markdown": "markdown",
    "mrkdwn": "markdown",
    "telegram-md": "markdown",
    "telegram-mdv2": "markdown",
}
MAX_TITLE_ENTITIES = 3
MAX_SNIPPETS_PER_ENTITY = 2
#: Other copies of a story listed under "Also reported by"; the rest are counted.
MAX_ALSO = 10
KIND_ORDER = ("group", "official", "other")


class TemplateProblem(Exception):
    """A user template does not compile or does not render."""


@dataclass(frozen=True)
class Message:
    """What a target receives: a plain-text title and a body in ``format``."""

    title: str
    body: str
    format: str = "text"


# --- escaping --------------------------------------------------------------------

# A zero-width space after "@" or "<" keeps the text readable but stops chat
# services from expanding it into a notification for everyone.
_MASS_MENTION = re.compile(r"@(?=(everyone|here|channel|all)\b)|<(?=[!@#])", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
# Telegram: legacy Markdown escapes only these; MarkdownV2 requires every one of these.
_TELEGRAM_MD_SPECIAL = re.compile(r"([_*`\[])")
_TELEGRAM_MDV2_SPECIAL = re.compile(r"([\\_*\[\]()~`>#+\-=|{}.!])")
# mrkdwn has no escapes: &, < and > become entities (its documented rule) and the
# emphasis marks become look-alikes that it does not read as markup.
_MRKDWN_LOOKALIKES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "*": "\u2217",  # asterisk operator
        "_": "\uff3f",  # fullwidth low line
        "~": "\u223c",  # tilde operator
        "`": "\u02cb",  # modifier letter grave accent
    }
)


def defuse(text: str) -> str:
    """``text`` with mass mentions and chat link syntax made inert."""
    return _MASS_MENTION.sub(lambda m: m.group(0) + "\u200b", text)


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown control character backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def escape_for(dialect: str, text: str) -> str:
    """``text`` made inert in ``dialect`` (a key of DIALECTS): shown as written, never
    read as markup, links or mass mentions."""
    text = defuse(text)
    if dialect == "html":
        return str(escape(text))
    if dialect == "markdown":
        return escape_markdown(text)
    if dialect == "mrkdwn":
        return text.translate(_MRKDWN_LOOKALIKES)
    if dialect == "telegram-md":
        return _TELEGRAM_MD_SPECIAL.sub(r"\\\1", text)
    if dialect == "telegram-mdv2":
        return _TELEGRAM_MDV2_SPECIAL.sub(r"\\\1", text)
    return text


def _finalizer(dialect: str) -> Any:
    def finalize(value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, Markup):
            return Markup(escape_for(dialect, value))
        return value

    return finalize


@lru_cache(maxsize=16)
def environment(fmt: str) -> SandboxedEnvironment:
    """The sandboxed Jinja2 environment for one body format or dialect (DIALECTS).

    Every ``{{ expression }}`` is escaped for the dialect on output; what the
    template itself writes (its own Markdown or HTML) is kept.
    """
    env = BoundedEnvironment(
        finalize=_finalizer(fmt),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    return env


def compile_template(source: str, fmt: str = "text") -> Any:
    """Compile a user template; raise TemplateProblem with the reason."""
    try:
        return environment(fmt).from_string(source)
    except TemplateError as err:
        raise TemplateProblem(f"template does not compile: {err}") from err
    except (RecursionError, MemoryError, ValueError) as err:  # nesting too deep, and the like
        raise TemplateProblem(f"template does not compile: {type(err).__name__}") from err


# --- the built-in templates ------------------------------------------------------

TITLE = "{{ entity_names }}: {{ article.title }}"


# Read once, at import: a service keeps rendering with the templates of the code it
# runs, even when an upgrade replaces the files under it.
_BUILTIN = {
    (name, fmt): resources.files("alerts.templates").joinpath(f"{name}.{fmt}.j2").read_text("utf-8")
    for name in ("alert", "digest")
    for fmt in FORMATS
}


def builtin_template(name: str, fmt: str) -> str:
    """A built-in body template ("alert" or "digest") for a format, from alerts/templates/."""
    return _BUILTIN[(name, fmt)]


DIGEST_TITLE = "newsradar digest: {{ count }} article{{ 's' if count != 1 }} ({{ entity_names }})"

# --- context ---------------------------------------------------------------------


@dataclass(frozen=True)
class Templates:
    """A target's templates: the user's when given, the built-in ones otherwise."""

    title: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class EntityInfo:
    """What the renderer needs to know of an entity."""

    name: str
    kind: str


@dataclass
class _Entity:
    id: str
    name: str
    kind: str
    snippets: list[dict[str, str]] = field(default_factory=list)


def _split_snippet(snippet: str, matched: str, rule: str = "") -> dict[str, str]:
    """Cut a snippet around the first occurrence of the matched words, for highlighting;
    ``rule`` names how the matcher read them when that was not a plain alias."""
    words = " ".join(matched.split())
    noted = RULE_LABELS[rule] if rule in NOTED_RULES else ""
    at = snippet.find(words) if words else -1
    if at < 0:
        at = snippet.lower().find(words.lower()) if words else -1
    if at < 0:
        return {"before": snippet, "match": "", "after": "", "rule": noted}
    return {
        "before": snippet[:at],
        "match": snippet[at : at + len(words)],
        "after": snippet[at + len(words) :],
        "rule": noted,
    }


def _entity_names(ids: Sequence[str], entities: Mapping[str, EntityInfo]) -> str:
    names = [entities[e].name if e in entities else e for e in ids]
    shown = ", ".join(names[:MAX_TITLE_ENTITIES])
    if len(names) > MAX_TITLE_ENTITIES:
        shown += f" +{len(names) - MAX_TITLE_ENTITIES}"
    return shown


def _sorted_ids(ids: Sequence[str], entities: Mapping[str, EntityInfo]) -> list[str]:
    def key(entity_id: str) -> tuple[int, str]:
        kind = entities[entity_id].kind if entity_id in entities else "other"
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        return (rank, entity_id)

    return sorted(ids, key=key)


def safe_url(url: str, fmt: str) -> Markup:
    """An http(s) link that cannot break out of the format: unsafe characters
    percent-encoded (so no "@everyone", no Markdown or HTML syntax), other schemes dropped."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        return Markup("")
    quoted = quote(url, safe=":/?#&=%+,;$")
    return escape(quoted) if fmt == "html" else Markup(quoted)


def _article(row: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    return {
        "title": " ".join((row.get("title") or "(untitled article)").split()),
        "url": safe_url(row["url"], fmt),
        "source": row.get("source") or "Unknown source",
        "published": row.get("published") or row.get("first_seen") or "",
    }


def _also(copies: Sequence[Mapping[str, Any]], fmt: str) -> tuple[list[dict[str, Any]], int]:
    """The other copies of the story, as articles (at most MAX_ALSO), and how many more."""
    shown = [_article(copy, fmt) for copy in copies[:MAX_ALSO]]
    return shown, max(len(copies) - MAX_ALSO, 0)


def _render(template_source: str, fmt: str, context: Mapping[str, Any]) -> str:
    template = compile_template(template_source, fmt)
    try:
        return render_bounded(template, context)
    except TemplateError as err:  # SecurityError included: the sandbox said no
        raise TemplateProblem(f"template does not render: {err}") from err
    except Exception as err:  # {{ 1 / 0 }}, a filter given the wrong type…: the template's fault
        raise TemplateProblem(f"template does not render: {type(err).__name__}: {err}") from err


def _title(template_source: str, context: Mapping[str, Any]) -> str:
    return " ".join(_render(template_source, "text", context).split())


def render_alert(
    article: Mapping[str, Any],
    entity_ids: Sequence[str],
    mentions: Sequence[Mapping[str, Any]],
    entities: Mapping[str, EntityInfo],
    fmt: str = "text",
    templates: Templates = Templates(),
    also: Sequence[Mapping[str, Any]] = (),
    *,
    dialect: str | None = None,
) -> Message:
    """One alert for one article: headline, outlet, time, the entities matched
    (grouped by kind), a highlighted snippet for each, the link, and the other
    outlets that ran the same story ("Also reported by", with their links).

    ``mentions`` are the article's mentions, each with ``entity_id``,
    ``snippet``, ``matched`` (the words as they appear in the article) and
    optionally ``rule`` (named after the snippet when it is a surname, variant
    spelling or other form nobody listed).
    ``also`` are the other articles of its story (url, source, title,
    published or first_seen), first seen first. ``dialect`` (a key of DIALECTS
    written in ``fmt``; default ``fmt``) is the markup the article's strings are
    escaped for.
    """
    ids = _sorted_ids(entity_ids, entities)
    found: list[_Entity] = []
    for entity_id in ids:
        info = entities.get(entity_id, EntityInfo(entity_id, "other"))
        entry = _Entity(entity_id, info.name, info.kind)
        seen: set[str] = set()
        for mention in mentions:
            if mention["entity_id"] != entity_id or mention["snippet"] in seen:
                continue
            seen.add(mention["snippet"])
            entry.snippets.append(
                _split_snippet(
                    mention["snippet"], mention.get("matched", ""), mention.get("rule") or ""
                )
            )
            if len(entry.snippets) == MAX_SNIPPETS_PER_ENTITY:
                break
        found.append(entry)
    shown, more = _also(also, fmt)
    context = {
        "article": _article(article, fmt),
        "entities": found,
        "entity_names": _entity_names(ids, entities),
        "also": shown,
        "also_more": more,
        "format": fmt,
    }
    return Message(
        title=_title(templates.title or TITLE, context),
        body=_render(
            templates.body or builtin_template("alert", fmt), dialect or fmt, context
        ).strip(),
        format=fmt,
    )


_SAMPLE_ARTICLE = {
    "title": "Sample headline",
    "url": "https://news.example.org/sample",
    "source": "Sample Wire",
    "published": "2026-01-01T00:00:00Z",
}
_SAMPLE_MENTIONS = [{"entity_id": "sample", "snippet": "A sample mention.", "matched": "sample"}]
_SAMPLE_ALSO = [
    {
        "title": "Sample headline",
        "url": "https://blog.example.org/sample-repost",
        "source": "Sample Blog",
        "published": "2026-01-01T01:00:00Z",
    }
]


def check_templates(templates: Templates) -> None:
    """Render user templates once against a sample article in every format;
    raise TemplateProblem (sandbox violations, and renders too long or too large,
    included) before any alert needs them."""

    def render_all() -> None:
        for fmt in FORMATS:
            render_alert(
                _SAMPLE_ARTICLE,
                ["sample"],
                _SAMPLE_MENTIONS,
                {"sample": EntityInfo("Sample", "group")},
                fmt,
                templates,
                _SAMPLE_ALSO,
            )

    try:
        check_bounded(render_all)
    except TemplateError as err:  # the check's own time limit
        raise TemplateProblem(f"template does not render: {err}") from err


def render_digest(
    items: Sequence[tuple[Mapping[str, Any], Sequence[str]]],
    entities: Mapping[str, EntityInfo],
    fmt: str = "text",
    *,
    dialect: str | None = None,
) -> Message:
    """One message for many articles: grouped by entity, newest first in each group.

    ``items`` pairs an article row (title, url, source, published, first_seen,
    and optionally ``also``: the other articles of its story) with the entity ids
    it was queued for. Each article lists the other outlets that ran its story.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for article, entity_ids in items:
        entry = _article(article, fmt)
        entry["also"], entry["also_more"] = _also(article.get("also") or (), fmt)
        for entity_id in entity_ids:
            groups.setdefault(entity_id, []).append(entry)
    ordered = []
    for entity_id in _sorted_ids(list(groups), entities):
        info = entities.get(entity_id, EntityInfo(entity_id, "other"))
        articles = sorted(groups[entity_id], key=lambda a: a["published"], reverse=True)
        ordered.append({"name": info.name, "kind": info.kind, "articles": articles})
    context = {
        "count": len(items),
        "groups": ordered,
        "entity_names": _entity_names(_sorted_ids(list(groups), entities), entities),
        "format": fmt,
    }
    return Message(
        title=_title(DIGEST_TITLE, context),
        body=_render(builtin_template("digest", fmt), dialect or fmt, context).strip(),
        format=fmt,
    )
