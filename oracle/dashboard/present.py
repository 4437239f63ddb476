"""How the dashboard writes things for people: amounts, times, addresses, scores, and each event's line.

Amounts and times go through :mod:`ante.units`, like the CLI's; nothing here computes a record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

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
    FunderClaimed,
    FundersShared,
    ReviewFeePaid,
    ReviewFeeReturned,
)
from ante.history import ChallengeHistory
from ante.state import State
from ante.units import DAY, HOUR, MINUTE, format_duration, format_time

#: The board's state groups, in the order a challenge moves through them, and what each contains.
GROUPS: dict[str, tuple[State, ...]] = {
    "open": (State.OPEN,),
    "accepted": (State.ACCEPTED,),
    "submitted": (State.SUBMITTED,),
    "ruled": (State.RULED,),
    "appealed": (State.APPEALED,),
    "settled": (State.SETTLED,),
    "lapsed": (State.EXPIRED, State.DEFAULTED, State.UNREVIEWED),
    "cancelled": (State.CANCELLED,),
}

#: What each group's heading says about it.
GROUP_NOTES = {
    "open": "waiting for a contributor to accept, until the accept-by time",
    "accepted": "accepted with a stake and a promise; the deliverable is due",
    "submitted": "delivered; the panel is reviewing",
    "ruled": "the panel's verdict is recorded; the creator or the contributor may appeal it until the appeal-by time",
    "appealed": "the verdict is appealed; the appeal panel decides by the rule-by time",
    "settled": "judged by a quorum of the panel and paid out",
    "lapsed": "a deadline passed: expired (never accepted), defaulted (never delivered) or unreviewed",
    "cancelled": "withdrawn by the funder before anyone accepted",
}

#: The groups the unfiltered board leaves out while they are empty (most challenges never reach them).
QUIET_GROUPS = ("ruled", "appealed", "cancelled")

#: The deadline each live state runs against.
DEADLINE_NAMES = {State.OPEN: "accept by", State.ACCEPTED: "deliver by", State.SUBMITTED: "review by",
                  State.RULED: "appeal by", State.APPEALED: "rule by"}

#: What anyone may do to a live challenge once its deadline has passed.
OVERDUE_ACTIONS = {State.OPEN: "lapse", State.ACCEPTED: "lapse", State.SUBMITTED: "lapse",
                   State.RULED: "finalize", State.APPEALED: "finalize"}


def group_of(state: State) -> str:
    """The board group a state belongs to."""
    return next(name for name, states in GROUPS.items() if state in states)


def party(c: ChallengeHistory, address: str | None) -> str:
    """Who `address` is to challenge `c` in a sentence: "the creator", "the contributor", else the address."""
    if address and address.lower() == c.terms.funder.lower():
        return "the creator"
    if address and c.contributor and address.lower() == c.contributor.lower():
        return "the contributor"
    return address or "—"


def hex32(value: bytes | None) -> str:
    return "—" if value is None else "0x" + bytes(value).hex()


def pct(bps: int | float | None) -> str:
    """Basis points as a percentage: 9000 -> "90%", 8333.3 -> "83.3%"; a dash for None."""
    return "—" if bps is None else f"{round(bps / 100, 1):g}%"


def share(fraction: float | None) -> str:
    """A fraction of 1 as a percentage: 0.75 -> "75%"; a dash for None."""
    return "—" if fraction is None else f"{round(fraction * 100, 1):g}%"


def _coarse(seconds: int) -> int:
    """Keeps the two largest units (3d 4h, 2h 5m, 40s): a person's sense of "how long"."""
    for size, finer in ((DAY, HOUR), (HOUR, MINUTE), (MINUTE, 1)):
        if seconds >= size:
            return seconds - seconds % finer
    return seconds


def relative(timestamp: int | None, now: int) -> str:
    """ "in 3d 4h", "2h 5m ago" or "now", against the chain's time `now`."""
    if timestamp is None:
        return ""
    delta = timestamp - now
    if abs(delta) < MINUTE:
        return "now"
    text = format_duration(_coarse(abs(delta)))
    return f"in {text}" if delta > 0 else f"{text} ago"


def when(timestamp: int | None) -> str:
    """A UTC date and time; a dash for None."""
    return "—" if timestamp is None else format_time(timestamp)


def link(uri: str | None) -> str | None:
    """The URI if a browser can open it offline-safely as a link (http or https), else None."""
    if uri and uri.lower().startswith(("http://", "https://")):
        return uri
    return None


#: A long URI is shown as its first URI_HEAD characters (at least its scheme and host, within URI_MAX), an
#: ellipsis and its last URI_TAIL characters: at most URI_MAX characters, whatever its length on the chain.
URI_HEAD, URI_TAIL, URI_MAX = 40, 12, 64


def short_uri(uri: str | None) -> str:
    """`uri` as a page shows it: whole up to URI_MAX characters, else its start and end around an ellipsis
    ("https://example.org/specs/…/final.md"). Only what is shown: a link's href and title keep the whole URI."""
    if not uri:
        return ""
    if len(uri) <= URI_MAX:
        return uri
    scheme, sep, rest = uri.partition("://")
    origin = 0
    if sep:
        host_end = min((i for i in (rest.find(ch) for ch in "/?#") if i >= 0), default=len(rest))
        origin = len(scheme) + len(sep) + host_end
    head = min(max(URI_HEAD, origin), URI_MAX - 1 - URI_TAIL)
    return uri[:head] + "…" + uri[-URI_TAIL:]


#: Challenges on one page of the board.
PAGE_SIZE = 50

#: The most funders, contributors or panels the board's filter form lists as choices; past it, the form asks
#: for the address or number instead, so that the form does not grow with the number of people.
MOST_OPTIONS = 50


@dataclass(frozen=True)
class Paging:
    """One page of `total` challenges, `size` a page: page `number` of `count`, challenges `start` to `end`
    (0-based, end excluded) of the listing."""

    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """How many pages: at least one, which an empty listing shows empty."""
        return max(1, -(-self.total // self.size))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def end(self) -> int:
        return min(self.start + self.size, self.total)

    def page_of(self, index: int) -> int:
        """The page that shows the listing's `index`th (0-based) challenge."""
        return index // self.size + 1


def page_href(chosen: dict[str, str], number: int) -> str:
    """The board's address for page `number` under the filters `chosen` (those set, in the form's order)."""
    query = [(name, value) for name, value in chosen.items() if value] + [("page", str(number))]
    return "/?" + urlencode(query)


Formatter = Callable[[int], str]


def timeline(c: ChallengeHistory, fmt: Formatter) -> list[dict]:
    """Every event of a challenge as a line: when, what happened, who did it, block and transaction."""
    lines = []
    for e in c.events:
        actor = None
        if isinstance(e, ChallengeCreated):
            what, actor = f"Posted with a reward of {fmt(e.terms.reward)} ({short_uri(e.spec_uri)})", e.funder
        elif isinstance(e, ChallengeOptionsSet):
            what = (f"Unreviewed share set: {pct(e.options.unreviewed_bps)} of the reward to the contributor, beside "
                    "the stake, if nobody reviews the deliverable in time")
            if e.options.appeal_window:
                what += (f"; its verdict may be appealed within {format_duration(e.options.appeal_window)} to "
                         f"panel {e.options.appeal_panel_id}, for a bond of {pct(e.options.appeal_bond_bps)}")
            if e.options.review_fee:
                what += f"; a review fee of {fmt(e.options.review_fee)} for the verdict's signers"
            actor = c.terms.funder
        elif isinstance(e, ChallengeAccepted):
            what = f"Accepted with a stake of {fmt(e.stake)}, promised by {format_time(e.promised_by)}"
            if e.confidence_bps:
                what += f", stated chance of success {pct(e.confidence_bps)}"
            actor = e.contributor
        elif isinstance(e, ChallengeSubmitted):
            what = f"Delivered {short_uri(e.deliverable_uri)}; review by {format_time(e.review_by)}"
            actor = e.contributor
        elif isinstance(e, ChallengeSettled):
            how = f"with {len(e.signers)} signatures" if e.signers else "by finalize, on the recorded verdict"
            what = (f"Settled at {pct(e.score)} {how}: {fmt(e.to_contributor)} to the "
                    f"contributor, {fmt(e.to_funder)} to the funder")
        elif isinstance(e, ChallengeRuled):
            what = (f"Verdict recorded at {pct(e.score)} with {len(e.signers)} signatures; it may be appealed "
                    f"until {format_time(e.appeal_by)}")
        elif isinstance(e, ChallengeAppealed):
            what = (f"Appealed by {party(c, e.appellant)} with a bond of {fmt(e.bond)}; the appeal panel decides by "
                    f"{format_time(e.rule_by)}")
            actor = e.appellant
        elif isinstance(e, AppealDecided):
            if e.signers:
                what = f"Appeal decided at {pct(e.score)} with {len(e.signers)} signatures: the appellant "
                what += "won" if e.appellant_won else "lost"
            else:
                what = f"Appeal closed undecided past its rule-by: the recorded {pct(e.score)} stands"
            what += f"; the bond of {fmt(e.bond)} to {party(c, e.bond_to)}"
        elif isinstance(e, ReviewFeePaid):
            what = f"Review fee paid: {fmt(e.share)} to each of the {len(e.signers)} signers"
            if e.remainder:
                what += f" ({fmt(e.remainder)} of rounding to the creator)"
        elif isinstance(e, ReviewFeeReturned):
            what = f"Review fee of {fmt(e.fee)} returned to the creator: no verdict was given"
        elif isinstance(e, ChallengeLapsed):
            what = (f"Lapsed as {e.state.label}: {fmt(e.to_contributor)} to the contributor, "
                    f"{fmt(e.to_funder)} to the funder")
        elif isinstance(e, ChallengeCancelled):
            what = f"Cancelled; {fmt(e.refund)} refunded to the funder"
        elif isinstance(e, ChallengeAbandoned):
            side = "the funders" if c.co_funded else "the funder"
            what = (f"Abandoned; the stake of {fmt(e.forfeited)} forfeited to {side}"
                    + ("; open again" if e.reopened else ""))
            actor = e.contributor
        elif isinstance(e, ChallengeFunded):
            what, actor = f"Funded with {fmt(e.amount)}; the reward is now {fmt(e.reward)}", e.funder
        elif isinstance(e, FundersShared):
            what = (f"{fmt(e.shared)} shared among the funders by contribution: {fmt(e.to_creator)} to the creator, "
                    "the co-funders' shares to claim")
        elif isinstance(e, FunderClaimed):
            what = f"Share of {fmt(e.amount)} claimed for the co-funder"
            if e.remainder:
                what += f" ({fmt(e.remainder)} of rounding to the creator)"
            actor = e.funder
        else:
            what = type(e).__name__
        lines.append({
            "name": getattr(e, "NAME", type(e).__name__),
            "timestamp": e.timestamp,
            "what": what,
            "actor": actor,
            "block": e.block_number,
            "log_index": e.log_index,
            "tx": e.transaction_hash,
        })
    return lines


def standing(records, address: str) -> str:
    """What a signer's record says in a few words, for reading their feedback: their record as a
    contributor, else as an evaluator, else as a funder, else that they have none."""
    c, e, f = records.contributor(address), records.evaluator(address), records.funder(address)
    parts = []
    if c is not None:
        parts.append(f"kept {c.promises_kept} of {c.promises_made} promises")
    if e is not None:
        parts.append(f"signed {e.verdicts_signed} verdict{'s' if e.verdicts_signed != 1 else ''}")
    if f is not None and f.posted:
        parts.append(f"funded {f.posted} challenge{'s' if f.posted != 1 else ''}")
    if f is not None and f.co_funded:
        parts.append(f"co-funded {f.co_funded} challenge{'s' if f.co_funded != 1 else ''}")
    return "; ".join(parts) or "no record yet"
