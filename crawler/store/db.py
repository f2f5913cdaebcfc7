"""Opening the database: the connection's settings, the named errors, the migration runner.

One SQLite file in WAL mode, written by one service process and read by anyone
(Datasette, ``newsradar matches``, ``sqlite3``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from crawler.store import schema
from crawler.store.times import isotime

BUSY_TIMEOUT_MS = 30_000
SQLITE_MAGIC = b"SQLite format 3\x00"
# Tables the first migration made: a database whose user_version counts migrations
# (the way newsradar recorded them before they had names) must have these.
_LEGACY_CORE = {"sources", "articles", "mentions", "alerts", "runs"}


class StoreError(Exception):
    """The database could not be opened or used; the message names the file and why."""


class NotNewsradarDatabase(StoreError):
    """The file is not a SQLite database, or one that holds another program's tables."""


class CorruptDatabase(StoreError):
    """The file looks like SQLite but cannot be read: damaged or truncated."""


class DatabaseTooNew(StoreError):
    """The database was written by a newer newsradar (a migration this code does not know)."""


class DatabaseLocked(StoreError):
    """Another process held the database's write lock for longer than the busy timeout."""


class DatabaseFull(StoreError):
    """The disk (or the file system's quota) is full: nothing more could be written."""


class DatabaseReadOnly(StoreError):
    """The database, or the directory holding it, cannot be written by this user."""


class NoSuchRow(StoreError):
    """A run, article or other row given by id is not in the database."""


class InvalidArticle(StoreError):
    """An article to store lacks what every article has (its URL, where its text is from)."""


def open_db(
    path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_MS / 1000
) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the newsradar database at ``path``.

    Returns a sqlite-utils Database in WAL mode with foreign keys on and a busy
    timeout of ``busy_timeout`` seconds, so other processes can read while the
    service writes. Raises a StoreError subclass naming the file: NotNewsradarDatabase,
    CorruptDatabase, DatabaseTooNew or DatabaseLocked (and StoreError itself for any
    other reason the file cannot be opened, e.g. permissions).
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=busy_timeout)
    except (OSError, sqlite3.Error) as err:
        raise StoreError(f"{path}: cannot open the database: {err}") from err
    # Text that is not UTF-8 (written by another program, or a damaged page) is read
    # with U+FFFD in place of the bad bytes rather than failing every query that meets it.
    conn.text_factory = _decode_text
    step = "opening it"
    try:
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        db.execute("PRAGMA foreign_keys = ON")
        step = "reading its schema"
        _plan(db, path)  # refuse another program's database before changing anything
        step = "switching it to WAL mode"
        if db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        step = "upgrading its schema"
        migrate(db, path)
    except StoreError:
        conn.close()
        raise
    except sqlite3.DatabaseError as err:
        conn.close()
        raise _translate(path, err, step, busy_timeout) from err
    return db


def _is_sqlite_file(path: Path) -> bool:
    """Whether the file starts as every SQLite database does.

    Only called once SQLite has refused the file: opening and closing a file that a
    connection of this process has open would drop that connection's POSIX locks
    (and let another process corrupt the database)."""
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return True  # unreadable here: let SQLite's own words stand


def _decode_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def explain(err: sqlite3.Error, path: str | Path = "the database") -> StoreError:
    """A StoreError in one line for an error SQLite raised while the database was in use
    (a full disk, a lost write permission, a lock held too long, damage)."""
    code = (getattr(err, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == sqlite3.SQLITE_FULL:
        return DatabaseFull(
            f"{path}: the disk is full: the database could not be written (what was "
            "written before is kept; free some space and run again)"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return DatabaseReadOnly(
            f"{path}: the database cannot be written ({err}): newsradar needs write "
            "access to the file and to the directory that holds it"
        )
    if code == sqlite3.SQLITE_IOERR:
        return StoreError(f"{path}: the disk failed while using the database ({err}): is it full?")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return CorruptDatabase(f"{path}: the database is damaged and cannot be read ({err})")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseLocked(
            f"{path}: locked by another process for too long; try again when it is done"
        )
    return StoreError(f"{path}: database error: {' '.join(str(err).split())}")


def _translate(path: Path, err: sqlite3.DatabaseError, step: str, timeout: float) -> StoreError:
    code = (getattr(err, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseLocked(
            f"{path}: locked by another process for more than {timeout:g} s while {step}; "
            "try again when it is done"
        )
    if code in (
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_IOERR,
    ):
        return explain(err, path)
    if code == sqlite3.SQLITE_NOTADB and not _is_sqlite_file(path):
        return NotNewsradarDatabase(f"{path}: not a newsradar database (not a SQLite file at all)")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return CorruptDatabase(f"{path}: the database is damaged and cannot be read ({err})")
    return StoreError(f"{path}: {err}")


# --- the migration runner ------------------------------------------------------------


def migrate(db: sqlite_utils.Database, path: str | Path = "the database") -> int:
    """Bring the database to CURRENT; return how many migrations it now has applied.

    A new, empty database gets CURRENT directly, recorded as having every migration.
    A database from before migrations had names (its PRAGMA user_version counts
    them) is adopted: the first user_version names are recorded, then the rest run.
    It all happens in one transaction that takes the write lock first, so two
    processes opening an old database at once cannot both upgrade it. PRAGMA
    user_version keeps counting the applied migrations, for older readers.
    """
    if _plan(db, path) == ("named", []):
        return len(schema.NAMES)
    with _write_lock(db):
        # Again, under the lock: another process may have upgraded it meanwhile.
        state, pending = _plan(db, path)
        if state == "new":
            schema.run_script(db, schema.CURRENT)
            _record(db, schema.NAMES)
        elif state == "legacy":
            version = db.execute("PRAGMA user_version").fetchone()[0]
            _record(db, schema.LEGACY_VERSIONS[:version])
        if pending:
            schema.MIGRATIONS.apply(db)
        db.execute(f"PRAGMA user_version = {len(schema.NAMES)}")
    return len(schema.NAMES)


def _plan(db: sqlite_utils.Database, path: str | Path) -> tuple[str, list[str]]:
    """What the database is ("new" and empty, "legacy": migrations counted in
    user_version, or "named") and the migrations it lacks, in order.

    Raises NotNewsradarDatabase or DatabaseTooNew for a database this code must not
    touch."""
    applied = _applied(db)
    if applied:
        unknown = [name for name in applied if name not in schema.NAMES]
        if unknown:
            raise DatabaseTooNew(
                f"{path}: written by a newer newsradar (it has migration {unknown[0]!r}, "
                "unknown to this one); upgrade newsradar"
            )
        return "named", [name for name in schema.NAMES if name not in applied]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(schema.LEGACY_VERSIONS):
        raise DatabaseTooNew(
            f"{path}: database schema version {version} is newer than this newsradar "
            f"({len(schema.LEGACY_VERSIONS)}); upgrade newsradar"
        )
    tables = {
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        )
    } - {schema.MIGRATIONS.migrations_table}
    if not tables and version == 0:
        return "new", list(schema.NAMES)
    if version > 0 and tables >= _LEGACY_CORE:
        return "legacy", list(schema.NAMES[version:])
    listed = ", ".join(sorted(tables)[:5])
    raise NotNewsradarDatabase(
        f"{path}: not a newsradar database (it holds other tables: {listed})"
    )


def _applied(db: sqlite_utils.Database) -> list[str]:
    """The names of this database's migrations recorded as applied (none: not recorded)."""
    if not db[schema.MIGRATIONS.migrations_table].exists():
        return []
    return [migration.name for migration in schema.MIGRATIONS.applied(db)]


def _record(db: sqlite_utils.Database, names: Sequence[str]) -> None:
    """Record migrations as applied without running them: their effect is already there."""
    schema.MIGRATIONS.ensure_migrations_table(db)
    now = isotime()
    db.conn.executemany(
        f"INSERT INTO {schema.MIGRATIONS.migrations_table} (migration_set, name, applied_at) "
        "VALUES (?, ?, ?)",
        [(schema.MIGRATIONS.name, name, now) for name in names],
    )


@contextmanager
def _write_lock(db: sqlite_utils.Database) -> Iterator[None]:
    """A transaction that holds the write lock from its first statement."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
