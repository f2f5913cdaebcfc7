"""Refuse XML that declares entities, before any parser expands them.

A feed or sitemap is attacker-controlled input. "Billion laughs" entity bombs
grow a few hundred bytes into gigabytes when expanded, and external entities
(``<!ENTITY x SYSTEM "http://10.0.0.1/">``) make the parser read files or URLs.
No real feed or sitemap needs to declare entities, so any document that does is
refused outright: the check reads only the prolog (everything before the first
element), where entity declarations must live, with expat and with every entity
and external-reference hook raising before anything is expanded or fetched.

The external DTD of RSS 0.91 (``<!DOCTYPE rss PUBLIC ... "...rss-0.91.dtd">``) is
allowed: it is never fetched (parameter-entity parsing is off).
"""

from __future__ import annotations

import pyexpat
from typing import NoReturn


class UnsafeXML(Exception):
    """The document declares entities; it is refused unparsed."""


class _Prolog(Exception):
    """Raised at the first element: the prolog was read and is clean."""


def _refuse_entity(name: str, *_: object) -> None:
    raise UnsafeXML(f"XML entity declarations are refused (entity {name!r})")


def _refuse_external(*_: object) -> NoReturn:
    raise UnsafeXML("XML external entity references are refused")


def _first_element(*_: object) -> None:
    raise _Prolog


def check_xml(body: bytes) -> None:
    """Raise UnsafeXML when ``body`` declares XML entities or references external ones.

    Documents that are not well-formed XML pass (feedparser reads them with its
    lenient parser, which expands no declared entity); so do non-XML bodies.
    """
    head = body.lstrip()[:64].lower()
    if head.startswith((b"{", b"[")):
        return  # JSON Feed
    parser = pyexpat.ParserCreate()
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = _first_element
    try:
        parser.Parse(body, True)
    except _Prolog:
        return
    except pyexpat.ExpatError:
        # Not well-formed: a declaration expat never reached could still hide
        # in a broken prolog, so refuse any mention of one near the start.
        if b"<!entity" in body[:65536].lower():
            raise UnsafeXML("XML entity declarations are refused") from None
