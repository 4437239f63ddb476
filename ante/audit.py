"""``ante audit``'s engine: replay every event of a deployment and check it against the contract.

Anyone can run it; it trusts neither the oracle nor the index, only the chain. :func:`audit` folds the
events (from the deployment block on) with :func:`ante.history.fold` and compares the result with what
the contract reports through a :class:`ChainView`:

1. **count**: ``challengeCount()`` equals the number of ``ChallengeCreated`` events replayed;
2. **each challenge** (ids 1 to the larger of the two counts): ``challengeStatus(id)``'s state, current
   deadline and seal equal the fold's (the seal of :meth:`ChallengeHistory.record`, whose reward is the
   total every ``ChallengeFunded`` raised it to), and, when the view reads them, ``optionsOf(id)`` equals the
   fold's options, all five fields (those of the ``ChallengeOptionsSet`` of its creation, else the defaults);
   **each co-funded challenge** (one the events co-fund, or whose ``funding(id)`` is not zero, when the
   view reads co-funding): ``funding(id)`` equals the fold's co-funded total and ``shared``, and
   ``contribution(id, funder)`` each co-funder's contribution, or 0 once claimed;
3. **each credit**: for every (token, account) the events involve (funders and contributors in their
   challenges' tokens, everyone credited or withdrawing: ``Chronicle.accounts``),
   ``credit(token, account)`` equals what the events credited minus what they withdrew (0 if nothing);
4. **each token's books**: for every token the events mention, the contract's balance (its ether
   balance for the zero address, else ``balanceOf(contract)``) equals the fold's escrow plus owed
   credits (escrow counts the co-funding pools: abandoned stakes held while a challenge runs, unclaimed
   shares and rounding remainders once it has closed). More is a **surplus** (value that reached the contract outside the lifecycle, such as
   ether forced in or tokens sent straight to it), less a **shortfall** (value missing): both are
   discrepancies, since either means the books and the events disagree.

Events that break the contract's rules (a step in the wrong state, a payout the terms do not imply, a
challenge never created...) are reported too, as ``replay`` discrepancies; the fold carries on with
the event as the chain reported it, so one damaged event does not hide the rest.

Discrepancy kinds (``Discrepancy.kind``), with their ``subject``, ``expected`` (from the events) and
``actual`` (from the contract):

===================  ===========================  =========================================
kind                 subject                      expected / actual
===================  ===========================  =========================================
challenge_count      ``challenges``               numbers of challenges
challenge_state      ``challenge <id>``           :class:`State` values (NONE if absent)
challenge_deadline   ``challenge <id>``           unix timestamps
challenge_seal       ``challenge <id>``           200-bit seals as integers
options              ``challenge <id>``           the options, as "unreviewed/window/panel/bond/fee"
funding              ``challenge <id>``           amounts: (co-funded total, shared) as "total/shared"
contribution         ``challenge <id> <funder>``  amounts in the token's smallest unit
credit               ``<token> <account>``        amounts in the token's smallest unit
balance_surplus      ``<token>``                  amounts: escrow + owed, and the balance held
balance_shortfall    ``<token>``                  amounts: escrow + owed, and the balance held
replay               ``event <block>:<log>``      None / None (the message says what is wrong)
===================  ===========================  =========================================

JSON (:meth:`AuditReport.to_json`, fixed keys): ``clean`` (bool), ``block`` (the block the contract was
read at, or null), ``events`` (events replayed), ``challenges`` (challenges checked), ``accounts``
((token, account) credits checked), ``tokens`` (tokens whose books were checked), ``discrepancies``
(a list, in the order above, each ``{kind, subject, expected, actual, message}``). ``expected`` and
``actual`` are strings or null: a state is its lower-case label, a seal ``0x`` and 50 hex digits, every
other number (amounts, counts, timestamps) a decimal string.

The contract is read through an :class:`ante.rpc.Node` (:func:`node_chain_view`): over HTTP for the command
line, or Ape's provider (:func:`ape_chain_view`, :func:`audit_contract`), which import Ape when called.
A view that can ``preload`` is given every read the audit will make first, in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ante.events import ChallengeCreated, EventBase
from ante.history import Chronicle, fold, seal_hex, token_name
from ante.state import State
from ante.terms import to_checksum_address
from ante.units import format_time

__all__ = [
    "KINDS",
    "AuditReport",
    "ChainView",
    "Discrepancy",
    "ape_chain_view",
    "audit",
    "audit_contract",
    "node_chain_view",
]

#: Every discrepancy kind, in the order an audit reports them.
KINDS = (
    "replay",
    "challenge_count",
    "challenge_state",
    "challenge_deadline",
    "challenge_seal",
    "options",
    "funding",
    "contribution",
    "credit",
    "balance_surplus",
    "balance_shortfall",
)

#: Called as ``progress(done, total)`` while the contract is read: ``total`` is the number of reads.
Progress = Callable[[int, int], None]


@runtime_checkable
class ChainView(Protocol):
    """What the audit reads from the contract (all at one block, so the reads agree with each other)."""

    def challenge_count(self) -> int:
        """``challengeCount()``: ids run from 1 to this number."""

    def challenge_status(self, challenge_id: int) -> tuple[int, int, int]:
        """``challengeStatus(id)``: (state, current deadline, seal)."""

    def credit(self, token: str, account: str) -> int:
        """``credit(token, account)``: what the account can withdraw (the real amount, not stored + 1)."""

    def balance(self, token: str) -> int:
        """The contract's ether balance for the zero address, else ``token.balanceOf(contract)``."""

    # A view may also have ``funding(id) -> (co_funded, shared)`` and ``contribution(id, funder) -> int``
    # (the contract's views of the same names); the audit then checks co-funded challenges with them. With
    # ``options(id) -> (unreviewed_bps, appeal_window, appeal_panel_id, appeal_bond_bps, review_fee)``
    # (``optionsOf``) it checks every challenge's options.


# --- the report ----------------------------------------------------------------------------------


def _is_ether(token: str) -> bool:
    return int(token, 16) == 0


def _in_units(amount: int, token: str) -> str:
    return f"{amount} wei" if _is_ether(token) else f"{amount} base units"


def _when(timestamp: int) -> str:
    return f"{timestamp} ({format_time(timestamp)})"


@dataclass(frozen=True)
class Discrepancy:
    """One way the events and the contract disagree (see the module docstring for kinds and values)."""

    kind: str
    subject: str
    expected: Any
    actual: Any
    message: str

    def _value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, State):
            return value.label
        if self.kind == "challenge_seal":
            return seal_hex(value)
        if isinstance(value, tuple):
            return "/".join(str(v) for v in value)
        return str(value)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "expected": self._value(self.expected),
            "actual": self._value(self.actual),
            "message": self.message,
        }


@dataclass
class AuditReport:
    """The outcome of an audit: clean when the events account for every challenge and every wei."""

    events: int
    challenges: int
    accounts: int
    tokens: int
    discrepancies: list[Discrepancy] = field(default_factory=list)
    block: int | None = None
    chronicle: Chronicle | None = field(default=None, repr=False, compare=False)

    @property
    def clean(self) -> bool:
        return not self.discrepancies

    def of_kind(self, kind: str) -> list[Discrepancy]:
        """The discrepancies of one kind."""
        if kind not in KINDS:
            raise ValueError(f"unknown discrepancy kind {kind!r}; expected one of {', '.join(KINDS)}")
        return [d for d in self.discrepancies if d.kind == kind]

    def summary(self) -> str:
        """One sentence: what was checked and whether it all agrees."""
        def n(count: int, noun: str) -> str:
            return f"{count} {noun}{'' if count == 1 else 's'}"

        checked = (
            f"{n(self.events, 'event')} replayed; {n(self.challenges, 'challenge')}, {n(self.accounts, 'credit')} "
            f"and the books of {n(self.tokens, 'token')} checked"
        )
        if self.clean:
            return f"Clean: {checked}, and every one agrees with the contract."
        count = len(self.discrepancies)
        return f"Not clean: {count} discrepanc{'y' if count == 1 else 'ies'} ({checked})."

    def to_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "block": self.block,
            "events": self.events,
            "challenges": self.challenges,
            "accounts": self.accounts,
            "tokens": self.tokens,
            "discrepancies": [d.to_json() for d in self.discrepancies],
        }


# --- the audit -----------------------------------------------------------------------------------


def audit(
    events: Iterable[EventBase], view: ChainView, progress: Progress | None = None, *, block: int | None = None
) -> AuditReport:
    """Replays `events` (a deployment's complete log) and checks them against `view`.

    `block` is only recorded in the report (the block the events and the view were read at); by default
    it is the view's own ``block`` attribute when that is a number, as :func:`ape_chain_view`'s is.
    `progress`, if given, is called as ``progress(done, total)`` after each read of the contract.
    """
    events = list(events)
    if block is None and isinstance(getattr(view, "block", None), int):
        block = view.block
    chronicle = fold(events, strict=False)
    found: list[Discrepancy] = []

    for anomaly in chronicle.anomalies:
        block_number, log_index = anomaly.position
        found.append(
            Discrepancy("replay", f"event {block_number}:{log_index}", None, None, anomaly.message[0].upper()
                        + anomaly.message[1:] + ".")
        )

    created = sum(isinstance(e, ChallengeCreated) for e in events)
    on_chain = int(view.challenge_count())
    last_id = max(on_chain, max(chronicle.challenges, default=0))
    credits = [(pair, chronicle.credits.get(pair, 0)) for pair in chronicle.accounts]
    tokens = chronicle.tokens
    total = 1 + last_id + len(credits) + len(tokens)
    done = 0
    reads_funding = callable(getattr(view, "funding", None)) and callable(getattr(view, "contribution", None))
    reads_options = callable(getattr(view, "options", None))
    contributions = [(cid, funder) for cid, c in sorted(chronicle.challenges.items()) for funder in c.contributions]
    if reads_funding:
        total += len(contributions)
    preload = getattr(view, "preload", None)
    if preload is not None:  # every read below, asked for at once
        if reads_funding:
            preload(range(1, last_id + 1), [pair for pair, _ in credits], list(tokens), contributions)
        else:
            preload(range(1, last_id + 1), [pair for pair, _ in credits], list(tokens))

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    tick()
    if on_chain != created:
        found.append(
            Discrepancy(
                "challenge_count", "challenges", created, on_chain,
                f"The contract counts {on_chain} challenges but the events create {created}.",
            )
        )

    for cid in range(1, last_id + 1):
        found.extend(_check_challenge(cid, chronicle, view))
        if reads_options:
            found.extend(_check_options(cid, chronicle, view))
        if reads_funding:
            found.extend(_check_funding(cid, chronicle, view))
        tick()

    if reads_funding:
        for cid, funder in contributions:
            found.extend(_check_contribution(cid, funder, chronicle, view))
            tick()

    for (token, account), expected in credits:
        actual = int(view.credit(token, account))
        if actual != expected:
            found.append(
                Discrepancy(
                    "credit", f"{token} {account}", expected, actual,
                    f"{account} can withdraw {_in_units(actual, token)} of {token_name(token)} on chain, "
                    f"but the events leave it {_in_units(expected, token)}.",
                )
            )
        tick()

    for token in tokens:
        escrow, owed = chronicle.escrow(token), chronicle.owed(token)
        expected = escrow + owed
        actual = int(view.balance(token))
        if actual > expected:
            found.append(
                Discrepancy(
                    "balance_surplus", token, expected, actual,
                    f"The contract holds {_in_units(actual, token)} of {token_name(token)}, "
                    f"{actual - expected} more than the {expected} its escrow ({escrow}) and the credits "
                    f"owed ({owed}) account for.",
                )
            )
        elif actual < expected:
            found.append(
                Discrepancy(
                    "balance_shortfall", token, expected, actual,
                    f"The contract holds {_in_units(actual, token)} of {token_name(token)}, "
                    f"{expected - actual} less than the {expected} its escrow ({escrow}) and the credits "
                    f"owed ({owed}) require.",
                )
            )
        tick()

    found.sort(key=lambda d: KINDS.index(d.kind))  # stable: within a kind, the order checked
    return AuditReport(
        events=len(events),
        challenges=last_id,
        accounts=len(credits),
        tokens=len(tokens),
        discrepancies=found,
        block=block,
        chronicle=chronicle,
    )


def _check_challenge(cid: int, chronicle: Chronicle, view: ChainView) -> list[Discrepancy]:
    state_n, deadline, seal = view.challenge_status(cid)
    state, deadline, seal = State(int(state_n)), int(deadline), int(seal)
    history = chronicle.challenges.get(cid)
    subject = f"challenge {cid}"
    if history is None:
        return [
            Discrepancy(
                "challenge_state", subject, State.NONE, state,
                f"Challenge {cid} is {state.label} on chain, but the events never create it.",
            )
        ]
    if state == State.NONE:
        return [
            Discrepancy(
                "challenge_state", subject, history.state, state,
                f"Challenge {cid} is {history.state.label} in the events, but the contract has no such challenge.",
            )
        ]
    found = []
    if state != history.state:
        found.append(
            Discrepancy(
                "challenge_state", subject, history.state, state,
                f"Challenge {cid} is {state.label} on chain, but the events leave it {history.state.label}.",
            )
        )
    if deadline != history.deadline:
        found.append(
            Discrepancy(
                "challenge_deadline", subject, history.deadline, deadline,
                f"Challenge {cid}'s deadline is {_when(deadline)} on chain, "
                f"but the events set it to {_when(history.deadline)}.",
            )
        )
    expected_seal = history.record().seal()
    if seal != expected_seal:
        found.append(
            Discrepancy(
                "challenge_seal", subject, expected_seal, seal,
                f"Challenge {cid}'s seal is {seal_hex(seal)} on chain, but the record rebuilt from the events "
                f"seals to {seal_hex(expected_seal)}.",
            )
        )
    return found


#: How a discrepancy names each option, in ``IAnte.Options`` order.
_OPTION_NAMES = ("Unreviewed share", "appeal window", "appeal panel", "appeal bond", "review fee")


def _check_options(cid: int, chronicle: Chronicle, view) -> list[Discrepancy]:
    history = chronicle.challenges.get(cid)
    if history is None:  # the state check reports it
        return []
    expected, actual = history.options.as_tuple(), tuple(int(v) for v in view.options(cid))
    if actual == expected:
        return []
    differ = [f"its {name} is {a} on chain but {e} in the events"
              for name, e, a in zip(_OPTION_NAMES, expected, actual) if e != a]
    if len(actual) == len(expected) and actual[0] != expected[0] and len(differ) == 1:
        message = (f"Challenge {cid}'s Unreviewed share is {actual[0] / 100:g}% of the reward on chain, but the "
                   f"events give {expected[0] / 100:g}%.")
    else:
        message = f"Challenge {cid}'s options disagree: {'; '.join(differ)}."
    return [Discrepancy("options", f"challenge {cid}", expected, actual, message)]


def _check_funding(cid: int, chronicle: Chronicle, view) -> list[Discrepancy]:
    co_funded, shared = (int(v) for v in view.funding(cid))
    history = chronicle.challenges.get(cid)
    expected = (0, 0) if history is None else (history.co_funded_total, history.shared)
    if (co_funded, shared) == expected:
        return []
    return [
        Discrepancy(
            "funding", f"challenge {cid}", expected, (co_funded, shared),
            f"Challenge {cid}'s co-funders contributed {co_funded} and its funders' side holds {shared} on chain, "
            f"but the events give {expected[0]} and {expected[1]}.",
        )
    ]


def _check_contribution(cid: int, funder: str, chronicle: Chronicle, view) -> list[Discrepancy]:
    history = chronicle.challenges[cid]
    expected = 0 if funder in history.claims else history.contributions[funder]
    actual = int(view.contribution(cid, funder))
    if actual == expected:
        return []
    token = history.terms.token
    return [
        Discrepancy(
            "contribution", f"challenge {cid} {funder}", expected, actual,
            f"{funder}'s unclaimed contribution to challenge {cid} is {_in_units(actual, token)} on chain, "
            f"but the events leave it {_in_units(expected, token)}.",
        )
    ]


# --- on a node ------------------------------------------------------------------------------------


class _NodeChainView:
    """A :class:`ChainView` over an :class:`ante.rpc.Node`, every read at one block; `preload` asks for
    many reads in batches, and later reads of the same values are answered from them."""

    def __init__(self, node, address: str, block: int | str):
        from ante.abi import ante_views, erc20_views

        self._node = node
        self._to_checksum = to_checksum_address
        self._ante, self._erc20 = ante_views(), erc20_views()
        self.address = to_checksum_address(address)
        self.block = block
        self._known: dict[tuple, Any] = {}

    def _call(self, to: str, data: str) -> tuple[str, list]:
        from ante.rpc import block_tag

        return "eth_call", [{"to": to, "data": data}, block_tag(self.block)]

    def _requests(self, key: tuple) -> tuple[str, list]:
        kind, *args = key
        if kind == "count":
            return self._call(self.address, self._ante.encode("challengeCount"))
        if kind == "status":
            return self._call(self.address, self._ante.encode("challengeStatus", args[0]))
        if kind == "credit":
            return self._call(self.address, self._ante.encode("credit", *args))
        if kind == "funding":
            return self._call(self.address, self._ante.encode("funding", args[0]))
        if kind == "options":
            return self._call(self.address, self._ante.encode("optionsOf", args[0]))
        if kind == "contribution":
            return self._call(self.address, self._ante.encode("contribution", *args))
        if kind == "ether":
            from ante.rpc import block_tag

            return "eth_getBalance", [self.address, block_tag(self.block)]
        return self._call(args[0], self._erc20.encode("balanceOf", self.address))

    def _decode(self, key: tuple, answer) -> Any:
        from ante.rpc import quantity

        kind = key[0]
        if kind == "ether":
            return quantity(answer)
        if kind == "status":
            return tuple(int(v) for v in self._ante.decode("challengeStatus", answer))
        if kind == "funding":
            return tuple(int(v) for v in self._ante.decode("funding", answer))
        if kind == "options":
            return tuple(int(v) for v in self._ante.decode("optionsOf", answer)[0])
        name = {"count": "challengeCount", "credit": "credit", "contribution": "contribution"}.get(kind)
        return int((self._ante.decode(name, answer) if name else self._erc20.decode("balanceOf", answer))[0])

    def _read(self, key: tuple):
        if key in self._known:
            return self._known[key]
        value = self._decode(key, self._node.request(*self._requests(key)))
        if isinstance(self.block, int):  # "latest" is read anew every time
            self._known[key] = value
        return value

    def preload(self, challenge_ids, credits, tokens, contributions=()) -> None:
        if not isinstance(self.block, int):
            return
        keys = [("status", int(cid)) for cid in challenge_ids]
        keys += [("funding", int(cid)) for cid in challenge_ids]
        keys += [("options", int(cid)) for cid in challenge_ids]
        keys += [("contribution", int(cid), self._to_checksum(f)) for cid, f in contributions]
        keys += [("credit", self._to_checksum(t), self._to_checksum(a)) for t, a in credits]
        keys += [("ether",) if _is_ether(t) else ("token", self._to_checksum(t)) for t in tokens]
        keys = [key for key in keys if key not in self._known]
        for key, answer in zip(keys, self._node.batch([self._requests(key) for key in keys])):
            self._known[key] = self._decode(key, answer)

    def challenge_count(self) -> int:
        return self._read(("count",))

    def challenge_status(self, challenge_id: int) -> tuple[int, int, int]:
        return self._read(("status", int(challenge_id)))

    def credit(self, token: str, account: str) -> int:
        return self._read(("credit", self._to_checksum(token), self._to_checksum(account)))

    def funding(self, challenge_id: int) -> tuple[int, int]:
        return self._read(("funding", int(challenge_id)))

    def contribution(self, challenge_id: int, funder: str) -> int:
        return self._read(("contribution", int(challenge_id), self._to_checksum(funder)))

    def options(self, challenge_id: int) -> tuple[int, int, int, int, int]:
        return self._read(("options", int(challenge_id)))

    def balance(self, token: str) -> int:
        return self._read(("ether",) if _is_ether(token) else ("token", self._to_checksum(token)))


def node_chain_view(node, address: str, block: int | str) -> ChainView:
    """A :class:`ChainView` of the Ante deployment at `address` through `node` (an :class:`ante.rpc.Node`),
    every read at `block` (a number, so that a transaction landing mid-audit cannot make reads disagree;
    ``"latest"`` reads the newest state at each call)."""
    return _NodeChainView(node, address, block)


def ape_chain_view(contract, block: int | str | None = None) -> ChainView:
    """A :class:`ChainView` of the Ante deployment `contract` (an Ape contract instance or an address) on
    Ape's connected provider.

    Every read is made at `block` (default: the head when this is called), so that a transaction landing
    mid-audit cannot make the reads disagree; pass the block the events were read up to. ``"latest"``
    reads the newest state at each call.
    """
    from ape import chain

    from ante.rpc import ApeNode

    if block is None:
        block = chain.blocks.head.number
    return node_chain_view(ApeNode(), str(getattr(contract, "address", contract)), block)


def audit_contract(
    contract, start_block: int = 0, stop_block: int | None = None, progress: Progress | None = None
) -> AuditReport:
    """Reads every event of `contract` (an Ape contract instance) from `start_block` (its deployment
    block) to `stop_block` (default: the head) and audits them against the contract at `stop_block`."""
    from ape import chain

    from ante.chain import event_fetcher

    if stop_block is None:
        stop_block = chain.blocks.head.number
    events = list(event_fetcher(contract)(start_block, stop_block))
    return audit(events, ape_chain_view(contract, stop_block), progress, block=stop_block)
