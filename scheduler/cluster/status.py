"""What `newsradar status` says of the cluster: Redis, the live workers, jobs in flight."""

from __future__ import annotations

import json
import time

import redis
from redis.exceptions import RedisError

from scheduler.cluster.queue import JOBS, SERVICE_BEAT, WORKERS, WORKERS_GROUP, mask_url
from scheduler.cluster.replies import MalformedReply, hash_fields, optional_bytes, pending_count

# A worker beats every lease/3 (10 s at most): three missed beats and it counts as gone.
LIVE_FOR = 60.0


def cluster_status(url: str, now: float | None = None) -> tuple[list[str], bool]:
    """The cluster's lines of the status report, and whether it is healthy (Redis
    reachable and at least one live worker)."""
    now = time.time() if now is None else now
    where = mask_url(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
        with client:
            workers = hash_fields(client.hgetall(WORKERS))
            queued = int(client.xlen(JOBS))
            pending = _pending(client)
            service = optional_bytes(client.get(SERVICE_BEAT))
    except (RedisError, OSError, ValueError) as err:
        return [f"cluster: Redis at {where} unreachable ({type(err).__name__}: {err})"], False
    except MalformedReply as err:
        return [f"cluster: Redis at {where} answered oddly ({err})"], False
    live: list[str] = []
    gone: list[str] = []
    for name, raw in sorted(workers.items()):
        try:  # a worker's own record: a figure that is not one skips the worker
            record = json.loads(raw)
            beat = float(record["beat"])
            in_hand, polls = int(record.get("in_flight", 0)), int(record.get("polls", 0))
            given_up = int(record.get("given_up", 0))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        line = (
            f"  worker {name}: heartbeat {now - beat:.0f}s ago, "
            f"{in_hand} jobs in hand, {polls} polls done"
        )
        if given_up:
            line += f", {given_up} jobs given up (delivered too many times without a result)"
        (live if now - beat <= LIVE_FOR else gone).append(line)
    lines = [
        f"cluster: Redis at {where}; {queued} jobs in the queue, {pending} in flight; "
        f"{len(live)} live workers"
    ]
    lines += live
    lines += [line + " (gone: its jobs go to others after the lease)" for line in gone]
    if service is not None:
        try:
            record = json.loads(service)
            lines.append(
                f"  service: {int(record['waiting'])} polls waiting for a worker, "
                f"{int(record['delivered'])} results taken, {int(record['duplicates'])} "
                f"duplicates dropped, {int(record['refused'])} refused"
            )
        except (ValueError, KeyError, TypeError):
            pass
    return lines, bool(live)


def _pending(client: redis.Redis) -> int:
    try:
        summary = client.xpending(JOBS, WORKERS_GROUP)
    except redis.ResponseError:  # no stream or group yet
        return 0
    return pending_count(summary)
