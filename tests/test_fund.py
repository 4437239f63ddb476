"""fund: anyone but the panel and the designated contributor adds to an open challenge's reward before it is
first accepted and by accept-by; the record's reward becomes the new total, and the stake is computed on it."""

from dataclasses import replace

import ape
import pytest
from eth_utils import keccak

from ante.state import State
from ante.terms import ChallengeRecord, stake_for
from funding_support import ZERO, fund, funded
from lifecycle import ETHER, REENTRANCY_GUARD_SELECTOR

UINT128_MAX = 2**128 - 1


def test_fund_in_ether_raises_the_reward_and_reseals(bounties, ante, funder, backer):
    challenge_id, record, _ = bounties.create()
    before = ante.balance
    new, receipt = fund(ante, challenge_id, record, ETHER // 2, backer)
    [event] = receipt.events.filter(ante.ChallengeFunded)
    assert (event.challengeId, event.funder, event.amount, event.reward) == (
        challenge_id, backer.address, ETHER // 2, ETHER + ETHER // 2)
    state, deadline, seal = ante.challengeStatus(challenge_id)
    assert (state, deadline) == (State.OPEN, record.terms.accept_by)
    assert seal == new.seal() != record.seal()
    assert new.terms.reward == 3 * ETHER // 2
    assert ante.balance == before + ETHER // 2
    assert ante.funding(challenge_id) == (ETHER // 2, 0)
    assert ante.contribution(challenge_id, backer) == ETHER // 2
    assert ante.contribution(challenge_id, funder) == 0
    assert ante.credit(ZERO, backer) == 0


def test_fund_in_a_token(bounties, ante, token, deployer, backer):
    token.mint(backer, 1_000, sender=deployer)
    token.approve(ante, 2**256 - 1, sender=backer)
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=333))
    new, receipt = fund(ante, challenge_id, record, 667, backer)
    [event] = receipt.events.filter(ante.ChallengeFunded)
    assert (event.amount, event.reward) == (667, 1_000)
    assert token.balanceOf(ante) == 1_000
    assert token.balanceOf(backer) == 333
    assert ante.challengeStatus(challenge_id)[2] == new.seal()
    assert ante.funding(challenge_id) == (667, 0)


def test_several_fundings_accumulate(bounties, ante, backer, backer2):
    challenge_id, record, _ = bounties.create()
    record, _ = fund(ante, challenge_id, record, 5, backer)
    record, _ = fund(ante, challenge_id, record, 7, backer2)
    record, receipt = fund(ante, challenge_id, record, 11, backer)
    assert receipt.events.filter(ante.ChallengeFunded)[0].reward == ETHER + 23
    assert ante.contribution(challenge_id, backer) == 16
    assert ante.contribution(challenge_id, backer2) == 7
    assert ante.funding(challenge_id) == (23, 0)
    assert ante.challengeStatus(challenge_id)[2] == record.seal()


def test_the_stake_is_computed_on_the_total_at_acceptance(bounties, ante, backer):
    challenge_id, record, _ = bounties.create(bounties.terms(reward=10_001, stake_bps=3_333))
    new, _ = fund(ante, challenge_id, record, 4_000, backer)
    stake = stake_for(14_001, 3_333)
    assert stake == 4_667 != stake_for(10_001, 3_333)
    with ape.reverts(ante.AnteWrongStake, expected=stake, sent=stake_for(10_001, 3_333)):
        bounties.accept(challenge_id, new, value=stake_for(10_001, 3_333))
    _, receipt = bounties.accept(challenge_id, new)
    assert receipt.events.filter(ante.ChallengeAccepted)[0].stake == stake
    assert ante.balance == 14_001 + stake


def test_accepting_with_the_record_from_before_the_funding_is_refused(bounties, ante, backer):
    challenge_id, record, _ = bounties.create()
    fund(ante, challenge_id, record, ETHER, backer)
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        bounties.accept(challenge_id, record)
    assert bounties.state(challenge_id) == State.OPEN


def test_funding_with_a_stale_record_is_refused(bounties, ante, backer, backer2):
    challenge_id, record, _ = bounties.create()
    fund(ante, challenge_id, record, 3, backer)
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        fund(ante, challenge_id, record, 4, backer2)
    assert ante.funding(challenge_id) == (3, 0)


def test_zero_is_refused(bounties, ante, backer):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteAmountZero):
        fund(ante, challenge_id, record, 0, backer)


def test_funding_at_accept_by_is_allowed_and_after_it_refused(bounties, ante, backer):
    challenge_id, record, _ = bounties.create()
    accept_by = record.terms.accept_by
    bounties.at(accept_by)
    record, _ = fund(ante, challenge_id, record, 1, backer)
    bounties.at(accept_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=accept_by, timestamp=accept_by + 1):
        fund(ante, challenge_id, record, 1, backer)


def test_funding_an_accepted_challenge_is_refused(bounties, ante, backer):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        fund(ante, challenge_id, accepted, 1, backer)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        fund(ante, challenge_id, record, 1, backer)


def test_funding_stays_closed_once_accepted_even_after_an_abandon_reopens_it(bounties, ante, backer, funder):
    challenge_id, record, _ = bounties.create()
    record, _ = fund(ante, challenge_id, record, 10, backer)
    accepted, _ = bounties.accept(challenge_id, record)
    ante.abandon(challenge_id, accepted.as_tuple(), sender=bounties.contributor)
    assert bounties.state(challenge_id) == State.OPEN
    for who in (backer, funder):
        with ape.reverts(ante.AnteFundingClosed, challengeId=challenge_id):
            fund(ante, challenge_id, record, 1, who)
    assert ante.challengeStatus(challenge_id)[2] == record.seal()


def test_funding_a_never_accepted_uncofunded_challenge_after_an_abandon_elsewhere_is_open(bounties, ante, backer):
    # The flag is per challenge: abandoning one does not close another's funding.
    first, first_record, _ = bounties.create()
    second, second_record, _ = bounties.create()
    accepted, _ = bounties.accept(first, first_record)
    ante.abandon(first, accepted.as_tuple(), sender=bounties.contributor)
    fund(ante, second, second_record, 1, backer)
    assert ante.funding(second) == (1, 0)


@pytest.mark.parametrize("sent", [ETHER - 1, ETHER + 1, 0])
def test_ether_other_than_the_amount_is_refused(bounties, ante, backer, sent):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteWrongAmount, expected=ETHER, sent=sent):
        fund(ante, challenge_id, record, ETHER, backer, value=sent)


def test_ether_with_a_token_challenge_is_refused(bounties, ante, token, funder):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=50))
    with ape.reverts(ante.AnteUnexpectedEther, sent=1):
        fund(ante, challenge_id, record, 10, funder, value=1)
    with ape.reverts(ante.AnteUnexpectedEther, sent=10):
        fund(ante, challenge_id, record, 10, funder, value=10)


def test_a_panel_member_may_not_fund(bounties, ante, stranger, panel_with_stranger):
    challenge_id, record, _ = bounties.create(bounties.terms(panel_id=panel_with_stranger))
    with ape.reverts(ante.AnteFunderOnPanel, panelId=panel_with_stranger, funder=stranger.address):
        fund(ante, challenge_id, record, 1, stranger)


def test_the_designated_contributor_may_not_fund(bounties, ante, contributor, backer):
    challenge_id, record, _ = bounties.create(bounties.terms(designated=contributor.address))
    with ape.reverts(ante.AnteSelfDealing, account=contributor.address):
        fund(ante, challenge_id, record, 1, contributor)
    record, _ = fund(ante, challenge_id, record, 1, backer)  # anyone else may
    bounties.accept(challenge_id, record)  # and the designated contributor still accepts the total
    assert bounties.state(challenge_id) == State.ACCEPTED


def test_the_total_may_reach_but_not_pass_2_to_the_128_minus_1(bounties, ante, token, deployer, funder, backer):
    token.mint(funder, UINT128_MAX, sender=deployer)
    token.mint(backer, 100, sender=deployer)
    token.approve(ante, 2**256 - 1, sender=backer)
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=UINT128_MAX - 10))
    with ape.reverts(ante.AnteRewardOutOfRange, reward=UINT128_MAX + 1):
        fund(ante, challenge_id, record, 11, backer)
    record, receipt = fund(ante, challenge_id, record, 10, backer)
    assert receipt.events.filter(ante.ChallengeFunded)[0].reward == UINT128_MAX
    with ape.reverts(ante.AnteRewardOutOfRange, reward=UINT128_MAX + 1):
        fund(ante, challenge_id, record, 1, backer)
    assert token.balanceOf(ante) == UINT128_MAX


def test_a_fee_on_transfer_token_is_refused(bounties, ante, fee_token, deployer, backer):
    fee_token.mint(backer, 10_000, sender=deployer)
    fee_token.approve(ante, 2**256 - 1, sender=backer)
    challenge_id, record, _ = bounties.create(bounties.terms(token=fee_token.address, reward=99))
    with ape.reverts(ante.AnteTokenShortfall, token=fee_token.address, expected=1_000, received=990):
        fund(ante, challenge_id, record, 1_000, backer)
    assert fee_token.balanceOf(ante) == 99
    assert ante.challengeStatus(challenge_id)[2] == record.seal()


def test_an_unknown_challenge_is_refused(bounties, ante, backer):
    _, record, _ = bounties.create()
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=42):
        fund(ante, 42, record, 1, backer)


@pytest.mark.parametrize("end", ["cancel", "expire", "submitted", "settled"])
def test_funding_a_challenge_not_open_is_refused(bounties, ante, funder, backer, end):
    challenge_id, record, _ = bounties.create()
    expected = {"cancel": State.CANCELLED, "expire": State.EXPIRED, "submitted": State.SUBMITTED,
                "settled": State.SETTLED}[end]
    if end == "cancel":
        ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    elif end == "expire":
        bounties.at(record.terms.accept_by + 1)
        ante.lapse(challenge_id, record.as_tuple(), sender=backer)
    else:
        record, _ = bounties.accept(challenge_id, record)
        record, _ = bounties.submit(challenge_id, record)
        if end == "settled":
            bounties.settle(challenge_id, record, 5_000)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=expected):
        fund(ante, challenge_id, record, 1, backer)


def test_the_creator_funding_more_stays_unpooled(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create()
    record, receipt = fund(ante, challenge_id, record, ETHER, funder)
    assert receipt.events.filter(ante.ChallengeFunded)[0].funder == funder.address
    assert ante.funding(challenge_id) == (0, 0)
    assert ante.contribution(challenge_id, funder) == 0
    receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert receipt.events.filter(ante.ChallengeCancelled)[0].refund == 2 * ETHER
    assert not receipt.events.filter(ante.FundersShared)
    assert ante.credit(ZERO, funder) == 2 * ETHER  # credited at once, no claim
    assert ante.funding(challenge_id) == (0, 0)
    with ape.reverts(ante.AnteNothingToClaim, challengeId=challenge_id, funder=funder.address):
        ante.claim(challenge_id, record.as_tuple(), funder, sender=funder)
    assert ante.balance == ante.credit(ZERO, funder) == 2 * ETHER


def test_the_creator_funding_more_then_a_settlement_credits_the_creator_directly(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create(bounties.terms(reward=1_000, stake_bps=1_000))
    record, _ = fund(ante, challenge_id, record, 500, funder)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    receipt = bounties.settle(challenge_id, record, 2_500)
    pot = 1_500 + 150
    assert not receipt.events.filter(ante.FundersShared)
    assert ante.credit(ZERO, contributor) == pot * 2_500 // 10_000
    assert ante.credit(ZERO, funder) == pot - pot * 2_500 // 10_000


def test_a_co_funder_may_not_accept(bounties, ante, backer, stranger):
    challenge_id, record, _ = bounties.create()
    record, _ = fund(ante, challenge_id, record, 1, backer)
    with ape.reverts(ante.AnteSelfDealing, account=backer.address):
        bounties.accept(challenge_id, record, sender=backer)
    bounties.accept(challenge_id, record, sender=stranger)
    assert bounties.state(challenge_id) == State.ACCEPTED


def test_a_co_funder_of_another_challenge_may_accept_this_one(bounties, ante, backer):
    first, first_record, _ = bounties.create()
    second, second_record, _ = bounties.create()
    fund(ante, first, first_record, 1, backer)
    bounties.accept(second, second_record, sender=backer)
    assert bounties.state(second) == State.ACCEPTED


def test_the_creator_may_still_cancel_a_co_funded_challenge_and_nobody_else(bounties, ante, backer):
    challenge_id, record, _ = bounties.create()
    record, _ = fund(ante, challenge_id, record, 1, backer)
    with ape.reverts(ante.AnteNotFunder, challengeId=challenge_id, caller=backer.address):
        ante.cancel(challenge_id, record.as_tuple(), sender=backer)


def test_a_reentrant_token_cannot_reenter_fund(bounties, ante, reentrant_token, deployer, funder, backer):
    token = reentrant_token
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=100))
    token.mint(backer, 1_000, sender=deployer)
    token.approve(ante, 2**256 - 1, sender=backer)
    again = funded(record, 5)
    token.arm(ante.address, ante.fund.encode_input(challenge_id, again.as_tuple(), 7), sender=deployer)
    new, _ = fund(ante, challenge_id, record, 5, backer)
    assert not token.reentrySucceeded()
    assert bytes(token.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert ante.challengeStatus(challenge_id)[2] == new.seal()
    assert token.balanceOf(ante) == 105
    assert ante.funding(challenge_id) == (5, 0)


def test_the_record_rebuilt_from_the_events_matches_the_seal(bounties, ante, backer, backer2):
    challenge_id, record, _ = bounties.create(bounties.terms(spec_hash=keccak(text="rebuilt")))
    receipts = [fund(ante, challenge_id, funded(record, 2) if i else record, 2 - i, who)[1]
                for i, who in enumerate((backer, backer2))]
    last = receipts[-1].events.filter(ante.ChallengeFunded)[0].reward
    rebuilt = ChallengeRecord(replace(record.terms, reward=int(last)))
    assert ante.challengeStatus(challenge_id)[2] == rebuilt.seal()
