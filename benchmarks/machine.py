"""What a benchmark's numbers depend on, in one line for its report."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path


def _first_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def describe(*extra: str) -> str:
    """nproc, CPU model, RAM, Python and OS (and ``extra`` versions), e.g.
    "2 CPUs (`nproc`), AMD EPYC, 23.5 GiB RAM, Python 3.11.7, Linux 6.1"."""
    cpu = _first_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU"
    parts = [f"{os.cpu_count()} CPUs (`nproc`)", cpu]
    memory = _first_field("/proc/meminfo", "MemTotal")
    if memory:
        parts.append(f"{int(memory.split()[0]) / 2**20:.1f} GiB RAM")
    parts += [f"Python {platform.python_version()}", *extra]
    parts.append(f"{platform.system()} {platform.release()}")
    return ", ".join(parts)


def run_child(command: list[str], label: str) -> dict:
    """Run one measured step in a fresh process; its last stdout line is its JSON result."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{label} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
