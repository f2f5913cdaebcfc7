"""The soak test's measurements: samples of the service process, publish-to-alert
latency, what its database and log say, and the Markdown report of a run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from machine import describe
from soak_sites import ENTITY, World

SAMPLE_EVERY = 5.0  # seconds between psutil samples


# --- sampling ----------------------------------------------------------------------------


@dataclass
class Sample:
    """The service's state at one moment (``t`` seconds after it started)."""

    t: float
    rss_mb: float  # the service process
    workers_rss_mb: float  # its children: the extraction fork server and workers
    fds: int
    sockets: int  # TCP sockets, any state
    close_wait: int  # TCP sockets the peer closed and the service did not: leak suspects
    db_files: int  # open handles on the database, its WAL and shared memory file
    cpu_s: float  # the service process, user + system
    workers_cpu_s: float  # live children, plus children already reaped
    children: int
    in_flight: int  # runs the database shows as running: crawls in flight
    bench_cpu_s: float  # this process: the world's servers, the publisher, the receiver
    published: int
    alerts: int


def running_polls(database: Path) -> int:
    """How many runs the service's database shows as running right now (-1: unknown)."""
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def sample(
    process: psutil.Process, t: float, published: int, alerts: int, database: Path
) -> Sample | None:
    """Measure the service process and its children; None once it is gone."""
    try:
        with process.oneshot():
            rss = process.memory_info().rss
            fds = process.num_fds()
            cpu = process.cpu_times()
            connections = process.net_connections(kind="tcp")
            files = process.open_files()
        children = process.children(recursive=True)
    except psutil.Error:
        return None
    child_rss = 0
    child_cpu = cpu.children_user + cpu.children_system
    for child in children:
        with contextlib.suppress(psutil.Error):
            child_rss += child.memory_info().rss
            times = child.cpu_times()
            child_cpu += times.user + times.system
    return Sample(
        t=t,
        rss_mb=rss / 2**20,
        workers_rss_mb=child_rss / 2**20,
        fds=fds,
        sockets=len(connections),
        close_wait=sum(1 for c in connections if c.status == psutil.CONN_CLOSE_WAIT),
        db_files=sum(1 for f in files if Path(f.path).name.startswith("newsradar.db")),
        cpu_s=cpu.user + cpu.system,
        workers_cpu_s=child_cpu,
        children=len(children),
        in_flight=running_polls(database),
        bench_cpu_s=sum(psutil.Process().cpu_times()[:2]),
        published=published,
        alerts=alerts,
    )


# --- analysis ----------------------------------------------------------------------------

DISPATCH = re.compile(r"dispatch (\d{6})")


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank; inf is allowed (undelivered)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def latencies(
    world: World, arrivals: list[tuple[float, str]], since: float, until: float
) -> dict[str, Any]:
    """Publish-to-alert latency of the articles published in [since, until)."""
    first: dict[int, float] = {}
    unknown = duplicates = 0
    for arrived, title in arrivals:
        match = DISPATCH.search(title)
        if match is None or int(match.group(1)) not in world.stories:
            unknown += 1
            continue
        number = int(match.group(1))
        if number in first:
            duplicates += 1
        else:
            first[number] = arrived
    window = [s for s in world.stories.values() if since <= s.published < until]
    delays = [first[s.number] - s.published if s.number in first else float("inf") for s in window]
    delivered = [d for d in delays if d != float("inf")]
    return {
        "published": len(window),
        "delivered": len(delivered),
        "median": percentile(delays, 0.5) if delays else float("nan"),
        "p95": percentile(delays, 0.95) if delays else float("nan"),
        "max_delivered": max(delivered) if delivered else float("nan"),
        "unknown": unknown,
        "duplicates": duplicates,
    }


def _stamp(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(stamp: str) -> float:
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()


def poll_figures(database: Path, since: float, until: float) -> dict[str, Any]:
    """What the ``runs`` table says of [since, until): polls, their pace and outcome."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT source_id, started, finished, status FROM runs "
            "WHERE started >= ? AND started < ? ORDER BY source_id, started",
            [_stamp(since), _stamp(until)],
        ).fetchall()
        statuses = Counter(
            dict(db.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
        )
        alerts = dict(db.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall())
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        by_origin = dict(
            db.execute("SELECT extracted_from, count(*) FROM articles GROUP BY 1").fetchall()
        )
        sources = db.execute("SELECT count(*) FROM sources").fetchone()[0]
        errors = Counter(
            e for (e,) in db.execute("SELECT error FROM runs WHERE error IS NOT NULL").fetchall()
        )
    finally:
        db.close()
    gaps: list[float] = []
    durations: list[float] = []
    last: dict[int, float] = {}
    for source_id, started, finished, _status in rows:
        moment = _seconds(started)
        if source_id in last:
            gaps.append(moment - last[source_id])
        last[source_id] = moment
        if finished:
            durations.append(_seconds(finished) - moment)
    window = max(until - since, 1.0)
    return {
        "polls": len(rows),
        "polls_per_s": len(rows) / window,
        "sources_polled": len(last),
        "sources": sources,
        "gap_median": statistics.median(gaps) if gaps else float("nan"),
        "gap_p95": percentile(gaps, 0.95) if gaps else float("nan"),
        "duration_mean": statistics.fmean(durations) if durations else float("nan"),
        "statuses": dict(statuses),
        "errors": errors.most_common(3),
        "alerts": alerts,
        "articles": articles,
        "by_origin": by_origin,
    }


def log_figures(log_path: Path) -> dict[str, int]:
    """Warnings in the service's log that say it fell behind or failed."""
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return {
        "missed runs (APScheduler misfire)": text.count("was missed by"),
        "skipped: previous poll still running": text.count("maximum number of running instances")
        + text.count("still being polled"),
        "ERROR lines": sum(1 for line in text.splitlines() if " ERROR " in line),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "alerts to retry": text.count("failed (") + text.count("failed for good"),
    }


def alert_failures(log_path: Path) -> list[tuple[str, int]]:
    """The most common reasons the dispatcher gave for a failed alert."""
    reasons: Counter[str] = Counter()
    pattern = re.compile(r"newsradar\.dispatch: alert to .*? failed \((.*)\); retry in")
    with log_path.open(encoding="utf-8", errors="replace") as log:
        for line in log:
            match = pattern.search(line)
            if match:
                reasons[match.group(1)] += 1
    return reasons.most_common(3)


# --- report ------------------------------------------------------------------------------


def nearest(samples: list[Sample], t: float) -> Sample:
    """The sample taken closest to ``t`` seconds after the service started."""
    return min(samples, key=lambda s: abs(s.t - t))


def _every_minute(samples: list[Sample]) -> list[Sample]:
    """About one sample a minute, and always the last."""
    picked = samples[:: max(1, round(60 / SAMPLE_EVERY))]
    return picked if picked[-1] is samples[-1] else [*picked, samples[-1]]


def _fmt(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "n/a"
    if seconds == float("inf"):
        return "not delivered"
    return f"{seconds:.1f} s"


def render(result: dict[str, Any]) -> str:
    """The Markdown report of one run."""
    args = result["args"]
    samples: list[Sample] = result["samples"]
    start, middle, end = result["points"]
    growth = (end.rss_mb - middle.rss_mb) / middle.rss_mb * 100
    # The extraction pool is shut down whenever no crawl runs and started again
    # with the next one: a growth figure means nothing across such a restart.
    pool_steady = middle.children == end.children and bool(middle.workers_rss_mb)
    workers_growth = (
        f"{(end.workers_rss_mb - middle.workers_rss_mb) / middle.workers_rss_mb * 100:+.1f}%"
        if pool_steady
        else "n/a (the pool was restarted in between)"
    )
    lat = result["latency"]
    lat_all = result["latency_all"]
    polls = result["polls"]
    interval = result["interval_s"]
    wanted_pace = args.feeds / interval
    budget = interval + 5
    elapsed = end.t
    cpu_share = end.cpu_s / elapsed * 100
    workers_share = end.workers_cpu_s / elapsed * 100
    rows = [
        ("resident memory, service (MB)", start.rss_mb, middle.rss_mb, end.rss_mb, "{:.0f}"),
        (
            "resident memory, extraction workers (MB)",
            start.workers_rss_mb,
            middle.workers_rss_mb,
            end.workers_rss_mb,
            "{:.0f}",
        ),
        ("open file descriptors, service", start.fds, middle.fds, end.fds, "{}"),
        ("of which TCP sockets", start.sockets, middle.sockets, end.sockets, "{}"),
        ("of which in CLOSE_WAIT", start.close_wait, middle.close_wait, end.close_wait, "{}"),
        ("of which database files", start.db_files, middle.db_files, end.db_files, "{}"),
        ("child processes", start.children, middle.children, end.children, "{}"),
        ("polls in flight (runs running)", start.in_flight, middle.in_flight, end.in_flight, "{}"),
        ("CPU time, service (s)", start.cpu_s, middle.cpu_s, end.cpu_s, "{:.0f}"),
        (
            "CPU time, extraction workers (s)",
            start.workers_cpu_s,
            middle.workers_cpu_s,
            end.workers_cpu_s,
            "{:.0f}",
        ),
        (
            "CPU time, this benchmark process (s)",
            start.bench_cpu_s,
            middle.bench_cpu_s,
            end.bench_cpu_s,
            "{:.0f}",
        ),
        ("articles published", start.published, middle.published, end.published, "{}"),
        ("alerts delivered", start.alerts, middle.alerts, end.alerts, "{}"),
    ]
    table = "\n".join(
        f"| {label} | {f.format(a)} | {f.format(b)} | {f.format(c)} |" for label, a, b, c, f in rows
    )
    series = "\n".join(
        f"| {s.t:.0f} | {s.rss_mb:.0f} | {s.workers_rss_mb:.0f} | {s.fds} | {s.sockets} | "
        f"{s.db_files} | {s.in_flight} | "
        f"{s.cpu_s:.0f} | {s.published} | {s.alerts} |"
        for s in _every_minute(samples)
    )
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(polls["statuses"].items()))
    alerts = ", ".join(f"{k}: {v}" for k, v in sorted(polls["alerts"].items())) or "none"
    origins = ", ".join(f"{k}: {v}" for k, v in sorted(polls["by_origin"].items())) or "none"
    errors = "; ".join(f"{e} (x{n})" for e, n in polls["errors"]) or "none"
    requests = ", ".join(f"{k}: {v}" for k, v in sorted(result["requests"].items()))
    logs = ", ".join(f"{k}: {v}" for k, v in result["log"].items())
    failures = "; ".join(f"{r} (x{n})" for r, n in result["alert_failures"]) or "none"
    changed = result["code_changed"]
    warning = (
        "**Warning: the code under test changed during the run** (editable install): "
        + ", ".join(changed[:8])
        + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
        + ". Figures after that moment measure a mix of old and new code.\n\n"
        if changed
        else ""
    )
    keeps_up = polls["gap_median"] <= interval * 1.25 and polls["polls_per_s"] >= wanted_pace * 0.9

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    results = "\n".join(
        f"| {label} | {value} |"
        for label, value in (
            ("memory growth middle -> end, service", f"{growth:+.1f}%"),
            ("memory growth middle -> end, extraction workers", workers_growth),
            (
                "CPU, service / workers (share of one core over the run)",
                f"{cpu_share:.0f}% / {workers_share:.0f}%",
            ),
            (
                "articles published after warm-up / alerted",
                f"{lat['published']} / {lat['delivered']}",
            ),
            ("latency publish -> alert, median", _fmt(lat["median"])),
            ("latency publish -> alert, p95", _fmt(lat["p95"])),
            ("latency publish -> alert, max (delivered)", _fmt(lat["max_delivered"])),
            (
                "all articles published / alerted (incl. warm-up)",
                f"{lat_all['published']} / {lat_all['delivered']}",
            ),
            (
                "alerts not matching an article / duplicates",
                f"{lat_all['unknown']} / {lat_all['duplicates']}",
            ),
            (
                "polls after warm-up (runs table)",
                f"{polls['polls']} = {polls['polls_per_s']:.1f} polls/s "
                f"(needed: {wanted_pace:.1f})",
            ),
            (
                "time between two polls of one feed, median / p95",
                f"{polls['gap_median']:.0f} s / {polls['gap_p95']:.0f} s "
                f"(configured {args.interval})",
            ),
            ("mean poll duration (1 s resolution)", f"{polls['duration_mean']:.1f} s"),
            (
                "SIGTERM -> exit",
                f"status {result['exit_code']} after {result['stop_seconds']:.1f} s",
            ),
        )
    )
    title = f"{args.feeds} feeds every {args.interval}, {args.minutes:g} min"
    hosts = f"127.0.0.2-127.0.0.{args.hosts + 1}"
    return f"""## Soak: `newsradar run`, {title}

Command (from the repository root): `{result["command"]}`
Machine: {describe()}
Date: {result["date"]}

{warning}World: {args.feeds} RSS 2.0 feeds on {args.hosts} loopback hosts ({hosts},
one ThreadingHTTPServer each, ETag/Last-Modified, 304 when unchanged), {args.seed_per_feed}
older entries per feed at the start (no watchlist mention), then {args.rate:g} new articles/s
on random feeds, each page 5-15 KB of HTML mentioning {ENTITY} in its text. Config:
`interval = "{args.interval}"`, `per_domain = {args.per_domain}`, `retry_after = "2s"`, one
entity, one Apprise `json://` webhook on 127.0.0.1. Service: `{result["service"]}`.
Warm-up {result["warmup"]:.0f} s; "start" = after the warm-up, "middle" = {middle.t:.0f} s,
"end" = {end.t:.0f} s (publisher stopped), then up to {result["drain"]:.0f} s to drain.

| measure | start ({start.t:.0f} s) | middle ({middle.t:.0f} s) | end ({end.t:.0f} s) |
| --- | ---: | ---: | ---: |
{table}

| result | value |
| --- | --- |
{results}

- Memory flat after warm-up (service growth middle -> end under 10%): {verdict(growth < 10)}
- p95 latency under the poll interval + 5 s ({budget:.0f} s): {verdict(lat["p95"] < budget)}
- Keeps up with {args.feeds} feeds every {args.interval} (median gap within 25% of the interval,
  pace at least 90% of {wanted_pace:.1f} polls/s): {verdict(keeps_up)}

Runs by status: {statuses}. Run errors: {errors}.
Alerts table: {alerts}. Articles stored: {polls["articles"]} ({origins}).
Requests the world answered: {requests}. Most requests in flight to one host at
any moment: {result["max_in_flight"]} (per_domain = {result["per_domain"]}).
Service log: {logs}.
Alert failures in the log: {failures}.

Every minute (t in s after the service started; MB resident; in flight: polls running;
CPU s: the service's CPU time):

| t | service MB | workers MB | fds | sockets | db files | in flight | CPU s | published | alerts |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{series}
"""
