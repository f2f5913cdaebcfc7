"""One DNS resolver for the fetch guard and the connection: resolve once, vet every
address, connect only to what was vetted.

A check that resolves a name and a connection that resolves it again are two
answers: a hostile name server gives a public address to the first and a loopback
one to the second (DNS rebinding), or answers A with an allowed address and AAAA
with ``::1``, which the connection tries first. So the reactor's name resolver is
replaced by ``VettedResolver``: every name is resolved once, for all address
families, and the answer is cached; the fetch guard (crawler.middlewares) vets the
whole answer against the source's rules, and the connection (Twisted's
HostnameEndpoint, which Scrapy's HTTP handler uses) is handed the same cached
answer, vetted again: if any address of a name is not allowed, the connection gets
none of them. An answer that expired between the two is looked up and vetted anew,
never trusted.

Allowed at connection time: globally routable addresses (crawler.guard.is_public),
and the (address, port) endpoints of configured sources (a source configured on
the local network may be fetched there; its guard registers it).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.address import IPv4Address as TwistedIPv4
from twisted.internet.address import IPv6Address as TwistedIPv6
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IHostResolution, IResolutionReceiver
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

from crawler.guard import IPAddress, is_public

log = logging.getLogger(__name__)

# socket.getaddrinfo's signature: (host, port, family, type) -> [(family, type, proto,
# canonname, sockaddr)]. Tests hand in a scripted one.
Backend = Callable[..., list[tuple[Any, ...]]]

DEFAULT_TTL = 300.0  # seconds an answer is reused (no TTL from getaddrinfo)
MAX_ENTRIES = 10_000


def addresses_of(infos: Iterable[tuple[Any, ...]]) -> tuple[IPAddress, ...]:
    """The distinct IP addresses of getaddrinfo results, in their order."""
    found: dict[IPAddress, None] = {}
    for info in infos:
        host = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id
        try:
            found[ipaddress.ip_address(host)] = None
        except ValueError:
            continue
    return tuple(found)


def literal(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one, else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        pass  # the lookup finishes in its thread; its answer is cached all the same


@implementer(IHostnameResolver)
class VettedResolver:
    """The reactor's name resolver (see the module doc).

    ``backend`` is the getaddrinfo-like function names are resolved with (called in
    the reactor's thread pool); ``ttl`` how long an answer is reused.
    """

    def __init__(
        self, reactor: Any, backend: Backend = socket.getaddrinfo, ttl: float = DEFAULT_TTL
    ) -> None:
        self.reactor = reactor
        self.backend = backend
        self.ttl = ttl
        self._answers: dict[str, tuple[float, tuple[IPAddress, ...]]] = {}
        self._pending: dict[str, list[defer.Deferred[tuple[IPAddress, ...]]]] = {}
        self._endpoints: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    # Scrapy's TWISTED_DNS_RESOLVER protocol (a lone `scrapy crawl` installs it so).
    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> VettedResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    # -- the one lookup

    def lookup(self, host: str) -> defer.Deferred[tuple[IPAddress, ...]]:
        """Every address of ``host`` (all families), from the cache or one lookup.

        Fails with DNSLookupError when the name has no address.
        """
        address = literal(host)
        if address is not None:
            return defer.succeed((address,))
        name = host.rstrip(".").lower()
        cached = self._answers.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return defer.succeed(cached[1])
        waiter: defer.Deferred[tuple[IPAddress, ...]] = defer.Deferred()
        waiting = self._pending.setdefault(name, [])
        waiting.append(waiter)
        if len(waiting) == 1:  # the first asker looks it up; the others wait for it
            lookup = deferToThreadPool(
                self.reactor,
                self.reactor.getThreadPool(),
                self.backend,
                name,
                None,
                socket.AF_UNSPEC,
                socket.SOCK_STREAM,
            )
            lookup.addBoth(self._answered, name)
        return waiter

    def _answered(self, result: Any, name: str) -> None:
        waiting = self._pending.pop(name, [])
        # A failed lookup arrives as a twisted Failure: no address.
        addresses = addresses_of(result) if isinstance(result, list) else ()
        if addresses:
            if len(self._answers) >= MAX_ENTRIES:
                self._answers.clear()
            self._answers[name] = (time.monotonic() + self.ttl, addresses)
            for waiter in waiting:
                waiter.callback(addresses)
            return
        for waiter in waiting:
            waiter.errback(DNSLookupError(f"no address for {name}"))

    # -- what a connection may reach

    def register_source(self, addresses: Iterable[IPAddress], port: int) -> None:
        """Allow connections to a configured source's own (address, port) endpoints."""
        with self._lock:
            self._endpoints.update((str(address), port) for address in addresses)

    def allows(self, address: IPAddress, port: int) -> bool:
        """True when a connection may be made to ``address``:``port``."""
        return is_public(address) or (str(address), port) in self._endpoints

    # -- IHostnameResolver: what Twisted's HostnameEndpoint asks before connecting

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Hand the connection the vetted answer, or no address at all."""
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def deliver(addresses: tuple[IPAddress, ...]) -> None:
            refused = [a for a in addresses if not self.allows(a, portNumber)]
            if refused:
                log.warning(
                    "refused to connect to %s: it resolves to %s",
                    hostName,
                    ", ".join(map(str, refused)),
                )
            else:
                for address in addresses:
                    kind = TwistedIPv6 if address.version == 6 else TwistedIPv4
                    if addressTypes is None or kind in addressTypes:
                        resolutionReceiver.addressResolved(kind("TCP", str(address), portNumber))
            resolutionReceiver.resolutionComplete()

        def failed(_: Any) -> None:
            resolutionReceiver.resolutionComplete()  # no address: the connection fails

        self.lookup(hostName).addCallbacks(deliver, failed)
        return resolution


def resolver_of(reactor: Any) -> VettedResolver:
    """The reactor's VettedResolver, installed now if it has none."""
    current = getattr(reactor, "nameResolver", None)
    if isinstance(current, VettedResolver):
        return current
    resolver = VettedResolver(reactor)
    resolver.install_on_reactor()
    return resolver
