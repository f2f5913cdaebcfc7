"""One service per database: an exclusive lock on ``<database>.lock`` for the life of
the service.

Two services on one database would both poll and both send every alert. The lock
is an flock(2) on a file next to the database: the kernel releases it when the
process ends, however it ends (SIGKILL, a crash, the OOM killer), so it is never
left stuck. The file only says which process holds it, for the message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(Exception):
    """Another newsradar service holds this database's instance lock."""


class InstanceLockError(Exception):
    """The instance lock file cannot be created or locked (permissions, read-only disk)."""


class InstanceLock:
    """The database's instance lock, held from `acquire` until `release` (or exit)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        """Take the lock; AlreadyRunning when another process holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise InstanceLockError(
                f"{self.path}: cannot create the service's lock file: {err.strerror}"
            ) from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise AlreadyRunning(
                f"another newsradar service{pid} is already running on {self.database}; "
                "stop it first (one service per database)"
            ) from None
        except OSError as err:
            os.close(fd)
            raise InstanceLockError(f"{self.path}: cannot lock: {err.strerror}") from err
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # a full disk: the pid is only for the message; the lock holds without it
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the lock go (closing the file releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()
