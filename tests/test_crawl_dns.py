"""SSRF through DNS: a name whose answers include a loopback address, or change between
the check and the connection (rebinding), never reaches the loopback servers.

Real crawls (Scrapy, Twisted's connection code, the crawler's resolver and guard)
in a subprocess; only the name server is scripted (tests/dns_crawl.py). The
canaries listen on 127.0.0.2 and ::1 at the very port of the hostile server, so
that a connection to the wrong address of a name would reach them.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from hostile import HostileServer, rss, wait_quiet, write_config
from scheduler.demo.localhttp import QuietHTTPServer, ServedHTTP

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("dns_crawl.py")


class _V6Server(QuietHTTPServer):
    address_family = socket.AF_INET6


class _CanaryHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.owner.requests.append(self.path)  # type: ignore[attr-defined]
        body = b"<rss><channel><item><link>/secret</link></item></channel></rss>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Canary(ServedHTTP):
    """A server on ``host``:``port`` that must hear nothing."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.wanted_port = host, port
        self.requests: list[str] = []

    def start(self) -> Canary:
        kind = _V6Server if ":" in self.host else QuietHTTPServer
        server = kind((self.host, self.wanted_port), _CanaryHandler)
        server.owner = self  # type: ignore[attr-defined]
        self._serve(server, "canary")
        return self

    def stop(self) -> None:
        self._unserve()


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def _crawl(
    tmp_path: Path,
    config: Path,
    answers: dict[str, Any] | None,
    ttl: float,
    wrap: list[str] | None = None,
) -> dict[str, Any]:
    script = tmp_path / "answers.json"
    script.write_text(json.dumps(answers))
    command = [sys.executable, str(DRIVER), str(config), str(script) if answers else "-", str(ttl)]
    result = subprocess.run(
        [*(wrap or []), *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _sources(tmp_path: Path, hostile: HostileServer) -> tuple[Path, str, str]:
    """A source on 127.0.0.1 linking to dual.test, and one on rebind.test itself."""
    port = hostile.port
    dual = f"http://dual.test:{port}/page/dual-story"
    hostile.set("/feed-dual.xml", rss([(dual, "Dual")]), "application/rss+xml")
    rebind_story = f"http://rebind.test:{port}/page/rebind-story"
    hostile.set("/feed-rebind.xml", rss([(rebind_story, "Rebind")]), "application/rss+xml")
    config = write_config(
        tmp_path / "newsradar.toml",
        [
            {
                "name": "Local",
                "url": hostile.url("/feed-dual.xml"),
                "kind": "feed",
                "allow_domains": ["dual.test"],
            },
            {"name": "Rebinding", "url": f"http://rebind.test:{port}/feed-rebind.xml"},
        ],
        timeout="2s",
        retries=0,
    )
    return config, dual, rebind_story


# A: the source's own address; AAAA: loopback, which connections try first. The
# configured source's name: its own address first, then a loopback neighbour.
# (A check that looks up on its own, twice, and a connection that looks up again,
# would be handed the loopback neighbour.)
ANSWERS = {
    "dual.test": [["::1", "127.0.0.1"]],
    "rebind.test": [["127.0.0.1"], ["127.0.0.1"], ["127.0.0.2"]],
}


@pytest.mark.parametrize("ttl", [300.0, 0.0], ids=["cached", "every-lookup-fresh"])
def test_hostile_names_never_reach_loopback_services(
    tmp_path: Path, hostile: HostileServer, ttl: float
) -> None:
    config, dual, rebind_story = _sources(tmp_path, hostile)
    with Canary("127.0.0.2", hostile.port) as far, Canary("::1", hostile.port) as six:
        report = _crawl(tmp_path, config, ANSWERS, ttl)
        wait_quiet()
    assert far.requests == [] and six.requests == [], (far.requests, six.requests)
    # The source configured on 127.0.0.1 itself still works.
    assert report["outcomes"]["Local"]["error"] is None, report
    db = sqlite3.connect(tmp_path / "radar.db")
    stored = {url for (url,) in db.execute("SELECT url FROM articles")}
    db.close()
    assert dual not in stored  # refused: one of its addresses is loopback
    if ttl:
        # One lookup per name, shared by the guard and the connection: the source's
        # own address was vetted and connected to; its story is stored from its page.
        assert report["lookups"]["rebind.test"] == 1, report
        assert report["outcomes"]["Rebinding"]["error"] is None, report
        assert rebind_story in stored
    else:
        # Looked up anew each time: the second answer is vetted too, and refused.
        assert report["lookups"]["rebind.test"] >= 2, report


# -- the same through a real name server and the system's resolver

NAME_SERVER = "127.0.0.153"


class ScriptedZone:
    """A dnslib resolver answering ANSWERS, each (name, type) in turn."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.queries: dict[tuple[str, str], int] = {}

    def resolve(self, request: Any, handler: Any) -> Any:
        from dnslib import AAAA, QTYPE, RCODE, RR, A

        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        kind = QTYPE[request.q.qtype]
        script = self.answers.get(name)
        if script is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        count = self.queries.get((name, kind), 0)
        self.queries[(name, kind)] = count + 1
        for address in script[min(count, len(script) - 1)]:
            if kind == "A" and ":" not in address:
                reply.add_answer(RR(name, QTYPE.A, rdata=A(address), ttl=0))
            elif kind == "AAAA" and ":" in address:
                reply.add_answer(RR(name, QTYPE.AAAA, rdata=AAAA(address), ttl=0))
        return reply


def _private_resolv_conf(tmp_path: Path) -> list[str]:
    """A command prefix running its command with /etc/resolv.conf naming NAME_SERVER,
    in a private mount namespace; skips the test where that is not permitted."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {NAME_SERVER}\noptions timeout:2 attempts:2\n")
    wrap = ["unshare", "-m", "sh", "-c", f'mount --bind "{resolv}" /etc/resolv.conf && exec "$@"']
    try:
        probe = subprocess.run(
            [*wrap, "sh", "grep", "-q", NAME_SERVER, "/etc/resolv.conf"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("unshare is not available")
    if probe.returncode != 0:
        pytest.skip("no private mount namespace here (unshare -m / mount --bind refused)")
    return [*wrap, "sh"]


def test_a_real_name_server_cannot_steer_connections_to_loopback(
    tmp_path: Path, hostile: HostileServer
) -> None:
    dnslib_server = pytest.importorskip("dnslib.server")
    wrap = _private_resolv_conf(tmp_path)
    zone = ScriptedZone(ANSWERS)
    try:
        server = dnslib_server.DNSServer(zone, port=53, address=NAME_SERVER)
        server.start_thread()
    except OSError as err:
        pytest.skip(f"cannot serve DNS on {NAME_SERVER}:53: {err}")
    config, dual, rebind_story = _sources(tmp_path, hostile)
    try:
        with Canary("127.0.0.2", hostile.port) as far, Canary("::1", hostile.port) as six:
            # The crawler's resolver as the service has it: the system's getaddrinfo.
            report = _crawl(tmp_path, config, None, 300.0, wrap)
            wait_quiet()
    finally:
        server.stop()
    assert zone.queries.get(("dual.test", "AAAA"), 0) >= 1, zone.queries
    assert far.requests == [] and six.requests == [], (far.requests, six.requests)
    assert zone.queries.get(("rebind.test", "A")) == 1, zone.queries  # looked up once
    assert report["outcomes"]["Local"]["error"] is None, report
    assert report["outcomes"]["Rebinding"]["error"] is None, report
    db = sqlite3.connect(tmp_path / "radar.db")
    stored = {url for (url,) in db.execute("SELECT url FROM articles")}
    db.close()
    assert dual not in stored and rebind_story in stored
