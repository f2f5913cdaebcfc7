"""Real alert receivers on 127.0.0.1 for newsradar's tests: an SMTP server and a webhook.

Both run in a background thread of the test process, bind an ephemeral port on the
loopback interface, and record what they receive so a test can assert on the actual
bytes Apprise delivered. Nothing here is a mock: Apprise talks SMTP (with AUTH) and
HTTP to them exactly as it would to a production mail relay or webhook endpoint.

    with SmtpServer() as smtp, WebhookReceiver() as hook:
        apobj = apprise.Apprise()
        apobj.add(smtp.apprise_url(to="analyst@example.org"))
        apobj.add(hook.apprise_url())
        apobj.notify(title="Taliban mentioned", body="...")
        [mail] = smtp.wait_for(1)
        [post] = hook.wait_for(1)
"""

from __future__ import annotations

import email
import email.policy
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal, Self
from urllib.parse import quote, urlencode

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from scheduler.demo.localhttp import QuietHTTPServer, Running, ServedHTTP

__all__ = ["ReceivedMail", "SmtpServer", "WebhookReceiver"]

#: Default bound for every ``wait_for``: long enough for a loaded CI machine, short
#: enough that a missing delivery fails the test instead of hanging it.
DEFAULT_TIMEOUT = 10.0

#: aiosmtpd 1.4 logs "Session.login_data is deprecated" at WARNING on every successful
#: AUTH (its own code sets the legacy attribute); with no logging configured Python
#: prints that to stderr. Drop just that record; everything else from "mail.log" stays.
logging.getLogger("mail.log").addFilter(
    lambda record: "Session.login_data is deprecated" not in record.getMessage()
)

#: Name the SMTP server greets with. Set explicitly because aiosmtpd otherwise calls
#: ``socket.getfqdn()`` for every connection, which can stall on machines with slow DNS.
SMTP_HOSTNAME = "smtp.newsradar.test"


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMail:
    """One message accepted by :class:`SmtpServer`, with its SMTP envelope."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    login: str | None  # the AUTH login the client used for this session
    message: EmailMessage
    raw: bytes


class _MailHandler:
    """aiosmtpd handler: applies a forced failure if one is set, else stores the mail."""

    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        failure = self._server._take_failure("RCPT")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._server._take_failure("DATA")
        if failure:
            return failure
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only when decode_data=True, which we do not set
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else None
        self._server._store(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                login=login,
                message=message,
                raw=raw,
            )
        )
        return "250 Message accepted for delivery"


class _AuthSMTP(SMTP):
    """An aiosmtpd ``SMTP`` that requires AUTH over a plain (non-TLS) connection.

    aiosmtpd emits a ``UserWarning`` (and a log warning) from ``SMTP.__init__`` when
    ``auth_required=True`` is combined with ``auth_require_tls=False`` - once per client
    connection, from the server thread. Under ``-W error`` that warning would crash the
    session factory, and otherwise it clutters every test run. On loopback plain AUTH
    is exactly what we want, so we build the instance with ``auth_required=False`` and
    then turn the requirement on; test_servers.py proves MAIL is refused without AUTH.
    """

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        kwargs["auth_required"] = False
        super().__init__(handler, **kwargs)
        self._auth_required = True


class _EphemeralController(Controller):
    """aiosmtpd ``Controller`` that can bind port 0.

    The stock controller opens a probe connection to ``self.port`` after binding; with
    port 0 that would go nowhere, so we first read back the port the OS picked.
    """

    def factory(self) -> SMTP:
        return _AuthSMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer(Running):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that requires AUTH LOGIN or PLAIN.

    Credentials are checked against ``user``/``password``; a session that has not
    authenticated gets ``530 5.7.0 Authentication required`` on MAIL FROM. No TLS: the
    server only listens on loopback, and Apprise's ``mailto://`` (insecure mode) logs in
    over the plain connection.

    Accepted messages are parsed with ``email.policy.default`` into ``EmailMessage``
    objects and kept in :attr:`messages` (and, with their envelope, :attr:`deliveries`).
    """

    def __init__(
        self, user: str = "radar", password: str = "s3cret-pa55", host: str = "127.0.0.1"
    ) -> None:
        self.user = user
        self.password = password
        self.host = host
        self.port = 0
        self._lock = threading.Condition()
        self._deliveries: list[ReceivedMail] = []
        self._auth_attempts: list[tuple[str, str, bool]] = []
        self._failure: tuple[str, int, str, int | None] | None = None
        self._controller: _EphemeralController | None = None

    # -- lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port and start serving; returns ``self``."""
        if self._controller is not None:
            raise RuntimeError("SmtpServer already started")
        controller = _EphemeralController(
            _MailHandler(self),
            hostname=self.host,
            port=0,
            server_hostname=SMTP_HOSTNAME,
            authenticator=self._authenticate,
            auth_require_tls=False,
            ready_timeout=5.0,
        )
        controller.start()
        self._controller = controller
        self.port = controller.port
        return self

    def stop(self) -> None:
        """Stop the server thread and close the listening socket (idempotent)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    # -- what was received

    @property
    def messages(self) -> list[EmailMessage]:
        """Snapshot of every accepted message, oldest first."""
        with self._lock:
            return [d.message for d in self._deliveries]

    @property
    def deliveries(self) -> list[ReceivedMail]:
        """Snapshot of every accepted message together with its envelope and AUTH login."""
        with self._lock:
            return list(self._deliveries)

    @property
    def auth_attempts(self) -> list[tuple[str, str, bool]]:
        """Every AUTH attempt as ``(mechanism, login, succeeded)``, oldest first."""
        with self._lock:
            return list(self._auth_attempts)

    def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[EmailMessage]:
        """Block until at least ``count`` messages were accepted; return all of them.

        Raises ``TimeoutError`` (listing what did arrive) after ``timeout`` seconds.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._deliveries) >= count, timeout):
                subjects = [d.message["Subject"] for d in self._deliveries]
                raise TimeoutError(
                    f"SMTP server got {len(subjects)} message(s) within {timeout}s, "
                    f"expected {count}; subjects so far: {subjects}"
                )
            return [d.message for d in self._deliveries]

    def clear(self) -> None:
        """Forget received messages and AUTH attempts (for a server shared across tests)."""
        with self._lock:
            self._deliveries.clear()
            self._auth_attempts.clear()

    # -- fault injection

    def fail_with(
        self,
        code: int | None,
        message: str = "Try again later",
        *,
        stage: Literal["DATA", "RCPT"] = "DATA",
        times: int | None = None,
    ) -> None:
        """Answer ``stage`` (DATA or RCPT TO) with ``code message`` to simulate an outage.

        ``451`` is a temporary failure, ``550`` a permanent one. The failure lasts until
        ``fail_with(None)``, or for the next ``times`` commands at that stage if given.
        Rejected messages are not stored.
        """
        with self._lock:
            if code is None:
                self._failure = None
                return
            if not 400 <= code <= 599:
                raise ValueError(f"SMTP failure code must be 4xx or 5xx, got {code}")
            if stage not in ("DATA", "RCPT"):
                raise ValueError(f"stage must be 'DATA' or 'RCPT', got {stage!r}")
            self._failure = (stage, code, message, times)

    def apprise_url(
        self, to: str = "analyst@example.org", sender: str = "newsradar@example.org"
    ) -> str:
        """An Apprise ``mailto://`` URL that logs in to this server and mails ``to``.

        ``mailto://`` (not ``mailtos://``) is Apprise's insecure mode: no STARTTLS, no
        SSL. ``smtp=`` names the server explicitly, which also stops Apprise from
        guessing provider settings from the host; ``from=`` is needed because the
        default sender ``user@127.0.0.1`` is not a valid address to Apprise.
        """
        if not self.port:
            raise RuntimeError("start the SmtpServer before asking for its URL")
        query = urlencode({"smtp": self.host, "from": sender, "to": to, "mode": "insecure"})
        user = quote(self.user, safe="")
        password = quote(self.password, safe="")
        return f"mailto://{user}:{password}@{self.host}:{self.port}?{query}"

    # -- called from the server thread

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        # compare_digest: constant time is irrelevant here, but it is the idiomatic check
        ok = hmac.compare_digest(auth_data.login, self.user.encode()) and hmac.compare_digest(
            auth_data.password, self.password.encode()
        )
        with self._lock:
            self._auth_attempts.append((mechanism, login, ok))
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False lets aiosmtpd answer the standard "535 5.7.8 ... invalid"
        return AuthResult(success=False, handled=False)

    def _take_failure(self, stage: str) -> str | None:
        with self._lock:
            if self._failure is None or self._failure[0] != stage:
                return None
            _, code, message, times = self._failure
            if times is not None:
                times -= 1
                self._failure = None if times <= 0 else (stage, code, message, times)
            return f"{code} {message}"

    def _store(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._deliveries.append(mail)
            self._lock.notify_all()


# ------------------------------------------------------------------------ webhook


class _WebhookHandler(BaseHTTPRequestHandler):
    server: _WebhookHTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections are closed after this many seconds

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the default writes every request to stderr

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # skip optional trailers up to the blank line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._read_body()
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        receiver = self.server.receiver
        status = receiver._take_failure() or 200
        receiver._store(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": body,
                "json": parsed,
                "status": status,
            }
        )
        if receiver._delay:
            time.sleep(receiver._delay)  # a slow endpoint: it got the message, answers late
        if status < 300:
            payload = b'{"status": "ok"}'
        else:
            payload = json.dumps({"status": "error", "code": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if status == 503:
            self.send_header("Retry-After", "1")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = do_HEAD = _handle


class _WebhookHTTPServer(QuietHTTPServer):
    receiver: WebhookReceiver


class WebhookReceiver(ServedHTTP):
    """A real HTTP endpoint on 127.0.0.1 that records every request it gets.

    Each entry of :attr:`requests` is a dict with ``method``, ``path`` (including any
    query string), ``headers`` (as sent), ``body`` (bytes), ``json`` (parsed body or
    ``None``) and ``status`` (what the receiver answered). Requests answered with a
    forced failure (:meth:`fail_with`) are recorded too, with their error status.
    """

    def __init__(self, host: str = "127.0.0.1", path: str = "/hook") -> None:
        self.host = host
        self.path = path if path.startswith("/") else "/" + path
        self._lock = threading.Condition()
        self._requests: list[dict[str, Any]] = []
        self._failure: tuple[int, int | None] | None = None
        self._delay = 0.0

    # -- lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port and serve in a background thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("WebhookReceiver already started")
        server = _WebhookHTTPServer((self.host, 0), _WebhookHandler)
        server.receiver = self
        self._serve(server, "webhook")
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the listening socket (idempotent)."""
        self._unserve()

    # -- addresses

    @property
    def url(self) -> str:
        """The plain HTTP URL of the hook, e.g. ``http://127.0.0.1:43123/hook``."""
        if not self.port:
            raise RuntimeError("start the WebhookReceiver before asking for its URL")
        return f"http://{self.host}:{self.port}{self.path}"

    def apprise_url(self, path: str | None = None) -> str:
        """The Apprise ``json://`` URL that POSTs to this receiver (``path`` overrides)."""
        if not self.port:
            raise RuntimeError("start the WebhookReceiver before asking for its URL")
        return f"json://{self.host}:{self.port}{path or self.path}"

    # -- what was received

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Snapshot of every request received, oldest first."""
        with self._lock:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
        """Block until at least ``count`` requests arrived; return all of them.

        Raises ``TimeoutError`` (listing what did arrive) after ``timeout`` seconds.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._requests) >= count, timeout):
                seen = [(r["method"], r["path"], r["status"]) for r in self._requests]
                raise TimeoutError(
                    f"webhook got {len(seen)} request(s) within {timeout}s, "
                    f"expected {count}: {seen}"
                )
            return list(self._requests)

    def clear(self) -> None:
        """Forget received requests (for a receiver shared across tests)."""
        with self._lock:
            self._requests.clear()

    # -- fault injection

    def fail_with(self, status: int | None, *, times: int | None = None) -> None:
        """Answer every request with HTTP ``status`` (e.g. 503) until ``fail_with(None)``.

        With ``times``, only the next ``times`` requests fail (for retry tests).
        """
        with self._lock:
            if status is None:
                self._failure = None
                return
            if not 300 <= status <= 599:
                raise ValueError(f"failure status must be 3xx-5xx, got {status}")
            self._failure = (status, times)

    def respond_after(self, seconds: float) -> None:
        """Answer each request only ``seconds`` after receiving it (0: at once)."""
        self._delay = seconds

    # -- called from handler threads

    def _take_failure(self) -> int | None:
        with self._lock:
            if self._failure is None:
                return None
            status, times = self._failure
            if times is not None:
                times -= 1
                self._failure = None if times <= 0 else (status, times)
            return status

    def _store(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(record)
            self._lock.notify_all()
