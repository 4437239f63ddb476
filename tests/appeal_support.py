"""Helpers for the tests of challenges with options (test_options.py, test_appeal.py, test_review_fee.py): an
appeal panel, the appeal panel's typed verdict signed with eth-account directly, and the amounts the contract
owes, computed here from the terms."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from lifecycle import DAY

ZERO = "0x" + "00" * 20
BPS = 10_000

#: The appeal window the tests give a challenge with an appeal round, and its bond in basis points.
WINDOW = 2 * DAY
BOND_BPS = 2_000

APPEAL_VERDICT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "AppealVerdict": [
        {"name": "challengeId", "type": "uint256"},
        {"name": "deliverable", "type": "bytes32"},
        {"name": "score", "type": "uint16"},
    ],
}


@pytest.fixture(scope="module")
def appeal_panel(ante, deployer, evaluators):
    """A 2-of-3 appeal panel: evaluators 2, 3 and 4 (evaluator 2 sits on the default 2-of-3 panel too; 0 and 1
    do not sit on this one)."""
    ante.createPanel([e.address for e in evaluators[2:5]], 2, sender=deployer)
    return ante.panelCount()


def appeal_options(appeal_panel_id, window=WINDOW, bond_bps=BOND_BPS, fee=0, unreviewed_bps=BPS) -> tuple:
    """The Options tuple of a challenge with an appeal round."""
    return (unreviewed_bps, window, appeal_panel_id, bond_bps, fee)


def ceil_bps(amount: int, bps: int) -> int:
    """ceil(amount * bps / 10000): how the contract rounds a stake and an appeal bond."""
    return -(-amount * bps // BPS)


def pot_split(reward: int, stake_bps: int, score: int) -> tuple[int, int]:
    """(to the contributor, to the funders' side) of a verdict of `score` on reward plus stake."""
    pot = reward + ceil_bps(reward, stake_bps)
    to_contributor = pot * score // BPS
    return to_contributor, pot - to_contributor


def appeal_typed_data(chain_id: int, ante_address: str, challenge_id: int, deliverable: bytes, score: int) -> dict:
    """The EIP-712 typed data of AppealVerdict(challengeId, deliverable, score) in Ante's domain."""
    return {
        "types": APPEAL_VERDICT_TYPES,
        "primaryType": "AppealVerdict",
        "domain": {"name": "Ante", "version": "1", "chainId": chain_id, "verifyingContract": str(ante_address)},
        "message": {"challengeId": challenge_id, "deliverable": "0x" + bytes(deliverable).hex(), "score": score},
    }


def appeal_digest(chain_id, ante_address, challenge_id, deliverable, score) -> bytes:
    """The 32-byte digest an appeal panel's evaluator signs."""
    message = encode_typed_data(full_message=appeal_typed_data(chain_id, ante_address, challenge_id, deliverable,
                                                               score))
    return keccak(b"\x19" + message.version + message.header + message.body)


def sign_appeal(key, chain_id, ante_address, challenge_id, deliverable, score) -> bytes:
    """An evaluator's 65-byte signature of an appeal verdict."""
    typed = appeal_typed_data(chain_id, ante_address, challenge_id, deliverable, score)
    return bytes(Account.sign_typed_data(key, full_message=typed).signature)


def appeal_signatures(bounties, challenge_id, record, score, signers) -> tuple[list[str], list[bytes]]:
    """`signers` (eth-account keys) sign the appeal verdict; returns sorted (addresses, signatures)."""
    signers = sorted(signers, key=lambda a: int(a.address, 16))
    chain_id = bounties.chain.chain_id
    return [s.address for s in signers], [
        sign_appeal(s.key, chain_id, bounties.ante.address, challenge_id, record.deliverable, score) for s in signers
    ]


def settle_appeal(bounties, challenge_id, record, score, signers, sender=None):
    """Decides an appeal with `signers`' appeal verdicts; returns the receipt."""
    addresses, sigs = appeal_signatures(bounties, challenge_id, record, score, signers)
    return bounties.ante.settle(challenge_id, record.as_tuple(), score, addresses, sigs,
                                sender=sender or bounties.relayer)


def bond_of(record, options) -> int:
    """The appeal bond of a challenge: ceil(reward * appealBondBps / 10000)."""
    return ceil_bps(record.terms.reward, options[3])


def appeal(bounties, challenge_id, record, options, sender, value=None):
    """Appeals as `sender`, sending exactly the bond for an ether challenge; returns the receipt."""
    if value is None:
        value = bond_of(record, options) if record.terms.is_ether else 0
    return bounties.ante.appeal(challenge_id, record.as_tuple(), sender=sender, value=value)


def ruled_challenge(bounties, options, score, terms=None, signers=None):
    """A challenge with `options` created, accepted, submitted and ruled on with `score` by the default panel's
    quorum; returns (challenge id, record, receipt of the ruling)."""
    challenge_id, record = bounties.submitted_challenge(terms, options=options)
    receipt = bounties.settle(challenge_id, record, score, signers)
    return challenge_id, record, receipt


def held(ante, token=None) -> int:
    """What Ante holds in ether, or in `token`."""
    return ante.balance if token is None else token.balanceOf(ante)


def assert_books(ante, escrow: int, accounts, token=None, start: int = 0):
    """Ante holds `start` (what it held before the test) plus `escrow` (the running challenges' rewards, stakes,
    fees and bonds) plus the credits of `accounts`, in ether or in `token`, to the wei."""
    address = ZERO if token is None else token.address
    credits = sum(ante.credit(address, getattr(a, "address", a)) for a in accounts)
    assert held(ante, token) == start + escrow + credits
