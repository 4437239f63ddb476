"""What the oracle should send: the rules that turn the chain's state and the stored verdicts into intents.

- **Settle on quorum**: a challenge that is Submitted, whose review window is still open at the chain's
  (estimated) time, and for which a quorum of its panel agrees on one score (:class:`Quorum`), is settled
  with every agreeing verdict, signers in ascending order.
- **Lapse when overdue**: an Open, Accepted or Submitted challenge whose deadline is strictly before the
  chain's time (deadlines are inclusive) is lapsed.

An :class:`Intent` says what to call and carries a key naming the attempt (the action, the challenge
and what the call depends on, a settlement's signatures included: a Safe that signs again after its owners
changed makes a new attempt), so that one the contract refused is never repeated unchanged. Whether an
intent is already in flight, and how it is sent, is the relayer's business (:mod:`ante.oracle.relayer`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from ante.history import ChallengeHistory
from ante.oracle.readmodel import Quorum
from ante.oracle.snapshots import Snapshot
from ante.oracle.store import StoredVerdict
from ante.state import State
from ante.verdict import quorum as ordered_quorum

#: States the keeper may lapse once their deadline has passed.
LIVE = (State.OPEN, State.ACCEPTED, State.SUBMITTED)


@dataclass(frozen=True)
class Intent:
    """A call the oracle means to make: ``settle`` or ``lapse`` on a challenge, with its arguments."""

    action: str
    challenge: ChallengeHistory
    args: tuple
    key: tuple
    detail: str = ""  # for the log: what the call does

    @property
    def challenge_id(self) -> int:
        return self.challenge.challenge_id


def chain_now(snapshot: Snapshot) -> int:
    """The chain's time now, estimated from the snapshot's block time and the time since it was read."""
    return snapshot.chain_time + max(0, int(time.monotonic() - snapshot.taken_at))


def settlement(snapshot: Snapshot, challenge_id: int, stored: Iterable[StoredVerdict]) -> Intent | None:
    """The settlement of `challenge_id` if it is Submitted and a quorum of its panel agrees; else None.
    Says nothing about the review window (see :func:`review_closed`)."""
    c = snapshot.chronicle.challenges.get(challenge_id)
    if c is None or c.state != State.SUBMITTED:
        return None
    panel = snapshot.chronicle.panels.get(c.terms.panel_id)
    if panel is None:
        return None
    quorum = Quorum.of(c, panel, stored)
    score = quorum.reached()
    if score is None:
        return None
    verdicts = [s.signed for s in quorum.by_score()[score]]
    _, signers, signatures = ordered_quorum(verdicts)
    return Intent("settle", c, (c.challenge_id, c.record().as_tuple(), score, signers, signatures),
                  ("settle", c.challenge_id, score, tuple(signers), tuple(bytes(s) for s in signatures)),
                  f"at {score} with {len(signers)} verdicts")


def review_closed(snapshot: Snapshot, challenge: ChallengeHistory) -> bool:
    """Whether `challenge`'s review window has closed by the chain's estimated time: too late to settle."""
    return chain_now(snapshot) > challenge.review_by


def lapses(snapshot: Snapshot) -> list[Intent]:
    """Every live challenge whose deadline is strictly before the snapshot's chain time, by id."""
    return [Intent("lapse", c, (c.challenge_id, c.record().as_tuple()), ("lapse", c.challenge_id, c.state, c.deadline),
                   f"{c.state.label} past its deadline")
            for _, c in sorted(snapshot.chronicle.challenges.items())
            if c.state in LIVE and snapshot.chain_time > c.deadline]
