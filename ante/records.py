"""Records (reputation), derived from Ante's events: the one place the formulas live.

Anyone can recompute every record from a deployment's event log: feed the events (from
:mod:`ante.events`) to :meth:`Records.from_events` and read per-contributor, per-evaluator and
per-funder records, or the contributors' :meth:`Records.leaderboard`. The CLI, the oracle's API and the
dashboard all call this module; none of them computes a record on its own.

Input
-----
The complete event log of one Ante deployment, from its first event (a record needs the panel and the
challenge behind every later event). :meth:`Records.from_events` sorts the events into chain order,
``(block_number, log_index)``; :meth:`Records.add` takes them one at a time and refuses one that is not
strictly after the last (so a log fed twice is caught instead of counted twice). Every event is checked
against the lifecycle and the contract's arithmetic (the right state, the right contributor, the stake
and payouts that the terms imply); a log that breaks either raises :class:`RecordsError` rather than
giving a wrong record. ``Withdrawn`` events move no record and are only checked for order.

Terms used below
----------------
- An **acceptance** is one ``ChallengeAccepted`` event. A challenge re-opened by an abandonment can be
  accepted again, by the same or another contributor: each acceptance counts on its own.
- An acceptance **finishes** when its challenge is settled, lapses (Defaulted or Unreviewed) or is
  abandoned. Until then it is **in progress**.
- An acceptance's **payout** is what it credited to the contributor: ``ChallengeSettled.toContributor``,
  or ``ChallengeLapsed.toContributor`` (the stake when Unreviewed, 0 when Defaulted), or 0 when abandoned.
- A submission is **on time** when its block timestamp is at or before the promised-by time of its
  acceptance (deadlines are inclusive, as in the contract).
- Scores are in basis points (0..10000). ``PASS_MARK`` = 5000, i.e. 50%.
- Amounts are kept per token (the zero address is ether), since ether and tokens do not add. In JSON
  an amount is a decimal string (they exceed 2**53) and each token's amounts are under its checksummed
  address.

Contributor (the account that accepted)
---------------------------------------
- ``accepted``: acceptances. ``delivered``: ``ChallengeSubmitted`` events.
  ``delivered_on_time``: those submitted on time. ``settled``: their deliveries settled by a verdict.
  ``unreviewed``: their deliveries that lapsed Unreviewed. ``abandoned``: ``ChallengeAbandoned`` events.
  ``defaulted``: acceptances that lapsed Defaulted (nothing delivered by the delivery deadline).
  ``in_progress``: acceptances not yet finished.
  So ``accepted = settled + unreviewed + abandoned + defaulted + in_progress``.
- ``score_total``: the sum of the scores of their settled deliveries; ``mean_score`` =
  ``score_total / settled`` in basis points (a float: exact IEEE division of two integers), or None
  when nothing of theirs is settled.
- Promises, one **made** per acceptance, each ending in exactly one outcome:
  **kept**: submitted on time and settled with a score of at least ``PASS_MARK``;
  **broken**: settled with a lower score, or submitted late (whatever followed), or abandoned, or
  defaulted;
  **unjudged**: submitted on time but the challenge went Unreviewed. Nobody judged it; the panel's
  miss is on the evaluators' record (``reviews_missed``), not the contributor's;
  otherwise still in progress.
  So ``made = kept + broken + unjudged + in_progress``.
- ``reliability`` = ``kept / (kept + broken)``: the share of the promises that were decided, i.e.
  judged or failed outright, that were kept; None when none was decided. Unjudged and in-progress
  promises are left out so that neither a panel's silence nor a fresh acceptance moves it.
- Promise closeness: how early or late each delivery came against its promise.
  A **delivery** is one ``ChallengeSubmitted`` event, whatever followed (settled, Unreviewed, or still
  awaiting a verdict); a challenge is submitted at most once, so a delivery is named by its challenge
  id. Its ``lateness`` = ``submitted_at - promised_by`` in whole seconds, where ``submitted_at`` is the
  submission's block timestamp and ``promised_by`` that of its acceptance: negative is early, 0 is
  on the promised second, positive is late. It is ``on_time`` when ``lateness <= 0`` (the same test
  as ``delivered_on_time``). Its ``score`` is the settlement's score in basis points, None until it is
  settled (and for good if it went Unreviewed).
  ``deliveries``: every delivery, in chain order (``delivered`` of them); all count in what follows.
  ``median_lateness``: the median of their lateness in seconds: the middle value of the sorted
  lateness for an odd count; for an even count the mean of the two middle values, exactly (an integer
  when whole, else a number ending in .5). ``worst_lateness``: the largest lateness (the latest
  delivery; if every one was early, the least early, still negative). Both None without deliveries.
  ``undelivered``: promises that ended with nothing delivered, i.e. ``abandoned + defaulted``; they have
  no delivery time, so they stay out of the median and the worst, but count in the share as not on
  time. ``on_time_share`` = ``delivered_on_time / (delivered + undelivered)``, a float in [0, 1]
  (None when both are 0). An acceptance with nothing delivered yet (still Accepted, even past its
  promised-by time) is in none of these until it is submitted, abandoned or defaulted; a delivery
  counts from its submission, before any verdict.
- Calibration: how well the chance of success they stated at acceptance (``ChallengeAccepted.
  confidenceBps``, 0 = not stated) foretold the verdicts.
  A **forecast** is an acceptance with a stated confidence (1..10000 basis points) that was settled by a
  verdict; its probability ``p = confidenceBps / 10000`` and its outcome ``o = score / 10000``, both in
  [0, 1]. Acceptances that stated nothing, and those that ended without a verdict (abandoned,
  defaulted, Unreviewed) or have none yet, are not forecasts: nobody judged them against the statement
  (abandoning and defaulting count against ``reliability`` instead).
  ``stated``: their forecasts. ``brier`` = ``sum((p - o)**2) / stated``, computed exactly and given as
  a float in [0, 1] (0 is perfect, 0.25 is what always saying 50% scores against pass-or-fail verdicts,
  1 is always certain and always wrong); None when ``stated`` is 0.
  ``kelly_brier``: the same mean over the same forecasts with ``p`` replaced by the probability the Kelly
  helper (:mod:`ante.kelly`) put on the bet they accepted: its break-even ``1 / (1 + b)`` =
  ``stake / (reward + stake)`` (0 when the stake is 0). That is the least chance of success at which
  the helper says accepting has an edge, so it is what the terms alone imply, whatever the contributor
  believed; it is not their own statement. A ``brier`` below ``kelly_brier`` means their statements
  foretold the verdicts better than the terms did. None when ``stated`` is 0.
- Amounts, per token:
  ``staked``: the sum of their stakes (``ChallengeAccepted.stake``) over all acceptances;
  ``received``: the sum of the payouts of their finished acceptances;
  ``at_stake``: the stakes of their in-progress acceptances (still escrowed);
  ``earned``: over finished acceptances, the sum of ``payout - stake`` where that is positive (what they
  gained beyond their own stake back);
  ``forfeited``: over finished acceptances, the sum of ``stake - payout`` where that is positive (stake
  they lost: all of it when abandoned, defaulted or failed; part of it when a partial score paid less
  than the stake).
  Each acceptance adds to at most one of ``earned`` and ``forfeited``, and for every token
  ``received - (staked - at_stake) = earned - forfeited``. An Unreviewed delivery pays the stake back:
  payout = stake, so it adds to neither (the contributor is made whole).

Evaluator (every member of every panel)
---------------------------------------
- ``panels``: the ids of the panels they sit on, ascending.
- ``reviews_due``: submitted challenges on their panels that were settled or went Unreviewed.
- ``verdicts_signed``: settlements whose ``signers`` include them.
- ``reviews_missed``: challenges on their panels that went Unreviewed (the review window ran out
  without a quorum: every member of the panel is charged, since any of them could have signed).

Funder (the account that posted)
--------------------------------
- ``posted``: challenges created. ``settled``: of those, settled. ``paid_out``: settled with a score
  above 0. ``cancelled``, ``expired`` (no acceptance by accept-by, or abandoned after it),
  ``defaulted``, ``unreviewed``: of those, ended so. ``active``: still Open, Accepted or Submitted.
  So ``posted = settled + cancelled + expired + defaulted + unreviewed + active``.
- Amounts, per token: ``posted``: the rewards escrowed; ``in_escrow``: the rewards of active
  challenges; ``credited``: everything credited back to the funder by its challenges (refunds, the
  funder's share of settlements and lapses, forfeited stakes); ``net_paid`` = ``posted - in_escrow -
  credited``: what finishing its challenges cost the funder (rewards paid out less stakes gained; it can
  be negative).

Leaderboard
-----------
Contributors ranked by ``reliability`` (higher first, compared exactly as fractions; contributors with
none come last), then by ``settled`` (more first), then by ``mean_score`` (higher first, None last),
then by address (as a number, ascending) so the order is total and reproducible.

JSON (every ``to_json`` is stable: fixed keys, addresses in ascending numeric order)
---------------------------------------------------------------------------------
- contributor: ``address, accepted, delivered, delivered_on_time, settled, unreviewed, abandoned,
  defaulted, in_progress, score_total, mean_score, promises {made, kept, broken, unjudged},
  reliability, closeness {delivered, on_time, undelivered, on_time_share, median_lateness,
  worst_lateness, deliveries [{challenge_id, promised_by, submitted_at, lateness, on_time, score}]},
  calibration {stated, brier, kelly_brier}, amounts {token: {staked, received, at_stake, earned, forfeited}}`` (``closeness.on_time`` is
  ``delivered_on_time``; times are unix seconds, lateness in seconds)
- evaluator: ``address, panels, reviews_due, verdicts_signed, reviews_missed``
- funder: ``address, posted, active, settled, paid_out, cancelled, expired, defaulted, unreviewed,
  amounts {token: {posted, in_escrow, credited, net_paid}}``
- :meth:`Records.for_address`: ``address, contributor, evaluator, funder`` (null for a role the
  address never had)
- :meth:`Records.to_json`: ``events`` (how many were applied), ``last_position`` (``[block_number,
  log_index]`` of the last one, or null), ``contributors``, ``evaluators``, ``funders`` (each an object
  keyed by address), ``leaderboard`` (the contributors' addresses in rank order)

This module imports no Ape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


from ante.errors import AnteError
from ante.events import (
    ChallengeAbandoned,
    ChallengeAccepted,
    ChallengeCancelled,
    ChallengeCreated,
    ChallengeLapsed,
    ChallengeSettled,
    ChallengeSubmitted,
    EventBase,
    PanelCreated,
    Withdrawn,
)
from ante.state import State
from ante.terms import Terms, to_checksum_address

__all__ = [
    "PASS_MARK",
    "AddressRecords",
    "ContributorAmounts",
    "ContributorRecord",
    "Delivery",
    "EvaluatorRecord",
    "Forecast",
    "FunderAmounts",
    "FunderRecord",
    "Records",
    "RecordsError",
    "calibration_words",
    "closeness_words",
    "compute",
    "lateness_words",
]

#: The score (basis points) a settled delivery needs for its promise to count as kept: 50%.
PASS_MARK = 5_000


class RecordsError(AnteError, ValueError):
    """The events are out of order, incomplete or inconsistent with the contract: no record can be trusted.
    (A ValueError too, as it always was, for callers that take any bad value.)"""


def _addr_key(address: str) -> int:
    return int(address, 16)


def _sorted_by_address(items: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(items.items(), key=lambda item: _addr_key(item[0]))


# --- the records ---------------------------------------------------------------------------------


@dataclass
class ContributorAmounts:
    """A contributor's amounts in one token (see the module docstring)."""

    staked: int = 0
    received: int = 0
    at_stake: int = 0
    earned: int = 0
    forfeited: int = 0

    def to_json(self) -> dict[str, str]:
        return {
            "staked": str(self.staked),
            "received": str(self.received),
            "at_stake": str(self.at_stake),
            "earned": str(self.earned),
            "forfeited": str(self.forfeited),
        }


@dataclass
class Delivery:
    """One submission against its acceptance's promise (see "Promise closeness" in the module docstring)."""

    challenge_id: int
    promised_by: int
    submitted_at: int
    score: int | None = None  # set when settled

    @property
    def lateness(self) -> int:
        """submitted_at - promised_by, in seconds: negative is early."""
        return self.submitted_at - self.promised_by

    @property
    def on_time(self) -> bool:
        return self.lateness <= 0

    def to_json(self) -> dict[str, Any]:
        return {
            "challenge_id": self.challenge_id,
            "promised_by": self.promised_by,
            "submitted_at": self.submitted_at,
            "lateness": self.lateness,
            "on_time": self.on_time,
            "score": self.score,
        }


@dataclass(frozen=True)
class Forecast:
    """One settled acceptance with a stated confidence (see "Calibration" in the module docstring)."""

    challenge_id: int
    confidence_bps: int  # 1..10000
    score: int  # the verdict, 0..10000
    stake: int
    reward: int

    @property
    def break_even(self) -> Fraction:
        """stake / (reward + stake): the Kelly helper's break-even probability for the bet accepted."""
        return Fraction(self.stake, self.reward + self.stake)

    @property
    def outcome(self) -> Fraction:
        return Fraction(self.score, 10_000)

    @property
    def probability(self) -> Fraction:
        return Fraction(self.confidence_bps, 10_000)


def _brier(pairs: list[tuple[Fraction, Fraction]]) -> float | None:
    """mean((p - o)**2) over (p, o) pairs, exactly, as a float; None for no pairs."""
    if not pairs:
        return None
    return float(sum((p - o) ** 2 for p, o in pairs) / len(pairs))


def calibration_words(record: ContributorRecord) -> str | None:
    """A contributor's calibration in one clause: "Brier 0.04 over 3 stated confidences (the Kelly
    break-even scores 0.61; 0 is perfect)"; None when no stated confidence has a verdict yet."""
    if not record.stated:
        return None
    return (f"Brier {record.brier:.3g} over {record.stated} stated confidence{'' if record.stated == 1 else 's'} "
            f"(the Kelly break-even scores {record.kelly_brier:.3g}; 0 is perfect)")


def lateness_words(seconds: int | float) -> str:
    """A lateness in words, rounded to its largest unit: "1 day early", "2.5 days late", "3 hours early",
    "exactly on time"."""
    if seconds == 0:
        return "exactly on time"
    size = abs(seconds)
    # The largest unit that still counts at least one once rounded (days to a tenth, the rest whole).
    for unit, length in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        count = round(size / length, 1) if unit == "day" else round(size / length)
        if count >= 1:
            break
    else:  # under half a second: a median between two deliveries a second apart
        count = size
    amount = f"{count:g}"
    return f"{amount} {unit}{'' if amount == '1' else 's'} {'late' if seconds > 0 else 'early'}"


def closeness_words(record: ContributorRecord) -> str | None:
    """A contributor's promise closeness in one clause: "delivered 5 of 6 promises on time (1 never
    delivered); median 1 day early, worst 2 days late"; None while no promise has been delivered or ended."""
    counted = record.delivered + record.undelivered
    if not counted:
        return None
    text = f"delivered {record.delivered_on_time} of {counted} promise{'' if counted == 1 else 's'} on time"
    if record.undelivered:
        text += f" ({record.undelivered} never delivered)"
    if record.deliveries:
        text += (f"; median {lateness_words(record.median_lateness)}, "
                 f"worst {lateness_words(record.worst_lateness)}")
    return text


@dataclass
class ContributorRecord:
    """What one address did as a contributor. Read-only for callers; built by :class:`Records`."""

    address: str
    accepted: int = 0
    delivered: int = 0
    delivered_on_time: int = 0
    settled: int = 0
    unreviewed: int = 0
    abandoned: int = 0
    defaulted: int = 0
    in_progress: int = 0
    score_total: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    promises_unjudged: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    forecasts: list[Forecast] = field(default_factory=list)
    amounts: dict[str, ContributorAmounts] = field(default_factory=dict)

    @property
    def stated(self) -> int:
        """Settled acceptances with a stated confidence (forecasts)."""
        return len(self.forecasts)

    @property
    def brier(self) -> float | None:
        """mean((confidence - score)**2), both as probabilities, over the forecasts; None without any."""
        return _brier([(f.probability, f.outcome) for f in self.forecasts])

    @property
    def kelly_brier(self) -> float | None:
        """The same mean with the Kelly break-even stake / (reward + stake) as the probability."""
        return _brier([(f.break_even, f.outcome) for f in self.forecasts])

    @property
    def promises_made(self) -> int:
        """One per acceptance."""
        return self.accepted

    @property
    def mean_score(self) -> float | None:
        """The mean score of their settled deliveries, in basis points; None if none is settled."""
        return self.score_total / self.settled if self.settled else None

    @property
    def reliability_fraction(self) -> Fraction | None:
        """kept / (kept + broken), exactly; None when no promise is decided."""
        decided = self.promises_kept + self.promises_broken
        return Fraction(self.promises_kept, decided) if decided else None

    @property
    def reliability(self) -> float | None:
        """kept / (kept + broken) as a float in [0, 1]; None when no promise is decided."""
        fraction = self.reliability_fraction
        return None if fraction is None else float(fraction)

    @property
    def undelivered(self) -> int:
        """Promises that ended with nothing delivered: abandoned or defaulted."""
        return self.abandoned + self.defaulted

    @property
    def median_lateness(self) -> int | float | None:
        """The median lateness of their deliveries in seconds (even count: the mean of the middle two)."""
        ordered = sorted(d.lateness for d in self.deliveries)
        if not ordered:
            return None
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        twice = ordered[middle - 1] + ordered[middle]
        return twice // 2 if twice % 2 == 0 else twice / 2

    @property
    def worst_lateness(self) -> int | None:
        """The largest lateness of their deliveries in seconds; None without deliveries."""
        return max((d.lateness for d in self.deliveries), default=None)

    @property
    def on_time_share(self) -> float | None:
        """delivered_on_time / (delivered + undelivered); None when both are 0."""
        counted = self.delivered + self.undelivered
        return self.delivered_on_time / counted if counted else None

    def _per_token(self, name: str) -> dict[str, int]:
        return {token: getattr(amounts, name) for token, amounts in _sorted_by_address(self.amounts)}

    @property
    def staked(self) -> dict[str, int]:
        return self._per_token("staked")

    @property
    def received(self) -> dict[str, int]:
        return self._per_token("received")

    @property
    def at_stake(self) -> dict[str, int]:
        return self._per_token("at_stake")

    @property
    def earned(self) -> dict[str, int]:
        return self._per_token("earned")

    @property
    def forfeited(self) -> dict[str, int]:
        return self._per_token("forfeited")

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "accepted": self.accepted,
            "delivered": self.delivered,
            "delivered_on_time": self.delivered_on_time,
            "settled": self.settled,
            "unreviewed": self.unreviewed,
            "abandoned": self.abandoned,
            "defaulted": self.defaulted,
            "in_progress": self.in_progress,
            "score_total": self.score_total,
            "mean_score": self.mean_score,
            "promises": {
                "made": self.promises_made,
                "kept": self.promises_kept,
                "broken": self.promises_broken,
                "unjudged": self.promises_unjudged,
            },
            "reliability": self.reliability,
            "closeness": {
                "delivered": self.delivered,
                "on_time": self.delivered_on_time,
                "undelivered": self.undelivered,
                "on_time_share": self.on_time_share,
                "median_lateness": self.median_lateness,
                "worst_lateness": self.worst_lateness,
                "deliveries": [d.to_json() for d in self.deliveries],
            },
            "calibration": {"stated": self.stated, "brier": self.brier, "kelly_brier": self.kelly_brier},
            "amounts": {token: amounts.to_json() for token, amounts in _sorted_by_address(self.amounts)},
        }


@dataclass
class EvaluatorRecord:
    """What one address did as an evaluator. Read-only for callers; built by :class:`Records`."""

    address: str
    panels: list[int] = field(default_factory=list)
    reviews_due: int = 0
    verdicts_signed: int = 0
    reviews_missed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "panels": sorted(self.panels),
            "reviews_due": self.reviews_due,
            "verdicts_signed": self.verdicts_signed,
            "reviews_missed": self.reviews_missed,
        }


@dataclass
class FunderAmounts:
    """A funder's amounts in one token (see the module docstring)."""

    posted: int = 0
    in_escrow: int = 0
    credited: int = 0

    @property
    def net_paid(self) -> int:
        """posted - in_escrow - credited: what the funder's finished challenges cost it (may be negative)."""
        return self.posted - self.in_escrow - self.credited

    def to_json(self) -> dict[str, str]:
        return {
            "posted": str(self.posted),
            "in_escrow": str(self.in_escrow),
            "credited": str(self.credited),
            "net_paid": str(self.net_paid),
        }


@dataclass
class FunderRecord:
    """What one address did as a funder. Read-only for callers; built by :class:`Records`."""

    address: str
    posted: int = 0
    settled: int = 0
    paid_out: int = 0
    cancelled: int = 0
    expired: int = 0
    defaulted: int = 0
    unreviewed: int = 0
    amounts: dict[str, FunderAmounts] = field(default_factory=dict)

    @property
    def active(self) -> int:
        """Challenges still Open, Accepted or Submitted."""
        return self.posted - self.settled - self.cancelled - self.expired - self.defaulted - self.unreviewed

    @property
    def posted_amounts(self) -> dict[str, int]:
        """The rewards posted, per token."""
        return {token: amounts.posted for token, amounts in _sorted_by_address(self.amounts)}

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "posted": self.posted,
            "active": self.active,
            "settled": self.settled,
            "paid_out": self.paid_out,
            "cancelled": self.cancelled,
            "expired": self.expired,
            "defaulted": self.defaulted,
            "unreviewed": self.unreviewed,
            "amounts": {token: amounts.to_json() for token, amounts in _sorted_by_address(self.amounts)},
        }


@dataclass(frozen=True)
class AddressRecords:
    """Every role one address has had; a role it never had is None."""

    address: str
    contributor: ContributorRecord | None
    evaluator: EvaluatorRecord | None
    funder: FunderRecord | None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "contributor": None if self.contributor is None else self.contributor.to_json(),
            "evaluator": None if self.evaluator is None else self.evaluator.to_json(),
            "funder": None if self.funder is None else self.funder.to_json(),
        }


# --- what the fold tracks per challenge ----------------------------------------------------------


@dataclass
class _Acceptance:
    contributor: str
    stake: int
    promised_by: int
    confidence_bps: int = 0  # as stated at acceptance; 0 = not stated
    on_time: bool | None = None  # set at submission
    delivery: Delivery | None = None  # set at submission; its score at settlement


@dataclass
class _Challenge:
    terms: Terms
    state: State = State.OPEN
    acceptance: _Acceptance | None = None
    expiring: bool = False  # abandoned after accept-by: its ChallengeLapsed(Expired) comes next


# --- the fold ------------------------------------------------------------------------------------


class Records:
    """Everyone's records, folded from the events in chain order (see the module docstring)."""

    def __init__(self) -> None:
        self.contributors: dict[str, ContributorRecord] = {}
        self.evaluators: dict[str, EvaluatorRecord] = {}
        self.funders: dict[str, FunderRecord] = {}
        self.events = 0
        self.last_position: tuple[int, int] | None = None
        self._panels: dict[int, tuple[str, ...]] = {}
        self._challenges: dict[int, _Challenge] = {}

    @classmethod
    def from_events(cls, events: Iterable[EventBase]) -> Records:
        """Records from a deployment's complete event log (sorted into chain order here)."""
        records = cls()
        for event in sorted(events, key=lambda e: e.position):
            records.add(event)
        return records

    # --- reading ---

    def contributor(self, address: str) -> ContributorRecord | None:
        return self.contributors.get(to_checksum_address(address))

    def evaluator(self, address: str) -> EvaluatorRecord | None:
        return self.evaluators.get(to_checksum_address(address))

    def funder(self, address: str) -> FunderRecord | None:
        return self.funders.get(to_checksum_address(address))

    def for_address(self, address: str) -> AddressRecords:
        """Every role of one address (any case accepted)."""
        address = to_checksum_address(address)
        return AddressRecords(
            address, self.contributors.get(address), self.evaluators.get(address), self.funders.get(address)
        )

    def leaderboard(self, limit: int | None = None) -> list[ContributorRecord]:
        """Contributors in rank order (see the module docstring); the first `limit` if given."""

        def key(record: ContributorRecord):
            reliability = record.reliability_fraction
            mean = record.mean_score
            return (
                reliability is None,
                -(reliability or 0),
                -record.settled,
                mean is None,
                -(mean or 0),
                _addr_key(record.address),
            )

        ranked = sorted(self.contributors.values(), key=key)
        return ranked if limit is None else ranked[:limit]

    def to_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "last_position": None if self.last_position is None else list(self.last_position),
            "contributors": {a: r.to_json() for a, r in _sorted_by_address(self.contributors)},
            "evaluators": {a: r.to_json() for a, r in _sorted_by_address(self.evaluators)},
            "funders": {a: r.to_json() for a, r in _sorted_by_address(self.funders)},
            "leaderboard": [r.address for r in self.leaderboard()],
        }

    # --- folding ---

    def add(self, event: EventBase) -> None:
        """Applies one event; it must come strictly after the last one in chain order."""
        position = event.position
        if self.last_position is not None and position <= self.last_position:
            raise RecordsError(f"event at {position} is not after the last one at {self.last_position}")
        handler = self._HANDLERS.get(type(event))
        if handler is None:
            raise RecordsError(f"not an Ante event: {event!r}")
        handler(self, event)
        self.events += 1
        self.last_position = position

    def _panel_created(self, event: PanelCreated) -> None:
        if event.panel_id in self._panels:
            raise RecordsError(f"panel {event.panel_id} created twice")
        self._panels[event.panel_id] = event.members
        for member in event.members:
            self._evaluator(member).panels.append(event.panel_id)

    def _challenge_created(self, event: ChallengeCreated) -> None:
        terms = event.terms
        cid = event.challenge_id
        if cid in self._challenges:
            raise RecordsError(f"challenge {cid} created twice")
        if event.funder != terms.funder or event.panel_id != terms.panel_id:
            raise RecordsError(f"challenge {cid}: the event's funder or panel differs from its terms")
        if terms.panel_id not in self._panels:
            raise RecordsError(f"challenge {cid}: panel {terms.panel_id} was never created")
        self._challenges[cid] = _Challenge(terms)
        funder = self._funder(terms.funder)
        funder.posted += 1
        amounts = funder.amounts.setdefault(terms.token, FunderAmounts())
        amounts.posted += terms.reward
        amounts.in_escrow += terms.reward

    def _challenge_accepted(self, event: ChallengeAccepted) -> None:
        challenge = self._expect(event, State.OPEN)
        if challenge.expiring:
            raise RecordsError(f"challenge {event.challenge_id}: accepted while expiring")
        terms = challenge.terms
        if event.stake != terms.stake:
            raise RecordsError(f"challenge {event.challenge_id}: stake {event.stake}, terms imply {terms.stake}")
        challenge.state = State.ACCEPTED
        if event.confidence_bps > 10_000:
            raise RecordsError(f"challenge {event.challenge_id}: stated confidence {event.confidence_bps} above 10000")
        challenge.acceptance = _Acceptance(event.contributor, event.stake, event.promised_by, event.confidence_bps)
        record = self._contributor(event.contributor)
        record.accepted += 1
        record.in_progress += 1
        amounts = record.amounts.setdefault(terms.token, ContributorAmounts())
        amounts.staked += event.stake
        amounts.at_stake += event.stake

    def _challenge_submitted(self, event: ChallengeSubmitted) -> None:
        challenge = self._expect(event, State.ACCEPTED, contributor=event.contributor)
        challenge.state = State.SUBMITTED
        acceptance = challenge.acceptance
        acceptance.delivery = Delivery(event.challenge_id, acceptance.promised_by, event.timestamp)
        acceptance.on_time = acceptance.delivery.on_time
        record = self._contributor(acceptance.contributor)
        record.delivered += 1
        record.delivered_on_time += acceptance.on_time
        record.deliveries.append(acceptance.delivery)

    def _challenge_settled(self, event: ChallengeSettled) -> None:
        challenge = self._expect(event, State.SUBMITTED)
        terms = challenge.terms
        pot = terms.reward + terms.stake
        if event.to_contributor + event.to_funder != pot or event.to_contributor != pot * event.score // 10_000:
            raise RecordsError(f"challenge {event.challenge_id}: settlement does not split reward + stake by score")
        members = self._panels[terms.panel_id]
        if not set(event.signers) <= set(members):
            raise RecordsError(f"challenge {event.challenge_id}: a signer is not on panel {terms.panel_id}")
        challenge.state = State.SETTLED
        acceptance = challenge.acceptance
        record = self._contributor(acceptance.contributor)
        record.settled += 1
        record.score_total += event.score
        acceptance.delivery.score = event.score
        if acceptance.confidence_bps:
            record.forecasts.append(Forecast(event.challenge_id, acceptance.confidence_bps, event.score,
                                             acceptance.stake, terms.reward))
        if acceptance.on_time and event.score >= PASS_MARK:
            record.promises_kept += 1
        else:
            record.promises_broken += 1
        self._finish(record, terms, acceptance, event.to_contributor)
        for member in members:
            self._evaluator(member).reviews_due += 1
        for signer in event.signers:
            self._evaluator(signer).verdicts_signed += 1
        funder = self._funder(terms.funder)
        funder.settled += 1
        funder.paid_out += event.score > 0
        self._credit_funder(funder, terms, event.to_funder, final=True)

    def _challenge_lapsed(self, event: ChallengeLapsed) -> None:
        challenge = self._challenge(event)
        terms = challenge.terms
        expected = {
            State.OPEN: (State.EXPIRED, 0, terms.reward),
            State.ACCEPTED: (State.DEFAULTED, 0, terms.reward + terms.stake),
            State.SUBMITTED: (State.UNREVIEWED, terms.stake, terms.reward),
        }.get(challenge.state)
        if expected != (event.state, event.to_contributor, event.to_funder):
            raise RecordsError(
                f"challenge {event.challenge_id}: lapse to {event.state.name} paying "
                f"({event.to_contributor}, {event.to_funder}) does not follow from state {challenge.state.name}"
            )
        challenge.state = event.state
        challenge.expiring = False
        funder = self._funder(terms.funder)
        if event.state == State.EXPIRED:
            funder.expired += 1
        elif event.state == State.DEFAULTED:
            record = self._contributor(challenge.acceptance.contributor)
            record.defaulted += 1
            record.promises_broken += 1
            self._finish(record, terms, challenge.acceptance, event.to_contributor)
            funder.defaulted += 1
        else:  # Unreviewed: the contributor is made whole; the panel's record shows the miss.
            acceptance = challenge.acceptance
            record = self._contributor(acceptance.contributor)
            record.unreviewed += 1
            if acceptance.on_time:
                record.promises_unjudged += 1
            else:
                record.promises_broken += 1
            self._finish(record, terms, acceptance, event.to_contributor)
            for member in self._panels[terms.panel_id]:
                evaluator = self._evaluator(member)
                evaluator.reviews_due += 1
                evaluator.reviews_missed += 1
            funder.unreviewed += 1
        self._credit_funder(funder, terms, event.to_funder, final=True)

    def _challenge_cancelled(self, event: ChallengeCancelled) -> None:
        challenge = self._expect(event, State.OPEN)
        terms = challenge.terms
        if challenge.expiring or event.refund != terms.reward:
            raise RecordsError(f"challenge {event.challenge_id}: cancellation does not refund the reward")
        challenge.state = State.CANCELLED
        funder = self._funder(terms.funder)
        funder.cancelled += 1
        self._credit_funder(funder, terms, event.refund, final=True)

    def _challenge_abandoned(self, event: ChallengeAbandoned) -> None:
        challenge = self._expect(event, State.ACCEPTED, contributor=event.contributor)
        terms = challenge.terms
        acceptance = challenge.acceptance
        if event.forfeited != acceptance.stake:
            raise RecordsError(
                f"challenge {event.challenge_id}: forfeited {event.forfeited}, staked {acceptance.stake}"
            )
        if event.reopened != (event.timestamp <= terms.accept_by):
            raise RecordsError(f"challenge {event.challenge_id}: re-opened is {event.reopened} at {event.timestamp}")
        record = self._contributor(acceptance.contributor)
        record.abandoned += 1
        record.promises_broken += 1
        self._finish(record, terms, acceptance, 0)
        # The challenge is open again; if accept-by had passed, its ChallengeLapsed(Expired) follows.
        challenge.state = State.OPEN
        challenge.acceptance = None
        challenge.expiring = not event.reopened
        self._credit_funder(self._funder(terms.funder), terms, event.forfeited, final=False)

    def _withdrawn(self, event: Withdrawn) -> None:
        """Withdrawals move money out of the ledger, not records."""

    _HANDLERS = {
        PanelCreated: _panel_created,
        ChallengeCreated: _challenge_created,
        ChallengeAccepted: _challenge_accepted,
        ChallengeSubmitted: _challenge_submitted,
        ChallengeSettled: _challenge_settled,
        ChallengeLapsed: _challenge_lapsed,
        ChallengeCancelled: _challenge_cancelled,
        ChallengeAbandoned: _challenge_abandoned,
        Withdrawn: _withdrawn,
    }

    # --- helpers ---

    def _challenge(self, event) -> _Challenge:
        challenge = self._challenges.get(event.challenge_id)
        if challenge is None:
            raise RecordsError(
                f"{event.NAME} for challenge {event.challenge_id}, which was never created: is the log complete?"
            )
        return challenge

    def _expect(self, event, state: State, contributor: str | None = None) -> _Challenge:
        challenge = self._challenge(event)
        if challenge.state != state:
            raise RecordsError(
                f"{event.NAME} for challenge {event.challenge_id} in state {challenge.state.name}, not {state.name}"
            )
        if contributor is not None and challenge.acceptance.contributor != contributor:
            raise RecordsError(
                f"{event.NAME} for challenge {event.challenge_id} by {contributor}, "
                f"but {challenge.acceptance.contributor} accepted it"
            )
        return challenge

    def _finish(self, record: ContributorRecord, terms: Terms, acceptance: _Acceptance, payout: int) -> None:
        """Closes an acceptance: its payout is received; the difference from the stake is earned or forfeited."""
        amounts = record.amounts[terms.token]
        record.in_progress -= 1
        amounts.at_stake -= acceptance.stake
        amounts.received += payout
        net = payout - acceptance.stake
        if net > 0:
            amounts.earned += net
        else:
            amounts.forfeited += -net

    def _credit_funder(self, funder: FunderRecord, terms: Terms, amount: int, *, final: bool) -> None:
        amounts = funder.amounts[terms.token]
        amounts.credited += amount
        if final:
            amounts.in_escrow -= terms.reward

    def _contributor(self, address: str) -> ContributorRecord:
        return self.contributors.setdefault(address, ContributorRecord(address))

    def _evaluator(self, address: str) -> EvaluatorRecord:
        return self.evaluators.setdefault(address, EvaluatorRecord(address))

    def _funder(self, address: str) -> FunderRecord:
        return self.funders.setdefault(address, FunderRecord(address))


def compute(events: Iterable[EventBase]) -> Records:
    """Records from a deployment's complete event log: the same as :meth:`Records.from_events`."""
    return Records.from_events(events)
