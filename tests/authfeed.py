"""A local feed and its one article behind HTTP basic auth, for the tests of source
credentials (sent as basic auth, kept nowhere; sealed across Redis)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORY = (
    "Taliban envoys arrived in Doha on Tuesday for a new round of talks, officials said. "
    "The delegation met mediators for three hours and agreed to meet again next week."
)


class AuthFeed:
    """What the server checks and what it saw: every request as (path, Authorization).

    ``gate``: while it is clear, the feed is not answered (the poll stays in flight)."""

    def __init__(self, user: str, password: str) -> None:
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.seen: list[tuple[str, str | None]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.address = ""  # host:port, once serving


class _Handler(BaseHTTPRequestHandler):
    feed: AuthFeed

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        self.feed.seen.append((self.path, auth))
        if self.path == "/robots.txt" or auth != self.feed.expected:
            self.send_response(404 if self.path == "/robots.txt" else 401)
            if self.path != "/robots.txt":
                self.send_header("WWW-Authenticate", 'Basic realm="feed"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        host = f"http://{self.feed.address}"
        if self.path == "/feed.xml":
            self.feed.gate.wait(60)
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Private</title>'
                f"<link>{host}/</link><description>d</description><item>"
                f"<title>Taliban envoys return to Doha</title><link>{host}/news/doha</link>"
                f"<guid>{host}/news/doha</guid><description>{STORY}</description>"
                "</item></channel></rss>"
            )
            kind = "application/rss+xml"
        else:
            body = "<html><head><title>Doha</title></head><body><article>"
            body += f"<h1>Taliban envoys return to Doha</h1><p>{STORY}</p><p>{STORY}</p>"
            body += "</article></body></html>"
            kind = "text/html"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serving(user: str, password: str, *, gated: bool = False) -> Iterator[AuthFeed]:
    """An AuthFeed served on 127.0.0.1 for the block; ``gated``: its gate starts clear."""
    feed = AuthFeed(user, password)
    if gated:
        feed.gate.clear()
    handler = type("AuthFeedHandler", (_Handler,), {"feed": feed})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    feed.address = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield feed
    finally:
        feed.gate.set()
        server.shutdown()
        server.server_close()
