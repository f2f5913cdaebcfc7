"""A quiet, quick HTTP server for the local sites the demo (and the tests) serve on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Self


class QuietHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that starts fast, stays silent and can drop live connections."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self.open_connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), slow on some hosts.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-response is normal: no traceback on stderr

    def drop_connections(self) -> None:
        """Shut down idle keep-alive connections so handler threads exit at once."""
        with self._conn_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Running:
    """``with server:`` starts and stops it: subclasses define ``start()`` and ``stop()``."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ServedHTTP(Running):
    """Something that serves HTTP on a loopback address from a daemon thread."""

    port: int = 0
    _server: QuietHTTPServer | None = None
    _thread: threading.Thread | None = None

    def _serve(self, server: QuietHTTPServer, name: str) -> None:
        """Serve ``server`` in the background; ``self.port`` is its port."""
        self._server = server
        self.port = server.server_address[1]
        # poll_interval: shutdown() waits up to one poll interval, keep it short
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{name}-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def _unserve(self) -> None:
        """Stop serving, drop open connections, close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.drop_connections()
        server.server_close()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
