"""One durable SQLite file shared by the oracle's stores: WAL mode, ``synchronous=FULL`` (a write returns
only once it is committed and fsync'd), one connection behind a lock for every thread."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path


class SqliteFile:
    """The file at `path` (created with its folder if missing), with `schema` applied."""

    def __init__(self, path: Path | str, schema: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(schema)
        self._closed = False

    def close(self) -> None:
        """Closes the file (idempotent); a WAL checkpoint happens here."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self):
        """`BEGIN IMMEDIATE` ... `COMMIT` (`ROLLBACK` on error) under the lock; yields the connection."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, query: str, params: tuple) -> list[tuple]:
        with self._lock:
            return self._db.execute(query, params).fetchall()
