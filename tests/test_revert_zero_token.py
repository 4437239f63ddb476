"""A token that reverts on zero-value transfers: a zero-stake ("social trust") challenge in it must work.

Ante never moves nothing: accepting with a stake of 0 pulls no tokens, a zero share is never credited
and an empty credit cannot be withdrawn. So every path of a zero-stake challenge in such a token
(accept, settle at any score, abandon, every lapse) succeeds, and the books still balance.
"""

import ape
import pytest

from ante.state import State
from lifecycle import ETHER, books

REWARD = 10 * ETHER


def zero_stake_challenge(bounties, token):
    """A zero-stake challenge in `token`, created and accepted; returns (challenge id, record, accept receipt)."""
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=REWARD, stake_bps=0))
    record, receipt = bounties.accept(challenge_id, record)
    return challenge_id, record, receipt


def test_revert_zero_token_refuses_zero_transfers(revert_zero_token, funder, contributor):
    # The double must be hostile, or the tests below prove nothing.
    token = revert_zero_token
    with ape.reverts(token.RevertZeroTransfer, **{"from": funder.address, "to": contributor.address}):
        token.transfer(contributor, 0, sender=funder)
    with ape.reverts(token.RevertZeroTransfer, **{"from": funder.address, "to": contributor.address}):
        token.transferFrom(funder, contributor, 0, sender=funder)
    token.transfer(contributor, 1, sender=funder)


def test_zero_stake_accept_in_revert_zero_token_pulls_nothing(bounties, ante, revert_zero_token, contributor):
    token = revert_zero_token
    before = token.balanceOf(contributor)
    challenge_id, _, receipt = zero_stake_challenge(bounties, token)
    assert bounties.state(challenge_id) == State.ACCEPTED
    [event] = receipt.events.filter(ante.ChallengeAccepted)
    assert event.stake == 0
    assert token.balanceOf(contributor) == before
    assert token.balanceOf(ante) == REWARD


@pytest.mark.parametrize("score", [10_000, 2_500, 0])
def test_zero_stake_settle_in_revert_zero_token(bounties, ante, revert_zero_token, funder, contributor, score):
    token = revert_zero_token
    f0, c0 = token.balanceOf(funder), token.balanceOf(contributor)
    challenge_id, record, _ = zero_stake_challenge(bounties, token)
    record, _ = bounties.submit(challenge_id, record)
    receipt = bounties.settle(challenge_id, record, score)
    assert bounties.state(challenge_id) == State.SETTLED
    to_contributor = REWARD * score // 10_000
    event = receipt.events.filter(ante.ChallengeSettled)[0]
    assert (event.toContributor, event.toFunder) == (to_contributor, REWARD - to_contributor)
    assert ante.credit(token.address, contributor) == to_contributor
    assert ante.credit(token.address, funder) == REWARD - to_contributor
    assert token.balanceOf(ante) == books(ante, 0, [funder, contributor], token)[1]
    for payee, owed in ((contributor, to_contributor), (funder, REWARD - to_contributor)):
        if owed:
            ante.withdraw(token.address, sender=payee)
        else:  # a zero share was never credited, so nothing is there to send
            with ape.reverts(ante.AnteNothingToWithdraw, token=token.address, account=payee.address):
                ante.withdraw(token.address, sender=payee)
    assert token.balanceOf(ante) == 0
    assert token.balanceOf(contributor) == c0 + to_contributor
    assert token.balanceOf(funder) == f0 - to_contributor


def test_zero_stake_unreviewed_lapse_in_revert_zero_token(bounties, ante, revert_zero_token, funder, contributor):
    token = revert_zero_token
    challenge_id, record, _ = zero_stake_challenge(bounties, token)
    record, _ = bounties.submit(challenge_id, record)
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = ante.lapse(challenge_id, record.as_tuple(), sender=funder)
    assert bounties.state(challenge_id) == State.UNREVIEWED
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    # The default Unreviewed share pays the contributor the whole reward; the funders' side gets nothing.
    assert (event.toContributor, event.toFunder) == (REWARD, 0)
    assert ante.credit(token.address, contributor) == REWARD
    assert ante.credit(token.address, funder) == 0
    assert token.balanceOf(ante) == books(ante, 0, [funder, contributor], token)[1]
    with ape.reverts(ante.AnteNothingToWithdraw, token=token.address, account=funder.address):
        ante.withdraw(token.address, sender=funder)
    ante.withdraw(token.address, sender=contributor)
    assert token.balanceOf(ante) == 0


def test_zero_stake_unreviewed_lapse_with_share_zero_in_revert_zero_token(bounties, ante, revert_zero_token, funder,
                                                                          contributor):
    # With its own share of 0 the old split holds: the stake (nothing) back, the reward to the funder.
    token = revert_zero_token
    terms = bounties.terms(token=token.address, reward=REWARD, stake_bps=0)
    challenge_id, record, _ = bounties.create(terms, unreviewed_bps=0)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = ante.lapse(challenge_id, record.as_tuple(), sender=funder)
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.toContributor, event.toFunder) == (0, REWARD)
    assert ante.credit(token.address, contributor) == 0
    assert token.balanceOf(ante) == books(ante, 0, [funder, contributor], token)[1]
    with ape.reverts(ante.AnteNothingToWithdraw, token=token.address, account=contributor.address):
        ante.withdraw(token.address, sender=contributor)
    ante.withdraw(token.address, sender=funder)
    assert token.balanceOf(ante) == 0


def test_zero_stake_defaulted_lapse_in_revert_zero_token(bounties, ante, revert_zero_token, funder):
    token = revert_zero_token
    challenge_id, record, _ = zero_stake_challenge(bounties, token)
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = ante.lapse(challenge_id, record.as_tuple(), sender=funder)
    assert bounties.state(challenge_id) == State.DEFAULTED
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.toContributor, event.toFunder) == (0, REWARD)
    ante.withdraw(token.address, sender=funder)
    assert token.balanceOf(ante) == 0


def test_zero_stake_abandon_reopens_in_revert_zero_token(bounties, ante, revert_zero_token, funder, contributor):
    token = revert_zero_token
    challenge_id, record, _ = zero_stake_challenge(bounties, token)
    receipt = ante.abandon(challenge_id, record.as_tuple(), sender=contributor)
    assert bounties.state(challenge_id) == State.OPEN
    [event] = receipt.events.filter(ante.ChallengeAbandoned)
    assert (event.forfeited, bool(event.reopened)) == (0, True)
    assert ante.credit(token.address, funder) == 0
    assert token.balanceOf(ante) == REWARD
    # Re-opened, it can be accepted again, still without a transfer of nothing.
    bounties.accept(challenge_id, record.reopened())
    assert bounties.state(challenge_id) == State.ACCEPTED


def test_zero_stake_abandon_after_accept_by_expires_in_revert_zero_token(
    bounties, ante, revert_zero_token, funder, contributor
):
    token = revert_zero_token
    challenge_id, record, _ = zero_stake_challenge(bounties, token)
    bounties.at(record.terms.accept_by + 1)
    receipt = ante.abandon(challenge_id, record.as_tuple(), sender=contributor)
    assert bounties.state(challenge_id) == State.EXPIRED
    [event] = receipt.events.filter(ante.ChallengeAbandoned)
    assert (event.forfeited, bool(event.reopened)) == (0, False)
    assert ante.credit(token.address, funder) == REWARD
    ante.withdraw(token.address, sender=funder)
    assert token.balanceOf(ante) == 0


def test_zero_stake_open_lapse_in_revert_zero_token(bounties, ante, revert_zero_token, funder):
    token = revert_zero_token
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=REWARD, stake_bps=0))
    bounties.at(record.terms.accept_by + 1)
    ante.lapse(challenge_id, record.as_tuple(), sender=funder)
    assert bounties.state(challenge_id) == State.EXPIRED
    assert ante.credit(token.address, funder) == REWARD
