"""Tie a helper process's life to its parent's, however the parent dies.

Extraction workers are forked by a fork server, itself started by the service.
When the service is SIGKILLed (the OOM killer, a power-cut test), neither would
ever learn it: they would stay behind, orphans holding their memory. On Linux the
kernel sends a process a signal when its parent dies (``PR_SET_PDEATHSIG``);
elsewhere a thread watches the parent's pid.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_EVERY = 1.0


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os._exit(1)


def tie_to_parent() -> None:
    """Make this process end when its parent does (SIGKILL on Linux)."""
    parent = os.getppid()
    tied = False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        tied = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux: no prctl
        tied = False
    if not tied:
        threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the tie was made
        os._exit(1)
