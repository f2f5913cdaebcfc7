"""URLs: one canonical form per article, and which site a URL belongs to.

The same story reaches newsradar as ``https://Example.org/a?utm_source=rss``,
``https://example.org:443/a#comments`` and ``https://example.org/a``; all three must
be one row. Tracking parameters carry no identity, so they are dropped; the scheme
and host are lower-cased, default ports and fragments removed, and the query is
put in a stable order (w3lib's canonicalize_url).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urljoin, urlsplit, urlunsplit

import courlan
from w3lib.url import canonicalize_url

# Query parameters that only say how a reader arrived, never which article it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
        "wt.mc_id",
        "cmpid",
        "ocid",
        "ito",
        "spm",
        "ref_src",
        "ref_url",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "s_cid",
        "sr_share",
        "smid",
        "cmp",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """The identity form of an article URL (absolute, resolved against ``base``).

    >>> canonical_url("HTTPS://Example.org:443/a?utm_source=rss&b=2&a=1#top")
    'https://example.org/a?a=1&b=2'
    """
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    port = parts.port
    netloc = f"[{host}]" if ":" in host else host
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=", 1)[0])
    )
    # canonicalize_url sorts the query and normalizes percent-encoding; the
    # user:password part is dropped on purpose (it never identifies an article).
    cleaned = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def host_of(url: str) -> str:
    """The lower-cased host of ``url`` ("" when it has none)."""
    return (urlsplit(url).hostname or "").rstrip(".").lower()


def is_ip(host: str) -> bool:
    """True when ``host`` is an IP address literal rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def site_of(url_or_host: str) -> str:
    """The site a URL belongs to: its registered domain ("bbc.co.uk" for
    "www.bbc.co.uk"), or the host itself for IP addresses and unknown suffixes."""
    host = host_of(url_or_host) if "/" in url_or_host else url_or_host.lower().rstrip(".")
    if not host or is_ip(host) or "." not in host:
        return host
    return courlan.extract_domain(f"http://{host}/", fast=True) or host


def on_sites(url: str, sites: set[str]) -> bool:
    """True when ``url``'s host is one of ``sites`` or a subdomain of one."""
    host = host_of(url)
    if not host:
        return False
    return any(host == site or host.endswith("." + site) for site in sites if site)


def is_http(url: str) -> bool:
    """True for absolute http(s) URLs with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def site_root(url: str) -> str:
    """``scheme://host[:port]/`` of ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def is_site_root(url: str) -> bool:
    """True when ``url`` names a site's home page (no path beyond "/", no query)."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query
