"""create: escrows the reward (ether or token) and checks every term."""

import ape

from ante.state import State
from ante.terms import ChallengeRecord
from lifecycle import DAY, ETHER, books

ZERO = "0x" + "00" * 20


def test_create_ether_escrows_reward_and_opens(bounties, ante, funder):
    before = ante.balance
    challenge_id, record, receipt = bounties.create()
    assert ante.challengeCount() == challenge_id
    state, deadline, seal = ante.challengeStatus(challenge_id)
    assert state == State.OPEN
    assert deadline == record.terms.accept_by
    assert seal == record.seal()
    assert ante.balance == before + ETHER
    [event] = receipt.events.filter(ante.ChallengeCreated)
    assert event.challengeId == challenge_id
    assert event.funder == funder.address
    assert event.panelId == bounties.panel_id
    assert event.specURI == "ipfs://spec"
    assert ante.balance == books(ante, ETHER, [funder])[1]


def test_create_token_escrows_reward(bounties, ante, token, funder):
    before = token.balanceOf(funder)
    terms = bounties.terms(token=token.address, reward=5 * ETHER)
    challenge_id, record, _ = bounties.create(terms)
    assert ante.challengeStatus(challenge_id)[0] == State.OPEN
    assert ante.challengeStatus(challenge_id)[2] == record.seal()
    assert token.balanceOf(ante) == 5 * ETHER
    assert token.balanceOf(funder) == before - 5 * ETHER


def test_create_ids_increase(bounties, ante):
    first, _, _ = bounties.create()
    second, _, _ = bounties.create()
    assert second == first + 1 == ante.challengeCount()


def test_create_succeeds_with_accept_by_now(bounties, ante):
    ts = bounties.now + 100
    bounties.at(ts)
    challenge_id, _, _ = bounties.create(bounties.terms(accept_by=ts))
    assert ante.challengeStatus(challenge_id)[:2] == (State.OPEN, ts)


def test_create_reverts_on_funder_not_caller(bounties, ante, funder, stranger):
    with ape.reverts(ante.AnteFunderNotCaller, funder=funder.address, caller=stranger.address):
        bounties.create(sender=stranger)


def test_create_reverts_on_reward_zero(bounties, ante):
    with ape.reverts(ante.AnteRewardZero):
        bounties.create(bounties.terms(reward=0))


def test_create_reverts_on_stake_bps_above_10000(bounties, ante):
    with ape.reverts(ante.AnteStakeBpsInvalid, stakeBps=10_001):
        bounties.create(bounties.terms(stake_bps=10_001))


def test_create_accepts_stake_bps_10000(bounties, ante):
    challenge_id, _, _ = bounties.create(bounties.terms(stake_bps=10_000))
    assert ante.challengeStatus(challenge_id)[0] == State.OPEN


def test_create_reverts_on_unknown_panel(bounties, ante):
    with ape.reverts(ante.AntePanelUnknown, panelId=999):
        bounties.create(bounties.terms(panel_id=999))


def test_create_reverts_on_panel_zero(bounties, ante):
    with ape.reverts(ante.AntePanelUnknown, panelId=0):
        bounties.create(bounties.terms(panel_id=0))


def test_create_takes_the_newest_panel_and_refuses_the_next_id(bounties, ante):
    newest = ante.panelCount()
    challenge_id, _, _ = bounties.create(bounties.terms(panel_id=newest))
    assert ante.challengeStatus(challenge_id)[0] == State.OPEN
    with ape.reverts(ante.AntePanelUnknown, panelId=newest + 1):
        bounties.create(bounties.terms(panel_id=newest + 1))


def test_create_reverts_on_a_funder_who_sits_on_the_panel(bounties, ante, stranger, panel_with_stranger):
    """A funder may not judge their own challenge; the same account may fund on a panel it is not on."""
    terms = bounties.terms(funder=stranger.address, panel_id=panel_with_stranger)
    with ape.reverts(ante.AnteFunderOnPanel, panelId=panel_with_stranger, funder=stranger.address):
        bounties.create(terms, sender=stranger)
    challenge_id, _, _ = bounties.create(bounties.terms(funder=stranger.address), sender=stranger)
    assert ante.challengeStatus(challenge_id)[0] == State.OPEN


def test_create_reverts_on_accept_by_in_past(bounties, ante):
    ts = bounties.now + 100
    bounties.at(ts)
    with ape.reverts(ante.AnteAcceptByInPast, acceptBy=ts - 1, timestamp=ts):
        bounties.create(bounties.terms(accept_by=ts - 1))


def test_create_reverts_on_deliver_window_zero(bounties, ante):
    with ape.reverts(ante.AnteWindowZero, deliverWithin=0, reviewWithin=3 * DAY):
        bounties.create(bounties.terms(deliver_within=0))


def test_create_reverts_on_review_window_zero(bounties, ante):
    with ape.reverts(ante.AnteWindowZero, deliverWithin=7 * DAY, reviewWithin=0):
        bounties.create(bounties.terms(review_within=0))


def test_create_reverts_on_deadlines_out_of_range(bounties, ante):
    accept_by = 2**40 - 1
    with ape.reverts(ante.AnteDeadlinesOutOfRange, latestDeadline=accept_by + 2):
        bounties.create(bounties.terms(accept_by=accept_by, deliver_within=1, review_within=1))


def test_create_accepts_latest_deadline_at_uint40_max(bounties, ante):
    terms = bounties.terms(accept_by=2**40 - 1 - 2 * DAY, deliver_within=DAY, review_within=DAY)
    challenge_id, _, _ = bounties.create(terms)
    assert ante.challengeStatus(challenge_id)[0] == State.OPEN


def test_create_reverts_on_too_little_ether(bounties, ante):
    with ape.reverts(ante.AnteWrongReward, expected=ETHER, sent=ETHER - 1):
        bounties.create(value=ETHER - 1)


def test_create_reverts_on_too_much_ether(bounties, ante):
    with ape.reverts(ante.AnteWrongReward, expected=ETHER, sent=ETHER + 1):
        bounties.create(value=ETHER + 1)


def test_create_reverts_on_ether_with_token_reward(bounties, ante, token):
    with ape.reverts(ante.AnteUnexpectedEther, sent=1):
        bounties.create(bounties.terms(token=token.address), value=1)


def test_create_reverts_on_designated_funder(bounties, ante, funder):
    with ape.reverts(ante.AnteSelfDealing, account=funder.address):
        bounties.create(bounties.terms(designated=funder.address))


def test_create_reverts_on_designated_evaluator(bounties, ante, evaluators):
    with ape.reverts(ante.AnteSelfDealing, account=evaluators[0].address):
        bounties.create(bounties.terms(designated=evaluators[0].address))


def test_create_reverts_on_insufficient_allowance(bounties, ante, token, stranger, deployer):
    token.mint(stranger, ETHER, sender=deployer)  # a balance but no approval
    terms = bounties.terms(funder=stranger.address, token=token.address)
    with ape.reverts(token.ERC20InsufficientAllowance, spender=ante.address, allowance=0, needed=ETHER):
        bounties.create(terms, sender=stranger)
    assert token.balanceOf(ante) == 0


def test_create_seal_matches_record(bounties, ante, contributor):
    challenge_id, record, _ = bounties.create(bounties.terms(designated=contributor.address))
    assert ante.challengeStatus(challenge_id)[2] == ChallengeRecord(record.terms).seal()
    assert ante.sealOf(record.as_tuple()) == record.seal()
