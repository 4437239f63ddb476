"""An incremental, durable cache of one deployment's events, which heals when the chain changes under it.

The chain is the source of truth; this index only saves reading it again. Events are stored in SQLite
(WAL mode) under the data folder, keyed by chain id and contract address, together with a cursor: the
last block read and its hash. A sync reads only the blocks after the cursor, in batches, and commits
each batch with its new cursor in one transaction, so a crash loses at most the batch in flight and
never leaves a gap. The caller decides how far to sync: only blocks that are final
(:mod:`ante.finality`), so that a reorganisation is not expected to reach what is stored.

Checks against the chain (when the sync is given a ``block_hash`` reader):

- Every committed batch records its last block's hash as a *checkpoint*, read before and after the
  batch's events so that a batch read while the chain changed is read again, never stored. A fetch
  that offers ``seen_hashes`` (the hashes of the blocks its last call read events from, as the logs
  name them: no extra request) makes those blocks checkpoints too, so that a rewind lands at the last
  block with events before the fork. The newest ``MAX_CHECKPOINTS`` are kept. The deployment block's
  hash is recorded too.
- Each sync first checks the cursor's hash. If the chain still has it, every stored block is still
  on the chain (each block commits to its parent). If not:
  - when the deployment block's hash changed too, this is another chain behind the same chain id and
    address (a restarted development node with Ante redeployed, say): everything stored for the
    deployment is dropped and read again from the deployment block;
  - else a reorganisation went deeper than the finality rule expected: the index rewinds to the newest
    checkpoint the chain still has (found by bisection: a block on the chain implies its ancestors
    are), drops the events after it and reads again from there; with no such checkpoint, it rebuilds.
- A deployment now recorded at another deployment block is rebuilt likewise.

Each of these is said once, as one sentence, through the ``notice`` callback (default: a warning on the
``ante`` logger); the core never prints.

A file that is not a readable index (garbage, truncated, or written by another schema version) is moved
aside as ``<name>.corrupt`` (or, for an old schema, emptied) and rebuilt, also with one notice. Deleting
the file is always safe: the next sync rebuilds it from the deployment block.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from ante.errors import AnteError
from ante.events import Event, from_json, to_json
from ante.terms import to_checksum_address

#: Reads the events of blocks ``start..stop`` (inclusive), in chain order.
Fetch = Callable[[int, int], Iterable[Event]]

#: The hash of block `number` on the chain now (``0x`` hex), or None if the chain has no such block.
BlockHash = Callable[[int], "str | None"]

#: Says something worth knowing once (a rewind, a rebuild), as one sentence.
Notice = Callable[[str], None]

#: Bumped whenever the tables change shape; a file with another version is rebuilt.
SCHEMA_VERSION = 2

#: How many batch checkpoints are kept per deployment (a rewind deeper than the oldest rebuilds).
MAX_CHECKPOINTS = 128

#: How many times a batch is read again when its last block changed while it was read.
BATCH_ATTEMPTS = 3

log = logging.getLogger("ante")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS deployments (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    start_block INTEGER NOT NULL,
    start_hash TEXT,
    last_block INTEGER NOT NULL,
    last_hash TEXT,
    generation TEXT NOT NULL,
    PRIMARY KEY (chain_id, contract)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    PRIMARY KEY (chain_id, contract, block_number)
);
CREATE TABLE IF NOT EXISTS events (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    challenge_id INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (chain_id, contract, block_number, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_challenge ON events (chain_id, contract, challenge_id);
PRAGMA user_version = {SCHEMA_VERSION};
"""


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is bad or unreadable (rather than busy or locked, which passes)."""
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        return any(sign in text for sign in ("malformed", "not a database", "unable to open"))
    return True


class ChainChanged(AnteError):
    """A batch's last block kept changing while its events were read."""


class EventIndex:
    """The events of the Ante deployment at `contract` on chain `chain_id`, from `start_block` on."""

    def __init__(self, path: Path, chain_id: int, contract: str, start_block: int = 0,
                 notice: Notice | None = None):
        self.path = Path(path)
        self.chain_id = chain_id
        self.contract = contract.lower()
        self.start_block = start_block
        self.notice = notice or log.warning
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as error:
            if not _is_corruption(error):
                raise
            self._db = self._recreate(error)

    # ------------------------------------------------------------------ the file

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and version != SCHEMA_VERSION:
                with db:  # a cache in another shape: empty it (it holds nothing the chain does not)
                    for table in tables:
                        db.execute(f'DROP TABLE IF EXISTS "{table}"')
                self.notice(f"The event index was written in format {version}, not {SCHEMA_VERSION}: "
                            "it is rebuilt from the chain.")
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _recreate(self, error: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Moves an unreadable file aside (with its WAL files) and starts a new one; says so once."""
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        except OSError as move_error:
            raise AnteError(f"the event index file {self.path.name} cannot be read ({error}) nor moved aside "
                            f"({move_error.strerror}); delete it and try again.") from error
        self.notice(f"The event index could not be read ({error}): it was moved aside as {aside.name} "
                    "and is rebuilt from the chain.")
        return self._open()

    def _healing(self, operation: Callable[[], object]):
        """Runs `operation`; if SQLite finds the file damaged on the way, recreates it and runs it again."""
        try:
            return operation()
        except sqlite3.DatabaseError as error:
            if not _is_corruption(error):
                raise
            self._db = self._recreate(error)
            return operation()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EventIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ the cursor

    def _cursor(self) -> tuple | None:
        """(start_block, start_hash, last_block, last_hash, generation) of this deployment, if stored."""
        return self._db.execute(
            "SELECT start_block, start_hash, last_block, last_hash, generation FROM deployments "
            "WHERE chain_id = ? AND contract = ?", (self.chain_id, self.contract)
        ).fetchone()

    @property
    def last_block(self) -> int:
        """The last block whose events are all in the index (``start_block - 1`` before any sync)."""
        row = self._healing(self._cursor)
        return row[2] if row else self.start_block - 1

    @property
    def last_hash(self) -> str | None:
        """The hash recorded for `last_block`, if any."""
        row = self._healing(self._cursor)
        return row[3] if row else None

    @property
    def generation(self) -> str | None:
        """Changes whenever stored events are dropped (a rewind or rebuild), so a reader that keeps a copy
        of them knows to read them all again; None before any sync."""
        row = self._healing(self._cursor)
        return row[4] if row else None

    def checkpoints(self) -> list[tuple[int, str]]:
        """The recorded (block, hash) checkpoints, oldest first."""
        return self._healing(lambda: self._db.execute(
            "SELECT block_number, block_hash FROM checkpoints WHERE chain_id = ? AND contract = ? "
            "ORDER BY block_number", (self.chain_id, self.contract)).fetchall())

    # ------------------------------------------------------------------ dropping what the chain no longer has

    def rebuild(self, reason: str | None = None) -> None:
        """Drops everything stored for this deployment (the next sync reads it all again); says `reason`."""
        key = (self.chain_id, self.contract)
        with self._db:
            for table in ("events", "checkpoints", "deployments"):
                self._db.execute(f"DELETE FROM {table} WHERE chain_id = ? AND contract = ?", key)
        if reason:
            self.notice(reason)

    def _rewind(self, block: int, block_hash: str, reason: str) -> None:
        """Drops what was stored after `block` (still on the chain, with `block_hash`); says `reason`."""
        key = (self.chain_id, self.contract)
        with self._db:
            self._db.execute("DELETE FROM events WHERE chain_id = ? AND contract = ? AND block_number > ?", (*key, block))
            self._db.execute("DELETE FROM checkpoints WHERE chain_id = ? AND contract = ? AND block_number > ?",
                             (*key, block))
            self._db.execute("UPDATE deployments SET last_block = ?, last_hash = ?, generation = ? "
                             "WHERE chain_id = ? AND contract = ?", (block, block_hash, uuid.uuid4().hex, *key))
        self.notice(reason)

    def verify(self, block_hash: BlockHash) -> None:
        """Checks the stored blocks against the chain and drops those it no longer has (see the module)."""
        row = self._cursor()
        if row is None:
            return
        start_block, start_hash, last_block, last_hash, _ = row
        where = f"Ante at {to_checksum_address(self.contract)} on chain {self.chain_id}"
        if start_block != self.start_block:
            self.rebuild(f"{where} is now recorded as deployed in block {self.start_block:,}, not {start_block:,}: "
                         "its event index is rebuilt.")
            return
        if last_hash is None or block_hash(last_block) == last_hash:
            return
        if start_hash is not None and block_hash(start_block) != start_hash:
            self.rebuild(f"Chain {self.chain_id} no longer has the block {start_block:,} that {where} was deployed "
                         f"in (the node was restarted or replaced): its event index is rebuilt.")
            return
        fork = self._newest_checkpoint_on_chain(block_hash)
        if fork is None:
            self.rebuild(f"Chain {self.chain_id} reorganised below block {last_block:,}, deeper than the event "
                         f"index's checkpoints: it is rebuilt from block {start_block:,}.")
            return
        self._rewind(*fork, f"Chain {self.chain_id} reorganised below block {last_block:,} (deeper than its "
                            f"finality rule expected): the event index dropped what it read after block "
                            f"{fork[0]:,} and reads it again.")

    def _newest_checkpoint_on_chain(self, block_hash: BlockHash) -> tuple[int, str] | None:
        # The chain's checkpoints form a prefix of the list (a block on the chain implies its ancestors).
        points = self.checkpoints()
        low, high = 0, len(points)  # points[:low] are on the chain, points[high:] are not
        while low < high:
            middle = (low + high) // 2
            number, expected = points[middle]
            if block_hash(number) == expected:
                low = middle + 1
            else:
                high = middle
        return points[low - 1] if low else None

    # ------------------------------------------------------------------ reading the chain

    def sync(
        self,
        head: int,
        fetch: Fetch,
        batch: int = 2_000,
        progress: Callable[[int, int], None] | None = None,
        block_hash: BlockHash | None = None,
    ) -> int:
        """Reads blocks after `last_block` up to `head` (the caller's final block); returns how many new
        events were stored. With `block_hash`, first drops what the chain no longer has."""
        if batch < 1:
            raise ValueError("batch must be at least one block")
        return self._healing(lambda: self._sync(head, fetch, batch, progress, block_hash))

    def _sync(self, head, fetch, batch, progress, block_hash) -> int:
        if block_hash is not None:
            self.verify(block_hash)
        stored = 0
        start = self.last_block + 1
        while start <= head:
            stop = min(start + batch - 1, head)
            read = self._read_batch(start, stop, fetch, block_hash)
            if read is None:
                break  # the chain is shorter than `head` now (rolled back): the next sync goes on
            rows, stop_hash, seen = read
            self._commit(rows, stop, stop_hash, seen, block_hash)
            stored += len(rows)
            if progress:
                progress(stop, head)
            start = stop + 1
        return stored

    def _read_batch(self, start: int, stop: int, fetch: Fetch, block_hash: BlockHash | None):
        """(rows, hash of `stop`, {block: hash} of the other blocks the fetch saw) for blocks start..stop,
        the hash read before and after the events so that they belong to that block's chain; None if
        the chain has no block `stop`."""
        if block_hash is None:
            return [self._row(event) for event in fetch(start, stop)], None, {}
        for _ in range(BATCH_ATTEMPTS):
            before = block_hash(stop)
            if before is None:
                return None
            rows = [self._row(event) for event in fetch(start, stop)]
            if block_hash(stop) == before:
                seen = getattr(fetch, "seen_hashes", None) or {}
                return rows, before, {n: h for n, h in seen.items() if start <= n < stop}
        raise ChainChanged(f"block {stop:,} of chain {self.chain_id} changed {BATCH_ATTEMPTS} times while its "
                           "events were read; try again once the chain settles.")

    def _commit(self, rows: list[tuple], stop: int, stop_hash: str | None, seen: dict[int, str],
                block_hash: BlockHash | None) -> None:
        key = (self.chain_id, self.contract)
        row = self._cursor()
        start_hash = row[1] if row else None
        if start_hash is None and block_hash is not None:
            start_hash = block_hash(self.start_block) if self.start_block <= stop else None
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self._db.execute(
                "INSERT INTO deployments VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chain_id, contract) "
                "DO UPDATE SET last_block = excluded.last_block, last_hash = excluded.last_hash, "
                "start_hash = excluded.start_hash",
                (*key, self.start_block, start_hash, stop, stop_hash, uuid.uuid4().hex),
            )
            if stop_hash is not None:
                points = {**seen, stop: stop_hash}
                self._db.executemany("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)",
                                     [(*key, number, value) for number, value in points.items()])
                self._db.execute(
                    "DELETE FROM checkpoints WHERE chain_id = ? AND contract = ? AND block_number NOT IN "
                    "(SELECT block_number FROM checkpoints WHERE chain_id = ? AND contract = ? "
                    "ORDER BY block_number DESC LIMIT ?)", (*key, *key, MAX_CHECKPOINTS))

    def _row(self, event: Event) -> tuple:
        challenge_id = getattr(event, "challenge_id", None)
        return (
            self.chain_id,
            self.contract,
            event.block_number,
            event.log_index,
            type(event).__name__,
            challenge_id,
            json.dumps(to_json(event), sort_keys=True),
        )

    # ------------------------------------------------------------------ reading the index

    def events(self, challenge_id: int | None = None, after_block: int | None = None) -> list[Event]:
        """The stored events in chain order, all of them or one challenge's (only those in blocks after
        `after_block`, when given)."""
        query = "SELECT body FROM events WHERE chain_id = ? AND contract = ?"
        params: list = [self.chain_id, self.contract]
        if challenge_id is not None:
            query += " AND challenge_id = ?"
            params.append(challenge_id)
        if after_block is not None:
            query += " AND block_number > ?"
            params.append(after_block)
        query += " ORDER BY block_number, log_index"
        rows = self._healing(lambda: self._db.execute(query, params).fetchall())
        return [from_json(json.loads(body)) for (body,) in rows]

    def count(self) -> int:
        """How many events are stored for this deployment."""
        return self._healing(lambda: self._db.execute(
            "SELECT COUNT(*) FROM events WHERE chain_id = ? AND contract = ?", (self.chain_id, self.contract)
        ).fetchone()[0])
