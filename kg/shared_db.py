"""One SQLite database that the processes of a build use at once: a cache of many small entries in one
file, not a file an entry (:class:`kg.network.digests.DigestCache`, :class:`kg.rdf.kept.GraphCache`).

A build and the copies of it forked to make the documents' graphs store entries while another copy (the
page's) reads them. The database is in write-ahead-log mode (readers do not wait for the writer) with
``synchronous=NORMAL`` (a cache: committed on the log, synced at checkpoints); each process and thread
opens its own connection on first use, in autocommit mode (an entry stored is committed by then:
another process finds it from then on), and reads its rows whole (no read is left open).

No connection is open across a fork: every connection of the process is closed just before it forks
(:func:`os.register_at_fork`), and opened again when next used. (A copy forked with one open would
share SQLite's record of the parent's file locks, and take none of its own: the parent closing its
connection could then remove the log the copy writes to.) Several processes making the database at
once wait for one another. A file that is not a database, or whose pages are damaged, is removed
(:meth:`SharedDatabase.removed_if_damaged`) and the caches go on without what it held, or say so; any
other error (a locked database, a full disk) stands.

>>> import tempfile
>>> db = SharedDatabase(Path(tempfile.mkdtemp()) / "x" / "t.sqlite", "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v BLOB)")
>>> db.exists()
False
>>> _ = db.connection().execute("INSERT INTO t VALUES ('a', x'00')")
>>> db.exists(), db.rows("SELECT count(*) FROM t")
(True, [(1,)])
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
import weakref
from pathlib import Path

__all__ = ["SharedDatabase"]

#: What SQLite says of a file that is not a database, or of a damaged one.
_DAMAGED = {getattr(sqlite3, "SQLITE_CORRUPT", 11), getattr(sqlite3, "SQLITE_NOTADB", 26)}
_BUSY = {getattr(sqlite3, "SQLITE_BUSY", 5), getattr(sqlite3, "SQLITE_LOCKED", 6)}
TIMEOUT = 60.0  # seconds a process waits for another that writes


class SharedDatabase:
    """The SQLite database at ``path`` (its folder made as needed), its tables made by ``schema`` (a
    statement that makes what is not there yet)."""

    def __init__(self, path: str | os.PathLike, schema: str) -> None:
        self.path = Path(path)
        self.schema = schema
        self._db: sqlite3.Connection | None = None
        self._owner: tuple[int, int] | None = None  # (process, thread) the connection was opened in
        _OPEN.add(self)

    def exists(self) -> bool:
        """Whether the file is there (so that a read can be answered without making it)."""
        return self.path.exists()

    def connection(self) -> sqlite3.Connection:
        """This process' and thread's connection (autocommit), opened on first use."""
        here = (os.getpid(), threading.get_ident())
        if self._db is not None and self._owner == here:
            return self._db
        self.close()
        self._db, self._owner = self._open(), here
        return self._db

    def rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        """The rows of a query, all of them (its read ends here)."""
        return self.connection().execute(sql, args).fetchall()

    def keep_only(self, table: str, keys) -> int:
        """Delete the rows of ``table`` whose ``key`` is not in ``keys``, and the folders beside this one's
        (a cache's other versions); how many rows. A damaged database is removed (the next use makes it anew)."""
        folder = self.path.parent
        for other in folder.parent.iterdir() if folder.parent.exists() else []:
            if other.is_dir() and other != folder:
                shutil.rmtree(other, ignore_errors=True)
        if not self.exists():
            return 0
        try:
            db = self.connection()
            db.execute("CREATE TEMP TABLE IF NOT EXISTS kept_keys (key TEXT PRIMARY KEY)")
            db.execute("DELETE FROM kept_keys")
            db.executemany("INSERT OR IGNORE INTO kept_keys VALUES (?)", ((k,) for k in keys))
            return db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM kept_keys)").rowcount
        except sqlite3.DatabaseError as e:
            if not self.removed_if_damaged(e):
                raise
            return 0

    def close(self) -> None:
        """Close this object's connection, if one is open (it opens again when next used)."""
        db, self._db, self._owner = self._db, None, None
        if db is not None:
            db.close()

    def remove(self) -> None:
        """Close the connection and remove the file (and its log): the next use makes it anew."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def removed_if_damaged(self, e: BaseException) -> bool:
        """Whether ``e`` says the file is not a database, or a damaged one; if so it is removed
        (:meth:`remove`: the next use makes it anew). Any other error is the caller's to raise."""
        if not (isinstance(e, sqlite3.DatabaseError) and getattr(e, "sqlite_errorcode", None) in _DAMAGED):
            return False
        self.remove()
        return True

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            db = sqlite3.connect(self.path, timeout=TIMEOUT, isolation_level=None, check_same_thread=False)
            try:
                _wal(db)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(self.schema)
                return db
            except sqlite3.DatabaseError as e:
                db.close()
                if attempt == 2 or not self.removed_if_damaged(e):  # (not a database: cut short, overwritten)
                    raise
        raise AssertionError("unreachable")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_db": None, "_owner": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        _OPEN.add(self)


def _wal(db: sqlite3.Connection) -> None:
    """Put the database in write-ahead-log mode. (Changing the mode takes the file for itself and does
    not wait for another process, as statements do: several processes making the database at once
    try again until it is theirs.)"""
    end = time.monotonic() + TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as e:
            if getattr(e, "sqlite_errorcode", None) not in _BUSY or time.monotonic() > end:
                raise
            time.sleep(0.01)


#: Every SharedDatabase of this process, to close their connections before it forks.
_OPEN: weakref.WeakSet[SharedDatabase] = weakref.WeakSet()


def _close_before_fork() -> None:
    for db in list(_OPEN):
        try:
            db.close()
        except Exception:  # noqa: BLE001 - a connection that cannot be closed is not used after the fork either
            db._db = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_before_fork)
