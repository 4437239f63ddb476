"""A challenge's terms, options and record, mirroring ``IAnte.Terms``, ``IAnte.Options`` and ``IAnte.Challenge``.

The contract stores only a seal (a hash) of each challenge's record; callers pass the record back.
This module is the one place that knows the record's shape, its ABI encoding and its seal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ante.primitives import encode, keccak
from ante.primitives import to_checksum_address  # noqa: F401 (the one cached checksum, named here for the core)

BPS = 10_000
ZERO_ADDRESS = "0x" + "00" * 20
ZERO_HASH = b"\x00" * 32

TERMS_ABI = "(address,address,uint128,uint16,uint32,uint40,uint32,uint32,address,bytes32)"
CHALLENGE_ABI = f"({TERMS_ABI},address,bytes32)"
OPTIONS_ABI = "(uint16,uint32,uint32,uint16,uint128)"
SEAL_BITS = 200

#: The share of the reward, in basis points, that a challenge posted with plain ``create`` pays its contributor
#: (beside the stake) when it lapses Unreviewed: the contract's ``DEFAULT_UNREVIEWED_BPS``, all of it, so that a
#: panel's silence never pays the funders' side. ``createWithOptions`` fixes another share, 0..10000.
DEFAULT_UNREVIEWED_BPS = 10_000


def stake_for(reward: int, stake_bps: int) -> int:
    """The stake that accepting a reward requires: ceil(reward * stake_bps / 10000)."""
    return -(-reward * stake_bps // BPS)


def split_payout(reward: int, stake_bps: int, score: int) -> tuple[int, int]:
    """How a settlement with `score` (basis points) divides reward + stake: (to contributor, to funder)."""
    pot = reward + stake_for(reward, stake_bps)
    to_contributor = pot * score // BPS
    return to_contributor, pot - to_contributor


def unreviewed_payout(reward: int, stake: int, unreviewed_bps: int) -> tuple[int, int]:
    """How an Unreviewed lapse divides reward + stake: (to contributor, to funders' side). The contributor gets
    the stake back and floor(reward * unreviewed_bps / 10000) of the reward; the funders' side the rest of the
    reward, as the contract's ``lapse`` computes them."""
    paid = reward * unreviewed_bps // BPS
    return stake + paid, reward - paid


#: The integer fields of ``IAnte.Terms``: their widths in bits (as in TERMS_ABI), names for people, units.
_TERMS_LIMITS = (
    ("reward", 128, "reward", "base units"),
    ("stake_bps", 16, "stake", "basis points"),
    ("panel_id", 32, "panel id", ""),
    ("accept_by", 40, "accept-by time", "unix seconds"),
    ("deliver_within", 32, "delivery period", "seconds"),
    ("review_within", 32, "review period", "seconds"),
)


@dataclass(frozen=True)
class Terms:
    """The terms of a challenge, fixed at creation."""

    funder: str
    token: str
    reward: int
    stake_bps: int
    panel_id: int
    accept_by: int
    deliver_within: int
    review_within: int
    designated: str = ZERO_ADDRESS
    spec_hash: bytes = ZERO_HASH

    def check_fits(self) -> None:
        """Raises `BadInput` with one sentence if a field is outside its width in the contract's ``Terms``
        (the ABI encoder would fail on it deep inside a send)."""
        for name, bits, label, unit in _TERMS_LIMITS:
            value, limit = getattr(self, name), (1 << bits) - 1
            if not 0 <= value <= limit:
                from ante.errors import BadInput

                years = f", about {limit // 31_557_600:,} years" if "seconds" in unit else ""
                raise BadInput(f"the {label} is {value:,}{' ' + unit if unit else ''}, outside what the contract can "
                               f"hold (0 to {limit:,}{' ' + unit if unit else ''}{years}).")

    @property
    def stake(self) -> int:
        """The stake an accepter must put up, in the reward's token."""
        return stake_for(self.reward, self.stake_bps)

    @property
    def is_ether(self) -> bool:
        """Whether the reward is in ether rather than an ERC-20 token."""
        return int(self.token, 16) == 0

    def as_tuple(self) -> tuple:
        """The ABI tuple of ``IAnte.Terms``."""
        return (
            to_checksum_address(self.funder),
            to_checksum_address(self.token),
            self.reward,
            self.stake_bps,
            self.panel_id,
            self.accept_by,
            self.deliver_within,
            self.review_within,
            to_checksum_address(self.designated),
            bytes(self.spec_hash),
        )

    @classmethod
    def from_event(cls, terms) -> Terms:
        """Builds terms from the ``terms`` field of a decoded ``ChallengeCreated`` event.

        Accepts the field in any form a decoder gives it: a sequence in ABI order, a mapping or an object.
        """
        if isinstance(terms, (list, tuple)):
            values = list(terms)
        elif isinstance(terms, dict):
            values = [terms[name] for name in _TERMS_FIELDS]
        else:
            values = [getattr(terms, name) for name in _TERMS_FIELDS]
        funder, token, reward, stake_bps, panel_id, accept_by, deliver_within, review_within, designated, spec = values
        return cls(
            funder=to_checksum_address(funder),
            token=to_checksum_address(token),
            reward=int(reward),
            stake_bps=int(stake_bps),
            panel_id=int(panel_id),
            accept_by=int(accept_by),
            deliver_within=int(deliver_within),
            review_within=int(review_within),
            designated=to_checksum_address(designated),
            spec_hash=bytes(spec),
        )


_TERMS_FIELDS = (
    "funder", "token", "reward", "stakeBps", "panelId", "acceptBy", "deliverWithin", "reviewWithin", "designated",
    "specHash",
)

#: The integer fields of ``IAnte.Options``: their widths in bits (as in OPTIONS_ABI), names for people, units.
_OPTIONS_LIMITS = (
    ("unreviewed_bps", 16, "Unreviewed share", "basis points"),
    ("appeal_window", 32, "appeal window", "seconds"),
    ("appeal_panel_id", 32, "appeal panel id", ""),
    ("appeal_bond_bps", 16, "appeal bond", "basis points"),
    ("review_fee", 128, "review fee", "base units"),
)


@dataclass(frozen=True)
class Options:
    """A challenge's options, fixed at creation (``createWithOptions``; a plain ``create`` has the defaults).

    - ``unreviewed_bps``: the contributor's share of the reward, beside the stake, if the challenge lapses
      Unreviewed (the default, ``DEFAULT_UNREVIEWED_BPS``, is all of it);
    - ``appeal_window``: seconds after the panel's verdict during which the creator or the contributor may
      appeal it; 0 (the default) means no appeal round;
    - ``appeal_panel_id``: the panel that decides an appeal (another than the challenge's); 0 without a window;
    - ``appeal_bond_bps``: the appeal bond in basis points of the reward (1..10000 with a window, 0 without);
    - ``review_fee``: escrowed by the creator beside the reward, paid to the verdict's signers, returned to the
      creator if the challenge ends without a verdict.
    """

    unreviewed_bps: int = DEFAULT_UNREVIEWED_BPS
    appeal_window: int = 0
    appeal_panel_id: int = 0
    appeal_bond_bps: int = 0
    review_fee: int = 0

    @property
    def is_default(self) -> bool:
        """Whether these are the options of a plain ``create``."""
        return self == DEFAULT_OPTIONS

    @property
    def has_appeal(self) -> bool:
        """Whether the challenge has an appeal round."""
        return self.appeal_window != 0

    def bond(self, reward: int) -> int:
        """The appeal bond for `reward`: ceil(reward * appeal_bond_bps / 10000), as the contract's ``stakeFor``."""
        return stake_for(reward, self.appeal_bond_bps)

    def check_fits(self) -> None:
        """Raises `BadInput` with one sentence if a field is outside its width in the contract's ``Options``."""
        for name, bits, label, unit in _OPTIONS_LIMITS:
            value, limit = getattr(self, name), (1 << bits) - 1
            if not 0 <= value <= limit:
                from ante.errors import BadInput

                raise BadInput(f"the {label} is {value:,}{' ' + unit if unit else ''}, outside what the contract can "
                               f"hold (0 to {limit:,}{' ' + unit if unit else ''}).")

    def as_tuple(self) -> tuple:
        """The ABI tuple of ``IAnte.Options``."""
        return (self.unreviewed_bps, self.appeal_window, self.appeal_panel_id, self.appeal_bond_bps, self.review_fee)

    @classmethod
    def from_event(cls, options) -> Options:
        """Builds options from a decoded ``Options`` value (``ChallengeOptionsSet``'s field, ``optionsOf``'s
        result): a sequence in ABI order, a mapping or an object."""
        if isinstance(options, (list, tuple)):
            values = list(options)
        elif isinstance(options, dict):
            values = [options[name] for name in _OPTIONS_FIELDS]
        else:
            values = [getattr(options, name) for name in _OPTIONS_FIELDS]
        return cls(*(int(v) for v in values))


_OPTIONS_FIELDS = ("unreviewedBps", "appealWindow", "appealPanelId", "appealBondBps", "reviewFee")

#: The options of a challenge posted with plain ``create`` (what ``optionsOf`` returns for it).
DEFAULT_OPTIONS = Options()


@dataclass(frozen=True)
class ChallengeRecord:
    """What the contract seals for a challenge: its terms, who accepted it and what they delivered."""

    terms: Terms
    contributor: str = ZERO_ADDRESS
    deliverable: bytes = ZERO_HASH

    def as_tuple(self) -> tuple:
        """The ABI tuple of ``IAnte.Challenge``."""
        return (self.terms.as_tuple(), to_checksum_address(self.contributor), bytes(self.deliverable))

    def seal(self) -> int:
        """The low 200 bits of keccak256(abi.encode(record)), as the contract computes them."""
        encoded = encode([TERMS_ABI, "address", "bytes32"], list(self.as_tuple()))
        return int.from_bytes(keccak(encoded), "big") & ((1 << SEAL_BITS) - 1)

    def accepted_by(self, contributor: str) -> ChallengeRecord:
        """The record after `contributor` accepts."""
        return replace(self, contributor=contributor, deliverable=ZERO_HASH)

    def submitted(self, deliverable: bytes) -> ChallengeRecord:
        """The record after the deliverable is submitted."""
        return replace(self, deliverable=bytes(deliverable))

    def reopened(self) -> ChallengeRecord:
        """The record after the contributor abandons and the challenge re-opens."""
        return ChallengeRecord(self.terms)
