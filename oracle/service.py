"""The oracle: takes signed verdicts (and appeal verdicts), keeps them, and settles, lapses or finalizes
challenges on-chain.

:class:`OracleService` is the composition that the HTTP API (:mod:`ante.oracle.app`), the dashboard,
``ante oracle run`` and the tests use. Each part lives in a module of its own:

- :mod:`ante.oracle.snapshots`: what the oracle knows of the chain (immutable snapshots, published by
  the worker; the node's health);
- :mod:`ante.oracle.admission`: verdicts in (checked completely, stored durably, a settlement queued on
  quorum);
- :mod:`ante.oracle.policies`: what should be sent (settle on quorum, the panel's or on appeal the appeal
  panel's; lapse when overdue; finalize a recorded verdict past its deadline);
- :mod:`ante.oracle.relayer`: how it is sent (simulated, pipelined nonces, signed, broadcast) and
  followed to its confirmations through reorganisations and fee replacements, then reconciled;
- :mod:`ante.oracle.loop`: the one chain worker thread (ticks, follow-ups, retries with backoff);
- :mod:`ante.oracle.readmodel`: what the API and the dashboard read;
- :mod:`ante.oracle.store`: the verdicts, the attempts and the outgoing transactions, on disk;
- :mod:`ante.oracle.feedback`: feedback in (EAS off-chain attestations, checked against the oracle's EAS
  domain and its feedback policy) and kept beside the verdicts, in the same file.

Call :meth:`OracleService.start` to run the chain worker in its own thread and :meth:`OracleService.stop`
to end it; or, with no worker, :meth:`OracleService.run_once` to do one round of its work synchronously.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from ante.history import ChallengeHistory
from ante.oracle.admission import Admission, Rejected
from ante.oracle.feedback import FeedbackDesk, FeedbackPolicy, FeedbackStore
from ante.oracle.loop import Worker
from ante.oracle.metrics import REJECT_REASONS, Metrics
from ante.oracle.readmodel import Quorum, ReadModel, select_challenges
from ante.oracle.relayer import Relayer
from ante.oracle.snapshots import SILENCE_FLOOR, ChainHealth, NotReady, Snapshot, Snapshots
from ante.oracle.store import VerdictStore
from ante.state import State
from ante.terms import to_checksum_address

__all__ = ["NotReady", "OracleService", "Quorum", "REJECT_REASONS", "Rejected", "Snapshot"]


class OracleService:
    """The oracle over one Ante deployment: `client` (an AnteClient), `account` (an Ape account that
    pays for settlements and lapses) and `store` (a VerdictStore).

    `confirmations`: blocks a transaction must be under before its outcome is final (default: 0 on a
    local dev chain, else the network's required confirmations in Ape).

    `eas`: the EAS deployment feedback attestations must be bound to (an :class:`ante.feedback.EasDomain`;
    None: the oracle takes no feedback); `feedback_policy`: who may give it and how often (default:
    anyone, :data:`ante.oracle.feedback.DEFAULT_RATE` an hour); `feedback_store`: where it is kept
    (default: the verdict store's file, opened when feedback is first asked for).
    """

    def __init__(self, client, account, store: VerdictStore, *, keeper: bool = True, poll: float = 2.0,
                 sync_wait: float = 10.0, registry=None, confirmations: int | None = None, eas=None,
                 feedback_policy: FeedbackPolicy | None = None, feedback_store: FeedbackStore | None = None):
        self.client = client
        self.account = account
        self.store = store
        self.keeper = keeper
        self.chain_id = int(client.chain_id)
        self.contract = to_checksum_address(client.address)
        self.address = to_checksum_address(account.address)
        self.metrics = Metrics(registry)
        self.chain_lock = threading.RLock()
        self.chain_health = ChainHealth(self.metrics)
        self.snapshots = Snapshots(client, self.chain_health, self.metrics, self.chain_lock, sync_wait=sync_wait)
        self.poll = poll
        self.relayer = Relayer(client, account, store, self.metrics, self.chain_health, self.snapshots,
                               self.chain_lock, confirmations=confirmations)
        self.worker = Worker(self)
        self.admission = Admission(self)
        self.read = ReadModel(self)
        self.eas = eas
        self.feedback_policy = feedback_policy if feedback_policy is not None else FeedbackPolicy()
        self._feedback_store = feedback_store
        self._feedback_lock = threading.Lock()
        self.feedback = FeedbackDesk(self)

    @property
    def feedback_store(self) -> FeedbackStore:
        """Where feedback is kept: the one given, else the verdict store's file (opened on first use)."""
        with self._feedback_lock:
            if self._feedback_store is None:
                self._feedback_store = FeedbackStore(self.store.path)
            return self._feedback_store

    def close_feedback(self) -> None:
        """Closes the feedback store (if it was opened); the verdict store is closed by its owner."""
        with self._feedback_lock:
            if self._feedback_store is not None:
                self._feedback_store.close()

    # ------------------------------------------------------------------ running

    def start(self) -> None:
        """Starts the chain worker (it syncs at once, then every `poll` seconds)."""
        self.worker.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stops the worker after the operation in flight; True if it ended. Nothing is lost: verdicts
        and transactions in flight are in the store, and the next start takes them up."""
        return self.worker.stop(timeout)

    @property
    def poll(self) -> float:
        """Seconds between the worker's ticks."""
        return self._poll

    @poll.setter
    def poll(self, value: float) -> None:
        # A chain call waiting two polls (a second at least) means the node is not answering: /health says
        # so, and no request waits for a newer snapshot any longer.
        self._poll = value
        self.snapshots.silence = max(SILENCE_FLOOR, 2 * value)

    @property
    def running(self) -> bool:
        return self.worker.running

    @property
    def started(self) -> bool:
        return self.worker.started

    def wait_ready(self, timeout: float) -> bool:
        """Waits until the first sync has published a snapshot; True if it has."""
        return self.snapshots.wait_ready(timeout)

    def run_once(self) -> None:
        """One round of the worker's work in the calling thread (only without a running worker)."""
        self.worker.run_once()

    @property
    def snapshot(self) -> Snapshot | None:
        """The latest view of the chain (None before the first sync)."""
        return self.snapshots.current

    @property
    def sync_wait(self) -> float:
        return self.snapshots.sync_wait

    @property
    def last_error(self) -> tuple[float, str] | None:
        return self.chain_health.last_error

    def fresh_snapshot(self, timeout: float | None = None) -> tuple[Snapshot | None, bool]:
        """The chain as it is now (see :meth:`Snapshots.fresh`)."""
        return self.snapshots.fresh(timeout)

    # ------------------------------------------------------------------ verdicts in

    def accept_verdict(self, body: bytes | str | dict) -> dict:
        """Verifies and stores one signed verdict; see :meth:`Admission.accept`."""
        return self.admission.accept(body)

    def accept_feedback(self, body: bytes | str | dict) -> tuple[int, dict]:
        """Verifies and keeps one feedback attestation; see :meth:`FeedbackDesk.accept`."""
        return self.feedback.accept(body)

    # ------------------------------------------------------------------ reading, for the API and the dashboard

    def challenges(self, state: str | None = None) -> list[dict]:
        return self.read.challenges(state)

    def challenge(self, challenge_id: int) -> dict | None:
        return self.read.challenge(challenge_id)

    def records(self, address: str) -> dict:
        return self.read.records(address)

    def health(self) -> dict:
        return self.read.health()

    def current(self) -> Snapshot:
        """The latest snapshot of the chain; :class:`NotReady` before the first sync."""
        return self.snapshots.ready()

    @staticmethod
    def select_challenges(snapshot: Snapshot, *, states: Iterable[State] | None = None, funder: str | None = None,
                          contributor: str | None = None, panel: int | None = None) -> list[ChallengeHistory]:
        return select_challenges(snapshot, states=states, funder=funder, contributor=contributor, panel=panel)

    def verdict_counts(self) -> dict[int, int]:
        return self.read.verdict_counts()

    def token_info(self, token: str) -> tuple[str, int]:
        return self.read.token_info(token)

    def audit(self):
        return self.read.audit()
