"""The Unreviewed share: what a challenge that lapses Unreviewed (submitted, and the review window passed with
no verdict) pays its contributor beside the stake. A challenge posted with `create` pays the whole reward
(DEFAULT_UNREVIEWED_BPS, 10000); one posted with `createWithOptions` and its own share (the options
(share, 0, 0, 0, 0)) pays floor(reward * share / 10000), the rest going to the funders' side (shared by
contribution when co-funded). The share changes no other payout. Every expected amount here is computed from the terms, not read back."""

import ape
import pytest

from ante.state import State
from ante.terms import stake_for
from funding_support import claim_share, creator_share, fund
from lifecycle import ETHER, REENTRANCY_GUARD_SELECTOR, books

ZERO = "0x" + "00" * 20
BPS = 10_000
STAKE = ETHER // 10


def lapse_unreviewed(bounties, ante, challenge_id, record):
    bounties.at(bounties.deadline(challenge_id) + 1)
    return ante.lapse(challenge_id, record.as_tuple(), sender=bounties.relayer)


def unreviewed_split(reward, stake, share):
    """(to the contributor, to the funders' side) of an Unreviewed lapse, from first principles."""
    paid = reward * share // BPS
    return stake + paid, reward - paid


# --- The default: `create` pays the whole reward. ---


def test_the_default_share_is_the_whole_reward(ante):
    assert ante.DEFAULT_UNREVIEWED_BPS() == 10_000


def test_a_plain_create_reports_the_default_and_emits_no_share(bounties, ante):
    challenge_id, _, receipt = bounties.create()
    assert ante.optionsOf(challenge_id).unreviewedBps == 10_000
    assert not receipt.events.filter(ante.ChallengeOptionsSet)


def test_a_plain_create_lapsing_unreviewed_pays_stake_and_whole_reward_in_ether(bounties, ante, funder, contributor):
    challenge_id, record = bounties.submitted_challenge()
    receipt = lapse_unreviewed(bounties, ante, challenge_id, record)
    [event] = receipt.events.filter(ante.ChallengeLapsed)
    assert (event.state, event.toContributor, event.toFunder) == (State.UNREVIEWED, STAKE + ETHER, 0)
    assert ante.credit(ZERO, contributor) == STAKE + ETHER
    assert ante.credit(ZERO, funder) == 0
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == STAKE + ETHER


def test_a_plain_create_lapsing_unreviewed_pays_stake_and_whole_reward_in_a_token(bounties, ante, token, funder,
                                                                                 contributor):
    terms = bounties.terms(token=token.address, reward=3 * ETHER + 7, stake_bps=2_500)
    stake = stake_for(terms.reward, 2_500)
    before = token.balanceOf(ante)
    challenge_id, record = bounties.submitted_challenge(terms)
    receipt = lapse_unreviewed(bounties, ante, challenge_id, record)
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.toContributor, event.toFunder) == (stake + terms.reward, 0)
    assert ante.credit(token.address, contributor) == stake + terms.reward
    assert ante.credit(token.address, funder) == 0
    assert token.balanceOf(ante) - before == stake + terms.reward
    held, owed = books(ante, 0, [funder, contributor], token)
    assert held == owed + before


# --- Its own share. ---


@pytest.mark.parametrize("share", [0, 1, 2_500, 9_999, 10_000])
def test_own_share_is_stored_emitted_and_reported(bounties, ante, share):
    challenge_id, _, receipt = bounties.create(unreviewed_bps=share)
    [event] = receipt.events.filter(ante.ChallengeOptionsSet)
    assert (event.challengeId, tuple(event.options)) == (challenge_id, (share, 0, 0, 0, 0))
    assert ante.optionsOf(challenge_id).unreviewedBps == share
    assert len(receipt.events.filter(ante.ChallengeCreated)) == 1
    assert bounties.state(challenge_id) == State.OPEN


def test_the_share_event_follows_challenge_created(bounties, ante):
    _, _, receipt = bounties.create(unreviewed_bps=1_234)
    names = [log.event_name for log in receipt.events]
    assert names.index("ChallengeOptionsSet") == names.index("ChallengeCreated") + 1


def test_shares_are_per_challenge(bounties, ante):
    first, _, _ = bounties.create(unreviewed_bps=0)
    second, _, _ = bounties.create()
    third, _, _ = bounties.create(unreviewed_bps=7_000)
    assert [ante.optionsOf(i).unreviewedBps for i in (first, second, third)] == [0, 10_000, 7_000]


@pytest.mark.parametrize("share", [0, 2_500, 10_000])
def test_own_share_splits_an_unreviewed_lapse(bounties, ante, funder, contributor, share):
    challenge_id, record = bounties.submitted_challenge(unreviewed_bps=share)
    receipt = lapse_unreviewed(bounties, ante, challenge_id, record)
    to_contributor, to_funder = unreviewed_split(ETHER, STAKE, share)
    assert (to_contributor, to_funder) == {0: (STAKE, ETHER), 2_500: (STAKE + ETHER // 4, 3 * ETHER // 4),
                                           10_000: (STAKE + ETHER, 0)}[share]
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.UNREVIEWED, to_contributor, to_funder)
    assert ante.credit(ZERO, contributor) == to_contributor
    assert ante.credit(ZERO, funder) == to_funder
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == ETHER + STAKE


def test_share_zero_in_a_token_is_the_old_split(bounties, ante, token, funder, contributor):
    terms = bounties.terms(token=token.address, reward=4 * ETHER, stake_bps=500)
    before = token.balanceOf(ante)
    challenge_id, record = bounties.submitted_challenge(terms, unreviewed_bps=0)
    lapse_unreviewed(bounties, ante, challenge_id, record)
    assert ante.credit(token.address, contributor) == ETHER // 5
    assert ante.credit(token.address, funder) == 4 * ETHER
    held, owed = books(ante, 0, [funder, contributor], token)
    assert held == owed + before


def test_an_odd_reward_rounds_the_contributor_down(bounties, ante, funder, contributor):
    terms = bounties.terms(reward=1_001, stake_bps=1_000)
    stake = stake_for(1_001, 1_000)
    challenge_id, record = bounties.submitted_challenge(terms, unreviewed_bps=3_333)
    receipt = lapse_unreviewed(bounties, ante, challenge_id, record)
    # 1001 * 3333 / 10000 = 333.6333: the contributor is paid 333, the odd part goes to the funder.
    assert (stake, 1_001 * 3_333 // BPS) == (101, 333)
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.toContributor, event.toFunder) == (101 + 333, 1_001 - 333)
    assert ante.credit(ZERO, contributor) == 434
    assert ante.credit(ZERO, funder) == 668
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == 1_001 + 101
    ante.withdraw(ZERO, sender=contributor)
    ante.withdraw(ZERO, sender=funder)
    assert ante.balance == 0


# --- The checks. ---


@pytest.mark.parametrize("share", [10_001, 2**16 - 1])
def test_a_share_above_10000_is_refused(bounties, ante, share):
    count = ante.challengeCount()
    with ape.reverts(ante.AnteUnreviewedBpsInvalid, unreviewedBps=share):
        bounties.create(unreviewed_bps=share)
    assert ante.challengeCount() == count


def test_the_share_is_checked_first(bounties, ante, stranger):
    # Terms that fail every other check still meet the share's refusal first.
    terms = bounties.terms(funder=stranger.address, reward=0, panel_id=999)
    with ape.reverts(ante.AnteUnreviewedBpsInvalid, unreviewedBps=10_001):
        bounties.create(terms, value=5, unreviewed_bps=10_001)


@pytest.mark.parametrize("sent", [ETHER - 1, ETHER + 1, 0])
def test_wrong_ether_is_refused(bounties, ante, sent):
    with ape.reverts(ante.AnteWrongReward, expected=ETHER, sent=sent):
        bounties.create(value=sent, unreviewed_bps=5_000)


def test_ether_with_a_token_is_refused(bounties, ante, token):
    before = token.balanceOf(ante)
    with ape.reverts(ante.AnteUnexpectedEther, sent=1):
        bounties.create(bounties.terms(token=token.address, reward=50), value=1, unreviewed_bps=5_000)
    assert token.balanceOf(ante) == before


def test_a_token_challenge_pulls_its_reward(bounties, ante, token, funder):
    before, held = token.balanceOf(funder), token.balanceOf(ante)
    challenge_id, _, _ = bounties.create(bounties.terms(token=token.address, reward=77), unreviewed_bps=5_000)
    assert token.balanceOf(funder) == before - 77
    assert token.balanceOf(ante) == held + 77
    assert ante.optionsOf(challenge_id).unreviewedBps == 5_000


def test_a_reentrant_token_cannot_reenter_create_with_options(bounties, ante, reentrant_token, deployer,
                                                                      funder):
    token = reentrant_token
    expiring_id, expiring, _ = bounties.create()
    bounties.at(expiring.terms.accept_by + 1)
    token.arm(ante.address, ante.lapse.encode_input(expiring_id, expiring.as_tuple()), sender=deployer)
    before = token.balanceOf(ante)
    challenge_id, _, _ = bounties.create(bounties.terms(token=token.address, reward=ETHER), unreviewed_bps=5_000)
    assert bounties.state(challenge_id) == State.OPEN
    assert token.balanceOf(ante) == before + ETHER
    assert not token.reentrySucceeded()
    assert bytes(token.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert bounties.state(expiring_id) == State.OPEN  # the re-entrant lapse did not happen
    assert ante.credit(ZERO, funder) == 0


def test_the_funder_must_be_the_caller(bounties, ante, stranger, funder):
    with ape.reverts(ante.AnteFunderNotCaller, funder=stranger.address, caller=funder.address):
        bounties.create(bounties.terms(funder=stranger.address), unreviewed_bps=5_000)


def test_the_funder_may_not_sit_on_the_panel(bounties, ante, stranger, panel_with_stranger):
    terms = bounties.terms(funder=stranger.address, panel_id=panel_with_stranger)
    with ape.reverts(ante.AnteFunderOnPanel, panelId=panel_with_stranger, funder=stranger.address):
        bounties.create(terms, sender=stranger, unreviewed_bps=5_000)


def test_a_zero_reward_is_refused(bounties, ante):
    with ape.reverts(ante.AnteRewardZero):
        bounties.create(bounties.terms(reward=0), unreviewed_bps=5_000)


# --- The share changes nothing else. ---


@pytest.mark.parametrize("share", [0, 2_500])
@pytest.mark.parametrize("score", [10_000, 4_321, 0])
def test_the_share_does_not_change_a_settlement(bounties, ante, funder, contributor, share, score):
    challenge_id, record = bounties.submitted_challenge(unreviewed_bps=share)
    receipt = bounties.settle(challenge_id, record, score)
    pot = ETHER + STAKE
    to_contributor = pot * score // BPS
    event = receipt.events.filter(ante.ChallengeSettled)[0]
    assert (event.toContributor, event.toFunder) == (to_contributor, pot - to_contributor)
    assert ante.credit(ZERO, contributor) == to_contributor
    assert ante.credit(ZERO, funder) == pot - to_contributor
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == pot


def test_the_share_does_not_change_an_expiry(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create(unreviewed_bps=10_000)
    bounties.at(record.terms.accept_by + 1)
    receipt = ante.lapse(challenge_id, record.as_tuple(), sender=bounties.relayer)
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.EXPIRED, 0, ETHER)
    assert ante.credit(ZERO, funder) == ETHER
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == ETHER


def test_the_share_does_not_change_a_default(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create(unreviewed_bps=10_000)
    record, _ = bounties.accept(challenge_id, record)
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = ante.lapse(challenge_id, record.as_tuple(), sender=bounties.relayer)
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.DEFAULTED, 0, ETHER + STAKE)
    assert ante.credit(ZERO, funder) == ETHER + STAKE
    assert ante.credit(ZERO, contributor) == 0
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == ETHER + STAKE


def test_the_share_does_not_change_a_cancel(bounties, ante, funder):
    challenge_id, record, _ = bounties.create(unreviewed_bps=10_000)
    receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert receipt.events.filter(ante.ChallengeCancelled)[0].refund == ETHER
    assert ante.credit(ZERO, funder) == ETHER
    assert ante.balance == books(ante, 0, [funder])[1] == ETHER


def test_the_share_does_not_change_a_late_abandon(bounties, ante, funder, contributor):
    terms = bounties.terms(accept_by=bounties.now + 100)
    challenge_id, record, _ = bounties.create(terms, unreviewed_bps=10_000)
    record, _ = bounties.accept(challenge_id, record)
    bounties.at(terms.accept_by + 1)
    receipt = ante.abandon(challenge_id, record.as_tuple(), sender=contributor)
    assert bounties.state(challenge_id) == State.EXPIRED
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.EXPIRED, 0, ETHER)
    assert receipt.events.filter(ante.ChallengeAbandoned)[0].forfeited == STAKE
    assert ante.credit(ZERO, funder) == ETHER + STAKE
    assert ante.credit(ZERO, contributor) == 0
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == ETHER + STAKE


def test_a_challenge_reopened_by_an_abandon_keeps_its_share(bounties, ante, funder, contributor, stranger):
    challenge_id, record, _ = bounties.create(unreviewed_bps=2_500)
    accepted, _ = bounties.accept(challenge_id, record)
    receipt = ante.abandon(challenge_id, accepted.as_tuple(), sender=contributor)
    assert bounties.state(challenge_id) == State.OPEN
    assert not receipt.events.filter(ante.ChallengeOptionsSet)
    assert ante.credit(ZERO, funder) == STAKE  # the forfeited stake
    assert ante.optionsOf(challenge_id).unreviewedBps == 2_500
    accepted, _ = bounties.accept(challenge_id, record, sender=stranger)
    submitted, _ = bounties.submit(challenge_id, accepted, sender=stranger)
    assert ante.optionsOf(challenge_id).unreviewedBps == 2_500
    receipt = lapse_unreviewed(bounties, ante, challenge_id, submitted)
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.toContributor, event.toFunder) == (STAKE + ETHER // 4, 3 * ETHER // 4)
    assert ante.credit(ZERO, stranger) == STAKE + ETHER // 4
    assert ante.credit(ZERO, funder) == STAKE + 3 * ETHER // 4
    assert ante.credit(ZERO, contributor) == 0
    assert ante.balance == books(ante, 0, [funder, contributor, stranger])[1] == ETHER + 2 * STAKE


# --- Co-funded. ---


@pytest.mark.parametrize("asset", ["ether", "token"])
def test_a_co_funded_own_share_lapse_shares_the_funders_side(bounties, ante, token, deployer, funder, contributor,
                                                             backer, backer2, asset):
    tok = token if asset == "token" else None
    if tok is not None:
        for holder in (backer, backer2):
            token.mint(holder, 10**24, sender=deployer)
            token.approve(ante, 2**256 - 1, sender=holder)
    address = ZERO if tok is None else tok.address
    start = 0 if tok is None else tok.balanceOf(ante)
    own, contributions = 1_000_003, {backer: 333_331, backer2: 10_007}
    terms = bounties.terms(reward=own, stake_bps=3_333, token=address)
    challenge_id, record, _ = bounties.create(terms, unreviewed_bps=4_000)
    for who, amount in contributions.items():
        record, _ = fund(ante, challenge_id, record, amount, who)
    reward = own + sum(contributions.values())
    assert record.terms.reward == reward
    stake = stake_for(reward, 3_333)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    receipt = lapse_unreviewed(bounties, ante, challenge_id, record)

    paid = reward * 4_000 // BPS
    shared = reward - paid
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.UNREVIEWED, stake + paid, shared)
    [shares] = receipt.events.filter(ante.FundersShared)
    to_creator = creator_share(shared, own, reward)
    assert (shares.shared, shares.toCreator) == (shared, to_creator)
    assert ante.funding(challenge_id) == (sum(contributions.values()), shared)
    assert ante.credit(address, contributor) == stake + paid
    assert ante.credit(address, funder) == to_creator

    claimed, remainders = 0, 0
    for who, amount in contributions.items():
        receipt = ante.claim(challenge_id, record.as_tuple(), who, sender=who)
        [claim] = receipt.events.filter(ante.FunderClaimed)
        assert claim.amount == claim_share(shared, amount, reward)
        assert ante.credit(address, who) == claim_share(shared, amount, reward)
        claimed += claim.amount
        remainders += claim.remainder
    # The claims and the creator's part add up to the funders' side exactly.
    assert to_creator + remainders + claimed == shared
    assert ante.credit(address, funder) == shared - claimed
    held, owed = books(ante, 0, [funder, contributor, backer, backer2], address if tok is None else tok)
    assert held - start == owed == reward + stake
    for who in (funder, contributor, backer, backer2):
        ante.withdraw(address, sender=who)
    assert (ante.balance if tok is None else tok.balanceOf(ante)) == start
