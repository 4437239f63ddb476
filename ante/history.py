"""Each challenge's story, folded from Ante's events: what the contract holds for it and why.

The contract keeps one storage slot per challenge (its state, its current deadline, two flags and a
200-bit seal of its record), a credit per (token, account) and, for a co-funded challenge, a pool and each
co-funder's contribution. Everything else travels in the events. Folding a
deployment's complete event log with :func:`fold` rebuilds, for every challenge, the slot the contract
should hold and the whole story behind it, plus the panels and the credits ledger. The CLI shows it
(``ante list``, ``ante show``), the oracle rebuilds records to pass back to the contract from it, and
``ante audit`` (:mod:`ante.audit`) checks it against the chain.

Input
-----
The complete event log of one deployment, from its deployment block (``ante.events`` values). The fold
sorts it into chain order, ``(block_number, log_index)``.

What a challenge's fields mean (:class:`ChallengeHistory`)
-----------------------------------------------------------
- ``state``: as the contract has it. An abandonment re-opens the challenge (``OPEN``) before its
  accept-by time and expires it (``EXPIRED``) after.
- ``deadline``: the contract's *current* deadline, exactly as ``challengeStatus`` returns it: accept-by
  while Open, deliver-by while Accepted, review-by while Submitted, appeal-by while Ruled, rule-by while
  Appealed. A final transition (settle, lapse,
  cancel, or an abandonment after accept-by) leaves it as it was; an abandonment that re-opens sets it
  back to accept-by.
- Acceptance fields (``contributor``, ``stake``, ``promise_hash``, ``promise_uri``, ``promised_by``,
  ``confidence_bps``, ``accepted_at``, ``deliver_by``): those of the acceptance the contract's record holds; ``None`` while
  nobody holds it (never accepted, or re-opened by an abandonment). An abandonment after accept-by
  keeps them, as the contract's seal keeps the contributor. ``confidence_bps`` is the contributor's
  stated chance of success in basis points (1..10000); ``None`` also when they stated none (0 on chain).
- Submission fields (``deliverable``, ``deliverable_uri``, ``submitted_at``, ``review_by``): ``None``
  until a submission.
- Options (``unreviewed_bps``, ``appeal_window``, ``appeal_panel_id``, ``appeal_bond_bps``, ``review_fee``;
  together :attr:`ChallengeHistory.options`): those of the ``ChallengeOptionsSet`` that follows its creation,
  else the contract's defaults (``ante.terms.DEFAULT_OPTIONS``). ``unreviewed_bps`` is the share of the
  reward, in basis points, the contributor is paid beside the stake if the challenge lapses Unreviewed
  (default ``DEFAULT_UNREVIEWED_BPS``, 10000, the whole reward). :meth:`ChallengeHistory.unreviewed_payout`
  is what such a lapse pays each side (``ante.terms.unreviewed_payout``); the fold checks every Unreviewed
  ``ChallengeLapsed`` against it.
- ``score``, ``signers``, ``settled_at``: from the settlement (``None``, ``()``, ``None`` otherwise): the
  score that paid, and who signed it (nobody when ``finalize`` paid a recorded verdict).
- The appeal round, for a challenge with an appeal window: ``first_score``, ``first_signers``,
  ``ruled_at``: the panel's verdict ``ChallengeRuled`` recorded (state Ruled, deadline appeal-by);
  ``appellant``, ``bond``, ``appealed_at``: from ``ChallengeAppealed`` (state Appealed, deadline rule-by);
  ``appeal_score``, ``appeal_signers``, ``appellant_won``, ``bond_to``: from ``AppealDecided``
  (``appeal_score`` None and ``appeal_signers`` empty when the appeal panel was silent and ``finalize``
  closed it). ``None`` (or ``()``) otherwise. The bond is credited to ``bond_to``.
- The review fee: ``fee_share`` and ``fee_signers`` from ``ReviewFeePaid`` (each signer of the panel's
  verdict credited ``fee_share``, the creator the remainder), ``fee_returned`` from ``ReviewFeeReturned``
  (the whole fee credited back to the creator when the challenge ended without a verdict).
- ``to_contributor``, ``to_funder``: what the closing event gave each side (``ChallengeSettled``,
  ``ChallengeLapsed``, or ``ChallengeCancelled``'s refund to the funders' side); ``None`` until closed.
  ``forfeited``: the stakes abandonments gave the funders' side (0 if none). So everything a challenge
  ever credits is ``to_contributor + to_funder + forfeited``. Unless the challenge is co-funded (below),
  the funders' side is its creator, ``terms.funder``, credited at once.
- ``closed_at``: when it reached a final state; ``abandoned_by``: every contributor who abandoned it,
  in order.
- ``acceptances``: every acceptance of the challenge, in order, each an :class:`Acceptance` (below).
- :meth:`ChallengeHistory.record` is exactly what the contract's seal covers now: the terms, the
  contributor (zero if none) and the deliverable (zero if none). So
  ``history.record().seal() == challengeStatus(id).seal`` whenever the log is complete.
- :meth:`ChallengeHistory.escrow`: what the contract holds for the challenge and has credited to nobody:
  the reward while Open, reward + stake while Accepted, Submitted, Ruled or Appealed, nothing else once
  final; plus the review fee until it is paid or returned, the bond while an appeal is undecided, and the
  co-funding pool's ``unclaimed`` (below).

Several funders
---------------
``ChallengeFunded`` adds to an open challenge's reward, before it was ever accepted and by its accept-by
time: ``terms.reward`` becomes the event's new total (the contract re-seals the record, so
``record().seal()`` keeps matching). Funding by the creator only raises the reward (``added``); funding
by anyone else (a **co-funder**) makes the challenge ``co_funded`` and is recorded in ``contributions``
(co-funder to amount, in order of first funding). A co-funder may not accept the challenge.

In a co-funded challenge nothing goes back to the funders' side at once: abandoned stakes (also those
of an abandonment that re-opens it) and the closing event's ``to_funder`` accumulate in ``shared`` (the
contract's ``funding(id).shared``). At the close, ``FundersShared`` credits the creator
``to_creator = floor(shared * own / reward)``, where ``own = reward - sum(contributions)``; each
co-funder's ``share = floor(shared * contribution / reward)`` waits for a ``FunderClaimed`` (anyone may
claim it for them), which credits the share to the co-funder and a rounding ``remainder`` (0 or 1 wei)
to the creator, as the contract's carry accumulator says. ``claims`` maps each co-funder who claimed to
(amount, remainder). ``unclaimed`` (:meth:`ChallengeHistory.unclaimed`) is what the pool holds and has
credited to nobody: the abandoned stakes while the challenge runs, then ``shared - to_creator`` less
every claim's amount and remainder; it reaches 0 when every co-funder has claimed.

Acceptances (:class:`Acceptance`): the one fold behind every view
-----------------------------------------------------------------
Each ``ChallengeAccepted`` adds an acceptance to its challenge, and the fold moves it on as it applies
the events that follow, with the same rules that move the challenge. This is the only place those
rules live: records (:mod:`ante.records`, contributors' counts, promises, closeness, calibration and
amounts) and the dashboard's promise chart are projections of the acceptances and of the histories'
final states; none of them walks the events again.

- ``challenge_id, contributor, stake, promised_by, confidence_bps`` (None when not stated),
  ``accepted_at``: from the ``ChallengeAccepted``.
- ``submitted_at``, ``submitted_position`` (``(block_number, log_index)``): from its
  ``ChallengeSubmitted``; None until then. ``on_time``: ``submitted_at <= promised_by`` (None until
  submitted).
- ``score``: the settlement's score; None otherwise.
- ``outcome``: ``in progress`` (accepted), ``submitted``, then how it ended: ``settled``, ``defaulted``
  (lapsed with nothing delivered), ``unreviewed`` (lapsed without a verdict), ``abandoned``, or
  ``expired``: abandoned, and the challenge then expired (at once when abandoned after accept-by, as the
  contract's ``ChallengeLapsed(Expired)`` follows; later if it re-opened and nobody accepted it in time).
- ``payout``: what its end credited to the contributor (``toContributor`` of the settlement or lapse: the
  stake and the challenge's Unreviewed share of the reward when Unreviewed, 0 when Defaulted; 0 when
  abandoned); None while running. An Unreviewed payout is no verdict: ``score`` stays None.
  ``ended_position``: the position of the event that ended it.

The ledger (:class:`Chronicle`)
-------------------------------
- ``credits[(token, account)]``: what the account can withdraw in ``token`` (the zero address is
  ether): every non-zero amount credited by ``ChallengeSettled``, ``ChallengeLapsed``,
  ``ChallengeCancelled`` and ``ChallengeAbandoned`` (in a co-funded challenge only the contributor's
  part: the funders' side goes to the pool), ``FundersShared`` (to the creator), ``FunderClaimed``
  (to the co-funder, and the remainder to the creator), ``ReviewFeePaid`` (to each signer, and the
  remainder to the creator), ``ReviewFeeReturned`` (to the creator) and ``AppealDecided`` (the bond, to
  ``bond_to``), minus every ``Withdrawn``. An account appears
  once it is credited or withdraws, and stays (at 0) after withdrawing everything.
- ``accounts``: every (token, account) pair the events involve: each challenge's funder, co-funders and
  every contributor who accepted it (in the challenge's token), every account credited, every withdrawal.
  Its credit is ``credits.get(pair, 0)`` (see :meth:`Chronicle.credit`).
- ``escrow(token)``: the sum of :meth:`ChallengeHistory.escrow` over the token's challenges (co-funding
  pools included);
  ``owed(token)``: the sum of its credits. The contract's books balance when its holding of the token
  equals ``escrow(token) + owed(token)``.

Checks and anomalies
--------------------
Every event is checked against the contract's rules: the state it needs, the contributor, deadlines
(inclusive: an action at exactly the deadline is in time, a lapse needs a later block), and the
amounts the terms imply (stake, payout split, an Unreviewed lapse's share, refund, forfeit; a funding's
new total, who may fund and when; a co-funded close's shares and every claim's amount and remainder; the
options' rules, the review fee's shares, who may appeal, the bond, and who an appeal's bond goes to). A
log that breaks a rule is an **anomaly**. By default (``strict=True``) the first anomaly raises
:class:`HistoryError`. With ``strict=False`` (what the audit uses) anomalies are collected in
``Chronicle.anomalies`` and the event is applied anyway as the chain reported it, so that a damaged log
still yields a comparable picture; an event for a challenge that was never created cannot be applied and
is skipped.

JSON (every ``to_json`` has fixed keys)
---------------------------------------
Amounts are decimal strings (they exceed 2**53); bytes are ``0x``-prefixed lower-case hex; addresses
are checksummed; a state is its lower-case label; timestamps and other integers are numbers; absent
values are ``null``.

- challenge: ``challenge_id, state, deadline, terms {funder, token, reward, stake_bps, panel_id,
  accept_by, deliver_within, review_within, designated, spec_hash}, unreviewed_bps, appeal_window,
  appeal_panel_id, appeal_bond_bps, review_fee, spec_uri, created_at,
  contributor, stake, promise_hash, promise_uri, promised_by, confidence_bps, accepted_at, deliver_by,
  deliverable, deliverable_uri, submitted_at, review_by, score, to_contributor, to_funder, forfeited, signers, settled_at, closed_at,
  abandoned_by, escrow, co_funded, funders, shared, to_creator, unclaimed, appeal, review_fee_paid,
  review_fee_returned, seal, events`` (``terms.reward``
  is the current total; ``unreviewed_bps`` a number, 0..10000; ``co_funded`` a bool; ``funders`` a list of ``{funder, amount, share, claimed}``,
  the creator first (``amount``: the reward less every co-funder's contribution; ``share``: ``to_creator``,
  ``claimed``: ``to_creator`` plus the remainders credited so far, both null until ``FundersShared``, so
  always null when not co-funded), then each co-funder in order of first funding (``amount``: their
  contribution; ``share``: null until ``FundersShared``; ``claimed``: what their ``FunderClaimed``
  credited, null until then); ``shared`` and ``unclaimed`` amounts ("0" when not co-funded);
  ``to_creator`` an amount or null; ``appeal`` null until a verdict is recorded for an appeal round, then
  ``{first_score, first_signers, ruled_at, appellant, bond, appealed_at, appeal_score, appeal_signers,
  appellant_won, bond_to}`` (null, or empty lists, for what has not happened); ``review_fee`` an amount;
  ``review_fee_paid`` null or ``{share, signers}``; ``review_fee_returned`` an amount or null; ``seal`` is :meth:`ChallengeHistory.record`'s seal as 0x-hex of
  25 bytes; ``events`` is the timeline, each in :func:`ante.events.to_json` form).
- panel: ``panel_id, members, threshold, creator``.
- chronicle: ``events`` (how many were applied), ``last_position`` (``[block_number, log_index]`` or
  null), ``challenges`` (keyed by id as a string), ``panels`` (likewise), ``credits`` ({token:
  {account: amount}}), ``books`` ({token: {escrow, owed}}), ``anomalies`` (each ``{position, event,
  challenge_id, message}``). Tokens and accounts are in ascending numeric order.

This module imports no Ape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import Any

from ante.errors import AnteError
from ante.events import (
    AppealDecided,
    ChallengeAbandoned,
    ChallengeAccepted,
    ChallengeAppealed,
    ChallengeCancelled,
    ChallengeCreated,
    ChallengeFunded,
    ChallengeLapsed,
    ChallengeOptionsSet,
    ChallengeRuled,
    ChallengeSettled,
    ChallengeSubmitted,
    EventBase,
    FunderClaimed,
    FundersShared,
    PanelCreated,
    ReviewFeePaid,
    ReviewFeeReturned,
    Withdrawn,
    to_json as event_to_json,
)
from ante.state import State
from ante.terms import (
    BPS,
    DEFAULT_UNREVIEWED_BPS,
    Options,
    SEAL_BITS,
    ZERO_ADDRESS,
    ZERO_HASH,
    ChallengeRecord,
    Terms,
    split_payout,
    stake_for,
    unreviewed_payout,
)

__all__ = [
    "Acceptance",
    "Anomaly",
    "ChallengeHistory",
    "Chronicle",
    "HistoryError",
    "PanelView",
    "fold",
    "seal_hex",
]


class HistoryError(AnteError, ValueError):
    """The events are incomplete or break the contract's rules: the story they tell cannot be trusted."""


def _hex(value: bytes | None) -> str | None:
    return None if value is None else "0x" + bytes(value).hex()


def _amount(value: int | None) -> str | None:
    return None if value is None else str(value)


def _addr_key(address: str) -> int:
    return int(address, 16)


def token_name(token: str) -> str:
    """How messages name a token: ether for the zero address, else "token 0x..."."""
    return "ether" if _addr_key(token) == 0 else f"token {token}"


def seal_hex(seal: int) -> str:
    """A seal as ``0x`` and 50 hex digits (25 bytes, 200 bits)."""
    return f"0x{seal:0{SEAL_BITS // 4}x}"


def _terms_json(terms: Terms) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Terms):
        value = getattr(terms, f.name)
        if f.name == "reward":
            value = str(value)
        elif f.name == "spec_hash":
            value = _hex(value)
        out[f.name] = value
    return out


# --- the views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelView:
    """A panel as created: its evaluators (in creation order), threshold and creator."""

    panel_id: int
    members: tuple[str, ...]
    threshold: int
    creator: str

    def to_json(self) -> dict[str, Any]:
        return {
            "panel_id": self.panel_id,
            "members": list(self.members),
            "threshold": self.threshold,
            "creator": self.creator,
        }


#: An acceptance's outcome (:attr:`Acceptance.outcome`): still running, or how it ended.
IN_PROGRESS, SUBMITTED, SETTLED, ABANDONED, EXPIRED, DEFAULTED, UNREVIEWED = (
    "in progress", "submitted", "settled", "abandoned", "expired", "defaulted", "unreviewed")
#: The outcomes of an acceptance that has not ended yet.
RUNNING = frozenset({IN_PROGRESS, SUBMITTED})


@dataclass(frozen=True)
class Acceptance:
    """One ``ChallengeAccepted`` and what became of it (see "Acceptances" in the module docstring)."""

    challenge_id: int
    contributor: str
    stake: int
    promised_by: int
    accepted_at: int
    confidence_bps: int | None  # None: not stated (0 on chain)
    submitted_at: int | None = None
    submitted_position: tuple[int, int] | None = None  # (block_number, log_index) of the submission
    score: int | None = None
    outcome: str = IN_PROGRESS
    payout: int | None = None  # what its end credited to the contributor; None while running
    ended_position: tuple[int, int] | None = None  # of the event that ended it (settled, lapsed, abandoned)

    def _with(self, **changes: Any) -> Acceptance:
        """A copy with `changes`: the fold's step. It runs for most events, so it fills the copy's fields
        directly rather than through the frozen ``__init__`` (a field at a time, three times slower); the
        copy is as immutable as any other."""
        copy = _new_object(Acceptance)
        values = copy.__dict__
        values.update(self.__dict__)
        values.update(changes)
        return copy

    @property
    def running(self) -> bool:
        """Not ended yet: in progress or submitted."""
        return self.outcome in RUNNING

    @property
    def abandoned(self) -> bool:
        """Abandoned by its contributor (``expired`` is an abandonment after accept-by)."""
        return self.outcome == ABANDONED or self.outcome == EXPIRED

    @property
    def on_time(self) -> bool | None:
        """Submitted at or before its promised-by time; None until submitted."""
        return None if self.submitted_at is None else self.submitted_at <= self.promised_by


#: The states in which the contract holds reward and stake.
_STAKED = frozenset({State.ACCEPTED, State.SUBMITTED, State.RULED, State.APPEALED})

_new_object = object.__new__
#: The template each acceptance is copied from (its fields are all set on the copy).
_FIRST = Acceptance(0, ZERO_ADDRESS, 0, 0, 0, None)


@dataclass
class ChallengeHistory:
    """One challenge's story and current standing (see the module docstring for every field).

    Read-only for callers; built by :func:`fold`.
    """

    challenge_id: int
    terms: Terms
    spec_uri: str
    created_at: int
    state: State = State.OPEN
    deadline: int = 0
    unreviewed_bps: int = DEFAULT_UNREVIEWED_BPS  # the contributor's share of the reward if it lapses Unreviewed
    appeal_window: int = 0  # seconds after the panel's verdict to appeal it; 0: no appeal round
    appeal_panel_id: int = 0
    appeal_bond_bps: int = 0
    review_fee: int = 0
    contributor: str | None = None
    stake: int | None = None
    promise_hash: bytes | None = None
    promise_uri: str | None = None
    promised_by: int | None = None
    confidence_bps: int | None = None
    accepted_at: int | None = None
    deliver_by: int | None = None
    deliverable: bytes | None = None
    deliverable_uri: str | None = None
    submitted_at: int | None = None
    review_by: int | None = None
    score: int | None = None
    to_contributor: int | None = None
    to_funder: int | None = None
    forfeited: int = 0
    signers: tuple[str, ...] = ()
    settled_at: int | None = None
    closed_at: int | None = None
    first_score: int | None = None  # the panel's verdict ChallengeRuled recorded
    first_signers: tuple[str, ...] = ()
    ruled_at: int | None = None
    appellant: str | None = None
    bond: int | None = None
    appealed_at: int | None = None
    appeal_score: int | None = None  # the appeal panel's score; None if it was silent
    appeal_signers: tuple[str, ...] = ()
    appellant_won: bool | None = None
    bond_to: str | None = None
    fee_share: int | None = None  # ReviewFeePaid's share to each of fee_signers
    fee_signers: tuple[str, ...] = ()
    fee_returned: int | None = None  # ReviewFeeReturned's fee back to the creator
    abandoned_by: list[str] = field(default_factory=list)
    events: list[EventBase] = field(default_factory=list)
    acceptances: list[Acceptance] = field(default_factory=list)
    co_funded: bool = False
    contributions: dict[str, int] = field(default_factory=dict)  # co-funder -> contributed, first funding first
    added: int = 0  # what the creator added with ``fund`` after creating it
    shared: int = 0  # the pool: what went back to the funders' side of a co-funded challenge
    to_creator: int | None = None  # FundersShared's credit to the creator
    claims: dict[str, tuple[int, int]] = field(default_factory=dict)  # co-funder -> (amount, remainder)
    # The contract's carry accumulator: the rounding remainders of the shares credited, in 1/reward wei.
    _carry: int = field(default=0, repr=False)
    # An abandonment after accept-by: the contract emits its ChallengeLapsed(Expired) right after.
    _expiring: bool = field(default=False, repr=False)

    @property
    def token(self) -> str:
        """The challenge's token (the zero address for ether)."""
        return self.terms.token

    @property
    def is_final(self) -> bool:
        return self.state.is_final

    @property
    def options(self) -> Options:
        """The challenge's options, as ``optionsOf`` returns them."""
        return Options(self.unreviewed_bps, self.appeal_window, self.appeal_panel_id, self.appeal_bond_bps,
                       self.review_fee)

    def fee_held(self) -> int:
        """The review fee while the contract holds it: until it is paid to the signers or returned."""
        return 0 if self.fee_share is not None or self.fee_returned is not None else self.review_fee

    def bond_held(self) -> int:
        """The appeal bond while the contract holds it: from the appeal until it is decided."""
        return self.bond if self.bond is not None and self.bond_to is None else 0

    def record(self) -> ChallengeRecord:
        """What the contract's seal covers now: terms, current contributor or zero, deliverable or zero."""
        return ChallengeRecord(
            self.terms,
            self.contributor if self.contributor is not None else ZERO_ADDRESS,
            self.deliverable if self.deliverable is not None else ZERO_HASH,
        )

    def escrow(self) -> int:
        """What the contract holds for this challenge and has credited to nobody: reward (Open), reward +
        stake (Accepted, Submitted, Ruled, Appealed), nothing once final; plus the review fee until paid or
        returned, the bond of an undecided appeal and the co-funding pool's :meth:`unclaimed`."""
        held = self.unclaimed() + self.fee_held() + self.bond_held()
        if self.state == State.OPEN:
            return self.terms.reward + held
        if self.state in _STAKED:
            return self.terms.reward + (self.stake if self.stake is not None else self.terms.stake) + held
        return held

    def unreviewed_payout(self) -> tuple[int, int]:
        """What an Unreviewed lapse pays (or paid): (to the contributor, to the funders' side): the stake back
        and the challenge's Unreviewed share of the reward, rounded down, to the contributor; the rest of the
        reward to the funders' side. The stake is the one escrowed, else the one the terms ask."""
        stake = self.stake if self.stake is not None else self.terms.stake
        return unreviewed_payout(self.terms.reward, stake, self.unreviewed_bps)

    @property
    def co_funded_total(self) -> int:
        """What the co-funders contributed in all (the contract's ``funding(id).coFunded``)."""
        return sum(self.contributions.values())

    @property
    def own(self) -> int:
        """The creator's part of the reward: the reward less every co-funder's contribution."""
        return self.terms.reward - self.co_funded_total

    def unclaimed(self) -> int:
        """What a co-funded challenge's pool holds and has credited to nobody: the abandoned stakes while it
        runs, then the co-funders' shares not yet claimed and the remainders not yet credited (0 if not
        co-funded)."""
        if not self.co_funded:
            return 0
        if self.to_creator is None:
            return self.shared
        return self.shared - self.to_creator - sum(a + r for a, r in self.claims.values())

    def share(self, funder: str) -> int | None:
        """A co-funder's share of the pool, once ``FundersShared`` fixed it (None before, or for a
        non-contributor)."""
        contributed = self.contributions.get(funder)
        if contributed is None or self.to_creator is None:
            return None
        return self.shared * contributed // self.terms.reward

    def funders(self) -> list[dict[str, Any]]:
        """The ``funders`` list of the JSON form: the creator, then each co-funder (see the module docstring)."""
        creator: dict[str, Any] = {"funder": self.terms.funder, "amount": str(self.own), "share": None,
                                   "claimed": None}
        if self.to_creator is not None:
            creator["share"] = str(self.to_creator)
            creator["claimed"] = str(self.to_creator + sum(r for _, r in self.claims.values()))
        out = [creator]
        for funder, contributed in self.contributions.items():
            share = self.share(funder)
            claim = self.claims.get(funder)
            out.append({"funder": funder, "amount": str(contributed), "share": _amount(share),
                        "claimed": None if claim is None else str(claim[0])})
        return out

    def _appeal_json(self) -> dict[str, Any] | None:
        """The appeal round in the JSON form: null until a verdict is recorded for it."""
        if self.first_score is None:
            return None
        return {
            "first_score": self.first_score,
            "first_signers": list(self.first_signers),
            "ruled_at": self.ruled_at,
            "appellant": self.appellant,
            "bond": _amount(self.bond),
            "appealed_at": self.appealed_at,
            "appeal_score": self.appeal_score,
            "appeal_signers": list(self.appeal_signers),
            "appellant_won": self.appellant_won,
            "bond_to": self.bond_to,
        }

    def time_left(self, now: int) -> int | None:
        """Seconds from `now` to the current deadline: 0 at the deadline itself (still in time), negative
        once it has passed (the challenge can be lapsed); None when the challenge is final."""
        if self.state.is_final:
            return None
        return self.deadline - now

    def to_json(self, *, full: bool = True) -> dict[str, Any]:
        """The challenge in the JSON form the module docstring documents; `full=False` leaves out the
        ``seal`` and ``events`` keys (what a listing of many challenges needs is the rest)."""
        brief = {
            "challenge_id": self.challenge_id,
            "state": self.state.label,
            "deadline": self.deadline,
            "terms": _terms_json(self.terms),
            "unreviewed_bps": self.unreviewed_bps,
            "appeal_window": self.appeal_window,
            "appeal_panel_id": self.appeal_panel_id,
            "appeal_bond_bps": self.appeal_bond_bps,
            "review_fee": str(self.review_fee),
            "spec_uri": self.spec_uri,
            "created_at": self.created_at,
            "contributor": self.contributor,
            "stake": _amount(self.stake),
            "promise_hash": _hex(self.promise_hash),
            "promise_uri": self.promise_uri,
            "promised_by": self.promised_by,
            "confidence_bps": self.confidence_bps,
            "accepted_at": self.accepted_at,
            "deliver_by": self.deliver_by,
            "deliverable": _hex(self.deliverable),
            "deliverable_uri": self.deliverable_uri,
            "submitted_at": self.submitted_at,
            "review_by": self.review_by,
            "score": self.score,
            "to_contributor": _amount(self.to_contributor),
            "to_funder": _amount(self.to_funder),
            "forfeited": str(self.forfeited),
            "signers": list(self.signers),
            "settled_at": self.settled_at,
            "closed_at": self.closed_at,
            "abandoned_by": list(self.abandoned_by),
            "escrow": str(self.escrow()),
            "co_funded": self.co_funded,
            "funders": self.funders(),
            "shared": str(self.shared),
            "to_creator": _amount(self.to_creator),
            "unclaimed": str(self.unclaimed()),
            "appeal": self._appeal_json(),
            "review_fee_paid": None if self.fee_share is None else {
                "share": str(self.fee_share), "signers": list(self.fee_signers)},
            "review_fee_returned": _amount(self.fee_returned),
        }
        if not full:
            return brief
        return {
            **brief,
            "seal": seal_hex(self.record().seal()),
            "events": [event_to_json(e) for e in self.events],
        }


@dataclass(frozen=True)
class Anomaly:
    """An event that breaks the contract's rules, or that the fold could not apply."""

    position: tuple[int, int]
    event: str
    challenge_id: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "position": list(self.position),
            "event": self.event,
            "challenge_id": self.challenge_id,
            "message": self.message,
        }


class _Skip(Exception):
    """The event cannot be applied at all (its challenge is unknown); raised after the anomaly is noted."""


# --- the fold ------------------------------------------------------------------------------------


class Chronicle:
    """Every challenge, panel and credit of one deployment, folded from its events in chain order."""

    def __init__(self, *, strict: bool = True) -> None:
        self.strict = strict
        self.challenges: dict[int, ChallengeHistory] = {}
        self.panels: dict[int, PanelView] = {}
        self.credits: dict[tuple[str, str], int] = {}
        self.anomalies: list[Anomaly] = []
        self.events = 0
        self.last_position: tuple[int, int] | None = None
        self._last_id = 0
        self._tokens: set[str] = set()
        self._accounts: set[tuple[str, str]] = set()

    # --- reading ---

    def challenge(self, challenge_id: int) -> ChallengeHistory:
        """One challenge's history; a clear :class:`HistoryError` if the events never created it."""
        try:
            return self.challenges[challenge_id]
        except KeyError:
            raise HistoryError(f"there is no challenge {challenge_id} in the events read") from None

    @property
    def tokens(self) -> list[str]:
        """Every token seen (in a challenge's terms or a withdrawal), in ascending numeric order."""
        return sorted(self._tokens, key=_addr_key)

    @property
    def accounts(self) -> list[tuple[str, str]]:
        """Every (token, account) pair the events involve, by token then account in ascending numeric order."""
        return sorted(self._accounts, key=lambda pair: (_addr_key(pair[0]), _addr_key(pair[1])))

    def escrow(self, token: str) -> int:
        """What the contract should hold in `token` for its Open, Accepted and Submitted challenges."""
        key = _addr_key(token)
        return sum(c.escrow() for c in self.challenges.values() if _addr_key(c.terms.token) == key)

    def owed(self, token: str) -> int:
        """The sum of every account's credit in `token`: what the contract owes and has not paid out."""
        key = _addr_key(token)
        return sum(amount for (t, _), amount in self.credits.items() if _addr_key(t) == key)

    def credit(self, token: str, account: str) -> int:
        """What `account` can withdraw in `token`, according to the events (0 if never credited)."""
        for (t, a), amount in self.credits.items():
            if _addr_key(t) == _addr_key(token) and _addr_key(a) == _addr_key(account):
                return amount
        return 0

    def to_json(self) -> dict[str, Any]:
        credits: dict[str, dict[str, str]] = {}
        for (token, account), amount in sorted(
            self.credits.items(), key=lambda item: (_addr_key(item[0][0]), _addr_key(item[0][1]))
        ):
            credits.setdefault(token, {})[account] = str(amount)
        return {
            "events": self.events,
            "last_position": None if self.last_position is None else list(self.last_position),
            "challenges": {str(cid): self.challenges[cid].to_json() for cid in sorted(self.challenges)},
            "panels": {str(pid): self.panels[pid].to_json() for pid in sorted(self.panels)},
            "credits": credits,
            "books": {t: {"escrow": str(self.escrow(t)), "owed": str(self.owed(t))} for t in self.tokens},
            "anomalies": [a.to_json() for a in self.anomalies],
        }

    # --- folding ---

    def add(self, event: EventBase) -> None:
        """Applies one event; it must come strictly after the last one in chain order."""
        position = (event.block_number, event.log_index)  # event.position, without the call: it runs per event
        if self.last_position is not None and position <= self.last_position:
            self._anomaly(event, f"event at {position} is not after the last one at {self.last_position}")
            return  # a repeated or out-of-order event is never applied twice
        handler = self._HANDLERS.get(type(event))
        try:
            if handler is None:
                self._anomaly(event, f"{type(event).__name__} is not an Ante event")
                raise _Skip
            handler(self, event)
        except _Skip:
            return
        finally:
            self.last_position = position
        self.events += 1

    def _panel_created(self, event: PanelCreated) -> None:
        if event.panel_id in self.panels:
            self._anomaly(event, f"panel {event.panel_id} is created twice")
        self.panels[event.panel_id] = PanelView(event.panel_id, tuple(event.members), event.threshold, event.creator)

    def _challenge_created(self, event: ChallengeCreated) -> None:
        cid, terms = event.challenge_id, event.terms
        if cid in self.challenges:
            self._anomaly(event, f"challenge {cid} is created twice")
        expected_id = self._last_id + 1
        if cid != expected_id and cid not in self.challenges:
            self._anomaly(event, f"challenge {cid} is created where challenge {expected_id} comes next")
        if event.funder != terms.funder or event.panel_id != terms.panel_id:
            self._anomaly(event, f"challenge {cid}: the event's funder or panel differs from its terms")
        if terms.panel_id not in self.panels:
            self._anomaly(event, f"challenge {cid} names panel {terms.panel_id}, which was never created")
        history = ChallengeHistory(cid, terms, event.spec_uri, event.timestamp, State.OPEN, terms.accept_by)
        history.events.append(event)
        self.challenges[cid] = history
        self._last_id = max(self._last_id, cid)
        self._tokens.add(terms.token)
        self._accounts.add((terms.token, terms.funder))

    def _challenge_options_set(self, event: ChallengeOptionsSet) -> None:
        c = self._known(event)
        cid, terms, options = c.challenge_id, c.terms, event.options
        created = c.events[0]
        if len(c.events) != 2 or created.transaction_hash != event.transaction_hash:
            self._anomaly(event, f"challenge {cid} sets its options after the transaction that created it")
        if options.unreviewed_bps > BPS:
            self._anomaly(event, f"challenge {cid}: an Unreviewed share of {options.unreviewed_bps} basis points, "
                                 f"above {BPS}")
        if options.appeal_window == 0:
            if options.appeal_panel_id or options.appeal_bond_bps:
                self._anomaly(event, f"challenge {cid} names an appeal panel or bond without an appeal window")
        else:
            if options.appeal_panel_id not in self.panels or options.appeal_panel_id == terms.panel_id:
                self._anomaly(event, f"challenge {cid}: its appeal panel {options.appeal_panel_id} is not another "
                                     "existing panel than its own")
            if not 1 <= options.appeal_bond_bps <= BPS:
                self._anomaly(event, f"challenge {cid}: an appeal bond of {options.appeal_bond_bps} basis points, "
                                     f"outside 1..{BPS}")
            appeal_panel = self.panels.get(options.appeal_panel_id)
            if appeal_panel is not None and terms.funder in appeal_panel.members:
                self._anomaly(event, f"challenge {cid} is posted by {terms.funder}, who sits on its appeal panel "
                                     f"{appeal_panel.panel_id}")
        c.unreviewed_bps = options.unreviewed_bps
        c.appeal_window = options.appeal_window
        c.appeal_panel_id = options.appeal_panel_id
        c.appeal_bond_bps = options.appeal_bond_bps
        c.review_fee = options.review_fee

    def _challenge_accepted(self, event: ChallengeAccepted) -> None:
        c = self._expect(event, State.OPEN)
        terms = c.terms
        if event.stake != terms.stake:
            self._anomaly(event, f"challenge {c.challenge_id} is accepted with a stake of {event.stake}, "
                                 f"but its terms ask {terms.stake}")
        if event.timestamp > c.deadline and c.state == State.OPEN:
            self._anomaly(event, f"challenge {c.challenge_id} is accepted at {event.timestamp}, "
                                 f"after its accept-by time {c.deadline}")
        if event.deliver_by != event.timestamp + terms.deliver_within:
            self._anomaly(event, f"challenge {c.challenge_id}: deliver-by {event.deliver_by} is not the "
                                 f"acceptance time {event.timestamp} plus {terms.deliver_within} seconds")
        if event.promised_by > event.deliver_by:
            self._anomaly(event, f"challenge {c.challenge_id}: promised by {event.promised_by}, "
                                 f"after the delivery deadline {event.deliver_by}")
        if event.confidence_bps > BPS:
            self._anomaly(event, f"challenge {c.challenge_id}: a stated confidence of {event.confidence_bps} "
                                 f"basis points, above {BPS}")
        if c.contributions.get(event.contributor):
            self._anomaly(event, f"challenge {c.challenge_id} is accepted by {event.contributor}, who co-funded it")
        self._accounts.add((terms.token, event.contributor))
        c.state = State.ACCEPTED
        c.deadline = event.deliver_by
        c.contributor = event.contributor
        c.stake = event.stake
        c.promise_hash = event.promise_hash
        c.promise_uri = event.promise_uri
        c.promised_by = event.promised_by
        c.confidence_bps = event.confidence_bps or None
        c.accepted_at = event.timestamp
        c.deliver_by = event.deliver_by
        c.deliverable = c.deliverable_uri = c.submitted_at = c.review_by = None
        c.acceptances.append(_FIRST._with(challenge_id=c.challenge_id, contributor=event.contributor,
                                          stake=event.stake, promised_by=event.promised_by,
                                          accepted_at=event.timestamp, confidence_bps=c.confidence_bps))

    def _challenge_submitted(self, event: ChallengeSubmitted) -> None:
        c = self._expect(event, State.ACCEPTED, contributor=event.contributor)
        if c.state == State.ACCEPTED and event.timestamp > c.deadline:
            self._anomaly(event, f"challenge {c.challenge_id} is submitted at {event.timestamp}, "
                                 f"after its delivery deadline {c.deadline}")
        if event.review_by != event.timestamp + c.terms.review_within:
            self._anomaly(event, f"challenge {c.challenge_id}: review-by {event.review_by} is not the "
                                 f"submission time {event.timestamp} plus {c.terms.review_within} seconds")
        c.state = State.SUBMITTED
        c.deadline = event.review_by
        c.contributor = event.contributor
        c.deliverable = event.deliverable
        c.deliverable_uri = event.deliverable_uri
        c.submitted_at = event.timestamp
        c.review_by = event.review_by
        last = c.acceptances[-1] if c.acceptances else None
        if last is not None and last.outcome in RUNNING:
            c.acceptances[-1] = last._with(submitted_at=event.timestamp, outcome=SUBMITTED,
                                           submitted_position=(event.block_number, event.log_index))

    def _challenge_settled(self, event: ChallengeSettled) -> None:
        c = self._known(event)
        cid, terms = c.challenge_id, c.terms
        if c.state == State.SUBMITTED:
            if c.appeal_window:
                self._anomaly(event, f"challenge {cid} is settled at once, but its verdict opens an appeal window")
            if event.timestamp > c.deadline:
                self._anomaly(event, f"challenge {cid} is settled at {event.timestamp}, "
                                     f"after its review window closed at {c.deadline}")
            self._check_fee_paid(event, c)
            self._check_quorum(event, c, terms.panel_id, event.signers)
        elif c.state == State.RULED:
            if event.signers:
                self._anomaly(event, f"challenge {cid}'s recorded verdict is paid with signers, not by finalize")
            if event.timestamp <= c.deadline:
                self._anomaly(event, f"challenge {cid}'s recorded verdict is paid at {event.timestamp}, "
                                     f"before its appeal window closed at {c.deadline}")
            if event.score != c.first_score:
                self._anomaly(event, f"challenge {cid} is settled with a score of {event.score}, not its recorded "
                                     f"verdict's {c.first_score}")
        elif c.state == State.APPEALED:
            if c.bond_to is None:
                self._anomaly(event, f"challenge {cid} is settled before its appeal was decided")
            else:
                decided = c.first_score if c.appeal_score is None else c.appeal_score
                if event.score != decided or tuple(event.signers) != c.appeal_signers:
                    self._anomaly(event, f"challenge {cid} is settled with a score of {event.score}, not the "
                                         f"{decided} its appeal decided")
        else:
            self._anomaly(event, f"{event.NAME} for challenge {cid}, which is {c.state.label}, "
                                 "not submitted, ruled or appealed")
        if event.score > BPS:
            self._anomaly(event, f"challenge {cid} is settled with a score of {event.score}, above {BPS}")
        expected = split_payout(terms.reward, terms.stake_bps, min(event.score, BPS))
        if (event.to_contributor, event.to_funder) != expected:
            self._anomaly(event, f"challenge {cid}: a score of {event.score} splits reward and stake as "
                                 f"{expected[0]} and {expected[1]}, not {event.to_contributor} and {event.to_funder}")
        c.state = State.SETTLED
        c.score = event.score
        c.signers = tuple(event.signers)
        c.settled_at = c.closed_at = event.timestamp
        self._close(c, event.to_contributor, event.to_funder)
        self._end_acceptance(c, SETTLED, event.to_contributor, event, event.score)

    def _review_fee_paid(self, event: ReviewFeePaid) -> None:
        c = self._expect(event, State.SUBMITTED)
        cid, fee, signers = c.challenge_id, c.review_fee, tuple(event.signers)
        if fee == 0:
            self._anomaly(event, f"challenge {cid} pays a review fee it does not have")
        elif c.fee_share is not None or c.fee_returned is not None:
            self._anomaly(event, f"challenge {cid} pays its review fee twice")
        elif not signers or (event.share, event.remainder) != (fee // len(signers), fee % len(signers)):
            self._anomaly(event, f"challenge {cid}: a review fee of {fee} paid to {len(signers)} signers is "
                                 f"{fee // max(len(signers), 1)} each with a remainder of "
                                 f"{fee % max(len(signers), 1)}, not {event.share} and {event.remainder}")
        self._check_quorum(event, c, c.terms.panel_id, signers)
        c.fee_share = event.share
        c.fee_signers = signers
        for signer in signers:
            self._credit(c.terms.token, signer, event.share)
        self._credit(c.terms.token, c.terms.funder, event.remainder)

    def _review_fee_returned(self, event: ReviewFeeReturned) -> None:
        c = self._known(event)
        cid = c.challenge_id
        if c.state not in (State.CANCELLED, State.EXPIRED, State.DEFAULTED, State.UNREVIEWED):
            self._anomaly(event, f"challenge {cid} returns its review fee while {c.state.label}, not ended "
                                 "without a verdict")
        elif c.fee_share is not None or c.fee_returned is not None:
            self._anomaly(event, f"challenge {cid} returns a review fee already paid or returned")
        if event.fee != c.review_fee or event.fee == 0:
            self._anomaly(event, f"challenge {cid} returns a review fee of {event.fee}, not its {c.review_fee}")
        c.fee_returned = event.fee
        self._credit(c.terms.token, c.terms.funder, event.fee)

    def _challenge_ruled(self, event: ChallengeRuled) -> None:
        c = self._expect(event, State.SUBMITTED)
        cid = c.challenge_id
        if c.appeal_window == 0:
            self._anomaly(event, f"challenge {cid}'s verdict is recorded for an appeal, but it has no appeal window")
        if c.state == State.SUBMITTED and event.timestamp > c.deadline:
            self._anomaly(event, f"challenge {cid} is ruled at {event.timestamp}, "
                                 f"after its review window closed at {c.deadline}")
        if event.score > BPS:
            self._anomaly(event, f"challenge {cid} is ruled with a score of {event.score}, above {BPS}")
        if event.appeal_by != event.timestamp + c.appeal_window:
            self._anomaly(event, f"challenge {cid}: appeal-by {event.appeal_by} is not the ruling time "
                                 f"{event.timestamp} plus {c.appeal_window} seconds")
        self._check_fee_paid(event, c)
        self._check_quorum(event, c, c.terms.panel_id, event.signers)
        c.state = State.RULED
        c.deadline = event.appeal_by
        c.first_score = event.score
        c.first_signers = tuple(event.signers)
        c.ruled_at = event.timestamp

    def _challenge_appealed(self, event: ChallengeAppealed) -> None:
        c = self._expect(event, State.RULED)
        cid, terms = c.challenge_id, c.terms
        if c.state == State.RULED and event.timestamp > c.deadline:
            self._anomaly(event, f"challenge {cid} is appealed at {event.timestamp}, "
                                 f"after its appeal window closed at {c.deadline}")
        parties = {_addr_key(terms.funder), _addr_key(c.contributor or ZERO_ADDRESS)}
        if _addr_key(event.appellant) not in parties:
            self._anomaly(event, f"challenge {cid} is appealed by {event.appellant}, neither its creator nor "
                                 "its contributor")
        bond = stake_for(terms.reward, c.appeal_bond_bps)
        if event.bond != bond:
            self._anomaly(event, f"challenge {cid} is appealed with a bond of {event.bond}, but its options ask {bond}")
        if event.rule_by != event.timestamp + terms.review_within:
            self._anomaly(event, f"challenge {cid}: rule-by {event.rule_by} is not the appeal time "
                                 f"{event.timestamp} plus {terms.review_within} seconds")
        c.state = State.APPEALED
        c.deadline = event.rule_by
        c.appellant = event.appellant
        c.bond = event.bond
        c.appealed_at = event.timestamp

    def _appeal_decided(self, event: AppealDecided) -> None:
        c = self._expect(event, State.APPEALED)
        cid, terms = c.challenge_id, c.terms
        appellant = c.appellant or ZERO_ADDRESS
        if c.bond_to is not None:
            self._anomaly(event, f"challenge {cid}'s appeal is decided twice")
        if not event.signers:  # finalize: the appeal panel was silent, the first verdict stands
            if event.timestamp <= c.deadline:
                self._anomaly(event, f"challenge {cid}'s appeal is closed unruled at {event.timestamp}, "
                                     f"before its deadline {c.deadline}")
            expected = (c.first_score, False, appellant)
        else:
            if event.timestamp > c.deadline:
                self._anomaly(event, f"challenge {cid}'s appeal is decided at {event.timestamp}, "
                                     f"after its deadline {c.deadline}")
            self._check_quorum(event, c, c.appeal_panel_id, event.signers)
            by_contributor = c.contributor is not None and _addr_key(appellant) == _addr_key(c.contributor)
            first = c.first_score if c.first_score is not None else 0
            won = event.score > first if by_contributor else event.score < first
            other = terms.funder if by_contributor else (c.contributor or ZERO_ADDRESS)
            expected = (event.score, won, appellant if won else other)
        if (event.score, event.appellant_won, _addr_key(event.bond_to)) != (*expected[:2], _addr_key(expected[2])):
            self._anomaly(event, f"challenge {cid}'s appeal is decided at {event.score} (won {event.appellant_won}, "
                                 f"bond to {event.bond_to}), but the rules say {expected[0]} (won {expected[1]}, "
                                 f"bond to {expected[2]})")
        if event.bond != c.bond:
            self._anomaly(event, f"challenge {cid}'s appeal returns a bond of {event.bond}, not the {c.bond} posted")
        c.appeal_score = event.score if event.signers else None
        c.appeal_signers = tuple(event.signers)
        c.appellant_won = event.appellant_won
        c.bond_to = event.bond_to
        self._credit(terms.token, event.bond_to, event.bond)

    def _challenge_lapsed(self, event: ChallengeLapsed) -> None:
        c = self._known(event)
        cid, terms = c.challenge_id, c.terms
        stake = c.stake if c.stake is not None else terms.stake
        if c._expiring:
            # The second half of an abandonment after accept-by: the reward goes back to the funder.
            rule = (State.EXPIRED, 0, terms.reward)
        else:
            rule = {
                State.OPEN: (State.EXPIRED, 0, terms.reward),
                State.ACCEPTED: (State.DEFAULTED, 0, terms.reward + stake),
                State.SUBMITTED: (State.UNREVIEWED, *c.unreviewed_payout()),
            }.get(c.state)
            if rule is None:
                self._anomaly(event, f"challenge {cid} lapses to {event.state.label} from {c.state.label}, "
                                     "which no deadline can close")
            elif event.timestamp <= c.deadline:
                self._anomaly(event, f"challenge {cid} lapses at {event.timestamp}, "
                                     f"not after its deadline {c.deadline}")
        if rule is not None and rule != (event.state, event.to_contributor, event.to_funder):
            self._anomaly(event, f"challenge {cid} lapses to {event.state.label} paying {event.to_contributor} "
                                 f"and {event.to_funder}, but from {c.state.label} the contract lapses to "
                                 f"{rule[0].label} paying {rule[1]} and {rule[2]}")
        c._expiring = False
        c.state = event.state
        c.closed_at = event.timestamp
        self._close(c, event.to_contributor, event.to_funder)
        if event.state == State.EXPIRED:  # an abandoned acceptance, if any, went with the challenge
            last = c.acceptances[-1] if c.acceptances else None
            if last is not None and last.outcome == ABANDONED:
                c.acceptances[-1] = last._with(outcome=EXPIRED)
        elif event.state in (State.DEFAULTED, State.UNREVIEWED):
            self._end_acceptance(c, event.state.label, event.to_contributor, event)

    def _challenge_cancelled(self, event: ChallengeCancelled) -> None:
        c = self._expect(event, State.OPEN)
        if event.refund != c.terms.reward:
            self._anomaly(event, f"challenge {c.challenge_id} is cancelled with a refund of {event.refund}, "
                                 f"not its reward of {c.terms.reward}")
        c.state = State.CANCELLED
        c.closed_at = event.timestamp
        self._close(c, 0, event.refund)

    def _challenge_abandoned(self, event: ChallengeAbandoned) -> None:
        c = self._expect(event, State.ACCEPTED, contributor=event.contributor)
        cid, terms = c.challenge_id, c.terms
        stake = c.stake if c.stake is not None else terms.stake
        if event.forfeited != stake:
            self._anomaly(event, f"challenge {cid}: {event.forfeited} is forfeited, but the stake was {stake}")
        if c.state == State.ACCEPTED and event.timestamp > c.deadline:
            self._anomaly(event, f"challenge {cid} is abandoned at {event.timestamp}, "
                                 f"after its delivery deadline {c.deadline}")
        if event.reopened != (event.timestamp <= terms.accept_by):
            self._anomaly(event, f"challenge {cid} is abandoned at {event.timestamp} with re-opened "
                                 f"{event.reopened}, but its accept-by time is {terms.accept_by}")
        c.abandoned_by.append(event.contributor)
        c.forfeited += event.forfeited
        self._end_acceptance(c, ABANDONED, 0, event)
        self._credit_funders(c, event.forfeited)
        if event.reopened:
            c.state = State.OPEN
            c.deadline = terms.accept_by
            c.contributor = c.stake = c.promise_hash = c.promise_uri = c.promised_by = c.confidence_bps = None
            c.accepted_at = c.deliver_by = None
            c.deliverable = c.deliverable_uri = c.submitted_at = c.review_by = None
        else:
            # The contract expires it in place: same seal (the contributor stays), same deadline.
            c.state = State.EXPIRED
            c.closed_at = event.timestamp
            c._expiring = True

    def _challenge_funded(self, event: ChallengeFunded) -> None:
        c = self._expect(event, State.OPEN)
        cid, terms = c.challenge_id, c.terms
        if c.acceptances:
            self._anomaly(event, f"challenge {cid} is funded after it was accepted once, which fixed its reward")
        if c.state == State.OPEN and event.timestamp > terms.accept_by:
            self._anomaly(event, f"challenge {cid} is funded at {event.timestamp}, after its accept-by time "
                                 f"{terms.accept_by}")
        if event.amount == 0:
            self._anomaly(event, f"challenge {cid} is funded with nothing")
        panel = self.panels.get(terms.panel_id)
        if panel is not None and event.funder in panel.members:
            self._anomaly(event, f"challenge {cid} is funded by {event.funder}, who sits on panel {panel.panel_id}")
        if _addr_key(terms.designated) != 0 and _addr_key(event.funder) == _addr_key(terms.designated):
            self._anomaly(event, f"challenge {cid} is funded by {event.funder}, its designated contributor")
        if event.reward != terms.reward + event.amount:
            self._anomaly(event, f"challenge {cid}: funding {event.amount} takes the reward of {terms.reward} to "
                                 f"{terms.reward + event.amount}, not {event.reward}")
        if event.reward >= 2**128:
            self._anomaly(event, f"challenge {cid} is funded to a reward of {event.reward}, past 2^128 - 1")
        c.terms = replace(terms, reward=event.reward)
        if _addr_key(event.funder) == _addr_key(terms.funder):
            c.added += event.amount
        else:
            c.co_funded = True
            c.contributions[event.funder] = c.contributions.get(event.funder, 0) + event.amount
        self._accounts.add((terms.token, event.funder))

    def _funders_shared(self, event: FundersShared) -> None:
        c = self._known(event)
        cid, reward = c.challenge_id, c.terms.reward
        if not c.co_funded:
            self._anomaly(event, f"challenge {cid} shares its funders' side but nobody co-funded it")
        elif not c.state.is_final:
            self._anomaly(event, f"challenge {cid} shares its funders' side while {c.state.label}")
        elif c.to_creator is not None:
            self._anomaly(event, f"challenge {cid} shares its funders' side twice")
        if event.shared != c.shared:
            self._anomaly(event, f"challenge {cid} shares {event.shared}, but {c.shared} went back to its "
                                 "funders' side")
        own = c.own
        if event.to_creator != event.shared * own // reward:
            self._anomaly(event, f"challenge {cid}: the creator's share of {event.shared} for {own} of a reward "
                                 f"of {reward} is {event.shared * own // reward}, not {event.to_creator}")
        c.shared = event.shared
        c.to_creator = event.to_creator
        c._carry = event.shared * own % reward
        self._credit(c.terms.token, c.terms.funder, event.to_creator)

    def _funder_claimed(self, event: FunderClaimed) -> None:
        c = self._known(event)
        cid, reward = c.challenge_id, c.terms.reward
        contributed = c.contributions.get(event.funder)
        if not c.state.is_final:
            self._anomaly(event, f"{event.funder} claims a share of challenge {cid} while it is {c.state.label}")
        elif c.to_creator is None:
            self._anomaly(event, f"{event.funder} claims a share of challenge {cid} before its funders' side "
                                 "was shared")
        elif not contributed:
            self._anomaly(event, f"{event.funder} claims a share of challenge {cid}, which it did not co-fund")
        elif event.funder in c.claims:
            self._anomaly(event, f"{event.funder} claims its share of challenge {cid} twice")
        else:
            amount = c.shared * contributed // reward
            carry = c._carry + c.shared * contributed % reward
            remainder = 1 if carry >= reward else 0
            if (event.amount, event.remainder) != (amount, remainder):
                self._anomaly(event, f"challenge {cid}: {event.funder}'s share is {amount} with a remainder of "
                                     f"{remainder}, not {event.amount} and {event.remainder}")
            c._carry = carry - remainder * reward
        before = c.claims.get(event.funder, (0, 0))
        c.claims[event.funder] = (before[0] + event.amount, before[1] + event.remainder)
        self._credit(c.terms.token, event.funder, event.amount)
        self._credit(c.terms.token, c.terms.funder, event.remainder)

    def _withdrawn(self, event: Withdrawn) -> None:
        key = (event.token, event.account)
        credited = self.credits.get(key, 0)
        if event.amount > credited:
            self._anomaly(event, f"{event.account} withdraws {event.amount} of {token_name(event.token)}, "
                                 f"more than the {credited} credited to it")
        self.credits[key] = credited - event.amount
        self._tokens.add(event.token)
        self._accounts.add(key)

    _HANDLERS = {
        PanelCreated: _panel_created,
        ChallengeCreated: _challenge_created,
        ChallengeOptionsSet: _challenge_options_set,
        ChallengeAccepted: _challenge_accepted,
        ChallengeSubmitted: _challenge_submitted,
        ChallengeSettled: _challenge_settled,
        ChallengeRuled: _challenge_ruled,
        ChallengeAppealed: _challenge_appealed,
        AppealDecided: _appeal_decided,
        ReviewFeePaid: _review_fee_paid,
        ReviewFeeReturned: _review_fee_returned,
        ChallengeLapsed: _challenge_lapsed,
        ChallengeCancelled: _challenge_cancelled,
        ChallengeAbandoned: _challenge_abandoned,
        ChallengeFunded: _challenge_funded,
        FundersShared: _funders_shared,
        FunderClaimed: _funder_claimed,
        Withdrawn: _withdrawn,
    }

    # --- helpers ---

    def _anomaly(self, event: EventBase, message: str) -> None:
        challenge_id = getattr(event, "challenge_id", None)
        anomaly = Anomaly(event.position, getattr(event, "NAME", type(event).__name__), challenge_id, message)
        if self.strict:
            raise HistoryError(f"{message} ({anomaly.event} at block {event.position[0]}, log {event.position[1]})")
        self.anomalies.append(anomaly)

    def _known(self, event) -> ChallengeHistory:
        """The event's challenge, with the event added to its timeline."""
        c = self.challenges.get(event.challenge_id)
        if c is None:
            self._anomaly(
                event, f"{event.NAME} for challenge {event.challenge_id}, which was never created: is the log complete?"
            )
            raise _Skip
        c.events.append(event)
        return c

    def _expect(self, event, state: State, contributor: str | None = None) -> ChallengeHistory:
        c = self._known(event)
        if c.state != state:
            self._anomaly(event, f"{event.NAME} for challenge {c.challenge_id}, which is {c.state.label}, "
                                 f"not {state.label}")
        elif contributor is not None and c.contributor != contributor:
            self._anomaly(event, f"{event.NAME} for challenge {c.challenge_id} by {contributor}, "
                                 f"but {c.contributor} accepted it")
        return c

    def _check_quorum(self, event: EventBase, c: ChallengeHistory, panel_id: int, signers) -> None:
        """Every signer sits on the panel, and enough of them to meet its threshold."""
        cid, panel = c.challenge_id, self.panels.get(panel_id)
        if panel is None:
            return
        outsiders = [s for s in signers if s not in panel.members]
        if outsiders:
            self._anomaly(event, f"challenge {cid}: {outsiders[0]} signed but is not on panel {panel.panel_id}")
        if len(set(signers)) < panel.threshold:
            self._anomaly(event, f"challenge {cid}: {len(set(signers))} signers, "
                                 f"below panel {panel.panel_id}'s threshold of {panel.threshold}")

    def _check_fee_paid(self, event: EventBase, c: ChallengeHistory) -> None:
        """A verdict on a challenge with a review fee comes after the fee's ``ReviewFeePaid``, to its signers."""
        if c.review_fee and tuple(getattr(event, "signers", ())) != c.fee_signers:
            self._anomaly(event, f"challenge {c.challenge_id}'s verdict is not the one its review fee was paid for")

    @staticmethod
    def _end_acceptance(c: ChallengeHistory, outcome: str, payout: int, event: EventBase,
                        score: int | None = None) -> None:
        """Ends the challenge's running acceptance, if it has one, as `event` says."""
        last = c.acceptances[-1] if c.acceptances else None
        if last is not None and last.outcome in RUNNING:
            c.acceptances[-1] = last._with(outcome=outcome, payout=payout, score=score,
                                           ended_position=(event.block_number, event.log_index))

    def _close(self, c: ChallengeHistory, to_contributor: int, to_funder: int) -> None:
        c.to_contributor = to_contributor
        c.to_funder = to_funder
        if c.contributor is not None:
            self._credit(c.terms.token, c.contributor, to_contributor)
        elif to_contributor:
            self._anomaly(c.events[-1], f"challenge {c.challenge_id} credits {to_contributor} to a contributor "
                                        "it does not have")
        self._credit_funders(c, to_funder)

    def _credit_funders(self, c: ChallengeHistory, amount: int) -> None:
        """Like the contract's ``_creditFunders``: to the creator, unless co-funded (then into the pool)."""
        if c.co_funded:
            c.shared += amount
        else:
            self._credit(c.terms.token, c.terms.funder, amount)

    def _credit(self, token: str, account: str, amount: int) -> None:
        """Like the contract's ``_credit``: a zero amount credits nobody."""
        if amount:
            self.credits[(token, account)] = self.credits.get((token, account), 0) + amount
            self._accounts.add((token, account))


#: An event's place in chain order, ``EventBase.position``, as a sort key.
_CHAIN_ORDER = attrgetter("block_number", "log_index")


def fold(events: Iterable[EventBase], *, strict: bool = True) -> Chronicle:
    """The chronicle of a deployment's complete event log (sorted into chain order here).

    With `strict` (the default) an event that breaks the contract's rules, or names a challenge that was
    never created, raises :class:`HistoryError`; without it, such events are listed in
    ``Chronicle.anomalies`` (see the module docstring).
    """
    chronicle = Chronicle(strict=strict)
    for event in sorted(events, key=_CHAIN_ORDER):
        chronicle.add(event)
    return chronicle
