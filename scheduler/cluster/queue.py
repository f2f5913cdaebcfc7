"""What travels through Redis between the service and its fetch workers.

Two Redis streams, each read through a consumer group, so Redis does the queueing,
the leases and the redelivery:

- ``newsradar:jobs``: one entry per poll (a PollRequest, what the source's stored
  articles are, a deadline), read by the group ``workers``. An entry a worker
  has read stays in the group's pending-entries list until that worker
  acknowledges it; a worker that dies leaves it there, and another one claims
  it once it has been idle for the lease (XAUTOCLAIM).
- ``newsradar:results``: one entry per finished poll (a PollResult), read by the
  group ``service``. A result is JSON checked against a schema before the service
  believes any of it: a worker is a fetcher, never trusted with more than a
  fetched page.

Both ends find each other only by these names; everything is JSON of the
crawl engine's own dataclasses (crawler.poll), except a source's user and
password: those travel sealed (Fernet, with the ``[cluster] secret`` both ends
share), so nothing that can read Redis (a dump, a replica, a backup of its
append-only file) learns them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crawler.items import ArticleItem, DiscoveryItem, ValidatorsItem
from crawler.poll import PollRequest, PollResult, Recheck
from scheduler.cluster.replies import Fields

JOBS = "newsradar:jobs"
RESULTS = "newsradar:results"
WORKERS_GROUP = "workers"
SERVICE_GROUP = "service"
WORKERS = "newsradar:workers"  # hash: worker id -> its last heartbeat (JSON)
SITE_LOCK = "newsradar:site:"  # + download slot: which worker polls that site now
SERVICE_BEAT = "newsradar:service"  # the service's own heartbeat (JSON)

# A field of a job entry put back in the queue (its site was busy): how many of the old
# entry's deliveries ended without a result, which Redis's count of the new one lacks.
EARLIER_RUNS = "runs"

# A result larger than this is refused whole (a poll of 500 articles of 65 KB is ~33 MB).
MAX_RESULT_BYTES = 64 * 1024 * 1024
MAX_TEXT = 4 * 1024 * 1024
MAX_URL = 8192


class ClusterError(Exception):
    """Redis cannot be used (bad URL, refused password, unreachable)."""


class BadMessage(Exception):
    """A job or result in Redis that does not hold what it must; it is dropped."""


def mask_url(url: str) -> str:
    """``url`` with its password (and user name) replaced by ``***``: what logs,
    status and errors may show of a Redis URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable Redis URL>"
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        # A user name is no secret; with no colon, redis-py reads the whole part as one.
        user = credentials.split(":", 1)[0] if ":" in credentials else ""
        netloc = f"{user}:***@{host}" if user or ":" in credentials else f"***@{host}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class SealError(Exception):
    """A job's sealed credentials cannot be used here (no secret, another secret, or
    sealed for another source)."""


class Sealer:
    """Seals a source's credentials into a job, and opens them on the worker.

    A token holds the source URL with the user and password, so one lifted from a
    job and put into another (for a host of someone's choosing) is refused.
    """

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(secret.encode())  # ValueError if it is not a Fernet key

    def __repr__(self) -> str:
        return "Sealer(***)"

    def seal(self, source_url: str, credentials: tuple[str, str]) -> str:
        """The token carrying ``credentials`` for ``source_url``."""
        plain = json.dumps([source_url, *credentials], separators=(",", ":"))
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, source_url: str, token: str) -> tuple[str, str]:
        """The (user, password) in ``token``; SealError if it is not for ``source_url``
        or was not sealed with this secret."""
        try:
            sealed_for, user, password = json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise SealError(
                "the job's credentials do not open with this worker's [cluster] secret "
                "(is it the service's?)"
            ) from None
        except (ValueError, TypeError):
            raise SealError(
                "the job's sealed credentials are not (source, user, password)"
            ) from None
        if sealed_for != source_url or not isinstance(user, str) or not isinstance(password, str):
            raise SealError("the job's credentials were sealed for another source")
        return user, password


def new_job_id() -> str:
    """A job's identity: the same poll redelivered keeps it; a new poll gets a new one."""
    return uuid.uuid4().hex


# --- jobs ----------------------------------------------------------------------------

# (article URL, when its feed last said it changed, the other URLs it was reached by)
Known = tuple[str, str | None, list[str]]


@dataclass
class Job:
    """One poll handed to the workers."""

    id: str
    request: PollRequest
    deadline: float  # epoch seconds: after this the service has given up on it
    slot: str  # the download slot (site) the poll fetches from: its politeness lock
    known: list[Known] = field(default_factory=list)  # the source's stored articles
    # The source's credentials as they travel (Sealer.seal); a decoded job's request
    # has none until the worker opens these.
    sealed: str | None = field(default=None, repr=False)

    def expired(self, now: float | None = None) -> bool:
        """Whether the service stopped waiting for this job."""
        return (time.time() if now is None else now) > self.deadline


def encode_job(job: Job, sealer: Sealer | None = None) -> Fields:
    """The stream entry of ``job``, its request's credentials sealed by ``sealer``;
    SealError if it has credentials and there is no sealer (they never go in clear)."""
    request = asdict(job.request)
    request["validators"] = {url: list(pair) for url, pair in job.request.validators.items()}
    sealed = job.sealed
    if job.request.credentials is not None:
        if sealer is None:
            raise SealError(
                "the source's URL has a user and password and [cluster] secret is not set: "
                "they are not sent to the workers in clear"
            )
        sealed = sealer.seal(job.request.source_url, job.request.credentials)
    request["credentials"] = None
    body = {
        "id": job.id,
        "deadline": job.deadline,
        "slot": job.slot,
        "request": request,
        "known": [list(entry) for entry in job.known],
        "sealed": sealed,
    }
    return {"job": json.dumps(body, separators=(",", ":"))}


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


Url = Annotated[str, Field(min_length=1, max_length=MAX_URL, pattern=r"^https?://")]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Short = Annotated[str, Field(max_length=2048)]


class _RecheckSchema(_Schema):
    url: Url
    title: Text | None = None
    published: Short | None = None
    etag: Short | None = None
    last_modified: Short | None = None


class _RequestSchema(_Schema):
    source_url: Url
    kind: Annotated[str, Field(pattern=r"^(feed|sitemap|page|auto)$")]
    source_name: Short | None = None
    allow_domains: list[Short] = []
    window: float = Field(gt=0)
    max_articles: int = Field(ge=1, le=50_000)
    store_html: bool = False
    resolved: tuple[str, Url] | None = None
    validators: dict[Url, tuple[Short | None, Short | None]] = {}
    rechecks: list[_RecheckSchema] = []
    # Never in clear: a source's user and password travel sealed, in the job's "sealed".
    credentials: None = None


class _JobSchema(_Schema):
    id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    deadline: float
    slot: Short
    request: _RequestSchema
    known: list[tuple[Url, Short | None, list[Url]]] = []
    sealed: Annotated[str, Field(max_length=16_384)] | None = None


def decode_job(fields: Mapping[str, bytes | str]) -> Job:
    """The job in a stream entry, its credentials still sealed; BadMessage if it is
    not one."""
    parsed = _JobSchema.model_validate(_load(fields, "job"), strict=False)
    request = parsed.request
    return Job(
        id=parsed.id,
        deadline=parsed.deadline,
        slot=parsed.slot,
        known=[(url, updated, list(aliases)) for url, updated, aliases in parsed.known],
        sealed=parsed.sealed,
        request=PollRequest(
            source_url=request.source_url,
            kind=request.kind,
            source_name=request.source_name,
            allow_domains=tuple(request.allow_domains),
            window=request.window,
            max_articles=request.max_articles,
            store_html=request.store_html,
            resolved=(request.resolved[0], request.resolved[1]) if request.resolved else None,
            validators={url: (pair[0], pair[1]) for url, pair in request.validators.items()},
            rechecks=tuple(Recheck(**recheck.model_dump()) for recheck in request.rechecks),
        ),
    )


def earlier_runs(fields: Mapping[str, bytes | str]) -> int:
    """The runs a requeued job entry carries over (EARLIER_RUNS); 0 for a first entry."""
    raw = fields.get(EARLIER_RUNS)
    try:
        return min(max(int(raw), 0), 1_000) if raw is not None else 0
    except ValueError:
        return 0


# --- results -------------------------------------------------------------------------


# ArticleItem fields that never travel: the story signature is the writer's to compute
# (one from a worker would let it choose the story an article joins, and so whether
# it alerts).
LOCAL_ARTICLE_FIELDS = ("signature",)


class _ArticleSchema(_Schema):
    url: Url
    source_url: Url
    title: Text | None
    text: Text | None
    extracted_from: Annotated[str, Field(pattern=r"^(page|feed)$")]
    author: Short | None = None
    published: Short | None = None
    language: Annotated[str, Field(max_length=32)] | None = None
    aliases: list[Url] = Field(default=[], max_length=64)
    entry_updated: Short | None = None
    recheck: bool = False
    html: Text | None = None
    charset_note: Short | None = None
    page_etag: Short | None = None
    page_last_modified: Short | None = None


class _ValidatorsSchema(_Schema):
    url: Url
    etag: Short | None
    last_modified: Short | None


class _DiscoverySchema(_Schema):
    source_url: Url
    kind: Annotated[str, Field(pattern=r"^(feed|sitemap|page)$")]
    url: Url
    candidates: list[tuple[Short, Url]] = Field(default=[], max_length=256)
    note: Text | None = None


class _ResultSchema(_Schema):
    source_url: Url
    articles: list[_ArticleSchema] = Field(default=[], max_length=50_000)
    validators: dict[Url, _ValidatorsSchema] = {}
    discovery: _DiscoverySchema | None = None
    rediscover: bool = False
    rechecked: list[Url] = Field(default=[], max_length=50_000)
    answered: bool = False
    error: Text | None = None
    not_modified: bool = False
    entries: int = Field(default=0, ge=0)
    note: Text | None = None
    reason: Short = "finished"
    stats: dict[Short, int | float | str | bool | None] = {}


class _EnvelopeSchema(_Schema):
    job: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    worker: Short
    result: _ResultSchema


@dataclass(frozen=True)
class Delivery:
    """A result as the service received it: which job, from which worker."""

    job_id: str
    worker: str
    result: PollResult


def _plain_stats(stats: dict[str, Any]) -> dict[str, Any]:
    # Scrapy's stats hold datetimes and the like; only plain figures travel.
    return {
        str(k): v for k, v in stats.items() if isinstance(v, (int, float, str, bool)) or v is None
    }


def encode_result(job_id: str, worker: str, result: PollResult) -> Fields:
    """The stream entry of ``result``, the answer to job ``job_id``."""
    body = asdict(result)
    body["stats"] = _plain_stats(result.stats)
    for article in body["articles"]:
        for name in LOCAL_ARTICLE_FIELDS:
            del article[name]
    envelope = {"job": job_id, "worker": worker, "result": body}
    return {"result": json.dumps(envelope, separators=(",", ":"))}


def decode_result(fields: Mapping[str, bytes | str]) -> Delivery:
    """The result in a stream entry, checked against its schema; BadMessage if it
    is not a well-formed result."""
    envelope = _EnvelopeSchema.model_validate(_load(fields, "result"), strict=False)
    body = envelope.result
    result = PollResult(
        source_url=body.source_url,
        articles=[ArticleItem(**article.model_dump()) for article in body.articles],
        validators={url: ValidatorsItem(**v.model_dump()) for url, v in body.validators.items()},
        discovery=(
            DiscoveryItem(
                **{
                    **body.discovery.model_dump(),
                    "candidates": [tuple(c) for c in body.discovery.candidates],
                }
            )
            if body.discovery
            else None
        ),
        rediscover=body.rediscover,
        rechecked=list(body.rechecked),
        answered=body.answered,
        error=body.error,
        not_modified=body.not_modified,
        entries=body.entries,
        reason=body.reason,
        stats=dict(body.stats),
    )
    return Delivery(envelope.job, envelope.worker, result)


def _load(fields: Mapping[str, bytes | str], name: str) -> Any:
    raw = fields.get(name)
    if raw is None:
        raise BadMessage(f"the entry has no {name!r} field")
    if len(raw) > MAX_RESULT_BYTES:
        raise BadMessage(f"the {name} is {len(raw)} bytes, more than {MAX_RESULT_BYTES}")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadMessage(f"the {name} is not JSON: {err}") from None


Decoded = TypeVar("Decoded")


def check(
    decode: Callable[[Mapping[str, bytes | str]], Decoded], fields: Mapping[str, bytes | str]
) -> Decoded:
    """``decode(fields)``, with a schema violation reported as BadMessage (its first
    error only: a hostile entry must not fill the log)."""
    try:
        return decode(fields)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadMessage(f"{where}: {first['msg']}") from None
