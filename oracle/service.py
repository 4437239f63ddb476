"""The oracle: takes signed verdicts, keeps them, and settles (or lapses) challenges on-chain.

Threads
-------
Ape is synchronous and keeps global state, so every chain operation (reading blocks and events,
settling, lapsing) happens in ONE worker thread, fed by a queue. HTTP handlers never touch Ape: they
read an immutable :class:`Snapshot` (the folded event log, the chain head and its timestamp) that the
worker replaces after every sync, and the verdict store, which is thread-safe. When a handler needs a
newer view (a verdict for a challenge the snapshot does not show as submitted yet), it asks the
worker for a sync and waits for it (requests are coalesced). Without a running worker (tests,
scripts), :meth:`OracleService.run_once` does the worker's work in the caller's thread.

Verdicts
--------
:meth:`OracleService.accept_verdict` checks a posted verdict completely (well-formed, the signature
recovers to the named signer, this chain and deployment, the challenge exists and is Submitted, its
review window is open at the chain's time, the deliverable is the submitted one, the score is in
range, the signer sits on the challenge's panel); a failure raises :class:`Rejected` (an HTTP status,
a metrics label and one plain sentence) and stores nothing. A verdict that passes is committed to the
store before the method returns; if its challenge now has a quorum, a settlement is queued at once.

Settling
--------
For a quorum (at least ``m`` panel members agreeing on the same deliverable and score) the worker
calls :meth:`ante.client.AnteClient.settle` from the oracle's account with every agreeing verdict and
records the outcome in the store:

- mined: ``settled_by_us``. "Mined" means a receipt in a block: on a node that does not mine at every
  transaction (automine off, interval mining) Ape answers before the transaction is in a block, so
  the worker waits for the receipt (up to ``RECEIPT_WAIT``); a transaction still not mined then stays
  *in flight*: it is never sent again, and every retry looks for its receipt. One that reverted
  when mined (another relayer's settlement came first in the block) is reconciled like a refusal;
- the contract refuses: the worker re-syncs and reconciles. If the challenge is settled now, someone
  else did it (``settled_elsewhere``; ``settled_by_us`` if the settling transaction came from this
  account after all, e.g. a receipt lost in a connection drop); if it is otherwise final (lapsed), or
  still Submitted (say the window closed), the attempt is ``failed`` with the contract's reason. It is
  never retried with the same verdicts;
- anything else (connection refused, timeout, a node that went away) is transient: retried with
  exponential backoff (0.25 s doubling to a 5 s cap) until the review window closes.

Every poll interval (and at start, so a quorum stored before a crash is settled after the restart)
the worker re-syncs the event index, re-evaluates every stored quorum and, unless switched off, runs
the keeper: it lapses Open, Accepted and Submitted challenges whose deadline is strictly before the
chain's time, with the same reconciliation (``lapsed_by_us`` / ``lapsed_elsewhere`` / ``failed``)
and the same care for transactions in flight.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from eth_utils import is_address

from ante.terms import to_checksum_address
from ante.units import format_time

from ante.errors import AnteError
from ante.history import Chronicle, ChallengeHistory, PanelView, fold
from ante.oracle.store import (
    FAILED,
    LAPSED_BY_US,
    LAPSED_ELSEWHERE,
    SETTLED_BY_US,
    SETTLED_ELSEWHERE,
    StoredVerdict,
    VerdictStore,
)
from ante.state import State
from ante.verdict import SignedVerdict, VerdictError

log = logging.getLogger("ante.oracle")

#: Backoff for transient chain errors: first delay and cap, in seconds.
BACKOFF_START = 0.25
BACKOFF_CAP = 5.0

#: How long the worker waits for a transaction it sent to be mined before it leaves the transaction
#: in flight and looks again later (a node that mines on an interval, or not at all for a while).
RECEIPT_WAIT = 20.0

#: States the keeper may lapse once their deadline has passed.
LIVE = (State.OPEN, State.ACCEPTED, State.SUBMITTED)

#: Labels of ``verdicts_rejected_total``.
REJECT_REASONS = (
    "too_large", "malformed", "invalid", "bad_signature", "wrong_chain", "wrong_contract", "unknown_challenge",
    "not_submitted", "review_closed", "wrong_deliverable", "not_member", "not_ready",
)


def _members(members: tuple[str, ...]) -> tuple[str, ...]:
    """A panel's members as checksummed addresses (``ante.terms.to_checksum_address`` remembers each)."""
    return tuple(to_checksum_address(m) for m in members)


class Rejected(Exception):
    """A posted verdict the oracle will not store: an HTTP status, a metrics label and one sentence."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


class NotReady(Exception):
    """The oracle has not read the chain yet."""


# --------------------------------------------------------------------------------------- metrics


class Metrics:
    """The oracle's Prometheus metrics, in a registry of their own."""

    def __init__(self, registry=None):
        from prometheus_client import CollectorRegistry, Counter, Gauge

        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.verdicts_accepted = Counter("verdicts_accepted", "Verdicts stored (new, replaced or unchanged).", registry=r)
        self.verdicts_rejected = Counter("verdicts_rejected", "Verdicts refused, by reason.", ["reason"], registry=r)
        self.settlements = Counter("settlements", "Settlement attempts, by outcome.", ["outcome"], registry=r)
        self.lapses = Counter("lapses", "Challenges this oracle lapsed.", registry=r)
        self.chain_errors = Counter("chain_errors", "Failed chain operations (node unreachable, timeouts...).", registry=r)
        self.chain_lag = Gauge("chain_lag_blocks", "Chain head minus the last block in the event index.", registry=r)
        self.chain_head = Gauge("chain_head_block", "The latest chain head seen.", registry=r)
        self.indexed_block = Gauge("indexed_block", "The last block read into the event index.", registry=r)
        for reason in REJECT_REASONS:
            self.verdicts_rejected.labels(reason)
        for outcome in (SETTLED_BY_US, SETTLED_ELSEWHERE, FAILED):
            self.settlements.labels(outcome)

    def text(self) -> bytes:
        """The metrics in the Prometheus text exposition format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


# --------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Snapshot:
    """What the worker last read from the chain; never mutated once published."""

    chronicle: Chronicle
    events: tuple
    head: int
    chain_time: int
    taken_at: float  # time.monotonic() when the head was read
    wall: float  # time.time() then
    head_hash: bytes | None = None  # the head block's hash, to tell an unchanged chain
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def indexed(self) -> int:
        return self.head

    def records(self):
        """Everyone's records (``ante.records``), computed once per snapshot."""
        if "records" not in self._cache:
            from ante.records import Records

            self._cache["records"] = Records.from_events(self.events)
        return self._cache["records"]


@dataclass(frozen=True)
class Quorum:
    """A challenge's stored verdicts that count (its panel's members, on its deliverable), by score."""

    threshold: int
    members: tuple[str, ...]
    verdicts: tuple[StoredVerdict, ...]

    @classmethod
    def of(cls, challenge: ChallengeHistory, panel: PanelView, stored: Iterable[StoredVerdict]) -> Quorum:
        members = _members(tuple(panel.members))
        counted = tuple(s for s in stored if s.signer in members and s.signed.verdict.deliverable == challenge.deliverable)
        return cls(panel.threshold, members, counted)

    def by_score(self) -> dict[int, list[StoredVerdict]]:
        """Verdicts grouped by score, the largest group first (ties: lower score first)."""
        groups: dict[int, list[StoredVerdict]] = {}
        for s in self.verdicts:
            groups.setdefault(s.score, []).append(s)
        return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))

    def leading(self) -> int | None:
        """The score most members agree on (None without verdicts)."""
        return next(iter(self.by_score()), None)

    def agreeing(self, score: int | None = None) -> int:
        """How many members agree on `score` (default: the leading score)."""
        score = self.leading() if score is None else score
        return len(self.by_score().get(score, ()))

    def reached(self) -> int | None:
        """The score a quorum agrees on, if any (a strict majority: at most one can exist)."""
        score = self.leading()
        return score if score is not None and self.agreeing(score) >= self.threshold else None

    def to_json(self, score: int | None = None, *, full: bool = True) -> dict:
        """What is there and what is missing, for `score` (default: the leading score)."""
        score = self.leading() if score is None else score
        agreeing = self.agreeing(score)
        out = {
            "threshold": self.threshold,
            "score": score,
            "agreeing": agreeing,
            "missing": max(0, self.threshold - agreeing),
            "reached": agreeing >= self.threshold,
        }
        if full:
            signed = {s.signer for s in self.verdicts}
            out["members"] = list(self.members)
            out["not_signed"] = [m for m in self.members if m not in signed]
            out["by_score"] = [{"score": s, "count": len(group), "signers": [v.signer for v in group]}
                               for s, group in self.by_score().items()]
        return out


# --------------------------------------------------------------------------------------- service


def _node_answered(error: BaseException) -> bool:
    """Whether a failed send was refused by a node that answered (say "transaction already imported" or
    "nonce too low" when another process shares the account), as opposed to a node out of reach."""
    try:
        from ape.exceptions import VirtualMachineError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, VirtualMachineError)


def _short(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class OracleService:
    """The oracle over one Ante deployment: `client` (an AnteClient), `account` (an Ape account that
    pays for settlements and lapses) and `store` (a VerdictStore).

    Call :meth:`start` to run the chain worker in its own thread and :meth:`stop` to end it; or, with
    no worker, call :meth:`run_once` to do one round of its work synchronously.
    """

    def __init__(self, client, account, store: VerdictStore, *, keeper: bool = True, poll: float = 2.0,
                 sync_wait: float = 10.0, registry=None):
        self.client = client
        self.account = account
        self.store = store
        self.keeper = keeper
        self.poll = poll
        self.sync_wait = sync_wait
        self.chain_id = int(client.chain_id)
        self.contract = to_checksum_address(client.address)
        self.address = to_checksum_address(account.address)
        self.metrics = Metrics(registry)

        self._snapshot: Snapshot | None = None
        self._snapshot_changed = threading.Condition()
        self._sync_requested = False
        self._jobs: queue.Queue = queue.Queue()
        self._queued: set[int] = set()  # challenges with a settle job in the queue
        self._queued_lock = threading.Lock()
        self._retries: dict[int, tuple[float, float]] = {}  # challenge -> (when to retry, last delay)
        self._given_up: set[tuple] = set()  # attempts the contract refused; not repeated
        # Transactions sent but not yet seen mined: (action, challenge) -> (tx hash, challenge, key).
        # Never sent again while in flight; followed up at every retry or tick until mined.
        self._in_flight: dict[tuple[str, int], tuple[str, ChallengeHistory, tuple]] = {}
        self._warned: set[str] = set()  # chain operations already logged as failing in this outage
        self.receipt_wait = RECEIPT_WAIT
        self._chain_lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._head: int | None = None
        self._healthy = False
        self._attempted_at = float("-inf")  # when the last sync attempt (successful or not) began
        self.last_error: tuple[float, str] | None = None

    # ------------------------------------------------------------------ running

    def start(self) -> None:
        """Starts the chain worker (it syncs at once, then every `poll` seconds)."""
        if self._thread is not None:
            raise RuntimeError("the oracle is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ante-oracle-chain", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stops the worker after the operation in flight (a backoff wait is cut short); True if it ended.

        Whatever is left (queued settlements, retries) is not lost: the verdicts are in the store and
        the next start settles them.
        """
        self._stop.set()
        self._jobs.put(None)
        with self._snapshot_changed:
            self._snapshot_changed.notify_all()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the chain worker is still busy after %.0f s; leaving it behind", timeout)
            return False
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait_ready(self, timeout: float) -> bool:
        """Waits until the first sync has published a snapshot; True if it has."""
        with self._snapshot_changed:
            return self._snapshot_changed.wait_for(lambda: self._snapshot is not None or self._stop.is_set(), timeout) \
                and self._snapshot is not None

    def run_once(self) -> None:
        """One round of the worker's work in the calling thread: queued jobs, then a sync, the stored
        quorums and the keeper. Only without a running worker."""
        if self.running:
            raise RuntimeError("run_once() is for an oracle without a running worker")
        self._drain()
        for challenge_id in list(self._retries):  # no waiting here: retry now
            self._settle_if_ready(challenge_id)
        self._tick()

    def _drain(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._do(job)

    def _run(self) -> None:
        log.info("oracle worker started for %s on chain %s, account %s", self.contract, self.chain_id, self.address)
        next_tick = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            due = min([next_tick, *(when for when, _ in self._retries.values())])
            try:
                job = self._jobs.get(timeout=max(0.0, due - now))
            except queue.Empty:
                job = None
            if self._stop.is_set():
                break
            try:
                if job is not None:
                    self._do(job)
                now = time.monotonic()
                for challenge_id in [cid for cid, (when, _) in self._retries.items() if when <= now]:
                    if self._stop.is_set():
                        break
                    self._settle_if_ready(challenge_id)
                if time.monotonic() >= next_tick and not self._stop.is_set():
                    self._tick()
                    next_tick = time.monotonic() + self.poll
            except Exception:  # the worker must never die; the next round starts afresh
                log.exception("unexpected error in the oracle worker")
                next_tick = time.monotonic() + self.poll
        log.info("oracle worker stopped")

    def _do(self, job: tuple) -> None:
        kind = job[0]
        if kind == "sync":
            with self._snapshot_changed:
                self._sync_requested = False
            self._refresh()
        elif kind == "settle":
            with self._queued_lock:
                self._queued.discard(job[1])
            self._settle_if_ready(job[1])

    def _tick(self) -> None:
        if not self._refresh():
            return
        snapshot = self._snapshot
        for challenge_id, stored in sorted(self.store.counts(self.chain_id, self.contract).items()):
            if self._stop.is_set():
                return
            c = snapshot.chronicle.challenges.get(challenge_id)
            panel = snapshot.chronicle.panels.get(c.terms.panel_id) if c is not None else None
            if panel is not None and stored < panel.threshold:
                continue  # too few verdicts for a quorum: nothing to look at
            if c is not None and c.state == State.SUBMITTED and challenge_id not in self._retries:
                self._settle_if_ready(challenge_id)  # (a scheduled retry keeps its backoff)
        if self.keeper:
            self._lapse_expired()

    # ------------------------------------------------------------------ reading the chain

    @property
    def snapshot(self) -> Snapshot | None:
        """The latest view of the chain (None before the first sync)."""
        return self._snapshot

    def _chain_error(self, what: str, error: BaseException, *, outage: bool = True) -> None:
        """Counts and remembers a failed chain operation; logs it once per outage (or, for a node that
        answers but refuses, once until the operation concludes), not at every poll or retry.

        `outage` False: the node answered; it is not marked unreachable (retries keep their backoff)."""
        self.metrics.chain_errors.inc()
        message = f"{what}: {_short(error)}"
        repeated = what in self._warned
        self._warned.add(what)
        if outage:
            self._healthy = False
        self.last_error = (time.time(), message)
        log.log(logging.DEBUG if repeated else logging.WARNING, "%s failed: %s", what, _short(error))

    def _refresh(self) -> bool:
        """Syncs the event index to the head and publishes a new snapshot; False if the chain failed."""
        with self._chain_lock:
            taken_at, wall = time.monotonic(), time.time()
            try:
                block = self.client.chain.blocks.head
                head, chain_time, head_hash = int(block.number), int(block.timestamp), block.hash
                self._head = head
                self.metrics.chain_head.set(head)
                previous = self._snapshot
                if previous is not None:
                    self.metrics.chain_lag.set(max(0, head - previous.indexed))
                events = self.client.events(head=head)
                if (previous is not None and head_hash is not None and (previous.head, previous.head_hash) == (head, head_hash)
                        and len(events) == len(previous.events)):
                    events, chronicle = previous.events, previous.chronicle  # no new block: nothing to fold again
                else:
                    chronicle = fold(events)
            except Exception as error:
                self._chain_error("reading the chain", error)
                with self._snapshot_changed:
                    self._attempted_at = taken_at
                    self._snapshot_changed.notify_all()
                return False
            snapshot = Snapshot(chronicle, tuple(events), head, chain_time, taken_at, wall, head_hash)
            if not self._healthy and self.last_error is not None:
                log.info("the chain answers again (head %s)", head)
                # Settlements waiting out a backoff go now.
                self._retries.update({cid: (0.0, delay) for cid, (_, delay) in self._retries.items()})
            if not self._healthy:
                self._warned.clear()
            with self._snapshot_changed:
                self._snapshot = snapshot
                self._attempted_at = taken_at
                self._healthy = True
                self._snapshot_changed.notify_all()
            self.metrics.indexed_block.set(head)
            self.metrics.chain_lag.set(0)
            return True

    def fresh_snapshot(self, timeout: float | None = None) -> tuple[Snapshot | None, bool]:
        """The chain as it is now: asks the worker for a sync (coalescing concurrent requests) and
        waits for it, up to `timeout` seconds (default `sync_wait`). Returns (snapshot, fresh): fresh
        is False when the sync failed or did not finish in time, and the snapshot is the latest there is."""
        asked = time.monotonic()
        if self._thread is None and not self._stop.is_set():  # no worker: read the chain here
            fresh = self._refresh()
            return self._snapshot, fresh
        with self._snapshot_changed:
            if not self._sync_requested:
                self._sync_requested = True
                self._jobs.put(("sync",))
            self._snapshot_changed.wait_for(lambda: self._attempted_at >= asked or self._stop.is_set(),
                                            self.sync_wait if timeout is None else timeout)
            snapshot = self._snapshot
            return snapshot, snapshot is not None and snapshot.taken_at >= asked

    def _ready_snapshot(self) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            raise NotReady("the oracle has not read the chain yet; try again in a moment.")
        return snapshot

    # ------------------------------------------------------------------ verdicts in

    def accept_verdict(self, body: bytes | str | dict) -> dict:
        """Verifies and stores one signed verdict (the JSON `ante verdict sign` writes).

        Returns ``{status, challenge_id, signer, score, quorum, settlement}`` once the verdict is on
        disk; raises :class:`Rejected` (nothing stored) otherwise.
        """
        try:
            signed, challenge, snapshot = self._verify(body)
        except Rejected as rejection:
            self.metrics.verdicts_rejected.labels(rejection.reason).inc()
            raise
        status = self.store.put(signed)
        self.metrics.verdicts_accepted.inc()
        v = signed.verdict
        panel = snapshot.chronicle.panels[challenge.terms.panel_id]
        quorum = Quorum.of(challenge, panel, self.store.verdicts(self.chain_id, self.contract, v.challenge_id))
        settlement = None
        if quorum.reached() is not None:
            settlement = "queued"
            self._queue_settlement(v.challenge_id)
        # One line per verdict only with -v: at a thousand verdicts a second, logging them costs 8% of the CPU.
        if log.isEnabledFor(logging.DEBUG):
            log.debug("verdict %s: %s scores challenge %s at %s (%s of %s agree)", status, signed.signer,
                      v.challenge_id, v.score, quorum.agreeing(v.score), quorum.threshold)
        return {
            "status": status,
            "challenge_id": v.challenge_id,
            "signer": signed.signer,
            "score": v.score,
            "quorum": quorum.to_json(v.score, full=False),
            "settlement": settlement,
        }

    def _verify(self, body) -> tuple[SignedVerdict, ChallengeHistory, Snapshot]:
        if isinstance(body, (bytes, str)):
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError) as error:
                raise Rejected(400, "malformed", f"the body is not valid JSON ({error}).") from None
        else:
            document = body
        if not isinstance(document, dict):
            raise Rejected(422, "malformed",
                           "the body must be a JSON object with typedData, signer and signature (as `ante verdict sign` writes).")
        try:
            signed = SignedVerdict.from_json(document)
        except VerdictError as error:
            text = str(error)
            reason = "bad_signature" if text.startswith(("the signature", "a signature")) else "invalid"
            raise Rejected(422, reason, text) from None
        v = signed.verdict
        if v.chain_id != self.chain_id:
            raise Rejected(422, "wrong_chain",
                           f"the verdict is for chain {v.chain_id}, but this oracle serves chain {self.chain_id}.")
        if v.contract != self.contract:
            raise Rejected(422, "wrong_contract",
                           f"the verdict is for the Ante deployment at {v.contract}, but this oracle serves {self.contract}.")
        try:
            snapshot = self._ready_snapshot()
        except NotReady as error:
            raise Rejected(503, "not_ready", str(error)) from None
        c = snapshot.chronicle.challenges.get(v.challenge_id)
        if c is None or c.state in (State.OPEN, State.ACCEPTED):
            # The snapshot may predate the challenge or its submission: look again before refusing.
            latest, fresh = self.fresh_snapshot()
            if not fresh:
                raise Rejected(503, "not_ready",
                               f"the oracle cannot read the chain right now to check challenge {v.challenge_id}; "
                               "try again shortly.")
            snapshot = latest
            c = snapshot.chronicle.challenges.get(v.challenge_id)
        if c is None:
            raise Rejected(404, "unknown_challenge", f"there is no challenge {v.challenge_id} on this deployment.")
        if c.state != State.SUBMITTED:
            raise Rejected(409, "not_submitted",
                           f"challenge {v.challenge_id} is {c.state.label}; verdicts are only taken while it is submitted.")
        if snapshot.chain_time > c.review_by:
            raise Rejected(409, "review_closed",
                           f"the review window of challenge {v.challenge_id} closed at {format_time(c.review_by)} "
                           f"(the chain's time is {format_time(snapshot.chain_time)}).")
        if v.deliverable != c.deliverable:
            raise Rejected(409, "wrong_deliverable",
                           f"the verdict judges deliverable 0x{v.deliverable.hex()}, but challenge {v.challenge_id} "
                           f"was submitted with 0x{c.deliverable.hex()}.")
        panel = snapshot.chronicle.panels.get(c.terms.panel_id)
        if panel is None or signed.signer not in _members(tuple(panel.members)):
            raise Rejected(422, "not_member",
                           f"{signed.signer} is not an evaluator on panel {c.terms.panel_id}, which judges challenge {v.challenge_id}.")
        return signed, c, snapshot

    def _queue_settlement(self, challenge_id: int) -> None:
        with self._queued_lock:
            if challenge_id in self._queued:
                return
            self._queued.add(challenge_id)
        self._jobs.put(("settle", challenge_id))

    # ------------------------------------------------------------------ settlements out

    def _settle_if_ready(self, challenge_id: int) -> None:
        """Settles `challenge_id` if it is Submitted, in its window, and a quorum is stored.

        A scheduled retry for it is consumed here; a transient failure schedules the next one. A
        settlement already sent and not yet mined is followed up instead of being sent again."""
        retry = self._retries.pop(challenge_id, None)
        if ("settle", challenge_id) in self._in_flight:
            self._follow_up("settle", challenge_id, last_delay=retry[1] if retry else 0.0)
            return
        snapshot = self._snapshot
        c = snapshot.chronicle.challenges.get(challenge_id) if snapshot else None
        if c is None or c.state != State.SUBMITTED:
            if retry is not None and c is not None:
                # An attempt failed on the way (say a shared account's nonce clash) and the challenge
                # was closed meanwhile: say by whom, once, instead of leaving the attempt unrecorded.
                self._reconcile("settle", c, RuntimeError(f"challenge {challenge_id} was {c.state.label} "
                                                          "before this oracle's settlement got through"), None)
            return
        panel = snapshot.chronicle.panels.get(c.terms.panel_id)
        if panel is None:
            return
        quorum = Quorum.of(c, panel, self.store.verdicts(self.chain_id, self.contract, challenge_id))
        score = quorum.reached()
        if score is None:
            return
        verdicts = [s.signed for s in quorum.by_score()[score]]
        key = ("settle", challenge_id, score, tuple(s.signer for s in verdicts))
        if key in self._given_up:
            return
        estimated_now = snapshot.chain_time + max(0, int(time.monotonic() - snapshot.taken_at))
        if estimated_now > c.review_by:
            if retry is not None:
                self._record(challenge_id, "settle", FAILED,
                             reason="the review window closed before the chain could be reached")
            return  # too late to settle; the keeper lapses it
        self._settle(c, verdicts, key, last_delay=retry[1] if retry else 0.0)

    def _settle(self, c: ChallengeHistory, verdicts: list[SignedVerdict], key: tuple, last_delay: float = 0.0) -> None:
        challenge_id = c.challenge_id
        with self._chain_lock:
            try:
                receipt = self.client.settle(c, verdicts, self.account)
            except (AnteError, VerdictError) as error:
                self._reconcile("settle", c, error, key)
                return
            except Exception as error:
                self._chain_error(f"settling challenge {challenge_id}", error, outage=not _node_answered(error))
                self._retry_later(challenge_id, last_delay, "settling")
                return
            tx = str(receipt.txn_hash)
            status = self._confirm(receipt)
            if status is None:  # sent, not mined yet: never send it again, look for its receipt later
                self._in_flight[("settle", challenge_id)] = (tx, c, key)
                log.info("the settlement of challenge %s is not mined yet (tx %s)", challenge_id, tx)
                self._retry_later(challenge_id, last_delay)
                return
            self._conclude("settle", c, tx, status, key)

    def _retry_later(self, challenge_id: int, last_delay: float, what: str | None = None) -> None:
        """Schedules the next look at `challenge_id`'s settlement, with exponential backoff."""
        delay = min(BACKOFF_CAP, last_delay * 2) if last_delay else BACKOFF_START
        self._retries[challenge_id] = (time.monotonic() + delay, delay)
        if what:
            log.log(logging.INFO if delay == BACKOFF_START else logging.DEBUG,  # the first retry only
                    "will retry %s challenge %s in %.2f s", what, challenge_id, delay)

    # ------------------------------------------------------------------ transactions in flight

    def _confirm(self, receipt) -> int | None:
        """The status of a transaction just sent: 1 mined, 0 reverted, None not mined yet.

        Ape returns at once, with a receipt outside any block, when the node does not mine on every
        transaction (automine off, interval mining): wait (bounded) for the real receipt then."""
        block = getattr(receipt, "block_number", None)
        if block is not None and int(block) >= 0:
            return 0 if getattr(receipt, "failed", False) else 1
        try:
            return self._mined(str(receipt.txn_hash), self.receipt_wait)
        except Exception as error:  # the node went away meanwhile: the transaction is in flight
            self._chain_error("waiting for a receipt", error)
            return None

    def _mined(self, tx_hash: str, wait: float) -> int | None:
        """1 if `tx_hash` is mined and succeeded, 0 if it reverted, None if not mined within `wait` s.
        Chain errors propagate."""
        from web3.exceptions import TransactionNotFound

        web3 = self.client.chain.provider.web3
        deadline = time.monotonic() + wait
        while True:
            try:
                receipt = web3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                receipt = None
            if receipt is not None and receipt.get("blockNumber") is not None:
                return int(receipt["status"])
            if time.monotonic() >= deadline or self._stop.is_set():
                return None
            time.sleep(0.1)

    def _follow_up(self, action: str, challenge_id: int, last_delay: float = 0.0) -> None:
        """Looks (without waiting) whether an in-flight transaction was mined, and concludes it if so."""
        tx, c, key = self._in_flight[(action, challenge_id)]
        with self._chain_lock:
            try:
                status = self._mined(tx, 0)
            except Exception as error:
                self._chain_error(f"looking up transaction {tx}", error)
                status = None
            if status is None:
                if action == "settle":
                    self._retry_later(challenge_id, last_delay)
                return
            del self._in_flight[(action, challenge_id)]
            self._conclude(action, c, tx, status, key)

    def _conclude(self, action: str, c: ChallengeHistory, tx: str, status: int, key: tuple) -> None:
        """Records a mined settle or lapse: ours if it succeeded; reconciled with the chain if it reverted."""
        if not status:
            self._reconcile(action, c, RuntimeError(f"the transaction {tx} reverted"), key)
            return
        if action == "settle":
            self._record(c.challenge_id, "settle", SETTLED_BY_US, tx_hash=tx)
            log.info("settled challenge %s at %s with %d verdicts (tx %s)", c.challenge_id, key[2], len(key[3]), tx)
        else:
            self._record(c.challenge_id, "lapse", LAPSED_BY_US, tx_hash=tx)
            log.info("lapsed challenge %s (%s past its deadline; tx %s)", c.challenge_id, c.state.label, tx)
        self._refresh()

    # ------------------------------------------------------------------ the keeper

    def _lapse_expired(self) -> None:
        """Lapses every live challenge whose deadline is strictly before the chain's time."""
        for action, challenge_id in [k for k in self._in_flight if k[0] == "lapse"]:
            self._follow_up(action, challenge_id)
        snapshot = self._snapshot
        due = [c for _, c in sorted(snapshot.chronicle.challenges.items())
               if c.state in LIVE and snapshot.chain_time > c.deadline]
        lapsed = False
        for c in due:
            if self._stop.is_set():
                break
            key = ("lapse", c.challenge_id, c.state, c.deadline)
            if key in self._given_up or ("lapse", c.challenge_id) in self._in_flight:
                continue
            with self._chain_lock:
                try:
                    receipt = self.client.lapse(c, self.account)
                except (AnteError, VerdictError) as error:
                    self._reconcile("lapse", c, error, key)
                    continue
                except Exception as error:
                    self._chain_error(f"lapsing challenge {c.challenge_id}", error)
                    break  # the chain is unwell: the next tick tries again
                tx = str(receipt.txn_hash)
                status = self._confirm(receipt)
                if status is None:
                    self._in_flight[("lapse", c.challenge_id)] = (tx, c, key)
                    log.info("the lapse of challenge %s is not mined yet (tx %s)", c.challenge_id, tx)
                    continue
                if not status:
                    self._reconcile("lapse", c, RuntimeError(f"the transaction {tx} reverted"), key)
                    continue
                self._record(c.challenge_id, "lapse", LAPSED_BY_US, tx_hash=tx)
                log.info("lapsed challenge %s (%s past its deadline; tx %s)", c.challenge_id, c.state.label, tx)
                lapsed = True
        if lapsed:
            self._refresh()

    # ------------------------------------------------------------------ reconciling

    def _record(self, challenge_id: int, action: str, outcome: str, tx_hash: str | None = None,
                reason: str | None = None) -> None:
        self.store.record_attempt(self.chain_id, self.contract, challenge_id, action, outcome, tx_hash, reason)
        self._warned = {w for w in self._warned if not w.endswith(f" challenge {challenge_id}")}
        if action == "settle":
            self.metrics.settlements.labels(outcome).inc()
        elif outcome == LAPSED_BY_US:
            self.metrics.lapses.inc()

    def _reconcile(self, action: str, c: ChallengeHistory, error: Exception, key: tuple) -> None:
        """The contract refused a settle or lapse: find out why from a fresh sync, record it, never repeat it."""
        challenge_id = c.challenge_id
        if not self._refresh():
            # Cannot look: leave it for the next round, which re-reads the chain first.
            if action == "settle":
                self._retries[challenge_id] = (time.monotonic() + BACKOFF_START, BACKOFF_START)
            return
        now = self._snapshot.chronicle.challenges.get(challenge_id)
        state = now.state if now is not None else State.NONE
        closing = next((e for e in reversed(now.events) if type(e).__name__ in ("ChallengeSettled", "ChallengeLapsed")),
                       None) if now is not None else None
        tx = closing.transaction_hash if closing is not None else None
        by_us = tx is not None and self._sent_by_us(tx)
        if action == "settle" and state == State.SETTLED:
            outcome, reason = (SETTLED_BY_US if by_us else SETTLED_ELSEWHERE), None
        elif action == "lapse" and state in (State.EXPIRED, State.DEFAULTED, State.UNREVIEWED):
            outcome, reason = (LAPSED_BY_US if by_us else LAPSED_ELSEWHERE), None
        else:
            outcome, reason, tx = FAILED, _short(error), None
            if state == c.state and key is not None:
                self._given_up.add(key)
        self._record(challenge_id, action, outcome, tx_hash=tx, reason=reason)
        log.info("%s of challenge %s: %s%s", action, challenge_id, outcome, f" ({reason})" if reason else "")

    def _sent_by_us(self, tx_hash: str) -> bool:
        try:
            with self._chain_lock:
                tx = self.client.chain.provider.web3.eth.get_transaction(tx_hash)
            return to_checksum_address(tx["from"]) == self.address
        except Exception:
            return False

    # ------------------------------------------------------------------ reading, for the API

    def challenges(self, state: str | None = None) -> list[dict]:
        """Every challenge (optionally only those in `state`), by id, with its count of stored verdicts."""
        states = None if state is None else [s for s in State if s.label == state]
        counts = self.verdict_counts()
        return [{**c.to_json(full=False), "verdicts": counts.get(c.challenge_id, 0)}
                for c in self.select_challenges(self._ready_snapshot(), states=states)]

    def challenge(self, challenge_id: int) -> dict | None:
        """One challenge's history, its stored verdicts grouped by score, what a quorum still needs and the
        oracle's attempts; None if there is no such challenge."""
        snapshot = self._ready_snapshot()
        c = snapshot.chronicle.challenges.get(challenge_id)
        if c is None:
            latest, fresh = self.fresh_snapshot()
            if not fresh:
                raise NotReady(f"the oracle cannot read the chain right now to look for challenge {challenge_id}; "
                               "try again shortly.")
            snapshot = latest
            c = snapshot.chronicle.challenges.get(challenge_id)
        if c is None:
            return None
        stored = self.store.verdicts(self.chain_id, self.contract, challenge_id)
        panel = snapshot.chronicle.panels.get(c.terms.panel_id)
        quorum = Quorum.of(c, panel, stored) if panel is not None and c.deliverable is not None else None
        return {
            "challenge": c.to_json(),
            "verdicts": [s.to_json() for s in stored],
            "quorum": quorum.to_json() if quorum is not None else None,
            "attempts": [a.to_json() for a in self.store.attempts(self.chain_id, self.contract, challenge_id)],
        }

    def records(self, address: str) -> dict:
        """The records of one address in every role (``ante.records``)."""
        if not is_address(address):
            raise ValueError(f"{address!r} is not an address.")
        return self._ready_snapshot().records().for_address(address).to_json()

    def health(self) -> dict:
        """Whether the oracle is connected and in sync, and the last chain error."""
        snapshot = self._snapshot
        indexed = snapshot.indexed if snapshot else None
        head = self._head
        age = None if snapshot is None else time.monotonic() - snapshot.taken_at
        # With a running worker, a sync older than a few polls means the node does not answer (or hangs).
        stale = self.running and age is not None and age > max(10.0, 5 * self.poll)
        last_error = None if self.last_error is None else {"at": self.last_error[0], "message": self.last_error[1]}
        if stale and self._healthy:
            last_error = {"at": time.time(), "message": f"no answer from the chain for {age:.0f} s"}
        return {
            "ok": snapshot is not None and self._healthy and not stale and (self.running or self._thread is None),
            "chain_id": self.chain_id,
            "contract": self.contract,
            "account": self.address,
            "head": head,
            "indexed": indexed,
            "lag": None if head is None or indexed is None else max(0, head - indexed),
            "chain_time": snapshot.chain_time if snapshot else None,
            "synced_at": snapshot.wall if snapshot else None,
            "keeper": self.keeper,
            "retrying": sorted(self._retries.copy()),
            "last_error": last_error,
        }

    # ------------------------------------------------------------------ reading, for the dashboard

    def current(self) -> Snapshot:
        """The latest snapshot of the chain; :class:`NotReady` before the first sync."""
        return self._ready_snapshot()

    @staticmethod
    def select_challenges(snapshot: Snapshot, *, states: Iterable[State] | None = None, funder: str | None = None,
                          contributor: str | None = None, panel: int | None = None) -> list[ChallengeHistory]:
        """The snapshot's challenges by id, only those in `states`, posted by `funder`, accepted (now or
        before an abandonment) by `contributor` and judged by `panel`, where given (checksummed addresses)."""
        wanted = None if states is None else set(states)
        return [c for _, c in sorted(snapshot.chronicle.challenges.items())
                if (wanted is None or c.state in wanted)
                and (funder is None or c.terms.funder == funder)
                and (contributor is None or c.contributor == contributor or contributor in c.abandoned_by)
                and (panel is None or c.terms.panel_id == panel)]

    def verdict_counts(self) -> dict[int, int]:
        """How many verdicts the store holds per challenge id."""
        return self.store.counts(self.chain_id, self.contract)

    def token_info(self, token: str) -> tuple[str, int]:
        """(symbol, decimals) of a reward token, read from the chain once; ("ETH", 18) for ether."""
        if int(token, 16) == 0:
            return "ETH", 18
        with self._chain_lock:
            return self.client.token_info(token)

    def audit(self):
        """``ante audit``'s report (:func:`ante.audit.audit`) of the snapshot's events against the contract
        at the snapshot's block; computed once per snapshot. Raises when the chain cannot be read."""
        snapshot = self._ready_snapshot()
        if "audit" not in snapshot._cache:
            from ante.audit import ape_chain_view, audit

            with self._chain_lock:
                view = ape_chain_view(self.client.contract, snapshot.head)
                snapshot._cache["audit"] = audit(snapshot.events, view, block=snapshot.head)
        return snapshot._cache["audit"]
