"""An incremental, durable cache of one deployment's events.

The chain is the source of truth; this index only saves reading it again. Events are stored in SQLite
(WAL mode) under the data folder, keyed by chain id and contract address, together with the last
block read. A sync reads only the blocks after that, in batches, and commits each batch with its new
high-water mark in one transaction, so a crash loses at most the batch in flight and never leaves a
gap. Deleting the file is always safe: the next sync rebuilds it from the deployment block.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from ante.events import Event, from_json, to_json

#: Reads the events of blocks ``start..stop`` (inclusive), in chain order.
Fetch = Callable[[int, int], Iterable[Event]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cursor (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    last_block INTEGER NOT NULL,
    PRIMARY KEY (chain_id, contract)
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
"""


class EventIndex:
    """The events of the Ante deployment at `contract` on chain `chain_id`, from `start_block` on."""

    def __init__(self, path: Path, chain_id: int, contract: str, start_block: int = 0):
        self.path = Path(path)
        self.chain_id = chain_id
        self.contract = contract.lower()
        self.start_block = start_block
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EventIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def last_block(self) -> int:
        """The last block whose events are all in the index (``start_block - 1`` before any sync)."""
        row = self._db.execute(
            "SELECT last_block FROM cursor WHERE chain_id = ? AND contract = ?", (self.chain_id, self.contract)
        ).fetchone()
        return row[0] if row else self.start_block - 1

    def sync(
        self,
        head: int,
        fetch: Fetch,
        batch: int = 2_000,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Reads blocks after `last_block` up to `head`; returns how many new events were stored."""
        if batch < 1:
            raise ValueError("batch must be at least one block")
        stored = 0
        start = self.last_block + 1
        while start <= head:
            stop = min(start + batch - 1, head)
            rows = [self._row(event) for event in fetch(start, stop)]
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
                self._db.execute(
                    "INSERT INTO cursor VALUES (?, ?, ?) ON CONFLICT (chain_id, contract) "
                    "DO UPDATE SET last_block = excluded.last_block",
                    (self.chain_id, self.contract, stop),
                )
            stored += len(rows)
            if progress:
                progress(stop, head)
            start = stop + 1
        return stored

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
        return [from_json(json.loads(body)) for (body,) in self._db.execute(query, params)]

    def count(self) -> int:
        """How many events are stored for this deployment."""
        return self._db.execute(
            "SELECT COUNT(*) FROM events WHERE chain_id = ? AND contract = ?", (self.chain_id, self.contract)
        ).fetchone()[0]
