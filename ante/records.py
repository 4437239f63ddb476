"""Records (reputation), derived from Ante's events: the one place the formulas live.

Anyone can recompute every record from a deployment's event log: feed the events (from
:mod:`ante.events`) to :meth:`Records.from_events` and read per-contributor, per-evaluator and
per-funder records, or the contributors' :meth:`Records.leaderboard`. The CLI, the oracle's API and the
dashboard all call this module; none of them computes a record on its own.

A projection of the history fold
--------------------------------
The event log is folded once, by :mod:`ante.history`: :func:`ante.history.fold` applies the contract's
rules to every event and keeps, per challenge, its final state, amounts, panel signers and the list of
its acceptances (:class:`ante.history.Acceptance`: who, what stake, promised by when, with what stated
confidence, when submitted, what score, how it ended and what it paid the contributor). Records are a
projection of that chronicle: ``Records(chronicle)`` reads the histories, their acceptances and the
panels, and counts; it re-encodes no transition (when a challenge lapses, expires or re-opens, and what
that pays, is decided by the fold alone). The dashboard's promise chart is another projection of the
same acceptances.

Input
-----
The complete event log of one Ante deployment, from its first event (a record needs the panel and the
challenge behind every later event). :meth:`Records.from_events` folds it with
:func:`ante.history.fold`, which sorts the events into chain order, ``(block_number, log_index)``;
:meth:`Records.add` folds them one at a time and refuses one that is not strictly after the last (so a
log fed twice is caught instead of counted twice). The fold checks every event against the lifecycle,
the deadlines and the contract's arithmetic (the right state, the right contributor, the stake and
payouts that the terms imply, the signers on the panel); a log that breaks any of them raises
:class:`RecordsError` (with the fold's message) rather than giving a wrong record, and so does
projecting a lenient chronicle (``fold(..., strict=False)``) that lists an anomaly. ``Withdrawn``
events move no record.

Terms used below
----------------
- An **acceptance** is one ``ChallengeAccepted`` event. A challenge re-opened by an abandonment can be
  accepted again, by the same or another contributor: each acceptance counts on its own.
- An acceptance **finishes** when its challenge is settled, lapses (Defaulted or Unreviewed) or is
  abandoned. Until then it is **in progress**. (Its ``outcome`` in the fold: ``in progress`` or
  ``submitted`` until then; ``settled``, ``defaulted``, ``unreviewed``, or ``abandoned``, which becomes
  ``expired`` when the challenge then expires; both count as abandoned here.)
- An acceptance's **payout** is what it credited to the contributor: ``ChallengeSettled.toContributor``,
  or ``ChallengeLapsed.toContributor`` (when Unreviewed, the stake and the challenge's Unreviewed share of the
  reward, all of it by default; 0 when Defaulted), or 0 when abandoned.
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
  ``received - (staked - at_stake) = earned - forfeited``. An Unreviewed delivery pays the stake back and
  the challenge's Unreviewed share of the reward (``ante.terms.unreviewed_payout``: all of it by default),
  so ``payout - stake`` is that share and adds to ``earned`` (to neither with a share of 0). Such a payout
  is no verdict: it adds nothing to ``settled``, ``score_total``, ``mean_score``, the forecasts or the
  promises kept (the promise is ``unjudged``, or broken if it came late), and the panel's record shows
  the missed review.

- ``appeals``: ``made``: the recorded verdicts they appealed as the contributor (``ChallengeAppealed``);
  ``won``: of those, the appeals the appeal panel decided their way (a higher score).

Evaluator (every member of every panel)
---------------------------------------
- ``panels``: the ids of the panels they sit on, ascending.
- ``reviews_due``: submitted challenges on their panels that were settled or went Unreviewed.
- ``verdicts_signed``: verdicts whose signers include them: a settlement's ``signers``, or, for a challenge
  with an appeal window, its recorded first verdict's (``ChallengeRuled``) and its appeal panel's
  (``AppealDecided``), once each is on chain.
- ``verdicts_overturned``: first verdicts they signed that an appeal panel then scored differently (an
  appeal panel that stayed silent overturns nothing).
- ``review_fees``, per token: what the review fees of the verdicts they signed paid them
  (``ReviewFeePaid``'s share).
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
  be negative). In a co-funded challenge (see :mod:`ante.history`) the funder's part is its own:
  ``posted`` and ``in_escrow`` count the reward less the co-funders' contributions, ``credited`` its
  share of the funders' side (``to_creator``) and the rounding remainders claims credited it.
- Co-funding (``fund`` by anyone but the creator): ``co_funded``: challenges the address added to
  without having created them; per token, ``contributed``: what it added to them, and ``claimed``: what
  its claims have credited it so far (its share of each closed one's funders' side, once claimed). An
  address that only co-funded has a funder record with ``posted`` 0.
- ``appeals``: ``made``: the recorded verdicts they appealed as the creator; ``won``: of those, the
  appeals the appeal panel decided their way (a lower score). Bonds and review fees are outside the
  amounts above.

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
  calibration {stated, brier, kelly_brier}, amounts {token: {staked, received, at_stake, earned, forfeited}},
  appeals {made, won}`` (``closeness.on_time`` is ``delivered_on_time``; times are unix seconds, lateness in
  seconds)
- evaluator: ``address, panels, reviews_due, verdicts_signed, reviews_missed, verdicts_overturned,
  review_fees {token: amount}``
- funder: ``address, posted, active, settled, paid_out, cancelled, expired, defaulted, unreviewed,
  co_funded, amounts {token: {posted, in_escrow, credited, net_paid, contributed, claimed}}, appeals {made, won}``
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
from ante.events import EventBase
from ante.history import (
    DEFAULTED,
    RUNNING,
    SETTLED,
    UNREVIEWED,
    ChallengeHistory,
    Chronicle,
    HistoryError,
    fold,
)
from ante.state import State
from ante.terms import to_checksum_address

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
    appeals_made: int = 0
    appeals_won: int = 0

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
            "appeals": {"made": self.appeals_made, "won": self.appeals_won},
        }


@dataclass
class EvaluatorRecord:
    """What one address did as an evaluator. Read-only for callers; built by :class:`Records`."""

    address: str
    panels: list[int] = field(default_factory=list)
    reviews_due: int = 0
    verdicts_signed: int = 0
    reviews_missed: int = 0
    verdicts_overturned: int = 0
    review_fees: dict[str, int] = field(default_factory=dict)  # token -> what review fees paid them

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "panels": sorted(self.panels),
            "reviews_due": self.reviews_due,
            "verdicts_signed": self.verdicts_signed,
            "reviews_missed": self.reviews_missed,
            "verdicts_overturned": self.verdicts_overturned,
            "review_fees": {token: str(amount) for token, amount in _sorted_by_address(self.review_fees)},
        }


@dataclass
class FunderAmounts:
    """A funder's amounts in one token (see the module docstring)."""

    posted: int = 0
    in_escrow: int = 0
    credited: int = 0
    contributed: int = 0
    claimed: int = 0

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
            "contributed": str(self.contributed),
            "claimed": str(self.claimed),
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
    co_funded: int = 0
    amounts: dict[str, FunderAmounts] = field(default_factory=dict)
    appeals_made: int = 0
    appeals_won: int = 0

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
            "co_funded": self.co_funded,
            "amounts": {token: amounts.to_json() for token, amounts in _sorted_by_address(self.amounts)},
            "appeals": {"made": self.appeals_made, "won": self.appeals_won},
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


# --- the projection ------------------------------------------------------------------------------


class Records:
    """Everyone's records, a projection of the history fold (see the module docstring).

    Built from a :class:`~ante.history.Chronicle` (``Records(chronicle)``), or from events with
    :meth:`from_events` or :meth:`add`, which fold them into the chronicle first. The figures are
    computed when first read, and again after the chronicle has moved on.
    """

    def __init__(self, chronicle: Chronicle | None = None) -> None:
        self.chronicle = chronicle if chronicle is not None else Chronicle()
        self._projected: tuple | None = None  # (events, last_position) of the chronicle last projected
        self._contributors: dict[str, ContributorRecord] = {}
        self._evaluators: dict[str, EvaluatorRecord] = {}
        self._funders: dict[str, FunderRecord] = {}

    @classmethod
    def from_events(cls, events: Iterable[EventBase]) -> Records:
        """Records from a deployment's complete event log (folded, in chain order, by :func:`ante.history.fold`)."""
        try:
            return cls(fold(events))
        except HistoryError as error:
            raise RecordsError(str(error)) from error

    # --- reading ---

    @property
    def events(self) -> int:
        """How many events the chronicle applied."""
        return self.chronicle.events

    @property
    def last_position(self) -> tuple[int, int] | None:
        return self.chronicle.last_position

    @property
    def contributors(self) -> dict[str, ContributorRecord]:
        self._project()
        return self._contributors

    @property
    def evaluators(self) -> dict[str, EvaluatorRecord]:
        self._project()
        return self._evaluators

    @property
    def funders(self) -> dict[str, FunderRecord]:
        self._project()
        return self._funders

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
        """Folds one more event into the chronicle; it must come strictly after the last one in chain order."""
        try:
            self.chronicle.add(event)
        except HistoryError as error:
            raise RecordsError(str(error)) from error

    # --- the projection ---

    def _project(self) -> None:
        chronicle = self.chronicle
        if self._projected == (chronicle.events, chronicle.last_position):
            return
        if chronicle.anomalies:  # a lenient chronicle: the log broke the contract's rules
            raise RecordsError(chronicle.anomalies[0].message)
        contributors: dict[str, ContributorRecord] = {}
        evaluators: dict[str, EvaluatorRecord] = {}
        funders: dict[str, FunderRecord] = {}
        deliveries: dict[str, list[tuple[tuple[int, int], Delivery]]] = {}
        forecasts: dict[str, list[tuple[tuple[int, int], Forecast]]] = {}
        for panel in chronicle.panels.values():
            for member in panel.members:
                evaluator = evaluators.get(member)
                if evaluator is None:
                    evaluator = evaluators[member] = EvaluatorRecord(member)
                evaluator.panels.append(panel.panel_id)
        for cid in sorted(chronicle.challenges):
            c = chronicle.challenges[cid]
            terms, state = c.terms, c.state
            token = terms.token
            # The funder's side: how the challenge ended, and what came back to it.
            funder = funders.get(terms.funder)
            if funder is None:
                funder = funders[terms.funder] = FunderRecord(terms.funder)
            funder.posted += 1
            f_amounts = funder.amounts.get(token)
            if f_amounts is None:
                f_amounts = funder.amounts[token] = FunderAmounts()
            f_amounts.posted += c.own
            if c.co_funded:  # the funders' side is shared: the creator's is its share and the remainders
                f_amounts.credited += (c.to_creator or 0) + sum(r for _, r in c.claims.values())
            else:
                f_amounts.credited += c.forfeited + (c.to_funder or 0)
            if state.is_final:
                _FUNDER_ENDS[state](funder, c)
            else:
                f_amounts.in_escrow += c.own
            # The co-funders' side: what each added, and what its claim has credited it.
            for backer, contributed in c.contributions.items():
                record = funders.get(backer)
                if record is None:
                    record = funders[backer] = FunderRecord(backer)
                record.co_funded += 1
                b_amounts = record.amounts.get(token)
                if b_amounts is None:
                    b_amounts = record.amounts[token] = FunderAmounts()
                b_amounts.contributed += contributed
                b_amounts.claimed += c.claims.get(backer, (0, 0))[0]
            # The panel's side: a submission that was settled or went Unreviewed was due for review.
            if state == State.SETTLED or state == State.UNREVIEWED:
                for member in chronicle.panels[terms.panel_id].members:
                    evaluator = evaluators[member]
                    evaluator.reviews_due += 1
                    if state == State.UNREVIEWED:
                        evaluator.reviews_missed += 1
            if c.first_score is not None:  # a recorded verdict, then the appeal panel's if it decided
                for signer in c.first_signers + c.appeal_signers:
                    evaluators[signer].verdicts_signed += 1
                if c.appeal_score is not None and c.appeal_score != c.first_score:
                    for signer in c.first_signers:
                        evaluators[signer].verdicts_overturned += 1
            elif state == State.SETTLED:
                for signer in c.signers:
                    evaluators[signer].verdicts_signed += 1
            if c.fee_share:
                for signer in c.fee_signers:
                    fees = evaluators[signer].review_fees
                    fees[token] = fees.get(token, 0) + c.fee_share
            # The contributors' side: each acceptance.
            for a in c.acceptances:
                record = contributors.get(a.contributor)
                if record is None:
                    record = contributors[a.contributor] = ContributorRecord(a.contributor)
                amounts = record.amounts.get(token)
                if amounts is None:
                    amounts = record.amounts[token] = ContributorAmounts()
                record.accepted += 1
                amounts.staked += a.stake
                on_time = a.on_time
                if a.submitted_at is not None:
                    record.delivered += 1
                    record.delivered_on_time += on_time
                    deliveries.setdefault(a.contributor, []).append(
                        (a.submitted_position, Delivery(cid, a.promised_by, a.submitted_at, a.score)))
                outcome = a.outcome
                if outcome in RUNNING:
                    record.in_progress += 1
                    amounts.at_stake += a.stake
                    continue
                if outcome == SETTLED:
                    record.settled += 1
                    record.score_total += a.score
                    if a.confidence_bps:
                        forecasts.setdefault(a.contributor, []).append(
                            (a.ended_position, Forecast(cid, a.confidence_bps, a.score, a.stake, terms.reward)))
                    if on_time and a.score >= PASS_MARK:
                        record.promises_kept += 1
                    else:
                        record.promises_broken += 1
                elif outcome == UNREVIEWED:  # paid by its terms, judged by nobody: no score; the panel shows the miss
                    record.unreviewed += 1
                    if on_time:
                        record.promises_unjudged += 1
                    else:
                        record.promises_broken += 1
                elif outcome == DEFAULTED:
                    record.defaulted += 1
                    record.promises_broken += 1
                else:  # abandoned (and, after accept-by, expired with it)
                    record.abandoned += 1
                    record.promises_broken += 1
                amounts.received += a.payout
                net = a.payout - a.stake
                if net > 0:
                    amounts.earned += net
                else:
                    amounts.forfeited += -net
            # Who appealed its recorded verdict, and whether the appeal panel decided their way.
            if c.appellant is not None:
                if c.contributor is not None and _addr_key(c.appellant) == _addr_key(c.contributor):
                    party = contributors.get(c.contributor)
                    if party is None:
                        party = contributors[c.contributor] = ContributorRecord(c.contributor)
                else:
                    party = funder
                party.appeals_made += 1
                party.appeals_won += bool(c.appellant_won)
        for address, found in deliveries.items():
            found.sort(key=_first)
            contributors[address].deliveries = [d for _, d in found]
        for address, found in forecasts.items():
            found.sort(key=_first)
            contributors[address].forecasts = [f for _, f in found]
        self._contributors, self._evaluators, self._funders = contributors, evaluators, funders
        self._projected = (chronicle.events, chronicle.last_position)


def _first(pair):
    return pair[0]


def _ended_settled(funder: FunderRecord, c: ChallengeHistory) -> None:
    funder.settled += 1
    funder.paid_out += c.score > 0


def _ended_cancelled(funder: FunderRecord, c: ChallengeHistory) -> None:
    funder.cancelled += 1


def _ended_expired(funder: FunderRecord, c: ChallengeHistory) -> None:
    funder.expired += 1


def _ended_defaulted(funder: FunderRecord, c: ChallengeHistory) -> None:
    funder.defaulted += 1


def _ended_unreviewed(funder: FunderRecord, c: ChallengeHistory) -> None:
    funder.unreviewed += 1


#: How each final state counts on its funder's record.
_FUNDER_ENDS = {
    State.SETTLED: _ended_settled,
    State.CANCELLED: _ended_cancelled,
    State.EXPIRED: _ended_expired,
    State.DEFAULTED: _ended_defaulted,
    State.UNREVIEWED: _ended_unreviewed,
}


def compute(events: Iterable[EventBase]) -> Records:
    """Records from a deployment's complete event log: the same as :meth:`Records.from_events`."""
    return Records.from_events(events)
