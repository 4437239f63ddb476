"""Feedback in: EAS attestations in Ante's feedback schema, off chain and on chain, checked, kept and read back.

Anyone may say what they think of a challenge's deliverable (:mod:`ante.feedback`): the oracle takes the
attestation package as EAS's SDK shares it (``{"sig": …, "signer": …}``), checks it completely and keeps
it whole, so that anyone can verify it again; and the chain worker reads the attestations made on chain
(``EAS.attest``) from EAS's events, up to the final block, and keeps each valid one the same way (no
package: EAS holds it; its transaction instead). Feedback is advisory: it never moves money. Nothing here
touches the chain but :meth:`FeedbackDesk.follow_revocations` and :meth:`FeedbackDesk.follow_onchain`,
which the chain worker calls.

- :class:`FeedbackStore`: one *current* attestation per (chain, Ante contract, challenge, signer) in the
  oracle's SQLite file (WAL, ``synchronous=FULL``: committed and fsync'd before an answer), each marked
  off chain or on chain (with its transaction). A newer ``time`` replaces an older one, wherever each is
  (an on-chain attestation's time is its block's); an older one, or another one of the same time, is refused
  (``"stale"``); the same one again changes nothing (``"unchanged"``). :meth:`FeedbackStore.revoke`
  removes an attestation by its UID and remembers the UID, so that a revoked attestation is never taken
  again; the chain worker honours EAS's own off-chain revocations (``revokeOffchain`` by the attester)
  as it reads new blocks (:meth:`FeedbackDesk.follow_revocations`), and keeps on-chain attestations and
  honours their revocations (``Attested`` and ``Revoked``, applied in chain order with the cursor in one
  transaction: :meth:`FeedbackStore.follow_onchain`).
- :class:`FeedbackPolicy`: who may give feedback, the operator's choice (anyone, a list of addresses,
  the members of some panels) and how often one signer may post (a sliding hour, kept in memory: a
  restart forgets it).
- :class:`FeedbackDesk`: the checks (the EAS domain of this oracle, Ante's schema, this deployment, a
  challenge that exists, its submitted deliverable or zero before a submission, the recipient), the
  policy and the store, for the HTTP API; a refusal is a :class:`Rejected` (an
  :class:`ante.oracle.admission.Rejected`, answered the same way) whose reason :data:`STATUS` maps to its
  HTTP status. An on-chain attestation passes the same checks (:meth:`FeedbackDesk.onchain_problem`), the
  challenge taken as it was where the attestation was made, and the policy's list but not its rate;
  one that fails is skipped with one log line.

A signer's role on a challenge is read from the oracle's snapshot when feedback is listed: ``funder``
(who posted it), ``contributor`` (who holds it), ``panel`` (a member of the panel that judges it), else
``community``.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ante.feedback import ROLES, ZERO_ADDRESS, ZERO_HASH, EasDomain, FeedbackError, SignedAttestation, role
from ante.oracle.admission import Rejected as _Rejected
from ante.oracle.snapshots import NotReady
from ante.oracle.sqlite import SqliteFile
from ante.terms import to_checksum_address

log = logging.getLogger("ante.oracle")

#: What :meth:`FeedbackStore.put` reports.
STORED, UNCHANGED, REPLACED, STALE, REVOKED = "stored", "unchanged", "replaced", "stale", "revoked"


#: A signer's posts per hour taken by default.
DEFAULT_RATE = 60

#: How far ahead of the oracle's clock an attestation's time may be, in seconds (clocks differ a little).
CLOCK_SLACK = 600

#: Every reason feedback is refused for, with its HTTP status.
STATUS: dict[str, int] = {
    "too_large": 413,
    "not_json": 400,
    "malformed": 422,
    "invalid": 422,
    "bad_signature": 422,
    "wrong_domain": 422,
    "wrong_contract": 422,
    "future": 422,
    "expired": 409,
    "unknown_challenge": 404,
    "wrong_deliverable": 409,
    "wrong_recipient": 409,
    "stale": 409,
    "revoked": 409,
    "not_allowed": 403,
    "rate_limited": 429,
    "no_eas": 503,
    "not_ready": 503,
}



class Rejected(_Rejected):
    """Feedback the oracle will not keep: its `reason` (a key of :data:`STATUS`) and one sentence."""

    @property
    def status(self) -> int:
        return STATUS[self.reason]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    signer TEXT NOT NULL,
    uid TEXT NOT NULL,
    time INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    deliverable TEXT NOT NULL,
    stance INTEGER NOT NULL,
    comment TEXT NOT NULL,
    comment_hash TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at REAL NOT NULL,
    onchain INTEGER NOT NULL DEFAULT 0,
    transaction_hash TEXT,
    PRIMARY KEY (chain_id, contract, challenge_id, signer)
);
CREATE INDEX IF NOT EXISTS feedback_by_signer ON feedback (chain_id, contract, signer);
CREATE INDEX IF NOT EXISTS feedback_by_uid ON feedback (uid);
CREATE TABLE IF NOT EXISTS feedback_cursors (
    name TEXT PRIMARY KEY,
    block INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback_revoked (
    uid TEXT NOT NULL,
    signer TEXT NOT NULL,
    revoked_at REAL NOT NULL,
    PRIMARY KEY (uid, signer)
);
"""


#: Columns added to the feedback table since it was first written (an older file gains them on open).
_ADDED_COLUMNS = (("onchain", "INTEGER NOT NULL DEFAULT 0"), ("transaction_hash", "TEXT"))


@dataclass(frozen=True)
class StoredFeedback:
    """One current attestation as the store holds it: its fields, the package as posted (None for an
    on-chain attestation: EAS holds it), when it came, and where it is from (`onchain`, with the
    transaction that made it)."""

    uid: str
    challenge_id: int
    signer: str
    recipient: str
    time: int
    deliverable: str
    stance: int
    comment: str
    comment_hash: str
    package: dict | None
    received_at: float
    onchain: bool = False
    transaction_hash: str | None = None

    @property
    def stance_name(self) -> str:
        from ante.feedback import STANCE_NAMES

        return STANCE_NAMES[self.stance]

    def to_json(self, role: str | None = None) -> dict:
        out = {"uid": self.uid, "challenge_id": self.challenge_id, "signer": self.signer,
               "recipient": self.recipient, "stance": self.stance_name, "comment": self.comment,
               "comment_hash": self.comment_hash, "deliverable": self.deliverable, "time": self.time,
               "received_at": self.received_at}
        if role is not None:
            out["role"] = role
        out["onchain"] = self.onchain
        out["transaction_hash"] = self.transaction_hash
        out["package"] = self.package
        return out


def _key(chain_id: int, contract: str) -> tuple[int, str]:
    return int(chain_id), to_checksum_address(contract)


class FeedbackStore(SqliteFile):
    """The feedback kept at `path` (an SQLite file, created if missing; the verdict store's file does).
    Usable from any thread."""

    _COLUMNS = ("uid, challenge_id, signer, recipient, time, deliverable, stance, comment, comment_hash, document, "
                "received_at, onchain, transaction_hash")
    _INSERT = ("INSERT OR REPLACE INTO feedback (chain_id, contract, challenge_id, signer, uid, time, recipient, "
               "deliverable, stance, comment, comment_hash, document, received_at, onchain, transaction_hash) "
               "VALUES (" + ", ".join("?" for _ in range(15)) + ")")

    def __init__(self, path: Path | str):
        super().__init__(path, _SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(feedback)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in present:
                self._db.execute(f"ALTER TABLE feedback ADD COLUMN {name} {kind}")

    # ------------------------------------------------------------------ writing

    def put(self, signed: SignedAttestation, received_at: float | None = None) -> tuple[str, StoredFeedback | None]:
        """Keeps an (already verified) attestation of Ante feedback as its signer's current one on its
        challenge. Returns (status, the current attestation after the call):

        - ``stored``: the signer had none on this challenge; ``replaced``: it had an older one;
        - ``unchanged``: this very attestation (same UID) is the current one;
        - ``stale``: the current one is as new or newer (nothing changes);
        - ``revoked``: this attestation was revoked (nothing changes; the second item is None).
        """
        a = signed.attestation
        feedback = signed.feedback()
        row = self._new_row(a.domain.chain_id, feedback, signed.uid, signed.signer, a.time, a.recipient,
                            signed.to_json(), received_at, False, None)
        with self._transaction() as db:
            return self._keep(db, row)

    @staticmethod
    def _new_row(chain_id, feedback, uid, signer, at, recipient, package, received_at, onchain, transaction_hash):
        chain_id, contract = _key(chain_id, feedback.ante)
        return (chain_id, contract, str(feedback.challenge_id), to_checksum_address(signer), uid, int(at),
                to_checksum_address(recipient), "0x" + bytes(feedback.deliverable).hex(), int(feedback.stance),
                feedback.comment, "0x" + bytes(feedback.comment_hash).hex(), json.dumps(package, sort_keys=True),
                time.time() if received_at is None else received_at, 1 if onchain else 0, transaction_hash)

    def _keep(self, db, row: tuple) -> tuple[str, StoredFeedback | None]:
        """:meth:`put`'s rule, in the transaction `db`: one current attestation per signer and challenge,
        a newer time wins, a revoked UID never comes back."""
        uid, signer = row[4], row[3]
        if db.execute("SELECT 1 FROM feedback_revoked WHERE uid = ? AND signer IN (?, '*')", (uid, signer)).fetchone():
            return REVOKED, None
        old = db.execute(f"SELECT {self._COLUMNS} FROM feedback WHERE chain_id = ? AND contract = ? "
                         "AND challenge_id = ? AND signer = ?", row[:4]).fetchone()
        if old is not None:
            if old[0] == uid:
                return UNCHANGED, self._row(old)
            if old[4] >= row[5]:
                return STALE, self._row(old)
        db.execute(self._INSERT, row)
        current = StoredFeedback(uid, int(row[2]), signer, row[6], row[5], row[7], row[8], row[9], row[10],
                                 json.loads(row[11]), row[12], bool(row[13]), row[14])
        return (STORED if old is None else REPLACED), current

    def follow_onchain(self, changes: Iterable[tuple[str, object]], chain_id: int, cursor: str, block: int,
                       received_at: float | None = None) -> list[tuple[str, str]]:
        """Applies what EAS logged on chain, in chain order, and moves the cursor `cursor` to `block`, in one
        transaction (a crash neither loses an attestation nor skips blocks). Each change is
        ``("attested", OnchainAttestation)`` (already checked: Ante feedback about a deployment kept here)
        or ``("revoked", Revocation)``. Returns (status of :meth:`put`, or ``"gone"`` / ``"absent"`` for a
        revocation; UID) for each change."""
        out = []
        with self._transaction() as db:
            for kind, item in changes:
                if kind == "attested":
                    row = self._new_row(chain_id, item.feedback, _uid(item.uid), item.attester, item.time,
                                        item.recipient, None, received_at, True, item.transaction_hash or None)
                    out.append((self._keep(db, row)[0], row[4]))
                else:
                    uid, attester = _uid(item.uid), to_checksum_address(item.attester)
                    gone = db.execute("DELETE FROM feedback WHERE uid = ? AND signer = ? AND onchain = 1",
                                      (uid, attester)).rowcount
                    if gone:
                        db.execute("INSERT OR IGNORE INTO feedback_revoked VALUES (?, ?, ?)",
                                   (uid, attester, time.time() if received_at is None else received_at))
                    out.append(("gone" if gone else "absent", uid))
            db.execute("INSERT OR REPLACE INTO feedback_cursors VALUES (?, ?)", (cursor, int(block)))
        return out

    def revoke(self, uid: str, signer: str | None = None, revoked_at: float | None = None) -> bool:
        """Revokes the attestation `uid` (0x and 64 hex digits), `signer`'s only where given (as EAS
        records an off-chain revocation: by the revoker, for a UID): it is no longer current, and it is
        never taken again. True if it was a current one.

        (An off-chain UID does not cover its attester, so two signers can sign the same UID.)"""
        uid = _uid(uid)
        who = "*" if signer is None else to_checksum_address(signer)
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO feedback_revoked VALUES (?, ?, ?)",
                       (uid, who, time.time() if revoked_at is None else revoked_at))
            if signer is None:
                return db.execute("DELETE FROM feedback WHERE uid = ?", (uid,)).rowcount > 0
            return db.execute("DELETE FROM feedback WHERE uid = ? AND signer = ?", (uid, who)).rowcount > 0

    def revoke_all(self, revocations: Iterable[tuple[str, str]], cursor: str, block: int,
                   revoked_at: float | None = None) -> int:
        """Revokes every (uid, signer) of `revocations` and moves the cursor `cursor` to `block`, in one
        transaction (so that a crash neither loses a revocation nor skips blocks); returns how many
        current attestations went."""
        at = time.time() if revoked_at is None else revoked_at
        gone = 0
        with self._transaction() as db:
            for uid, signer in revocations:
                uid, signer = _uid(uid), to_checksum_address(signer)
                db.execute("INSERT OR IGNORE INTO feedback_revoked VALUES (?, ?, ?)", (uid, signer, at))
                # (revokeOffchain is for off-chain UIDs: it does not touch an on-chain attestation)
                gone += db.execute("DELETE FROM feedback WHERE uid = ? AND signer = ? AND onchain = 0",
                                   (uid, signer)).rowcount
            db.execute("INSERT OR REPLACE INTO feedback_cursors VALUES (?, ?)", (cursor, int(block)))
        return gone

    def cursor(self, name: str) -> int | None:
        """The last block read for `name` (see :meth:`revoke_all`), or None."""
        rows = self._read("SELECT block FROM feedback_cursors WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _row(row: tuple) -> StoredFeedback:
        (uid, cid, signer, recipient, at, deliverable, stance, comment, comment_hash, document, received_at, onchain,
         transaction_hash) = row
        return StoredFeedback(uid, int(cid), signer, recipient, int(at), deliverable, int(stance), comment,
                              comment_hash, json.loads(document), received_at, bool(onchain), transaction_hash)

    def get(self, uid: str) -> StoredFeedback | None:
        """The current attestation `uid`, if it is one (the first received, should two signers share it)."""
        rows = self._read(f"SELECT {self._COLUMNS} FROM feedback WHERE uid = ? ORDER BY received_at, rowid LIMIT 1",
                          (_uid(uid),))
        return self._row(rows[0]) if rows else None

    def is_revoked(self, uid: str, signer: str | None = None) -> bool:
        """Whether `uid` was revoked (for every signer, or for `signer` where given)."""
        who = ("*",) if signer is None else ("*", to_checksum_address(signer))
        return bool(self._read(f"SELECT 1 FROM feedback_revoked WHERE uid = ? AND signer IN ({', '.join('?' for _ in who)})",
                               (_uid(uid),) + who))

    def current(self, chain_id: int, contract: str, *, challenge_ids: Iterable[int] | None = None,
                signer: str | None = None) -> list[StoredFeedback]:
        """The current feedback on one deployment, only on `challenge_ids` and by `signer` where given;
        by challenge, then newest first."""
        query = f"SELECT {self._COLUMNS} FROM feedback WHERE chain_id = ? AND contract = ?"
        params: tuple = _key(chain_id, contract)
        if signer is not None:
            query += " AND signer = ?"
            params += (to_checksum_address(signer),)
        wanted = None if challenge_ids is None else {str(int(c)) for c in challenge_ids}
        if wanted is not None:
            if not wanted:
                return []
            query += f" AND challenge_id IN ({', '.join('?' for _ in wanted)})"
            params += tuple(sorted(wanted))
        out = [self._row(row) for row in self._read(query, params)]
        return sorted(out, key=lambda f: (f.challenge_id, -f.time, f.uid))

    def count(self) -> int:
        return self._read("SELECT COUNT(*) FROM feedback", ())[0][0]


def _uid(uid: str) -> str:
    text = str(uid).lower()
    if len(text) != 66 or not text.startswith("0x") or any(ch not in "0123456789abcdef" for ch in text[2:]):
        raise ValueError(f"{str(uid)[:80]!r} is not an attestation UID (0x and 64 hex digits).")
    return text


# ------------------------------------------------------------------------------------------ policy


@dataclass
class FeedbackPolicy:
    """Who may give feedback and how often.

    `addresses` and `panels` empty: anyone. Otherwise a signer is let in when it is one of `addresses`
    or a member of one of `panels` (panel ids). `rate`: posts taken from one signer in any hour (0: no
    limit); every post that verifies counts, taken or not, so that a signer cannot make the oracle check
    signatures without end."""

    addresses: frozenset[str] = frozenset()
    panels: frozenset[int] = frozenset()
    rate: int = DEFAULT_RATE
    window: float = 3600.0
    clock: object = field(default=time.monotonic, repr=False)

    #: Signers remembered before those idle for a whole window are forgotten.
    SIGNERS = 10_000

    def __post_init__(self):
        self.addresses = frozenset(to_checksum_address(a) for a in self.addresses)
        self.panels = frozenset(int(p) for p in self.panels)
        self._posts: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return not self.addresses and not self.panels

    def allows(self, signer: str, chronicle) -> bool:
        """Whether `signer` may give feedback (the panels' members are read from `chronicle`)."""
        if self.open or signer in self.addresses:
            return True
        for panel_id in self.panels:
            panel = chronicle.panels.get(panel_id)
            if panel is not None and signer in {to_checksum_address(m) for m in panel.members}:
                return True
        return False

    def describe(self) -> str:
        """Who may give feedback, in words."""
        if self.open:
            return "anyone"
        parts = []
        if self.addresses:
            parts.append(f"{len(self.addresses)} listed address{'es' if len(self.addresses) != 1 else ''}")
        if self.panels:
            parts.append("the members of panel" + ("s " if len(self.panels) > 1 else " ")
                         + ", ".join(str(p) for p in sorted(self.panels)))
        return " and ".join(parts)

    def take(self, signer: str) -> float | None:
        """Counts one post of `signer`; None if it is within the rate, else the seconds until one more is."""
        if self.rate <= 0:
            return None
        now = self.clock()
        with self._lock:
            if len(self._posts) >= self.SIGNERS and signer not in self._posts:  # forget signers idle for the window
                self._posts = {who: p for who, p in self._posts.items() if p and p[-1] > now - self.window}
            posts = self._posts.setdefault(signer, collections.deque())
            while posts and posts[0] <= now - self.window:
                posts.popleft()
            if len(posts) >= self.rate:
                return max(1.0, posts[0] + self.window - now)
            posts.append(now)
            return None


def read_addresses(path: Path | str) -> list[str]:
    """Addresses from a file, one a line (blank lines and ``#`` comments ignored); ValueError naming the
    first line that is not an address."""
    out = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            out.append(to_checksum_address(text))
        except (TypeError, ValueError):
            raise ValueError(f"line {number} of the address file is not an address ({text[:60]!r}).") from None
    return out


# ------------------------------------------------------------------------------------------ the desk


def _standing(challenge, position: tuple[int, int]) -> tuple[bytes | None, str | None] | None:
    """(deliverable, contributor) of `challenge` (a ChallengeHistory) just before the chain position
    `position` (block, log index), from its events; None if it did not exist yet (or at all)."""
    from ante.events import ChallengeAbandoned, ChallengeAccepted, ChallengeSubmitted

    if challenge is None or not challenge.events or challenge.events[0].position >= position:
        return None
    deliverable = contributor = None
    for event in challenge.events:
        if event.position >= position:
            break
        if isinstance(event, ChallengeAccepted):
            deliverable, contributor = None, to_checksum_address(event.contributor)
        elif isinstance(event, ChallengeSubmitted):
            deliverable, contributor = bytes(event.deliverable), to_checksum_address(event.contributor)
        elif isinstance(event, ChallengeAbandoned) and event.reopened:
            deliverable = contributor = None
    return deliverable, contributor


def role_of(signer: str, challenge, chronicle) -> str:
    """`signer`'s role on `challenge` (:func:`ante.feedback.role`); community when there is no challenge."""
    if challenge is None:
        return "community"
    panel = chronicle.panels.get(challenge.terms.panel_id)
    return role(signer, funder=challenge.terms.funder, contributor=challenge.contributor,
                panel=panel.members if panel is not None else (), co_funders=tuple(challenge.contributions))


class FeedbackDesk:
    """Takes and reads feedback for `service` (its chain id, contract, snapshots, feedback store,
    EAS domain and feedback policy)."""

    def __init__(self, service):
        self.service = service

    def accept(self, body: bytes | str | dict) -> tuple[int, dict]:
        """Checks and keeps one posted attestation package; (201 or 200, the answer), else
        :class:`Rejected` with nothing stored. Counted in the metrics either way."""
        metrics = self.service.metrics
        try:
            status, answer = self.check_and_keep(body)
        except Rejected as rejection:
            metrics.feedback_rejected.labels(rejection.reason).inc()
            raise
        metrics.feedback_accepted.labels(answer["status"]).inc()
        return status, answer

    def check_and_keep(self, body: bytes | str | dict) -> tuple[int, dict]:
        s = self.service
        domain: EasDomain | None = s.eas
        if domain is None:
            raise Rejected("no_eas", "this oracle takes no feedback: it was started without an EAS deployment "
                                     "to check attestations against (see `ante oracle run --eas`).")
        if isinstance(body, (bytes, str)):
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError) as error:
                raise Rejected("not_json", f"the body is not valid JSON ({error}).") from None
            except RecursionError:
                raise Rejected("not_json", "the body nests arrays or objects too deeply to be an attestation.") from None
        else:
            document = body
        if not isinstance(document, dict):
            raise Rejected("malformed", "the body must be a JSON object: EAS's off-chain attestation package "
                                        "with sig and signer.")
        try:
            signed = SignedAttestation.from_json(document)
        except FeedbackError as error:
            raise Rejected(error.reason, str(error)) from None
        a = signed.attestation
        if a.domain != domain:
            raise Rejected("wrong_domain", f"the attestation is bound to EAS {a.domain.eas} version {a.domain.version} "
                                           f"on chain {a.domain.chain_id}, but this oracle takes feedback for EAS "
                                           f"{domain.eas} version {domain.version} on chain {domain.chain_id}.")
        # Every post whose signature verifies counts against its signer's rate, taken or not: checking
        # signatures is the work a signer could otherwise make the oracle do without end.
        policy: FeedbackPolicy = s.feedback_policy
        wait = policy.take(signed.signer)
        if wait is not None:
            raise Rejected("rate_limited", f"the signer {signed.signer} has posted {policy.rate} "
                                           f"attestation{'' if policy.rate == 1 else 's'} in the last hour, this oracle's limit; try again in {int(wait)} "
                                           f"second{'' if int(wait) == 1 else 's'}.")
        try:
            feedback = signed.feedback()
        except FeedbackError as error:
            raise Rejected(error.reason, str(error)) from None
        if feedback.ante != s.contract:
            raise Rejected("wrong_contract", f"the feedback is about the Ante deployment at {feedback.ante}, but this "
                                             f"oracle serves {s.contract}.")
        now = time.time()
        if a.time > now + CLOCK_SLACK:
            raise Rejected("future", f"the attestation's time {a.time} is ahead of the oracle's clock ({int(now)}).")
        if a.expiration_time and a.expiration_time <= now:
            raise Rejected("expired", f"the attestation expired at {a.expiration_time}.")
        try:
            snapshot = s.snapshots.ready()
        except NotReady as error:
            raise Rejected("not_ready", str(error)) from None
        cid = feedback.challenge_id
        c = snapshot.chronicle.challenges.get(cid)
        if c is None or (c.deliverable is None and feedback.deliverable != ZERO_HASH):
            # The snapshot may predate the challenge or its submission: look again, while the node answers.
            latest, _ = s.snapshots.fresh()
            snapshot = latest or snapshot
            c = snapshot.chronicle.challenges.get(cid)
        if c is None:
            raise Rejected("unknown_challenge", f"there is no challenge {cid} on this deployment as of block "
                                                f"{snapshot.head}.")
        expected = ZERO_HASH if c.deliverable is None else bytes(c.deliverable)
        if bytes(feedback.deliverable) != expected:
            raise Rejected("wrong_deliverable",
                           f"the feedback is about deliverable 0x{bytes(feedback.deliverable).hex()}, but challenge "
                           f"{cid} " + (f"was submitted with 0x{expected.hex()}." if c.deliverable is not None
                                        else "has nothing submitted yet (give the zero hash)."))
        recipient = to_checksum_address(a.recipient)
        if recipient not in (ZERO_ADDRESS, c.contributor):
            raise Rejected("wrong_recipient",
                           f"the attestation's recipient is {recipient}, but challenge {cid}'s contributor is "
                           + (f"{c.contributor} (or give the zero address)." if c.contributor else
                              "nobody yet (give the zero address)."))
        if not policy.allows(signed.signer, snapshot.chronicle):
            raise Rejected("not_allowed", f"the signer {signed.signer} may not give feedback here: this oracle takes feedback "
                                          f"from {policy.describe()}.")
        status, current = s.feedback_store.put(signed)
        if status == REVOKED:
            raise Rejected("revoked", f"the attestation {signed.uid} was revoked; sign a new one.")
        if status == STALE:
            raise Rejected("stale", f"the signer {signed.signer} already gave feedback as new or newer on challenge {cid} "
                                    f"(attestation {current.uid}, time {current.time}); only an attestation with a "
                                    f"later time replaces it.")
        answer = {"status": status, "uid": current.uid, "challenge_id": cid, "signer": current.signer,
                  "stance": current.stance_name, "role": role_of(current.signer, c, snapshot.chronicle),
                  "time": current.time}
        return (200 if status == UNCHANGED else 201), answer

    # ------------------------------------------------------------------ revocations on EAS

    def follow_revocations(self, head: int, final_block: int | None = None) -> int:
        """Reads EAS's off-chain revocations (``revokeOffchain``, each by its attester) from where the last
        read ended up to `head`, and honours them; returns how many current attestations went. The next
        read starts after `final_block` where given (a revocation in a block a reorganisation replaces is
        read again, never missed). Chain work: the worker calls it, under the chain lock."""
        from ante.eas import EasReader

        s = self.service
        if s.eas is None:
            return 0
        store = s.feedback_store
        name = f"offchain-revocations:{s.eas.chain_id}:{s.eas.eas}"
        last = store.cursor(name)
        start = int(getattr(s.client.deployment, "block", 0) or 0) if last is None else last + 1
        if start > head:
            return 0
        found = EasReader(s.eas.eas, s.client.node).offchain_revocations(start, head)
        done = head if final_block is None else max(start - 1, min(head, final_block))
        return store.revoke_all([(r.uid, r.revoker) for r in found], name, done)

    # ------------------------------------------------------------------ on-chain feedback on EAS

    def onchain_cursor(self) -> str:
        """The name of the cursor of :meth:`follow_onchain` in the feedback store."""
        s = self.service
        return f"onchain-attestations:{s.eas.chain_id}:{s.eas.eas}:{s.contract}"

    def follow_onchain(self, snapshot) -> dict[str, int]:
        """Reads the on-chain attestations in Ante's schema and their revocations (EAS's ``Attested`` and
        ``Revoked`` events) from where the last read ended up to the snapshot's final block, never beyond
        (an attestation in a block a reorganisation could replace is read once it is final, so that none
        is kept that the chain lost), and keeps each valid one as its attester's feedback on its challenge
        by :meth:`FeedbackStore.put`'s rule; a revocation takes it out. Something that is not valid
        feedback here is skipped with one log line. Returns how many were kept, revoked and skipped.
        Chain work: the worker calls it, under the chain lock."""
        from ante.eas import EasReader

        s = self.service
        counts = {"kept": 0, "revoked": 0, "skipped": 0}
        if s.eas is None:
            return counts
        store = s.feedback_store
        name = self.onchain_cursor()
        last = store.cursor(name)
        start = int(getattr(s.client.deployment, "block", 0) or 0) if last is None else last + 1
        final = getattr(snapshot, "final_block", None)
        stop = snapshot.head if final is None else min(snapshot.head, final)
        if start > stop:
            return counts
        reader = EasReader(s.eas.eas, s.client.node)
        changes: list[tuple[str, object]] = []
        skipped = []
        for attested in reader.attestations(start, stop):
            problem = self.onchain_problem(attested, snapshot.chronicle)
            if problem:
                skipped.append((attested, problem))
            else:
                changes.append(("attested", attested))
        changes += [("revoked", r) for r in reader.revocations(start, stop)]
        changes.sort(key=lambda change: (change[1].block_number, change[1].log_index))
        applied = store.follow_onchain(changes, s.chain_id, name, stop)
        for attested, problem in skipped:  # once read for good (the cursor moved past it): said once
            counts["skipped"] += 1
            log.info("skipped the on-chain attestation %s (transaction %s): %s", attested.uid,
                     attested.transaction_hash, problem)
        for status, uid in applied:
            if status in (STORED, REPLACED):
                counts["kept"] += 1
            elif status == "gone":
                counts["revoked"] += 1
            elif status == STALE:
                log.info("the on-chain attestation %s is older than its attester's current feedback: not kept", uid)
        return counts

    def onchain_problem(self, attested, chronicle) -> str:
        """Why the on-chain attestation `attested` (an :class:`ante.eas.OnchainAttestation`) is not valid
        feedback on this deployment, in a few words; "" when it is. The challenge, its deliverable and its
        contributor are taken as they were where the attestation was made (feedback given before a
        submission is about the challenge as posted, and stays so)."""
        s = self.service
        feedback = attested.feedback
        if feedback is None:
            return attested.invalid.rstrip(".") or "it is not Ante feedback"
        if feedback.ante != s.contract:
            return f"about another Ante deployment ({feedback.ante})"
        if attested.expiration_time and attested.expiration_time <= time.time():
            return f"it expired at {attested.expiration_time}"
        cid = feedback.challenge_id
        standing = _standing(chronicle.challenges.get(cid), (attested.block_number, attested.log_index))
        if standing is None:
            return f"there is no challenge {cid} on this deployment (as of block {attested.block_number})"
        deliverable, contributor = standing
        expected = ZERO_HASH if deliverable is None else bytes(deliverable)
        if bytes(feedback.deliverable) != expected:
            return (f"it is about deliverable 0x{bytes(feedback.deliverable).hex()}, but challenge {cid} "
                    + (f"was submitted with 0x{expected.hex()}" if deliverable is not None else
                       "had nothing submitted then"))
        recipient = to_checksum_address(attested.recipient)
        if recipient not in (ZERO_ADDRESS, contributor):
            return f"its recipient is {recipient}, not challenge {cid}'s contributor ({contributor or 'nobody yet'})"
        if not s.feedback_policy.allows(attested.attester, chronicle):
            return f"this oracle takes feedback from {s.feedback_policy.describe()}, not from {attested.attester}"
        return ""

    # ------------------------------------------------------------------ reading

    def listing(self, *, challenge: int | None = None, signer: str | None = None,
                recipient: str | None = None) -> list[dict] | None:
        """Current feedback, on `challenge`, by `signer`, received by `recipient` (the contributor of the
        challenges it is about), each with its signer's role; None when `challenge` does not exist."""
        s = self.service
        snapshot = s.snapshots.ready()
        challenges = snapshot.chronicle.challenges
        ids = None
        if challenge is not None:
            if challenge not in challenges:
                return None
            ids = {challenge}
        if recipient is not None:
            recipient = to_checksum_address(recipient)
            theirs = {cid for cid, c in challenges.items() if c.contributor == recipient}
            ids = theirs if ids is None else ids & theirs
        rows = s.feedback_store.current(s.chain_id, s.contract, challenge_ids=ids,
                                        signer=None if signer is None else to_checksum_address(signer))
        return [f.to_json(role_of(f.signer, challenges.get(f.challenge_id), snapshot.chronicle)) for f in rows]

    def one(self, uid: str) -> StoredFeedback | None:
        """The current attestation `uid` (None if none)."""
        return self.service.feedback_store.get(uid)

    def received(self, address: str) -> dict:
        """What `address` received as a contributor: every current feedback on its challenges, and how many
        distinct signers endorse, stay neutral and object."""
        from ante.feedback import tally

        items = self.listing(recipient=address) or []
        return {"items": items, "signers": tally(items)}
