"""Start-up time of the `newsradar` command: `--help` and `status` against the floor.

Run from the repository root (nothing leaves the machine):

    python benchmarks/startup.py               # 15 runs of each command
    python benchmarks/startup.py --runs 30 --write startup.md

Each command is started as a fresh process with subprocess, as a shell or a
monitoring check would start it, and timed from spawn to exit (wall clock).
The commands run round-robin, one run of each in turn, so a slow moment of the
machine costs every command alike; one unmeasured round first warms the page
cache. Side by side:

* floor: ``python -c pass``, the interpreter alone;
* eager imports: ``python -c "import scrapy, trafilatura, apprise"``, what every
  command would pay if the CLI imported the crawler, the extractor and the
  notifier at the top instead of inside the commands that need them;
* ``newsradar --help``;
* ``newsradar status -c CONFIG`` on a database where a service has run (it opens
  the database and reads the service's heartbeat and figures).

The target: both newsradar commands start in under half a second (median).
``-X importtime`` then tells which of the heavy packages each command loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from machine import describe

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5
RUN_TIMEOUT = 60.0  # one start-up; far beyond any plausible time, so a hang ends the run
HEAVY = ("scrapy", "twisted", "trafilatura", "apprise", "lxml", "feedparser", "pydantic")


@dataclass
class Command:
    """One command line to time, and how to show it."""

    label: str
    argv: list[str]
    shown: str
    newsradar: bool = False  # held to the target
    times: list[float] | None = None
    codes: set[int] | None = None


def newsradar_script() -> Path | None:
    """The `newsradar` console script installed for this interpreter (by `pip install`)."""
    beside = Path(sys.executable).parent / "newsradar"
    return beside if beside.is_file() else None


def prepare_status(directory: Path) -> Path:
    """A config and a database on which a service has run (and is beating), as
    `newsradar status` finds it in production; returns the config path."""
    sys.path.insert(0, str(REPO))
    from crawler import store  # only here: the timed commands run in other processes

    config = directory / "newsradar.toml"
    config.write_text('database = "newsradar.db"\n', encoding="utf-8")
    db = store.open_db(directory / "newsradar.db")
    try:
        store.upsert_source(db, url="http://127.0.0.1:9/feed.xml", name="Local", kind="feed")
        store.service_started(db, os.getpid(), str(config))
        store.heartbeat(db)
    finally:
        db.close()
    return config


def time_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """Wall time of one run from spawn to exit, and its exit status."""
    started = time.perf_counter()
    completed = subprocess.run(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return time.perf_counter() - started, completed.returncode


def import_profile(
    argv: list[str], env: dict[str, str], cwd: Path
) -> tuple[list[str], list[tuple[str, float]]]:
    """From ``-X importtime``: which of the HEAVY packages the command imports, and
    its four costliest imports one level down (what newsradar's own top-level
    modules import: name, cumulative ms)."""
    completed = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        cwd=cwd,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    loaded = set()
    top: list[tuple[str, float]] = []
    for line in completed.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if (
            not line.startswith("import time:")
            or len(fields) != 3
            or not fields[1].strip().isdigit()
        ):
            continue  # the header line
        name = fields[2].strip()
        if name.split(".")[0] in HEAVY:
            loaded.add(name.split(".")[0])
        # Nesting shows as two more spaces of indent: a top-level import has one,
        # what it imports three.
        indent = len(fields[2]) - len(fields[2].lstrip(" "))
        if indent == 3:
            top.append((name, int(fields[1]) / 1000))
    top.sort(key=lambda item: -item[1])
    return sorted(loaded), top[:4]


def render(commands: list[Command], runs: int, command_line: str, notes: list[str]) -> str:
    """The Markdown report."""
    floor = statistics.median(commands[0].times or [])
    rows = []
    for command in commands:
        times = command.times or []
        median = statistics.median(times)
        rows.append(
            f"| {command.label} | `{command.shown}` | {median * 1000:.0f} | "
            f"{min(times) * 1000:.0f} | {max(times) * 1000:.0f} | {median / floor:.1f}x | "
            f"{', '.join(map(str, sorted(command.codes or ())))} |"
        )
    verdicts = []
    for command in commands:
        if not command.newsradar:
            continue
        times = command.times or []
        median = statistics.median(times)
        ok = median < TARGET_SECONDS
        verdicts.append(
            f"- `{command.shown}`: median {median * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; "
            f"under {TARGET_SECONDS * 1000:.0f} ms: {'**met**' if ok else '**missed**'}"
        )
    table = "\n".join(rows)
    return f"""## Start-up time of the `newsradar` command

Command (from the repository root): `{command_line}`
Machine: {describe()}
Date: {dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}

Wall time from spawn to exit of a fresh process (subprocess, output discarded),
{runs} runs of each command, round-robin, after one unmeasured warm-up round.
"x floor" is the median over the median of `python -c pass`.

| what | command | median ms | min ms | max ms | x floor | exit status |
| --- | --- | ---: | ---: | ---: | ---: | --- |
{table}

{chr(10).join(verdicts)}

{chr(10).join(notes)}
"""


def main(argv: list[str] | None = None) -> int:
    """Time every command; print (and optionally write) the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    parser.add_argument("--write", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 200:
        parser.error("--runs must be between 1 and 200")
    script = newsradar_script()
    if script is None:
        parser.error("no `newsradar` script beside this Python: pip install -e . first")
    with tempfile.TemporaryDirectory(prefix="newsradar-startup-") as temp:
        directory = Path(temp)
        config = prepare_status(directory)
        # No config from the environment, and no stray ./newsradar.toml: every run
        # sees exactly the files made here.
        env = {k: v for k, v in os.environ.items() if k != "NEWSRADAR_CONFIG"}
        python = sys.executable
        commands = [
            Command("floor", [python, "-c", "pass"], "python -c pass"),
            Command(
                "eager imports",
                [python, "-c", "import scrapy, trafilatura, apprise"],
                'python -c "import scrapy, trafilatura, apprise"',
            ),
            Command("help", [str(script), "--help"], "newsradar --help", newsradar=True),
            Command(
                "status",
                [str(script), "status", "-c", str(config)],
                "newsradar status -c CONFIG",
                newsradar=True,
            ),
        ]
        on_path = shutil.which("newsradar")
        if on_path and Path(on_path).resolve() != script.resolve():
            # A wrapper on PATH (a pyenv shim, say) adds its own start-up: shown apart.
            commands.append(
                Command(
                    "help via PATH",
                    [on_path, "--help"],
                    f"newsradar --help (PATH: {Path(on_path).parent.name}/newsradar)",
                )
            )
        for command in commands:
            command.times, command.codes = [], set()
        for round_number in range(args.runs + 1):
            for command in commands:
                seconds, code = time_once(command.argv, env, directory)
                if round_number:  # round 0 warms the page cache
                    assert command.times is not None and command.codes is not None
                    command.times.append(seconds)
                    command.codes.add(code)
        notes = []
        for command in commands[2:4]:
            loaded, top = import_profile(command.argv, env, directory)
            absent = [name for name in HEAVY if name not in loaded]
            costliest = ", ".join(f"{name} {ms:.0f} ms" for name, ms in top)
            notes.append(
                f"- `{command.shown}` loads {', '.join(loaded) or 'none'} of the heavy "
                f"packages (not: {', '.join(absent) or '-'}); costliest imports below its own "
                f"modules (`-X importtime`, cumulative): {costliest}."
            )
    shown = ["python", "benchmarks/startup.py", *(argv if argv is not None else sys.argv[1:])]
    report = render(commands, args.runs, shlex.join(shown), notes)
    print(report)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
