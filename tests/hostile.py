"""Hostile and broken web servers on 127.0.0.x for the crawler's tests, and a helper
that runs one newsradar cycle (`newsradar run --once`) over a list of sources.

``HostileServer`` answers every path in ``ROUTES`` with one kind of trouble: error
statuses, a stall past the client's timeout, connection resets, malformed,
truncated and entity-bomb XML, external entities, gzip bombs, oversized bodies,
redirect loops, pages in the wrong charset, PDFs, images and empty bodies.
``CanaryServer`` must never be asked anything: it records every request it gets.

Every sleep and every body is bounded, and servers stop with their context.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

from scheduler.demo.localhttp import QuietHTTPServer, ServedHTTP

REPO = Path(__file__).resolve().parents[1]

#: An article page in good HTML, used by the feeds the hostile server serves.
ARTICLE = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{title}</title></head><body><nav><a href="/">Home</a></nav>
<article><h1>{title}</h1>{paragraphs}</article><footer>Footer text</footer></body></html>"""

ARABIC = (
    "قالت حركة طالبان في بيان إن المحادثات في الدوحة كانت بناءة، وإن بيانا مشتركا قد "
    "يصدر في وقت لاحق هذا الأسبوع بعد اجتماع الوفود. "
)
FRENCH = (
    "Le ministre a déclaré à Genève que les négociations étaient très difficiles, mais "
    "qu'un accord restait possible avant l'été, écrit l'agence française. "
)


def article_html(title: str, sentence: str, lang: str = "en", repeat: int = 6) -> str:
    """A small article page whose body is ``sentence`` repeated in paragraphs."""
    paragraphs = "".join(f"<p>{sentence * 2}</p>" for _ in range(repeat))
    return ARTICLE.format(title=title, paragraphs=paragraphs, lang=lang)


def rss(items: list[tuple[str, str]], *, title: str = "Hostile feed") -> bytes:
    """An RSS 2.0 feed of (link, title) items, each with a summary."""
    entries = "".join(
        f"<item><title>{name}</title><link>{link}</link>"
        f"<description>Summary of {name}.</description></item>"
        for link, name in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>/</link>{entries}</channel></rss>"
    ).encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://127.0.0.1/x</link></item></channel></rss>
"""


def external_entity(target: str) -> bytes:
    """A feed whose title is an external entity pointing at ``target``."""
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY stolen SYSTEM "{target}">]>
<rss version="2.0"><channel><title>&stolen;</title>
<item><title>&stolen;</title><link>/news/x</link></item></channel></rss>
""".encode()


class _Server(QuietHTTPServer):
    owner: Any


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record(self.command, self.path)
        owner.handle(self)

    def send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer with ``body`` (Content-Length set) and extra ``headers``."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def reset(self) -> None:
        """Close the connection with a TCP RST (SO_LINGER 0)."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        self.close_connection = True


class _BaseServer(ServedHTTP):
    """A threaded HTTP server on ``host`` that logs (method, path) of each request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def handle(self, request: _Handler) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def start(self) -> Self:
        """Serve on an ephemeral port of ``host`` from a daemon thread."""
        server = _Server((self.host, 0), _Handler)
        server.owner = self
        self._serve(server, "hostile")
        return self

    def stop(self) -> None:
        """Release handlers that are stalling on purpose, then stop serving."""
        self._stopping.set()
        self._unserve()


class CanaryServer(_BaseServer):
    """A server that must receive no request at all (SSRF targets)."""

    def handle(self, request: _Handler) -> None:
        request.send(200, b"secret: the crawler should never have read this", "text/plain")


class HostileServer(_BaseServer):
    """Serves one kind of trouble per path; see ``routes`` for the list.

    ``max_size`` is the crawler's configured limit: the oversized bodies exceed it.
    ``stall`` is how long /slow waits before answering (bounded, interrupted on stop).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        max_size: int = 1024 * 1024,
        stall: float = 4.0,
        canary: str = "http://127.0.0.2:9/",
    ) -> None:
        super().__init__(host)
        self.max_size = max_size
        self.stall = min(stall, 10.0)
        self.canary = canary
        self.extra: dict[str, tuple[int, bytes, str, dict[str, str]]] = {}

    def set(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` (overrides the built-in routes)."""
        data = body.encode() if isinstance(body, str) else body
        self.extra[path] = (status, data, content_type, headers or {})

    def handle(self, request: _Handler) -> None:
        path = request.path.split("?", 1)[0]
        if path in self.extra:
            status, body, content_type, headers = self.extra[path]
            request.send(status, body, content_type, headers)
            return
        if path == "/robots.txt":
            request.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif path.startswith("/status/"):
            request.send(int(path.rsplit("/", 1)[1]), b"<h1>error</h1>")
        elif path == "/slow":
            self._stopping.wait(self.stall)
            request.send(200, rss([]), "application/rss+xml")
        elif path == "/reset":
            request.reset()
        elif path == "/reset-midway":
            request.send_response(200)
            request.send_header("Content-Type", "application/rss+xml")
            request.send_header("Content-Length", "50000")
            request.end_headers()
            request.wfile.write(rss([])[:60])
            request.wfile.flush()
            request.reset()
        elif path == "/malformed.xml":
            request.send(200, b"<rss version='2.0'><channel><title>x</titl><<<</rss>", "text/xml")
        elif path == "/truncated.xml":
            items = [(self.url(f"/page/story-number-{n}"), f"Story {n}") for n in range(1, 3)]
            body = rss(items)
            # Cut inside the second item: the first is whole, the rest is lost.
            cut = body.index(b"<item>", body.index(b"</item>")) + 20
            request.send(200, body[:cut], "application/rss+xml")
        elif path.startswith("/page/"):
            request.send(200, article_html("A good story", "The story has plain words. ").encode())
        elif path == "/bomb.xml":
            request.send(200, BILLION_LAUGHS, "application/rss+xml")
        elif path == "/xxe.xml":
            request.send(200, external_entity(self.canary), "application/rss+xml")
        elif path == "/gzip-bomb.xml":
            # 64x the size limit of zeros, compressed to a few hundred KB.
            body = gzip.compress(b"\0" * (self.max_size * 64), compresslevel=9)
            request.send(200, body, "application/rss+xml", {"Content-Encoding": "gzip"})
        elif path == "/huge.xml":
            request.send(200, b"<rss>" + b" " * (self.max_size * 2) + b"</rss>", "text/xml")
        elif path == "/huge-unannounced.xml":
            # No Content-Length: the limit must hold while the body streams in.
            request.send_response(200)
            request.send_header("Content-Type", "text/xml")
            request.send_header("Connection", "close")
            request.end_headers()
            chunk = b" " * 65536
            with contextlib.suppress(OSError):
                for _ in range(self.max_size * 2 // len(chunk)):
                    request.wfile.write(chunk)
            request.close_connection = True
        elif path in ("/loop-a", "/loop-b"):
            target = "/loop-b" if path == "/loop-a" else "/loop-a"
            request.send(302, b"", headers={"Location": target})
        elif path == "/redirect-to-canary":
            request.send(302, b"", headers={"Location": self.canary})
        elif path == "/pdf":
            request.send(
                200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf"
            )
        elif path == "/image.png":
            request.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
        elif path == "/empty":
            request.send(200, b"", "text/html")
        elif path == "/cp1256.html":
            page = article_html("خبر الدوحة", ARABIC, lang="ar").encode("cp1256")
            request.send(200, page, "text/html; charset=utf-8")
        elif path == "/latin1.html":
            page = article_html("Genève", FRENCH, lang="fr").encode("latin-1")
            request.send(200, page, "text/html; charset=utf-8")
        else:
            request.send(404, b"<h1>not found</h1>")


def write_config(path: Path, sources: list[dict[str, Any]], **crawl: Any) -> Path:
    """A config file with ``sources`` (dicts of [[source]] keys) and [crawl] ``crawl``."""

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return str(item)
        if isinstance(item, list | tuple):
            return "[" + ", ".join(value(v) for v in item) + "]"
        return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ['database = "radar.db"', "[crawl]", 'interval = "1h"']
    lines += [f"{key} = {value(v)}" for key, v in crawl.items()]
    for source in sources:
        lines.append("[[source]]")
        lines += [f"{key} = {value(v)}" for key, v in source.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_once(config: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """`newsradar run --once -c config`, as a user runs it (in a subprocess)."""
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "run", "--once", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=config.parent,
    )


def wait_quiet(seconds: float = 0.2) -> None:
    """Let server threads finish logging the last requests."""
    time.sleep(seconds)
