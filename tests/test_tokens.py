"""Hostile ERC-20s: missing return values, false returns, fee-on-transfer, re-entrant transfer hooks."""

import ape

from ante.state import State
from lifecycle import ETHER, REENTRANCY_GUARD_SELECTOR, books


def test_missing_return_token_works_end_to_end(bounties, ante, missing_return_token, funder, contributor):
    token = missing_return_token
    f0, c0 = token.balanceOf(funder), token.balanceOf(contributor)
    terms = bounties.terms(token=token.address, reward=10 * ETHER, stake_bps=2_000)
    challenge_id, record, _ = bounties.create(terms)
    assert token.balanceOf(ante) == 10 * ETHER
    record, _ = bounties.accept(challenge_id, record)
    assert token.balanceOf(ante) == 12 * ETHER
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, 7_500)
    assert bounties.state(challenge_id) == State.SETTLED
    assert ante.credit(token.address, contributor) == 9 * ETHER
    assert ante.credit(token.address, funder) == 3 * ETHER
    assert token.balanceOf(ante) == books(ante, 0, [funder, contributor], token)[1]
    ante.withdraw(token.address, sender=contributor)
    ante.withdraw(token.address, sender=funder)
    assert token.balanceOf(ante) == 0
    assert token.balanceOf(contributor) == c0 + 7 * ETHER
    assert token.balanceOf(funder) == f0 - 7 * ETHER


def test_returns_false_token_create_reverts(bounties, ante, returns_false_token):
    token = returns_false_token
    count = ante.challengeCount()
    with ape.reverts(ante.SafeERC20FailedOperation, token=token.address):
        bounties.create(bounties.terms(token=token.address))
    assert ante.challengeCount() == count


def test_fee_on_transfer_token_create_reverts_on_shortfall(bounties, ante, fee_token):
    reward = 5 * ETHER + 123
    with ape.reverts(ante.AnteTokenShortfall, token=fee_token.address, expected=reward, received=reward - reward // 100):
        bounties.create(bounties.terms(token=fee_token.address, reward=reward))
    assert fee_token.balanceOf(ante) == 0


def test_fee_on_transfer_token_below_fee_granularity_is_exact(bounties, ante, fee_token, contributor):
    # The 1% fee rounds to zero below 100 units, so such a transfer is exact and accepted; because the
    # stake is at most the reward, this is also why a fee-token accept cannot be reached with a shortfall.
    challenge_id, record, _ = bounties.create(bounties.terms(token=fee_token.address, reward=99, stake_bps=10_000))
    bounties.accept(challenge_id, record)
    assert fee_token.balanceOf(ante) == 198


def test_token_accept_reverts_on_surplus(bounties, ante, reentrant_token, contributor, deployer):
    # A token that delivers more than was asked is refused too: received must equal the stake exactly.
    token = reentrant_token
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=10 * ETHER))
    token.mint(token.address, 5, sender=deployer)
    token.arm(token.address, token.transfer.encode_input(ante.address, 5), sender=deployer)
    with ape.reverts(ante.AnteTokenShortfall, token=token.address, expected=ETHER, received=ETHER + 5):
        bounties.accept(challenge_id, record)


def test_reentrant_token_create_reentry_refused(bounties, ante, reentrant_token, deployer, funder):
    token = reentrant_token
    expiring_id, expiring, _ = bounties.create()
    bounties.at(expiring.terms.accept_by + 1)
    token.arm(ante.address, ante.lapse.encode_input(expiring_id, expiring.as_tuple()), sender=deployer)
    challenge_id, _, _ = bounties.create(bounties.terms(token=token.address, reward=ETHER))
    assert bounties.state(challenge_id) == State.OPEN
    assert token.balanceOf(ante) == ETHER
    assert not token.reentrySucceeded()
    assert bytes(token.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert bounties.state(expiring_id) == State.OPEN  # the re-entrant lapse did not happen
    assert ante.credit("0x" + "00" * 20, funder) == 0


def test_reentrant_token_accept_reentry_refused(bounties, ante, reentrant_token, deployer, funder):
    token = reentrant_token
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=ETHER))
    token.arm(ante.address, ante.withdraw.encode_input(token.address), sender=deployer)
    bounties.accept(challenge_id, record)
    assert bounties.state(challenge_id) == State.ACCEPTED
    assert not token.reentrySucceeded()
    assert bytes(token.reentryError()) == REENTRANCY_GUARD_SELECTOR
