"""OPML (a feed reader's export) to subscriptions: the one reader of the format.

Entity declarations are refused before parsing, as in every feed. A feed is an
``<outline xmlUrl=...>``; an outline newsradar exported for another kind of
source carries ``url`` and ``newsradarKind`` instead. Only http(s) URLs count,
each once (the first outline naming it wins).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crawler.parse.safexml import UnsafeXML, check_xml


class OPMLError(ValueError):
    """The document is not an OPML file newsradar can read, or lists no source."""


@dataclass(frozen=True)
class Subscription:
    """One source listed in an OPML file."""

    name: str
    url: str
    kind: str = "feed"  # "feed", or the newsradar kind an exported outline names


def _attribute(outline: etree._Element, *names: str) -> str:
    for name in names:
        value = (outline.get(name) or "").strip()
        if value:
            return value
    return ""


def parse_opml(body: bytes) -> list[Subscription]:
    """The subscriptions of an OPML document, in order, each URL once.

    Raises OPMLError when the document is not well-formed XML, declares entities,
    is not OPML, or lists no feed.
    """
    try:
        check_xml(body)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(body, parser)
    except (UnsafeXML, etree.XMLSyntaxError) as err:
        raise OPMLError(f"not a readable OPML file: {err}") from err
    tag = etree.QName(root).localname if isinstance(root.tag, str) else str(root.tag)
    if tag.lower() != "opml":
        raise OPMLError(f"not an OPML file (its root element is <{tag}>)")
    found: dict[str, Subscription] = {}
    for outline in root.iter("outline"):
        kind = _attribute(outline, "newsradarKind")
        url = _attribute(outline, "xmlUrl", "xmlurl") or (
            _attribute(outline, "url") if kind else ""
        )
        if not url.startswith(("http://", "https://")) or url in found:
            continue
        name = _attribute(outline, "title", "text") or url
        found[url] = Subscription(name, url, kind or "feed")
    if not found:
        raise OPMLError("lists no feed (no <outline xmlUrl=...>)")
    return list(found.values())
