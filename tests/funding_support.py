"""Helpers for the co-funding tests (test_fund.py, test_claim.py): funding a challenge, the record that
results, and the shares a co-funded challenge's funders are owed, computed here from first principles."""

from __future__ import annotations

from dataclasses import replace

from ante.terms import ChallengeRecord

ZERO = "0x" + "00" * 20


def funded(record: ChallengeRecord, amount: int) -> ChallengeRecord:
    """The open record after `amount` is added to the reward."""
    return replace(record, terms=replace(record.terms, reward=record.terms.reward + amount))


def fund(ante, challenge_id, record: ChallengeRecord, amount: int, sender, value=None):
    """Funds `amount` (sending it as ether for an ether challenge); returns (new record, receipt)."""
    if value is None:
        value = amount if record.terms.is_ether else 0
    receipt = ante.fund(challenge_id, record.as_tuple(), amount, sender=sender, value=value)
    return funded(record, amount), receipt


def creator_share(shared: int, own: int, reward: int) -> int:
    """What the creator is credited when the challenge closes: floor(shared * own / reward)."""
    return shared * own // reward


def claim_share(shared: int, contributed: int, reward: int) -> int:
    """What a co-funder's claim credits: floor(shared * contributed / reward)."""
    return shared * contributed // reward


def creator_total_after(shared: int, own: int, claimed: list[int], reward: int) -> int:
    """What the creator has received in all once the co-funders with contributions `claimed` have claimed:
    its floor share of everything those funders and it put in, less what the claimants got. (Each remainder
    is a fraction below one wei; a wei reaches the creator each time their sum passes a whole one.)"""
    return shared * (own + sum(claimed)) // reward - sum(claim_share(shared, c, reward) for c in claimed)


def held(ante, token=None) -> int:
    """What Ante holds in ether, or in `token`."""
    return ante.balance if token is None else token.balanceOf(ante)


def credits(ante, accounts, token=None) -> int:
    address = ZERO if token is None else token.address
    return sum(ante.credit(address, getattr(a, "address", a)) for a in accounts)
