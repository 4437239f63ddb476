"""What the API (:mod:`ante.oracle.app`) and the dashboard (:mod:`ante.oracle.dashboard`) read: one read
model over the latest snapshot and the store, shared by both so that they never disagree.

A quorum (:class:`Quorum`) is a challenge's stored verdicts that count: those of its panel's members, on
its submitted deliverable, grouped by score; it is reached when at least the panel's threshold agree on
one score (a strict majority, so at most one can be). Nothing here writes or touches the chain, except
the two readers that must (a token's symbol, and the audit's contract reads), under the chain lock.
Neither ever keeps a request waiting on the node: a token's symbol is read only when the lock is free
within TOKEN_WAIT, and the audit is computed once per snapshot in a thread of its own, which a request
waits for at most AUDIT_WAIT before it is told that the audit is not available right now.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass

from ante.errors import AnteError
from ante.history import ChallengeHistory, PanelView
from ante.oracle.snapshots import Snapshot
from ante.oracle.store import StoredVerdict
from ante.state import State
from ante.terms import to_checksum_address


#: An address as the API takes it: 0x and 40 hex digits, in any case.
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

#: How long a request waits for the audit of the current snapshot, in seconds.
AUDIT_WAIT = 3.0

#: How long a page waits for the chain lock to read a token's symbol, in seconds (else it shows base units).
TOKEN_WAIT = 0.2

#: How long the audit's thread waits for the chain lock before it gives up, in seconds.
AUDIT_LOCK_WAIT = 30.0


class AuditUnavailable(AnteError):
    """The audit of the current snapshot could not be completed in time: the chain did not answer."""


def members(panel: PanelView) -> tuple[str, ...]:
    """A panel's members as checksummed addresses (``ante.terms.to_checksum_address`` remembers each)."""
    return tuple(to_checksum_address(m) for m in panel.members)


@dataclass(frozen=True)
class Quorum:
    """A challenge's stored verdicts that count (its panel's members, on its deliverable), by score."""

    threshold: int
    members: tuple[str, ...]
    verdicts: tuple[StoredVerdict, ...]

    @classmethod
    def of(cls, challenge: ChallengeHistory, panel: PanelView, stored: Iterable[StoredVerdict]) -> Quorum:
        on_panel = members(panel)
        counted = tuple(s for s in stored if s.signer in on_panel and s.signed.verdict.deliverable == challenge.deliverable)
        return cls(panel.threshold, on_panel, counted)

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


def select_challenges(snapshot: Snapshot, *, states: Iterable[State] | None = None, funder: str | None = None,
                      contributor: str | None = None, panel: int | None = None) -> list[ChallengeHistory]:
    """The snapshot's challenges by id, only those in `states`, posted or co-funded by `funder`, accepted (now or
    before an abandonment) by `contributor` and judged by `panel`, where given (checksummed addresses)."""
    wanted = None if states is None else set(states)
    return [c for _, c in sorted(snapshot.chronicle.challenges.items())
            if (wanted is None or c.state in wanted)
            and (funder is None or c.terms.funder == funder or funder in c.contributions)
            and (contributor is None or c.contributor == contributor or contributor in c.abandoned_by)
            and (panel is None or c.terms.panel_id == panel)]


class ReadModel:
    """The readers of one oracle: `service` gives its snapshots, store, relayer, worker and settings."""

    def __init__(self, service):
        self.service = service

    def challenges(self, state: str | None = None) -> list[dict]:
        """Every challenge (optionally only those in `state`), by id, with its count of stored verdicts."""
        states = None if state is None else [s for s in State if s.label == state]
        counts = self.verdict_counts()
        return [{**c.to_json(full=False), "verdicts": counts.get(c.challenge_id, 0)}
                for c in select_challenges(self.service.snapshots.ready(), states=states)]

    def challenge(self, challenge_id: int) -> dict | None:
        """One challenge's history, its stored verdicts grouped by score, what a quorum still needs (and the same
        for its appeal panel once appealed), the oracle's attempts and its transactions; None if the latest
        snapshot has no such challenge (a read never waits on the node for a newer one)."""
        s = self.service
        snapshot = s.snapshots.ready()
        c = snapshot.chronicle.challenges.get(challenge_id)
        if c is None:
            return None
        stored = s.store.verdicts(s.chain_id, s.contract, challenge_id)
        panel = snapshot.chronicle.panels.get(c.terms.panel_id)
        quorum = Quorum.of(c, panel, stored) if panel is not None and c.deliverable is not None else None
        appeal_stored = s.store.verdicts(s.chain_id, s.contract, challenge_id, appeal=True)
        appeal_panel = snapshot.chronicle.panels.get(c.appeal_panel_id) if c.appellant is not None else None
        appeal_quorum = Quorum.of(c, appeal_panel, appeal_stored) if appeal_panel is not None else None
        return {
            "challenge": c.to_json(),
            "verdicts": [v.to_json() for v in stored],
            "quorum": quorum.to_json() if quorum is not None else None,
            "appeal_verdicts": [v.to_json() for v in appeal_stored],
            "appeal_quorum": appeal_quorum.to_json() if appeal_quorum is not None else None,
            "attempts": [a.to_json() for a in s.store.attempts(s.chain_id, s.contract, challenge_id)],
            "transactions": [t.to_json() for t in s.store.outgoing(s.chain_id, s.contract, challenge_id=challenge_id)],
        }

    def records(self, address: str) -> dict:
        """The records of one address in every role (``ante.records``)."""
        if not isinstance(address, str) or not ADDRESS.fullmatch(address):
            raise ValueError(f"{str(address)[:60]!r} is not an address: use 0x and 40 hex digits.")
        return self.service.snapshots.ready().records().for_address(address).to_json()

    def health(self) -> dict:
        """Whether the oracle is connected and in sync, its transactions in flight and the last chain error."""
        s = self.service
        snapshot = s.snapshots.current
        health = s.chain_health
        indexed = snapshot.indexed if snapshot else None
        head = health.head
        age = None if snapshot is None else time.monotonic() - snapshot.taken_at
        waited = health.waiting()
        # A node that hangs fails no call, it only keeps one waiting: with a running worker, a chain call
        # waiting longer than two polls (`Snapshots.silence`: a second at least, so that a loaded machine
        # does not flap), or no sync for a few polls (a worker held up elsewhere), means the node does not
        # answer.
        silent = s.running and waited > s.snapshots.silence
        stale = s.running and age is not None and age > max(10.0, 5 * s.poll)
        last_error = None if health.last_error is None else {"at": health.last_error[0], "message": health.last_error[1]}
        if silent or (stale and health.healthy):  # the wait in progress says more than an earlier error
            last_error = {"at": time.time(), "message": f"no answer from the chain for {max(waited, age or 0):.1f} s"}
        stale = stale or silent
        return {
            "ok": snapshot is not None and health.healthy and not stale and (s.running or not s.started),
            "chain_id": s.chain_id,
            "contract": s.contract,
            "account": s.address,
            "head": head,
            "indexed": indexed,
            "final_block": snapshot.final_block if snapshot else None,
            "lag": None if head is None or indexed is None else max(0, head - indexed),
            "chain_time": snapshot.chain_time if snapshot else None,
            "synced_at": snapshot.wall if snapshot else None,
            "keeper": s.keeper,
            "confirmations": s.relayer.confirmations,
            "in_flight": s.relayer.in_flight(),
            "retrying": s.worker.retrying(),
            "last_error": last_error,
        }

    def verdict_counts(self) -> dict[int, int]:
        """How many verdicts the store holds per challenge id."""
        s = self.service
        return s.store.counts(s.chain_id, s.contract)

    def token_info(self, token: str) -> tuple[str, int]:
        """(symbol, decimals) of a reward token, read from the chain once; ("ETH", 18) for ether. An
        :class:`ante.errors.AnteError` when the chain lock is not free within TOKEN_WAIT."""
        if int(token, 16) == 0:
            return "ETH", 18
        lock = self.service.chain_lock
        if not lock.acquire(timeout=TOKEN_WAIT):
            raise AnteError(f"the chain is busy, so the symbol of {token} cannot be read right now.")
        try:
            return self.service.client.token_info(token)
        finally:
            lock.release()

    def audit_future(self) -> Future:
        """The audit of the current snapshot (:func:`ante.audit.audit` of its events against the contract at
        its block), computed once per snapshot in a thread of its own; the same future for every caller."""
        snapshot = self.service.snapshots.ready()
        with _AUDIT_LOCK:
            future = snapshot._cache.get("audit")
            if future is None:
                future = snapshot._cache["audit"] = Future()
                threading.Thread(target=self._audit, args=(snapshot, future), name="ante-oracle-audit",
                                 daemon=True).start()
        return future

    def _audit(self, snapshot: Snapshot, future: Future) -> None:
        from ante.audit import ape_chain_view, audit

        s = self.service
        try:
            with s.chain_health.calling():
                if not s.chain_lock.acquire(timeout=AUDIT_LOCK_WAIT):
                    raise AuditUnavailable("the chain stayed busy, so the audit could not read the contract.")
                try:
                    view = ape_chain_view(s.client.contract, snapshot.head)
                    report = audit(snapshot.events, view, block=snapshot.head)
                finally:
                    s.chain_lock.release()
        except BaseException as error:  # the next request for this snapshot tries again
            with _AUDIT_LOCK:
                if snapshot._cache.get("audit") is future:
                    del snapshot._cache["audit"]
            future.set_exception(error)
        else:
            future.set_result(report)

    def audit(self, timeout: float = AUDIT_WAIT):
        """``ante audit``'s report of the current snapshot, waiting at most `timeout` seconds for it;
        :class:`AuditUnavailable` when it is not ready by then or the chain could not be read."""
        return audit_result(self.audit_future(), timeout)


_AUDIT_LOCK = threading.Lock()  # one audit thread per snapshot, however many requests ask at once

UNAVAILABLE = "the audit reads the contract and the chain is not answering, so it is not available right now; try again shortly."


async def await_audit(service, timeout: float = AUDIT_WAIT):
    """The report of `service`'s current audit, awaited in the event loop (no thread waits for it) for at
    most `timeout` seconds; :class:`AuditUnavailable` otherwise."""
    import asyncio

    future = service.read.audit_future()
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
    except asyncio.TimeoutError:
        raise AuditUnavailable(UNAVAILABLE) from None
    except AuditUnavailable:
        raise
    except Exception as error:
        raise AuditUnavailable(UNAVAILABLE) from error


def audit_result(future: Future, timeout: float):
    """The report of an audit `future` within `timeout` seconds, else :class:`AuditUnavailable`."""
    from concurrent.futures import TimeoutError as FutureTimeout

    try:
        return future.result(timeout)
    except FutureTimeout:
        raise AuditUnavailable(UNAVAILABLE) from None
    except AuditUnavailable:
        raise
    except Exception as error:
        raise AuditUnavailable(UNAVAILABLE) from error
