"""Redis replies as typed values.

redis-py types every reply as a union (bytes or str, list or dict, and an
awaitable for the asyncio client), because what comes back depends on the
connection's settings and the protocol version. The cluster reads a handful of
replies; each is turned here, once, into a small dataclass, and a reply of any
other shape is ``MalformedReply`` naming the command, never a wrong value read
further on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from redis.typing import EncodableT, FieldT

# What XADD takes: redis-py declares it as an (invariant) dict of these.
Fields = dict[FieldT, EncodableT]


class MalformedReply(Exception):
    """Redis (or something posing as it) answered a command with a reply of the wrong shape."""


def _malformed(command: str, why: str) -> MalformedReply:
    return MalformedReply(f"unexpected reply to {command}: {why}")


@dataclass(frozen=True)
class Entry:
    """One stream entry: its id and its fields (names decoded, values as sent)."""

    id: str
    fields: dict[str, bytes]

    def copy(self) -> Fields:
        """The fields again, as XADD takes them (to put the entry back in a stream)."""
        return {name: value for name, value in self.fields.items()}


@dataclass(frozen=True)
class Claimed:
    """What XAUTOCLAIM took over: the entries, and the ids it found deleted."""

    next_id: str
    entries: list[Entry] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pending:
    """One entry of a group's pending-entries list (the extended form of XPENDING)."""

    id: str
    consumer: str
    idle_ms: int
    times_delivered: int


def text(value: object, command: str, what: str) -> str:
    """``value`` as text: Redis sends bytes, or str on a decoding connection."""
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise _malformed(command, f"{what} is not UTF-8") from None
    if isinstance(value, str):
        return value
    raise _malformed(command, f"{what} is a {type(value).__name__}, not a string")


def _number(value: object, command: str, what: str) -> int:
    if isinstance(value, bool):
        raise _malformed(command, f"{what} is a boolean, not a number")
    if isinstance(value, int):
        return value
    try:
        return int(text(value, command, what))
    except ValueError:
        raise _malformed(command, f"{what} is not a number") from None


def _bytes(value: object, command: str, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise _malformed(command, f"{what} is a {type(value).__name__}, not a string")


def _list(value: object, command: str, what: str) -> list[object]:
    if isinstance(value, list | tuple):
        return list(value)
    raise _malformed(command, f"{what} is a {type(value).__name__}, not a list")


def entry(value: object, command: str) -> Entry | None:
    """One ``(id, fields)`` pair of a stream reply; None for an entry deleted since
    it was read (Redis then sends no fields)."""
    pair = _list(value, command, "an entry")
    if len(pair) != 2:
        raise _malformed(command, f"an entry has {len(pair)} parts, not 2")
    raw_id, raw_fields = pair
    if raw_fields is None:
        return None
    if not isinstance(raw_fields, Mapping):
        raise _malformed(command, "an entry's fields are not a mapping")
    entry_id = text(raw_id, command, "an entry id")
    fields = {
        text(name, command, "a field name"): _bytes(content, command, "a field value")
        for name, content in raw_fields.items()
    }
    return Entry(entry_id, fields)


def entries(value: object, command: str) -> list[Entry]:
    """The entries of a stream reply (XRANGE, XCLAIM, one stream of XREADGROUP), without
    those deleted since."""
    found = [entry(item, command) for item in _list(value, command, "the entries")]
    return [item for item in found if item is not None]


def read_group(reply: object) -> list[Entry]:
    """The entries of an XREADGROUP reply, whichever streams they came from (None:
    the read timed out with nothing)."""
    command = "XREADGROUP"
    if reply is None:
        return []
    streams: list[object]
    if isinstance(reply, Mapping):  # RESP3: {stream: [entries]}
        streams = [[name, items] for name, items in reply.items()]
    else:
        streams = _list(reply, command, "the reply")
    found: list[Entry] = []
    for stream in streams:
        parts = _list(stream, command, "a stream")
        if len(parts) != 2:
            raise _malformed(command, f"a stream has {len(parts)} parts, not 2")
        found += entries(parts[1], command)
    return found


def autoclaim(reply: object) -> Claimed:
    """An XAUTOCLAIM reply: the cursor, the entries claimed, and (Redis 7) the ids of
    pending entries found deleted, which Redis dropped from the pending list."""
    command = "XAUTOCLAIM"
    parts = _list(reply, command, "the reply")
    if len(parts) not in (2, 3):
        raise _malformed(command, f"the reply has {len(parts)} parts, not 2 or 3")
    deleted = (
        [text(item, command, "a deleted id") for item in _list(parts[2], command, "deleted ids")]
        if len(parts) == 3
        else []
    )
    return Claimed(text(parts[0], command, "the cursor"), entries(parts[1], command), deleted)


def pending(reply: object) -> list[Pending]:
    """An extended XPENDING reply (redis-py's ``xpending_range``): each entry's id,
    consumer, idle time and how many times it was delivered."""
    command = "XPENDING"
    found = []
    for item in _list(reply, command, "the reply"):
        if not isinstance(item, Mapping):
            raise _malformed(command, "an entry is not a mapping")
        try:
            found.append(
                Pending(
                    id=text(item["message_id"], command, "an entry id"),
                    consumer=text(item["consumer"], command, "a consumer"),
                    idle_ms=_number(item["time_since_delivered"], command, "an idle time"),
                    times_delivered=_number(item["times_delivered"], command, "a count"),
                )
            )
        except KeyError as missing:
            raise _malformed(command, f"an entry has no {missing}") from None
    return found


def pending_count(reply: object) -> int:
    """How many entries a group has pending, from the summary form of XPENDING."""
    command = "XPENDING"
    if not isinstance(reply, Mapping) or "pending" not in reply:
        raise _malformed(command, "the summary has no 'pending' count")
    return _number(reply["pending"], command, "the pending count")


def hash_fields(reply: object, command: str = "HGETALL") -> dict[str, bytes]:
    """A hash (HGETALL) as names and raw values."""
    if not isinstance(reply, Mapping):
        raise _malformed(command, f"the reply is a {type(reply).__name__}, not a mapping")
    return {
        text(name, command, "a field name"): _bytes(value, command, "a value")
        for name, value in reply.items()
    }


def optional_bytes(reply: object, command: str = "GET") -> bytes | None:
    """A string reply that may be absent (GET of a missing key)."""
    return None if reply is None else _bytes(reply, command, "the value")
