"""The resolver the fetch guard and the connection share: one lookup per name (all
families), every address vetted, only vetted addresses handed to the connection.

The lookups run inline here (a thread pool that calls at once); the crawl through
real connections is in test_crawl_dns.py."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from twisted.python.failure import Failure

from crawler.guard import LinkPolicy, is_public
from crawler.resolver import VettedResolver, resolver_of


class InlineReactor:
    """Just what VettedResolver asks of a reactor, with the thread pool run inline."""

    nameResolver: Any = None

    def getThreadPool(self) -> InlineReactor:
        return self

    def callInThreadWithCallback(self, on_result: Any, f: Any, *args: Any) -> None:
        try:
            result = f(*args)
        except Exception:
            on_result(False, Failure())
        else:
            on_result(True, result)

    def callFromThread(self, f: Any, *args: Any) -> None:
        f(*args)

    def installNameResolver(self, resolver: Any) -> None:
        self.nameResolver = resolver


class Script:
    """A name server whose successive answers for each name are scripted."""

    def __init__(self, **answers: list[list[str]]) -> None:
        self.answers = {name.replace("_", "."): script for name, script in answers.items()}
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: Any, family: int, kind: int) -> list[Any]:
        self.calls.append((host, family))
        script = self.answers.get(host)
        if not script:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        count = sum(1 for name, _ in self.calls if name == host) - 1
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, kind, 6, "", (a, 0))
            for a in script[min(count, len(script) - 1)]
        ]


class Receiver:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:
        self.complete = True


def _connect(resolver: VettedResolver, host: str, port: int = 80) -> list[str]:
    receiver = Receiver()
    resolver.resolveHostName(receiver, host, port)
    assert receiver.complete
    return receiver.addresses


def _lookup(resolver: VettedResolver, host: str) -> list[str]:
    found: list[Any] = []
    resolver.lookup(host).addBoth(found.append)
    return [str(a) for a in found[0]]


def test_one_lookup_of_all_families_serves_guard_and_connection() -> None:
    script = Script(news_example=[["93.184.216.34", "2606:2800:220:1::1"]])
    resolver = VettedResolver(InlineReactor(), backend=script)
    assert _lookup(resolver, "News.Example.") == ["93.184.216.34", "2606:2800:220:1::1"]
    assert _connect(resolver, "news.example") == ["93.184.216.34", "2606:2800:220:1::1"]
    assert script.calls == [("news.example", socket.AF_UNSPEC)]


def test_a_name_with_any_loopback_address_gets_no_connection() -> None:
    script = Script(dual_example=[["93.184.216.34", "::1"]], mapped_example=[["::ffff:127.0.0.1"]])
    resolver = VettedResolver(InlineReactor(), backend=script)
    assert _connect(resolver, "dual.example") == []
    assert _connect(resolver, "mapped.example") == []


def test_rebinding_gets_the_vetted_answer_or_nothing() -> None:
    # Public for the check, loopback for the connection.
    script = Script(rebind_example=[["93.184.216.34"], ["127.0.0.1"]])
    cached = VettedResolver(InlineReactor(), backend=script)
    assert _lookup(cached, "rebind.example") == ["93.184.216.34"]
    assert _connect(cached, "rebind.example") == ["93.184.216.34"]
    fresh = VettedResolver(
        InlineReactor(),
        backend=Script(**{"rebind_example": script.answers["rebind.example"]}),
        ttl=0,
    )
    assert _lookup(fresh, "rebind.example") == ["93.184.216.34"]
    assert _connect(fresh, "rebind.example") == []  # the second answer is vetted too


def test_a_configured_source_on_the_local_network_is_reachable_at_its_port_only() -> None:
    resolver = VettedResolver(InlineReactor(), backend=Script(nas_lan=[["192.168.1.5"]]))
    assert _connect(resolver, "nas.lan", 8080) == []
    resolver.register_source([ipaddress.ip_address("192.168.1.5")], 8080)
    assert _connect(resolver, "nas.lan", 8080) == ["192.168.1.5"]
    assert _connect(resolver, "nas.lan", 22) == []


def test_unknown_names_fail_without_an_address() -> None:
    resolver = VettedResolver(InlineReactor(), backend=Script())
    failures: list[Any] = []
    resolver.lookup("nowhere.example").addErrback(failures.append)
    assert failures and "no address" in str(failures[0].value)
    assert _connect(resolver, "nowhere.example") == []


def test_the_guard_refuses_a_name_if_any_address_is_not_allowed() -> None:
    policy = LinkPolicy("http://127.0.0.1:8080/feed.xml")
    policy.source_endpoints.add(("127.0.0.1", 8080))
    url = "http://dual.example:8080/story"
    addresses = [ipaddress.ip_address(a) for a in ("127.0.0.1", "::1")]
    assert [str(a) for a in policy.refused_addresses(addresses, url)] == ["::1"]
    assert policy.refused_addresses(addresses[:1], url) == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_internal_addresses_in_every_disguise_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


def test_resolver_of_installs_one_resolver_per_reactor() -> None:
    reactor = InlineReactor()
    first = resolver_of(reactor)
    assert reactor.nameResolver is first and resolver_of(reactor) is first
