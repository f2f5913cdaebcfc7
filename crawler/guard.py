"""Which URLs a source's crawl may fetch (server-side request forgery defence).

Two rules, both needed:

- Site: links found in a feed, sitemap or page are followed only on the source's
  own site (the registered domain of its URL, of the document it polls after
  redirects, and of the home page its feed declares) or on domains the config
  allows. The configured URL itself is exempt.
- Address: a host that resolves to a private, loopback, link-local or otherwise
  non-global address is never fetched, unless the configured source itself lives
  at that very address and port. A feed on the internet cannot make newsradar
  read the admin page of the router, the cloud metadata service or a database
  port on the machine it runs on, whatever names or redirects it uses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.parse.urls import host_of, is_ip, on_sites, site_of

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_DEFAULT_PORTS = {"http": 80, "https": 443}


def port_of(url: str) -> int:
    """The port a request to ``url`` connects to."""
    parts = urlsplit(url)
    return parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True for globally routable unicast addresses only (an IPv6 address that
    embeds an IPv4 one must be public on both counts)."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return embedded.is_global and not embedded.is_multicast
    return True


@dataclass
class LinkPolicy:
    """The fetch rules of one source's crawl."""

    source_url: str
    allow_domains: tuple[str, ...] = ()
    sites: set[str] = field(default_factory=set)
    # (address, port) pairs the configured source itself lives at; filled once
    # its host is resolved.
    source_endpoints: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.sites.add(site_of(self.source_url))
        self.sites.update(d.lower().strip(".") for d in self.allow_domains if d)

    def add_site(self, url: str | None) -> None:
        """Count ``url``'s site as the source's own (the polled document, the home page
        a feed declares)."""
        if url and host_of(url):
            self.sites.add(site_of(url))

    def allows_site(self, url: str) -> bool:
        """The site rule (see the module doc)."""
        host = host_of(url)
        if is_ip(host):  # an address is its own site: no subdomains
            return host in self.sites
        return on_sites(url, self.sites)

    def allows_address(self, address: IPAddress, url: str) -> bool:
        """The address rule (see the module doc)."""
        if is_public(address):
            return True
        return (str(address), port_of(url)) in self.source_endpoints

    def refused_addresses(self, addresses: Iterable[IPAddress], url: str) -> list[IPAddress]:
        """The addresses of a name that break the address rule: any one of them
        refuses the name, since the connection could use any."""
        return [address for address in addresses if not self.allows_address(address, url)]
