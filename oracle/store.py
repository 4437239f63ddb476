"""The oracle's durable memory: the signed verdicts it acknowledged, and what it did on-chain.

One SQLite file in WAL mode with ``synchronous=FULL``: a write returns only after its transaction is
committed and fsync'd, so anything the HTTP API acknowledged (202) survives a ``kill -9`` or a power
cut. The chain is the source of truth for everything else; this file only holds what the chain does
not: the verdicts collected so far, before a quorum is relayed.

Tables
------
``verdicts``, keyed by (chain_id, contract, challenge_id, signer): the verdict document as signed
(``SignedVerdict.to_json``), its deliverable, score and signature, and when it was received. An
evaluator has one verdict per challenge; a new one with another score, or the same score with other
signature bytes, replaces it (``"replaced"``: a contract wallet such as a Safe signs again when its
owners change, and only its new signature may still count), the same one again changes nothing
(``"unchanged"``). Whether a replacement is still allowed (the challenge is not settled yet) is for the
service to decide: it knows the chain.

``appeal_verdicts``, the same columns and key: the appeal panel's verdicts (``AppealVerdict``) on an appealed
challenge, kept apart from the first round's, so that an evaluator on both panels has one of each. Every
verdict reader takes ``appeal=True`` for them.

``attempts``: every settlement, lapse or finalization the oracle tried and how it ended: ``settled_by_us``,
``settled_elsewhere``, ``lapsed_by_us``, ``lapsed_elsewhere``, ``finalized_by_us``, ``finalized_elsewhere`` or
``failed`` (with a reason), with the
transaction hash when there is one.

``outgoing`` and ``sends``: every transaction the relayer (:mod:`ante.oracle.relayer`) signed, written
before it is broadcast, so that after a crash a transaction in flight is followed, never sent again
blindly. An ``outgoing`` row is one nonce of the oracle's account used for one action on one challenge:
its calldata, gas limit and state (``pending``: broadcast, not mined; ``mined``: in a block, waiting for
its confirmations, with that block's number and hash; ``confirmed``, or ``dropped`` when the nonce was
taken by a transaction this oracle did not send). ``sends`` holds every signed version broadcast for
that nonce (a fee replacement or a cancellation adds one): its hash, fees, raw bytes and the head when
it was sent. Whichever of them is mined counts.

One connection serves every thread, behind a lock (writes are short; SQLite serialises them anyway).
Verdicts are written in group commits: concurrent :meth:`VerdictStore.put` calls that arrive while a
commit is under way are written together in the next transaction, so one fsync serves many of them.
Each call still returns only after the transaction holding its own verdict is committed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path


from ante.oracle.sqlite import SqliteFile
from ante.terms import to_checksum_address
from ante.verdict import AppealVerdict, SignedVerdict, Verdict

#: What `VerdictStore.put` reports.
STORED, UNCHANGED, REPLACED = "stored", "unchanged", "replaced"

#: Outcomes of an attempt (`VerdictStore.record_attempt`).
SETTLED_BY_US = "settled_by_us"
SETTLED_ELSEWHERE = "settled_elsewhere"
LAPSED_BY_US = "lapsed_by_us"
LAPSED_ELSEWHERE = "lapsed_elsewhere"
FINALIZED_BY_US = "finalized_by_us"
FINALIZED_ELSEWHERE = "finalized_elsewhere"
FAILED = "failed"
OUTCOMES = (SETTLED_BY_US, SETTLED_ELSEWHERE, LAPSED_BY_US, LAPSED_ELSEWHERE, FINALIZED_BY_US, FINALIZED_ELSEWHERE,
            FAILED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    signer TEXT NOT NULL,
    deliverable TEXT NOT NULL,
    score INTEGER NOT NULL,
    signature TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (chain_id, contract, challenge_id, signer)
);
CREATE TABLE IF NOT EXISTS appeal_verdicts (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    signer TEXT NOT NULL,
    deliverable TEXT NOT NULL,
    score INTEGER NOT NULL,
    signature TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (chain_id, contract, challenge_id, signer)
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    tx_hash TEXT,
    reason TEXT,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_challenge ON attempts (chain_id, contract, challenge_id);
CREATE TABLE IF NOT EXISTS outgoing (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    account TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    action TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    data TEXT NOT NULL,
    gas INTEGER NOT NULL,
    state TEXT NOT NULL,
    block_number INTEGER,
    block_hash TEXT,
    mined_hash TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outgoing_open ON outgoing (chain_id, contract, account, state);
CREATE TABLE IF NOT EXISTS sends (
    outgoing_id INTEGER NOT NULL REFERENCES outgoing (id),
    tx_hash TEXT NOT NULL,
    max_fee INTEGER NOT NULL,
    priority_fee INTEGER NOT NULL,
    cancel INTEGER NOT NULL,
    raw TEXT NOT NULL,
    sent_block INTEGER NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (outgoing_id, tx_hash)
);
"""

#: States of an outgoing transaction; the first two are open (followed by the relayer).
PENDING, MINED, CONFIRMED, DROPPED = "pending", "mined", "confirmed", "dropped"
OPEN_STATES = (PENDING, MINED)


@dataclass(frozen=True)
class StoredVerdict:
    """A verdict as the store holds it: the signed verdict and when it (last) arrived."""

    signed: SignedVerdict
    received_at: float

    @property
    def signer(self) -> str:
        return self.signed.signer

    @property
    def score(self) -> int:
        return self.signed.verdict.score

    def to_json(self) -> dict:
        return {
            "signer": self.signer,
            "score": self.score,
            "deliverable": "0x" + self.signed.verdict.deliverable.hex(),
            "signature": "0x" + self.signed.signature.hex(),
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class Attempt:
    """One settlement or lapse the oracle tried, and how it ended."""

    challenge_id: int
    action: str
    outcome: str
    tx_hash: str | None
    reason: str | None
    at: float

    def to_json(self) -> dict:
        return {
            "challenge_id": self.challenge_id,
            "action": self.action,
            "outcome": self.outcome,
            "tx_hash": self.tx_hash,
            "reason": self.reason,
            "at": self.at,
        }


@dataclass(frozen=True)
class Send:
    """One signed version of an outgoing transaction, as broadcast."""

    tx_hash: str
    max_fee: int
    priority_fee: int
    cancel: bool  # a transfer of nothing to the oracle itself, filling the nonce
    raw: bytes
    sent_block: int
    sent_at: float

    def to_json(self) -> dict:
        return {"tx_hash": self.tx_hash, "max_fee": self.max_fee, "priority_fee": self.priority_fee,
                "cancel": self.cancel, "sent_block": self.sent_block, "sent_at": self.sent_at}


@dataclass
class Outgoing:
    """One nonce of the oracle's account, used for one action on one challenge, and every version sent."""

    id: int
    challenge_id: int
    action: str
    nonce: int
    data: bytes
    gas: int
    state: str
    sends: list[Send]
    block_number: int | None = None
    block_hash: str | None = None
    mined_hash: str | None = None

    @property
    def latest(self) -> Send:
        return self.sends[-1]

    def to_json(self) -> dict:
        return {"challenge_id": self.challenge_id, "action": self.action, "nonce": self.nonce, "state": self.state,
                "block_number": self.block_number, "mined_hash": self.mined_hash,
                "sends": [s.to_json() for s in self.sends]}


class _Pending:
    """A verdict row waiting for its group commit, and how it ended."""

    __slots__ = ("table", "row", "done", "status", "error")

    def __init__(self, row: tuple, table: str = "verdicts"):
        self.row = row
        self.table = table
        self.done = False
        self.status: str | None = None
        self.error: BaseException | None = None


def _key(chain_id: int, contract: str) -> tuple[int, str]:
    return int(chain_id), to_checksum_address(contract)


def _table(appeal: bool) -> str:
    """The table of first-round verdicts, or of appeal verdicts."""
    return "appeal_verdicts" if appeal else "verdicts"


class VerdictStore(SqliteFile):
    """The verdict store at `path` (created if missing); usable from any thread."""

    def __init__(self, path: Path | str):
        super().__init__(path, _SCHEMA)
        # Group commit: verdicts waiting for the next transaction, and whether a caller is writing one.
        self._group = threading.Condition(threading.Lock())
        self._waiting: list[_Pending] = []
        self._writing = False


    # ------------------------------------------------------------------ verdicts

    def put(self, signed: SignedVerdict, received_at: float | None = None) -> str:
        """Stores an (already verified) signed verdict; returns "stored", "unchanged" or "replaced".

        The verdict is committed to disk when this returns. The same verdict again (same deliverable,
        score and signature from the same signer) is a no-op. An ``AppealVerdict`` is kept with the appeal
        verdicts.
        """
        v = signed.verdict
        chain_id, contract = _key(v.chain_id, v.contract)
        signer = to_checksum_address(signed.signer)
        deliverable = "0x" + bytes(v.deliverable).hex()
        row = (chain_id, contract, str(v.challenge_id), signer, deliverable, int(v.score),
               "0x" + bytes(signed.signature).hex(), json.dumps(signed.to_json(), sort_keys=True),
               time.time() if received_at is None else received_at)
        pending = _Pending(row, _table(isinstance(v, AppealVerdict)))
        with self._group:
            self._waiting.append(pending)
            # Wait while another caller writes a group; then either our verdict is in it, or we write
            # the next group ourselves (everything that queued up meanwhile).
            while self._writing and not pending.done:
                self._group.wait()
            if not pending.done:
                self._writing = True
                group, self._waiting = self._waiting, []
        if not pending.done:
            try:
                self._write(group)
            finally:
                with self._group:
                    self._writing = False
                    self._group.notify_all()
        if pending.error is not None:
            raise pending.error
        return pending.status

    def _write(self, group: list[_Pending]) -> None:
        """Writes `group` in one transaction, in arrival order; marks each done (with an error if it failed)."""
        try:
            with self._transaction() as db:
                statuses = []
                for pending in group:
                    row, table = pending.row, pending.table
                    old = db.execute(
                        f"SELECT deliverable, score, signature FROM {table} WHERE chain_id = ? AND contract = ? "
                        "AND challenge_id = ? AND signer = ?", row[:4]).fetchone()
                    if old == (row[4], row[5], row[6]):
                        statuses.append(UNCHANGED)
                        continue
                    db.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                    statuses.append(STORED if old is None else REPLACED)
        except BaseException as error:  # nothing of the group is stored: each caller gets the error
            for pending in group:
                pending.error, pending.done = error, True
            if not isinstance(error, Exception):
                raise
            return
        for pending, status in zip(group, statuses):
            pending.status, pending.done = status, True

    def verdicts(self, chain_id: int, contract: str, challenge_id: int, *, appeal: bool = False) -> list[StoredVerdict]:
        """One challenge's stored verdicts (its appeal verdicts if `appeal`), by signer address (ascending)."""
        chain_id, contract = _key(chain_id, contract)
        rows = self._read(
            f"SELECT signer, deliverable, score, signature, received_at FROM {_table(appeal)} "
            "WHERE chain_id = ? AND contract = ? AND challenge_id = ?", (chain_id, contract, str(challenge_id)))
        kind = AppealVerdict if appeal else Verdict
        out = []
        for signer, deliverable, score, signature, received_at in rows:
            verdict = kind(chain_id, contract, int(challenge_id), bytes.fromhex(deliverable[2:]), int(score))
            out.append(StoredVerdict(SignedVerdict(verdict, signer, bytes.fromhex(signature[2:])), received_at))
        return sorted(out, key=lambda s: int(s.signer, 16))

    def documents(self, chain_id: int, contract: str, challenge_id: int, *, appeal: bool = False) -> list[dict]:
        """One challenge's stored verdicts (its appeal verdicts if `appeal`) exactly as signed (the JSON
        `ante verdict sign` writes)."""
        chain_id, contract = _key(chain_id, contract)
        rows = self._read(
            f"SELECT document FROM {_table(appeal)} WHERE chain_id = ? AND contract = ? AND challenge_id = ? "
            "ORDER BY signer", (chain_id, contract, str(challenge_id)))
        return [json.loads(document) for (document,) in rows]

    def challenge_ids(self, chain_id: int, contract: str) -> list[int]:
        """The challenges that have at least one stored verdict (of either round), ascending."""
        rows = self._read("SELECT challenge_id FROM verdicts WHERE chain_id = ? AND contract = ? UNION "
                          "SELECT challenge_id FROM appeal_verdicts WHERE chain_id = ? AND contract = ?",
                          _key(chain_id, contract) * 2)
        return sorted(int(cid) for (cid,) in rows)

    def counts(self, chain_id: int, contract: str, *, appeal: bool = False) -> dict[int, int]:
        """How many verdicts (appeal verdicts if `appeal`) are stored per challenge."""
        rows = self._read(f"SELECT challenge_id, COUNT(*) FROM {_table(appeal)} WHERE chain_id = ? AND contract = ? "
                          "GROUP BY challenge_id", _key(chain_id, contract))
        return {int(cid): n for cid, n in rows}

    def count(self) -> int:
        """How many verdicts are stored in all (both rounds)."""
        return self._read("SELECT (SELECT COUNT(*) FROM verdicts) + (SELECT COUNT(*) FROM appeal_verdicts)", ())[0][0]

    # ------------------------------------------------------------------ attempts

    def record_attempt(self, chain_id: int, contract: str, challenge_id: int, action: str, outcome: str,
                       tx_hash: str | None = None, reason: str | None = None, *,
                       confirmed: Outgoing | None = None) -> Attempt:
        """Records a settlement or lapse attempt and its outcome (committed when this returns); with
        `confirmed`, the outgoing transaction it ends becomes ``confirmed`` in the same transaction, so a
        crash can neither lose the outcome nor record it twice."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        attempt = Attempt(int(challenge_id), action, outcome, tx_hash, reason, time.time())
        chain_id, contract = _key(chain_id, contract)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO attempts (chain_id, contract, challenge_id, action, outcome, tx_hash, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chain_id, contract, str(challenge_id), action, outcome, tx_hash, reason, attempt.at))
            if confirmed is not None:
                db.execute("UPDATE outgoing SET state = ?, updated_at = ? WHERE id = ?",
                           (CONFIRMED, attempt.at, confirmed.id))
        if confirmed is not None:
            confirmed.state = CONFIRMED
        return attempt

    def attempts(self, chain_id: int, contract: str, challenge_id: int | None = None) -> list[Attempt]:
        """The attempts recorded for one challenge, or for all, oldest first."""
        query = "SELECT challenge_id, action, outcome, tx_hash, reason, at FROM attempts WHERE chain_id = ? AND contract = ?"
        params: tuple = _key(chain_id, contract)
        if challenge_id is not None:
            query += " AND challenge_id = ?"
            params += (str(challenge_id),)
        rows = self._read(query + " ORDER BY id", params)
        return [Attempt(int(cid), action, outcome, tx, reason, at) for cid, action, outcome, tx, reason, at in rows]

    # ------------------------------------------------------------------ outgoing transactions

    def add_outgoing(self, chain_id: int, contract: str, account: str, challenge_id: int, action: str, nonce: int,
                     data: bytes, gas: int, send: Send) -> Outgoing:
        """Records a transaction about to be broadcast, with its first signed version (committed on return)."""
        chain_id, contract = _key(chain_id, contract)
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO outgoing (chain_id, contract, account, challenge_id, action, nonce, data, gas, state, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (chain_id, contract, to_checksum_address(account), str(challenge_id), action, int(nonce),
                 "0x" + bytes(data).hex(), int(gas), PENDING, now, now))
            outgoing_id = cursor.lastrowid
            self._insert_send(db, outgoing_id, send)
        return Outgoing(outgoing_id, int(challenge_id), action, int(nonce), bytes(data), int(gas), PENDING, [send])

    def add_send(self, outgoing: Outgoing, send: Send) -> None:
        """Records another signed version of `outgoing` (same nonce) before it is broadcast."""
        with self._transaction() as db:
            self._insert_send(db, outgoing.id, send)
        outgoing.sends.append(send)

    @staticmethod
    def _insert_send(db, outgoing_id: int, send: Send) -> None:
        db.execute("INSERT OR IGNORE INTO sends VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (outgoing_id, send.tx_hash, send.max_fee, send.priority_fee, int(send.cancel),
                    "0x" + send.raw.hex(), send.sent_block, send.sent_at))

    def update_outgoing(self, outgoing: Outgoing, state: str, *, block_number: int | None = None,
                        block_hash: str | None = None, mined_hash: str | None = None) -> None:
        """Moves `outgoing` to `state` (with the block it was mined in, for ``mined`` and ``confirmed``)."""
        with self._transaction() as db:
            db.execute("UPDATE outgoing SET state = ?, block_number = ?, block_hash = ?, mined_hash = ?, updated_at = ? "
                       "WHERE id = ?", (state, block_number, block_hash, mined_hash, time.time(), outgoing.id))
        outgoing.state, outgoing.block_number, outgoing.block_hash, outgoing.mined_hash = \
            state, block_number, block_hash, mined_hash

    def outgoing(self, chain_id: int, contract: str, *, account: str | None = None, challenge_id: int | None = None,
                 open_only: bool = False) -> list[Outgoing]:
        """Outgoing transactions, by nonce: only `account`'s, `challenge_id`'s or the open ones, where given."""
        query = ("SELECT id, challenge_id, action, nonce, data, gas, state, block_number, block_hash, mined_hash "
                 "FROM outgoing WHERE chain_id = ? AND contract = ?")
        params: tuple = _key(chain_id, contract)
        if account is not None:
            query += " AND account = ?"
            params += (to_checksum_address(account),)
        if challenge_id is not None:
            query += " AND challenge_id = ?"
            params += (str(challenge_id),)
        if open_only:
            query += f" AND state IN ({', '.join('?' for _ in OPEN_STATES)})"
            params += OPEN_STATES
        rows = self._read(query + " ORDER BY nonce, id", params)
        out = []
        for oid, cid, action, nonce, data, gas, state, block_number, block_hash, mined_hash in rows:
            sends = [Send(tx, max_fee, tip, bool(cancel), bytes.fromhex(raw[2:]), sent_block, sent_at)
                     for tx, max_fee, tip, cancel, raw, sent_block, sent_at in self._read(
                         "SELECT tx_hash, max_fee, priority_fee, cancel, raw, sent_block, sent_at FROM sends "
                         "WHERE outgoing_id = ? ORDER BY sent_at, rowid", (oid,))]
            out.append(Outgoing(oid, int(cid), action, nonce, bytes.fromhex(data[2:]), gas, state, sends,
                                block_number, block_hash, mined_hash))
        return out
