"""What the oracle should send: the rules that turn the chain's state and the stored verdicts into intents.

- **Settle on quorum**: a challenge that is Submitted, whose review window is still open at the chain's
  (estimated) time, and for which a quorum of its panel agrees on one score (:class:`Quorum`), is settled
  with every agreeing verdict, signers in ascending order (on a challenge with an appeal window, that
  settlement records the verdict: Ruled). An Appealed one is settled the same way by a quorum of its
  appeal panel over their ``AppealVerdict`` signatures, until its rule-by deadline.
- **Lapse when overdue**: an Open, Accepted or Submitted challenge whose deadline is strictly before the
  chain's time (deadlines are inclusive) is lapsed.
- **Finalize when overdue**: a Ruled challenge whose appeal window passed unused, or an Appealed one whose
  appeal panel stayed silent past rule-by (its deadline, strictly before the chain's time), is finalized:
  the recorded verdict is paid.

An :class:`Intent` says what to call and carries a key naming the attempt (the action, the challenge
and what the call depends on, a settlement's signatures included: a Safe that signs again after its owners
changed makes a new attempt), so that one the contract refused is never repeated unchanged. Whether an
intent is already in flight, and how it is sent, is the relayer's business (:mod:`ante.oracle.relayer`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from ante.history import ChallengeHistory, PanelView
from ante.oracle.readmodel import Quorum
from ante.oracle.snapshots import Snapshot
from ante.oracle.store import StoredVerdict
from ante.state import State
from ante.verdict import AppealVerdict, Verdict
from ante.verdict import quorum as ordered_quorum

#: States the keeper may lapse once their deadline has passed.
LIVE = (State.OPEN, State.ACCEPTED, State.SUBMITTED)

#: States the keeper may finalize once their deadline has passed.
RECORDED = (State.RULED, State.APPEALED)

#: States in which a quorum settles a challenge: its panel's while Submitted, its appeal panel's while Appealed.
JUDGED = (State.SUBMITTED, State.APPEALED)


@dataclass(frozen=True)
class Intent:
    """A call the oracle means to make: ``settle``, ``lapse`` or ``finalize`` on a challenge, with its arguments."""

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


def on_appeal(challenge: ChallengeHistory) -> bool:
    """Whether the quorum that settles `challenge` now is its appeal panel's (it is Appealed)."""
    return challenge.state == State.APPEALED


def judging_panel(snapshot: Snapshot, challenge: ChallengeHistory) -> PanelView | None:
    """The panel whose quorum settles `challenge` now: its appeal panel once Appealed, else its own."""
    panel_id = challenge.appeal_panel_id if on_appeal(challenge) else challenge.terms.panel_id
    return snapshot.chronicle.panels.get(panel_id)


def settlement(snapshot: Snapshot, challenge_id: int, stored: Iterable[StoredVerdict]) -> Intent | None:
    """The settlement of `challenge_id` if it is Submitted and a quorum of its panel agrees, or Appealed and a
    quorum of its appeal panel agrees (`stored`: the verdicts of that round); else None. Only verdicts of the
    round's type count. Says nothing about the deadline (see :func:`review_closed`)."""
    c = snapshot.chronicle.challenges.get(challenge_id)
    if c is None or c.state not in JUDGED:
        return None
    panel = judging_panel(snapshot, c)
    if panel is None:
        return None
    kind = AppealVerdict if on_appeal(c) else Verdict
    quorum = Quorum.of(c, panel, [s for s in stored if type(s.signed.verdict) is kind])
    score = quorum.reached()
    if score is None:
        return None
    verdicts = [s.signed for s in quorum.by_score()[score]]
    _, signers, signatures = ordered_quorum(verdicts)
    return Intent("settle", c, (c.challenge_id, c.record().as_tuple(), score, signers, signatures),
                  ("settle", c.challenge_id, c.state, score, tuple(signers), tuple(bytes(s) for s in signatures)),
                  f"at {score} with {len(signers)} {'appeal verdicts' if kind is AppealVerdict else 'verdicts'}")


def review_closed(snapshot: Snapshot, challenge: ChallengeHistory) -> bool:
    """Whether `challenge`'s review window (its appeal panel's rule-by, once Appealed) has closed by the chain's
    estimated time: too late to settle."""
    closes = challenge.deadline if on_appeal(challenge) else challenge.review_by
    return chain_now(snapshot) > closes


def lapses(snapshot: Snapshot) -> list[Intent]:
    """The keeper's work, by id: a lapse of every live challenge, and a finalization of every Ruled or Appealed
    one, whose deadline is strictly before the snapshot's chain time."""
    due = []
    for _, c in sorted(snapshot.chronicle.challenges.items()):
        if snapshot.chain_time <= c.deadline:
            continue
        if c.state in LIVE:
            due.append(Intent("lapse", c, (c.challenge_id, c.record().as_tuple()),
                              ("lapse", c.challenge_id, c.state, c.deadline), f"{c.state.label} past its deadline"))
        elif c.state in RECORDED:
            past = "its appeal window" if c.state == State.RULED else "its appeal's rule-by"
            due.append(Intent("finalize", c, (c.challenge_id, c.record().as_tuple()),
                              ("finalize", c.challenge_id, c.state, c.deadline), f"{c.state.label} past {past}"))
    return due
