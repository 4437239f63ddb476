"""The chain worker: one thread that does all of the oracle's chain work, in rounds.

Every chain operation runs in this thread (Ape is synchronous and keeps global state), fed by a queue:
a sync asked for by an HTTP handler, or a settlement queued by a verdict that completed a quorum. Between
jobs the worker

- **ticks** every ``poll`` seconds (and at start, so a quorum stored before a crash is settled after
  the restart): re-syncs the event index, re-evaluates every stored quorum (:func:`policies.settlement`;
  a contract wallet's verdict counts only while the wallet still accepts its signature, asked anew each
  time, so that a Safe whose owners changed cannot hold up the verdicts of the others),
  honours EAS's off-chain revocations of feedback and keeps the on-chain feedback (and its revocations)
  EAS logged up to the final block (when the oracle takes feedback) and, unless switched off, runs the
  keeper (:func:`policies.lapses`: lapses, and finalizations of recorded verdicts past their deadline);
- **follows** the transactions in flight (:meth:`Relayer.follow`) every ``FOLLOW_EVERY`` seconds while
  there are any; when one was dropped it ticks at once, so that its intent is looked at again;
- **retries** a settlement that failed for a transient reason (connection refused, a timeout, a node
  that went away) with exponential backoff, 0.25 s doubling to a 5 s cap, until the review window
  closes; when the node answers again, retries waiting out a backoff go at once. A lapse or a
  finalization that fails so waits for the next tick.

Without a running worker (tests, scripts), :meth:`Worker.run_once` does one round in the caller's thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from ante.oracle import policies
from ante.oracle.relayer import NodeRefused
from ante.oracle.store import FAILED

log = logging.getLogger("ante.oracle")

#: Backoff for transient chain errors: first delay and cap, in seconds.
BACKOFF_START = 0.25
BACKOFF_CAP = 5.0

#: How often transactions in flight are looked at, in seconds.
FOLLOW_EVERY = 0.25


class Worker:
    """The chain worker of `service` (an OracleService): its snapshots, store, relayer and settings."""

    def __init__(self, service):
        self.service = service
        self.jobs: queue.Queue = queue.Queue()
        self.retries: dict[int, tuple[float, float]] = {}  # challenge -> (when to retry, last delay)
        self._queued: set[int] = set()  # challenges with a settle job in the queue
        self._lock = threading.Lock()
        self._sync_requested = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._set_aside: set[tuple] = set()  # (challenge, signer, signature) of wallet verdicts said to no longer count
        service.snapshots.on_recovered = self._retry_now

    # ------------------------------------------------------------------ running

    def start(self) -> None:
        """Starts the thread (it syncs at once, then every `poll` seconds)."""
        if self._thread is not None:
            raise RuntimeError("the oracle is already running")
        self._stop.clear()
        self.service.snapshots.stopping(False)
        self.service.snapshots.request_sync = self.request_sync
        self._thread = threading.Thread(target=self._run, name="ante-oracle-chain", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stops the thread after the operation in flight (a backoff wait is cut short); True if it ended."""
        self._stop.set()
        self.jobs.put(None)
        self.service.snapshots.request_sync = None
        self.service.snapshots.stopping(True)
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the chain worker is still busy after %.0f s; leaving it behind", timeout)
            return False
        return True

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def retrying(self) -> list[int]:
        """The challenges whose settlement waits out a backoff."""
        return sorted(self.retries.copy())

    def request_sync(self) -> None:
        """Asks for a sync (one queued at a time: concurrent requests share it)."""
        with self._lock:
            if self._sync_requested:
                return
            self._sync_requested = True
        self.jobs.put(("sync",))

    def queue_settlement(self, challenge_id: int) -> None:
        """Asks for `challenge_id` to be settled if a quorum agrees (one job per challenge in the queue)."""
        with self._lock:
            if challenge_id in self._queued:
                return
            self._queued.add(challenge_id)
        self.jobs.put(("settle", challenge_id))

    def run_once(self) -> None:
        """One round in the calling thread: queued jobs, retries (now), transactions in flight, then a tick.
        Only without a running worker."""
        if self.running:
            raise RuntimeError("run_once() is for an oracle without a running worker")
        self.drain()
        for challenge_id in list(self.retries):
            self.settle_if_ready(challenge_id)
        self.follow()
        self.tick()

    def drain(self) -> None:
        """Does every queued job now."""
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._do(job)

    def _run(self) -> None:
        s = self.service
        log.info("oracle worker started for %s on chain %s, account %s", s.contract, s.chain_id, s.address)
        next_tick = next_follow = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            due = min([next_tick, *(when for when, _ in self.retries.values()),
                       *([next_follow] if s.relayer.in_flight() else [])])
            try:
                job = self.jobs.get(timeout=max(0.0, due - now))
            except queue.Empty:
                job = None
            if self._stop.is_set():
                break
            try:
                if job is not None:
                    self._do(job)
                now = time.monotonic()
                for challenge_id in [cid for cid, (when, _) in self.retries.items() if when <= now]:
                    if self._stop.is_set():
                        break
                    self.settle_if_ready(challenge_id)
                if s.relayer.in_flight() and time.monotonic() >= next_follow and not self._stop.is_set():
                    if self.follow():
                        next_tick = 0.0  # something was dropped: the policies look again now
                    next_follow = time.monotonic() + FOLLOW_EVERY
                if time.monotonic() >= next_tick and not self._stop.is_set():
                    self.tick()
                    next_tick = time.monotonic() + s.poll
            except Exception:  # the worker must never die; the next round starts afresh
                log.exception("unexpected error in the oracle worker")
                next_tick = time.monotonic() + s.poll
        log.info("oracle worker stopped")

    def _do(self, job: tuple) -> None:
        if job[0] == "sync":
            with self._lock:
                self._sync_requested = False
            self.service.snapshots.refresh()
        elif job[0] == "settle":
            with self._lock:
                self._queued.discard(job[1])
            self.settle_if_ready(job[1])

    def _retry_now(self) -> None:
        self.retries.update({cid: (0.0, delay) for cid, (_, delay) in self.retries.items()})

    # ------------------------------------------------------------------ a round

    def tick(self) -> None:
        """Re-syncs, re-evaluates every stored quorum, runs the keeper and follows what is in flight."""
        s = self.service
        if not s.snapshots.refresh():
            return
        snapshot = s.snapshots.current
        counts = {appeal: s.store.counts(s.chain_id, s.contract, appeal=appeal) for appeal in (False, True)}
        for challenge_id in sorted(counts[False].keys() | counts[True].keys()):
            if self._stop.is_set():
                return
            c = snapshot.chronicle.challenges.get(challenge_id)
            if c is None or c.state not in policies.JUDGED:
                continue
            panel = policies.judging_panel(snapshot, c)
            stored = counts[policies.on_appeal(c)].get(challenge_id, 0)
            if panel is None or stored < panel.threshold:
                continue  # too few verdicts for a quorum: nothing to look at
            if challenge_id not in self.retries and not s.relayer.busy("settle", challenge_id):
                self.settle_if_ready(challenge_id)  # (a scheduled retry keeps its backoff)
        if s.eas is not None:
            self.follow_revocations(snapshot)
            self.follow_onchain_feedback(snapshot)
        if s.keeper:
            self.lapse_due()
        self.follow()

    def follow_revocations(self, snapshot) -> None:
        """Honours the off-chain revocations EAS logged up to the snapshot's head (feedback only)."""
        s = self.service
        try:
            with s.chain_health.calling(), s.chain_lock:
                gone = s.feedback.follow_revocations(snapshot.head, getattr(snapshot, "final_block", None))
        except Exception as error:  # feedback is advisory: the next tick reads again from the same block
            s.chain_health.error("reading EAS's off-chain revocations", error, outage=False)
            return
        if gone:
            log.info("%s feedback attestation%s revoked on EAS", gone, "" if gone == 1 else "s")

    def follow_onchain_feedback(self, snapshot) -> None:
        """Keeps the on-chain feedback (and honours its revocations) EAS logged up to the snapshot's final
        block (feedback only)."""
        s = self.service
        try:
            with s.chain_health.calling(), s.chain_lock:
                counts = s.feedback.follow_onchain(snapshot)
        except Exception as error:  # feedback is advisory: the next tick reads again from the same block
            s.chain_health.error("reading on-chain feedback from EAS", error, outage=False)
            return
        if counts["kept"] or counts["revoked"]:
            log.info("on-chain feedback from EAS: %s kept, %s revoked", counts["kept"], counts["revoked"])

    def follow(self) -> bool:
        """The relayer's look at its transactions; True if one was dropped or ended."""
        try:
            return self.service.relayer.follow()
        except Exception as error:
            self.service.chain_health.error("following the oracle's transactions", error)
            return False

    def settle_if_ready(self, challenge_id: int) -> None:
        """Settles `challenge_id` if it is Submitted (or Appealed), in its window (or before its rule-by), and a
        quorum of its panel (or of its appeal panel) is stored.

        A scheduled retry for it is consumed here; a transient failure schedules the next one."""
        s = self.service
        retry = self.retries.pop(challenge_id, None)
        if s.relayer.busy("settle", challenge_id):
            return
        snapshot = s.snapshots.current
        c = snapshot.chronicle.challenges.get(challenge_id) if snapshot else None
        if c is None or c.state not in policies.JUDGED:
            if retry is not None and c is not None:
                # An attempt failed on the way and the challenge was closed meanwhile: say by whom, once,
                # instead of leaving the attempt unrecorded.
                s.relayer.reconcile([("settle", challenge_id, RuntimeError(
                    f"challenge {challenge_id} was {c.state.label} before this oracle's settlement got through"),
                    None, None, None)])
            return
        try:
            stored = self._still_backed(challenge_id, s.store.verdicts(s.chain_id, s.contract, challenge_id,
                                                                       appeal=policies.on_appeal(c)))
        except Exception as error:
            s.chain_health.error(f"asking the wallets on challenge {challenge_id}'s panel", error,
                                 outage=not isinstance(error, NodeRefused))
            self._retry_later(challenge_id, retry[1] if retry else 0.0, "settling")
            return
        intent = policies.settlement(snapshot, challenge_id, stored)
        if intent is None or intent.key in s.relayer.refused:
            return
        if policies.review_closed(snapshot, c):
            if retry is not None:
                window = "rule-by deadline" if policies.on_appeal(c) else "review window"
                s.relayer.record(challenge_id, "settle", FAILED,
                                 reason=f"the {window} closed before the chain could be reached")
            return  # too late to settle; the keeper lapses (or finalizes) it
        try:
            s.relayer.send(intent)
        except Exception as error:
            s.chain_health.error(f"settling challenge {challenge_id}", error, outage=not isinstance(error, NodeRefused))
            self._retry_later(challenge_id, retry[1] if retry else 0.0, "settling")

    def _still_backed(self, challenge_id: int, stored: list) -> list:
        """`stored` without the verdicts of contract wallets that no longer accept their signature (a Safe
        whose owners or threshold changed since it signed): the contract asks each wallet again when it
        settles, and one refusal would undo the whole settlement. A key's signature is its own for good."""
        from ante.erc1271 import is_valid_signature
        from ante.verdict import normalise_signature

        s = self.service
        kept = []
        for verdict in stored:
            signed = verdict.signed
            try:
                by_key = signed.verdict.recover(normalise_signature(signed.signature)) == signed.signer
            except Exception:
                by_key = False
            if not by_key:
                with s.chain_health.calling(), s.chain_lock:
                    backed = is_valid_signature(s.client.node, signed.signer, signed.verdict.digest(), signed.signature)
                if not backed:
                    seen = (challenge_id, signed.signer, bytes(signed.signature))
                    if seen not in self._set_aside:
                        self._set_aside.add(seen)
                        log.info("challenge %s: %s no longer accepts the signature of its verdict, which counts "
                                 "again once it signs anew", challenge_id, signed.signer)
                    continue
            kept.append(verdict)
        return kept

    def lapse_due(self) -> None:
        """Lapses every live challenge, and finalizes every Ruled or Appealed one, whose deadline is strictly
        before the chain's time (:func:`policies.lapses`)."""
        s = self.service
        for intent in policies.lapses(s.snapshots.current):
            if self._stop.is_set():
                break
            if s.relayer.busy(intent.action, intent.challenge_id) or intent.key in s.relayer.refused:
                continue
            try:
                s.relayer.send(intent)
            except Exception as error:
                what = "finalizing" if intent.action == "finalize" else "lapsing"
                s.chain_health.error(f"{what} challenge {intent.challenge_id}", error,
                                     outage=not isinstance(error, NodeRefused))
                break  # the chain is unwell: the next tick tries again

    def _retry_later(self, challenge_id: int, last_delay: float, what: str | None = None) -> None:
        """Schedules the next look at `challenge_id`'s settlement, with exponential backoff."""
        delay = min(BACKOFF_CAP, last_delay * 2) if last_delay else BACKOFF_START
        self.retries[challenge_id] = (time.monotonic() + delay, delay)
        if what:
            log.log(logging.INFO if delay == BACKOFF_START else logging.DEBUG,  # the first retry only
                    "will retry %s challenge %s in %.2f s", what, challenge_id, delay)
