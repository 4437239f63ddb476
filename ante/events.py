"""Ante's contract events as plain, typed Python values.

Every event ``IAnte`` emits has a frozen dataclass here with the event's fields in snake_case, plus where
it sits on the chain. Values are normalised so that two decoders of the same log give equal objects:

- addresses are checksummed strings;
- ``bytes32`` values are ``bytes`` (32 of them);
- ``IAnte.State`` is :class:`ante.state.State`;
- ``IAnte.Terms`` is :class:`ante.terms.Terms`; ``IAnte.Options`` is :class:`ante.terms.Options`;
- ``address[]`` is a tuple of checksummed strings; ``bool`` is ``bool``; every integer is ``int``;
- the transaction hash is a lower-case ``0x``-prefixed hex string.

Common fields, on every event: ``block_number``, ``log_index`` (the log's index in its block, as
``eth_getLogs`` reports it), ``transaction_hash`` and ``timestamp`` (the block's timestamp, in seconds).
Chain order is ``(block_number, log_index)``: see :attr:`EventBase.position`.

Two conversions:

- :func:`from_log` builds an event from a decoded log: its name and its arguments under their ABI names
  (``challengeId``, ``specURI``, ...), as Ape's ``ContractLog.event_name`` and ``.event_arguments`` give
  them. :func:`from_contract_log` does the same from any object with Ape's ``ContractLog`` attributes.
- :func:`to_json` / :func:`from_json` turn an event into a JSON-safe dict and back, exactly
  (``from_json(to_json(e)) == e``), so an index can store events as text.

JSON form: ``{"event": <name>, "block_number", "log_index", "transaction_hash", "timestamp", <fields>}``
with the fields under their snake_case names. Bytes are ``0x``-prefixed lower-case hex; addresses are
checksummed; a state is its integer value; ``terms`` is an object with ``Terms``' field names, ``options``
one with ``Options``' (its ``review_fee`` an amount). Token amounts (``reward``, ``stake``, ``to_contributor``,
``to_funder``, ``refund``, ``forfeited``, ``amount``, ``shared``, ``to_creator``, ``remainder``, ``bond``,
``share``, ``fee``, ``review_fee``)
are **decimal strings**, because they routinely exceed 2**53 and JSON readers such as JavaScript or
SQLite's ``json_extract`` would round them; every other integer (ids, timestamps, basis points, block
numbers) is a JSON number.

This module imports no Ape: it takes plain mappings and values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Union

from ante.state import State
from ante.terms import Options, Terms, to_checksum_address

__all__ = [
    "EVENT_TYPES",
    "AppealDecided",
    "ChallengeAbandoned",
    "ChallengeAccepted",
    "ChallengeAppealed",
    "ChallengeCancelled",
    "ChallengeCreated",
    "ChallengeFunded",
    "ChallengeLapsed",
    "ChallengeOptionsSet",
    "ChallengeRuled",
    "ChallengeSettled",
    "ChallengeSubmitted",
    "Event",
    "EventBase",
    "FundersShared",
    "FunderClaimed",
    "PanelCreated",
    "ReviewFeePaid",
    "ReviewFeeReturned",
    "Withdrawn",
    "from_contract_log",
    "from_json",
    "from_log",
    "to_json",
]


# --- value normalisers ---------------------------------------------------------------------------


def _address(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        value = "0x" + bytes(value).hex()
    return to_checksum_address(str(value))


def _addresses(value) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)):
        raise TypeError(f"expected a sequence of addresses, got {value!r}")
    return tuple(_address(v) for v in value)


def _bytes32(value) -> bytes:
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else value
        value = bytes.fromhex(text)
    value = bytes(value)
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return value


def _int(value) -> int:
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    if isinstance(value, str):
        return int(value, 0) if value[:2] in ("0x", "0X") else int(value)
    return int(value)


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"expected a bool, got {value!r}")


def _str(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _tx_hash(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    if not text.startswith("0x"):
        text = "0x" + text
    bytes.fromhex(text[2:])  # must be hex
    return text


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


# --- the events ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EventBase:
    """Where an event sits on the chain. Every event type has these four fields."""

    #: The event's name in ``IAnte``.
    NAME: ClassVar[str] = ""
    #: (ABI argument name, field name, kind) for each argument, in ABI order.
    ARGS: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    block_number: int
    log_index: int
    transaction_hash: str
    timestamp: int

    @property
    def position(self) -> tuple[int, int]:
        """The event's place in chain order: (block number, log index)."""
        return (self.block_number, self.log_index)


@dataclass(frozen=True, kw_only=True)
class PanelCreated(EventBase):
    """A panel of evaluators was created (``members`` in creation order)."""

    NAME: ClassVar[str] = "PanelCreated"
    ARGS: ClassVar = (
        ("panelId", "panel_id", "int"),
        ("creator", "creator", "address"),
        ("members", "members", "addresses"),
        ("threshold", "threshold", "int"),
    )

    panel_id: int
    creator: str
    members: tuple[str, ...]
    threshold: int


@dataclass(frozen=True, kw_only=True)
class ChallengeCreated(EventBase):
    """A funder posted a challenge and its reward was escrowed."""

    NAME: ClassVar[str] = "ChallengeCreated"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("funder", "funder", "address"),
        ("panelId", "panel_id", "int"),
        ("terms", "terms", "terms"),
        ("specURI", "spec_uri", "str"),
    )

    challenge_id: int
    funder: str
    panel_id: int
    terms: Terms
    spec_uri: str


@dataclass(frozen=True, kw_only=True)
class ChallengeOptionsSet(EventBase):
    """A challenge was posted with its own options (``createWithOptions``): its Unreviewed share, its appeal
    round (window, panel, bond) and its review fee (see :class:`ante.terms.Options`).

    Emitted right after the challenge's ``ChallengeCreated``, in the same transaction; a challenge without
    one has the defaults, ``ante.terms.DEFAULT_OPTIONS`` (all of the reward if Unreviewed, no appeal, no fee)."""

    NAME: ClassVar[str] = "ChallengeOptionsSet"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("options", "options", "options"),
    )

    challenge_id: int
    options: Options


@dataclass(frozen=True, kw_only=True)
class ChallengeAccepted(EventBase):
    """A contributor accepted a challenge, escrowing ``stake`` and committing a promise.

    ``confidence_bps`` is the chance of success they stated, in basis points; 0 means not stated."""

    NAME: ClassVar[str] = "ChallengeAccepted"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("contributor", "contributor", "address"),
        ("stake", "stake", "amount"),
        ("deliverBy", "deliver_by", "int"),
        ("promiseHash", "promise_hash", "bytes32"),
        ("promisedBy", "promised_by", "int"),
        ("promiseURI", "promise_uri", "str"),
        ("confidenceBps", "confidence_bps", "int"),
    )

    challenge_id: int
    contributor: str
    stake: int
    deliver_by: int
    promise_hash: bytes
    promised_by: int
    promise_uri: str
    confidence_bps: int


@dataclass(frozen=True, kw_only=True)
class ChallengeSubmitted(EventBase):
    """The contributor submitted the deliverable; the review window runs until ``review_by``."""

    NAME: ClassVar[str] = "ChallengeSubmitted"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("contributor", "contributor", "address"),
        ("deliverable", "deliverable", "bytes32"),
        ("reviewBy", "review_by", "int"),
        ("deliverableURI", "deliverable_uri", "str"),
    )

    challenge_id: int
    contributor: str
    deliverable: bytes
    review_by: int
    deliverable_uri: str


@dataclass(frozen=True, kw_only=True)
class ChallengeSettled(EventBase):
    """A quorum's verdict settled a challenge; ``signers`` signed it, in increasing address order."""

    NAME: ClassVar[str] = "ChallengeSettled"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("score", "score", "int"),
        ("toContributor", "to_contributor", "amount"),
        ("toFunder", "to_funder", "amount"),
        ("signers", "signers", "addresses"),
    )

    challenge_id: int
    score: int
    to_contributor: int
    to_funder: int
    signers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ChallengeRuled(EventBase):
    """A quorum's verdict on a challenge with an appeal window was recorded, not paid: it pays when the
    window closes unused at ``appeal_by`` (``finalize``), or the appeal decides. ``signers`` signed it."""

    NAME: ClassVar[str] = "ChallengeRuled"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("score", "score", "int"),
        ("appealBy", "appeal_by", "int"),
        ("signers", "signers", "addresses"),
    )

    challenge_id: int
    score: int
    appeal_by: int
    signers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ChallengeAppealed(EventBase):
    """The creator or the contributor (``appellant``) appealed a recorded verdict, escrowing ``bond``; the
    appeal panel has until ``rule_by`` to decide."""

    NAME: ClassVar[str] = "ChallengeAppealed"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("appellant", "appellant", "address"),
        ("bond", "bond", "amount"),
        ("ruleBy", "rule_by", "int"),
    )

    challenge_id: int
    appellant: str
    bond: int
    rule_by: int


@dataclass(frozen=True, kw_only=True)
class AppealDecided(EventBase):
    """An appeal closed: ``score`` is the one that pays (the appeal panel's, or the first verdict's when the
    appeal panel was silent, then ``signers`` is empty); ``bond`` was credited to ``bond_to``: the appellant's
    own back unless they lost, when it went to the other party. A ``ChallengeSettled`` follows."""

    NAME: ClassVar[str] = "AppealDecided"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("score", "score", "int"),
        ("appellantWon", "appellant_won", "bool"),
        ("bondTo", "bond_to", "address"),
        ("bond", "bond", "amount"),
        ("signers", "signers", "addresses"),
    )

    challenge_id: int
    score: int
    appellant_won: bool
    bond_to: str
    bond: int
    signers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReviewFeePaid(EventBase):
    """A challenge's review fee was paid: ``share`` to each of ``signers`` (the evaluators whose signatures
    settled the panel's verdict) and ``remainder`` (below the number of signers) to the creator."""

    NAME: ClassVar[str] = "ReviewFeePaid"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("share", "share", "amount"),
        ("remainder", "remainder", "amount"),
        ("signers", "signers", "addresses"),
    )

    challenge_id: int
    share: int
    remainder: int
    signers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReviewFeeReturned(EventBase):
    """A challenge ended without a verdict (cancelled, expired, defaulted or unreviewed) and its review fee,
    ``fee``, was credited back to its creator."""

    NAME: ClassVar[str] = "ReviewFeeReturned"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("fee", "fee", "amount"),
    )

    challenge_id: int
    fee: int


@dataclass(frozen=True, kw_only=True)
class ChallengeLapsed(EventBase):
    """A challenge lapsed past a deadline into ``state`` (Expired, Defaulted or Unreviewed)."""

    NAME: ClassVar[str] = "ChallengeLapsed"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("state", "state", "state"),
        ("toContributor", "to_contributor", "amount"),
        ("toFunder", "to_funder", "amount"),
    )

    challenge_id: int
    state: State
    to_contributor: int
    to_funder: int


@dataclass(frozen=True, kw_only=True)
class ChallengeCancelled(EventBase):
    """The funder cancelled an open challenge; ``refund`` was credited back to them."""

    NAME: ClassVar[str] = "ChallengeCancelled"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("refund", "refund", "amount"),
    )

    challenge_id: int
    refund: int


@dataclass(frozen=True, kw_only=True)
class ChallengeAbandoned(EventBase):
    """The contributor abandoned; ``forfeited`` (the stake) went to the funder.

    ``reopened`` is false when accept-by had passed: a ``ChallengeLapsed(Expired, 0, reward)`` follows.
    """

    NAME: ClassVar[str] = "ChallengeAbandoned"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("contributor", "contributor", "address"),
        ("forfeited", "forfeited", "amount"),
        ("reopened", "reopened", "bool"),
    )

    challenge_id: int
    contributor: str
    forfeited: int
    reopened: bool


@dataclass(frozen=True, kw_only=True)
class ChallengeFunded(EventBase):
    """``funder`` added ``amount`` to an open, never accepted challenge, whose reward is now ``reward``.

    A co-funder is anyone but the challenge's creator (``terms.funder``); the creator funding more only
    raises the reward."""

    NAME: ClassVar[str] = "ChallengeFunded"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("funder", "funder", "address"),
        ("amount", "amount", "amount"),
        ("reward", "reward", "amount"),
    )

    challenge_id: int
    funder: str
    amount: int
    reward: int


@dataclass(frozen=True, kw_only=True)
class FundersShared(EventBase):
    """A co-funded challenge closed: ``shared`` went back to its funders' side over its life (the closing
    event's ``to_funder`` plus any abandoned stakes) and ``to_creator``, the creator's share, was credited.
    Each co-funder's share waits for a ``FunderClaimed``."""

    NAME: ClassVar[str] = "FundersShared"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("shared", "shared", "amount"),
        ("toCreator", "to_creator", "amount"),
    )

    challenge_id: int
    shared: int
    to_creator: int


@dataclass(frozen=True, kw_only=True)
class FunderClaimed(EventBase):
    """A co-funder's share of a closed challenge was credited: ``amount`` to ``funder`` and ``remainder``
    (0 or 1 wei of rounding) to the creator."""

    NAME: ClassVar[str] = "FunderClaimed"
    ARGS: ClassVar = (
        ("challengeId", "challenge_id", "int"),
        ("funder", "funder", "address"),
        ("amount", "amount", "amount"),
        ("remainder", "remainder", "amount"),
    )

    challenge_id: int
    funder: str
    amount: int
    remainder: int


@dataclass(frozen=True, kw_only=True)
class Withdrawn(EventBase):
    """An account withdrew its credit in ``token`` (the zero address for ether)."""

    NAME: ClassVar[str] = "Withdrawn"
    ARGS: ClassVar = (
        ("token", "token", "address"),
        ("account", "account", "address"),
        ("amount", "amount", "amount"),
    )

    token: str
    account: str
    amount: int


Event = Union[
    PanelCreated,
    ChallengeCreated,
    ChallengeOptionsSet,
    ChallengeAccepted,
    ChallengeSubmitted,
    ChallengeSettled,
    ChallengeRuled,
    ChallengeAppealed,
    AppealDecided,
    ReviewFeePaid,
    ReviewFeeReturned,
    ChallengeLapsed,
    ChallengeCancelled,
    ChallengeAbandoned,
    ChallengeFunded,
    FundersShared,
    FunderClaimed,
    Withdrawn,
]

#: Every event type by its name in ``IAnte``.
EVENT_TYPES: dict[str, type[EventBase]] = {
    cls.NAME: cls
    for cls in (
        PanelCreated,
        ChallengeCreated,
        ChallengeOptionsSet,
        ChallengeAccepted,
        ChallengeSubmitted,
        ChallengeSettled,
        ChallengeRuled,
        ChallengeAppealed,
        AppealDecided,
        ReviewFeePaid,
        ReviewFeeReturned,
        ChallengeLapsed,
        ChallengeCancelled,
        ChallengeAbandoned,
        ChallengeFunded,
        FundersShared,
        FunderClaimed,
        Withdrawn,
    )
}

_COMMON = ("block_number", "log_index", "transaction_hash", "timestamp")
_TERMS_JSON = tuple(f.name for f in fields(Terms))
_TERMS_AMOUNTS = {"reward"}
_TERMS_ADDRESSES = {"funder", "token", "designated"}


def _event_type(name: str) -> type[EventBase]:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise ValueError(f"unknown Ante event {name!r}; expected one of {sorted(EVENT_TYPES)}") from None


# --- from a decoded log --------------------------------------------------------------------------

_FROM_LOG = {
    "int": _int,
    "amount": _int,
    "address": _address,
    "addresses": _addresses,
    "bytes32": _bytes32,
    "str": _str,
    "bool": _bool,
    "state": lambda v: State(_int(v)),
    "terms": Terms.from_event,
    "options": Options.from_event,
}


def _position(block_number, log_index, transaction_hash, timestamp) -> dict[str, Any]:
    return {
        "block_number": _int(block_number),
        "log_index": _int(log_index),
        "transaction_hash": _tx_hash(transaction_hash),
        "timestamp": _int(timestamp),
    }


def from_log(
    name: str, args: Mapping[str, Any], *, block_number: int, log_index: int, transaction_hash, timestamp: int
) -> Event:
    """Builds an event from a decoded log's name and its arguments under their ABI names.

    ``args`` is what Ape's ``ContractLog.event_arguments`` holds (or any decoder's equivalent): the
    ``terms`` tuple may be a list in ABI order, a mapping or an object; addresses in any case; bytes32 as
    bytes or hex. Raises ``ValueError`` for an unknown event or a missing or unexpected argument.
    """
    cls = _event_type(name)
    expected = [abi_name for abi_name, _, _ in cls.ARGS]
    missing = [a for a in expected if a not in args]
    extra = [a for a in args if a not in expected]
    if missing or extra:
        raise ValueError(f"{name}: arguments do not match IAnte (missing {missing}, unexpected {extra})")
    values = {attr: _FROM_LOG[kind](args[abi_name]) for abi_name, attr, kind in cls.ARGS}
    return cls(**values, **_position(block_number, log_index, transaction_hash, timestamp))


def from_contract_log(log, *, timestamp: int | None = None) -> Event:
    """Builds an event from an object shaped like Ape's ``ContractLog``.

    Reads ``event_name``, ``event_arguments``, ``block_number``, ``log_index`` and ``transaction_hash``;
    the block timestamp is ``timestamp`` if given, else ``log.timestamp`` (a block lookup in Ape).
    """
    return from_log(
        log.event_name,
        log.event_arguments,
        block_number=log.block_number,
        log_index=log.log_index,
        transaction_hash=log.transaction_hash,
        timestamp=log.timestamp if timestamp is None else timestamp,
    )


# --- JSON ----------------------------------------------------------------------------------------


def _terms_to_json(terms: Terms) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _TERMS_JSON:
        value = getattr(terms, name)
        if name in _TERMS_AMOUNTS:
            value = str(value)
        elif name == "spec_hash":
            value = _hex(bytes(value))
        out[name] = value
    return out


def _terms_from_json(data: Mapping[str, Any]) -> Terms:
    values: dict[str, Any] = {}
    for name in _TERMS_JSON:
        value = data[name]
        if name in _TERMS_ADDRESSES:
            value = _address(value)
        elif name == "spec_hash":
            value = _bytes32(value)
        else:
            value = _int(value)
        values[name] = value
    return Terms(**values)


_OPTIONS_JSON = tuple(f.name for f in fields(Options))


def _options_to_json(options: Options) -> dict[str, Any]:
    return {name: (str(getattr(options, name)) if name == "review_fee" else getattr(options, name))
            for name in _OPTIONS_JSON}


def _options_from_json(data: Mapping[str, Any]) -> Options:
    return Options(**{name: _int(data[name]) for name in _OPTIONS_JSON})


_TO_JSON = {
    "int": lambda v: v,
    "amount": str,
    "address": lambda v: v,
    "addresses": list,
    "bytes32": _hex,
    "str": lambda v: v,
    "bool": lambda v: v,
    "state": int,
    "terms": _terms_to_json,
    "options": _options_to_json,
}

_FROM_JSON = dict(_FROM_LOG, terms=_terms_from_json, options=_options_from_json)


def to_json(event: EventBase) -> dict[str, Any]:
    """The event as a JSON-safe dict (see the module docstring for the form); ``from_json`` inverts it."""
    out: dict[str, Any] = {"event": event.NAME}
    for name in _COMMON:
        out[name] = getattr(event, name)
    for _, attr, kind in event.ARGS:
        out[attr] = _TO_JSON[kind](getattr(event, attr))
    return out


def from_json(data: Mapping[str, Any]) -> Event:
    """Rebuilds an event from :func:`to_json`'s dict. Raises ``ValueError`` on an unknown or malformed event."""
    if "event" not in data:
        raise ValueError("not an Ante event: no 'event' key")
    cls = _event_type(data["event"])
    expected = {"event", *_COMMON, *(attr for _, attr, _ in cls.ARGS)}
    missing = sorted(expected - set(data))
    extra = sorted(set(data) - expected)
    if missing or extra:
        raise ValueError(f"{cls.NAME}: keys do not match (missing {missing}, unexpected {extra})")
    values = {attr: _FROM_JSON[kind](data[attr]) for _, attr, kind in cls.ARGS}
    return cls(
        **values,
        **_position(data["block_number"], data["log_index"], data["transaction_hash"], data["timestamp"]),
    )
