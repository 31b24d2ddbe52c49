"""One SQLite database that the processes of a build use at once: a cache of many small entries in one
file, not a file an entry (:class:`kg.network.digests.DigestCache`, :class:`kg.rdf.kept.GraphCache`).

A build and the copies of it forked to make the documents' graphs store entries while another copy (the
page's) reads them. The database is in write-ahead-log mode (readers do not wait for the writer) with
``synchronous=NORMAL`` (a cache: committed on the log, synced at checkpoints); each process and thread
opens its own connection on first use, in autocommit mode (an entry stored is one committed by then:
another process finds it from then on). A copy forked while its parent had a connection open never
uses it nor closes it (SQLite's rule for a fork): it is set aside there and a new one opened. A file
that is not a database (cut short, overwritten) is made anew, empty.

>>> import tempfile
>>> db = SharedDatabase(Path(tempfile.mkdtemp()) / "x" / "t.sqlite", "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v BLOB)")
>>> db.exists()
False
>>> _ = db.connection().execute("INSERT INTO t VALUES ('a', x'00')")
>>> db.exists(), db.connection().execute("SELECT count(*) FROM t").fetchone()
(True, (1,))
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

__all__ = ["SharedDatabase"]

#: Connections a forked copy inherited open: kept, never used nor closed there.
_INHERITED: list[sqlite3.Connection] = []


class SharedDatabase:
    """The SQLite database at ``path`` (its folder made as needed), its tables made by ``schema`` (a
    statement that makes what is not there yet)."""

    def __init__(self, path: str | os.PathLike, schema: str) -> None:
        self.path = Path(path)
        self.schema = schema
        self._db: sqlite3.Connection | None = None
        self._owner: tuple[int, int] | None = None  # (process, thread) the connection was opened in

    def exists(self) -> bool:
        """Whether the file is there (so that a read can be answered without making it)."""
        return self.path.exists()

    def connection(self) -> sqlite3.Connection:
        """This process' and thread's connection (autocommit), opened on first use."""
        here = (os.getpid(), threading.get_ident())
        if self._db is not None and self._owner == here:
            return self._db
        if self._db is not None and self._owner[0] != here[0]:
            _INHERITED.append(self._db)  # a forked copy: the parent's connection is left alone
        self._db, self._owner = self._open(), here
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(self.schema)
                return db
            except sqlite3.DatabaseError:  # not a database: made anew (the second time, the error stands)
                db.close()
                if attempt == 2:
                    raise
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_db": None, "_owner": None}
