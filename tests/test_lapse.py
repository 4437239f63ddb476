"""lapse: anyone, strictly after the current deadline; Open->Expired, Accepted->Defaulted, Submitted->Unreviewed."""

import ape

from ante.state import State
from lifecycle import ETHER, books

ZERO = "0x" + "00" * 20
STAKE = ETHER // 10


def lapse(bounties, challenge_id, record, sender=None):
    return bounties.ante.lapse(challenge_id, record.as_tuple(), sender=sender or bounties.relayer)


def test_lapse_open_expires_and_returns_reward(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    bounties.at(record.terms.accept_by + 1)
    receipt = lapse(bounties, challenge_id, record)
    assert bounties.state(challenge_id) == State.EXPIRED
    assert ante.credit(ZERO, funder) == ETHER
    [event] = receipt.events.filter(ante.ChallengeLapsed)
    assert event.challengeId == challenge_id
    assert event.state == State.EXPIRED
    assert (event.toContributor, event.toFunder) == (0, ETHER)
    assert ante.balance == books(ante, 0, [funder])[1] == ETHER


def test_lapse_accepted_defaults_and_pays_funder_reward_and_stake(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = lapse(bounties, challenge_id, record)
    assert bounties.state(challenge_id) == State.DEFAULTED
    assert ante.credit(ZERO, funder) == ETHER + STAKE
    assert ante.credit(ZERO, contributor) == 0
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.DEFAULTED, 0, ETHER + STAKE)
    assert ante.balance == books(ante, 0, [funder, contributor])[1]


def test_lapse_submitted_unreviewed_pays_the_contributor_stake_and_reward(bounties, ante, funder, contributor):
    # Created with `create`, the challenge's Unreviewed share is the default, all of the reward.
    challenge_id, record = bounties.submitted_challenge()
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = lapse(bounties, challenge_id, record)
    assert bounties.state(challenge_id) == State.UNREVIEWED
    assert ante.credit(ZERO, contributor) == STAKE + ETHER
    assert ante.credit(ZERO, funder) == 0
    event = receipt.events.filter(ante.ChallengeLapsed)[0]
    assert (event.state, event.toContributor, event.toFunder) == (State.UNREVIEWED, STAKE + ETHER, 0)
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == STAKE + ETHER


def test_lapse_open_reverts_at_exactly_accept_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    accept_by = record.terms.accept_by
    bounties.at(accept_by)
    with ape.reverts(ante.AnteDeadlineNotPassed, challengeId=challenge_id, deadline=accept_by, timestamp=accept_by):
        lapse(bounties, challenge_id, record)


def test_lapse_accepted_reverts_at_exactly_deliver_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    deliver_by = bounties.deadline(challenge_id)
    bounties.at(deliver_by)
    with ape.reverts(ante.AnteDeadlineNotPassed, challengeId=challenge_id, deadline=deliver_by, timestamp=deliver_by):
        lapse(bounties, challenge_id, record)
    bounties.at(deliver_by + 1)
    lapse(bounties, challenge_id, record)
    assert bounties.state(challenge_id) == State.DEFAULTED


def test_lapse_submitted_reverts_at_exactly_review_by(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    review_by = bounties.deadline(challenge_id)
    bounties.at(review_by)
    with ape.reverts(ante.AnteDeadlineNotPassed, challengeId=challenge_id, deadline=review_by, timestamp=review_by):
        lapse(bounties, challenge_id, record)
    bounties.at(review_by + 1)
    lapse(bounties, challenge_id, record)
    assert bounties.state(challenge_id) == State.UNREVIEWED


def test_lapse_succeeds_at_accept_by_plus_one(bounties, ante):
    challenge_id, record, _ = bounties.create()
    bounties.at(record.terms.accept_by + 1)
    lapse(bounties, challenge_id, record)
    assert bounties.state(challenge_id) == State.EXPIRED


def test_lapse_reverts_too_early(bounties, ante):
    challenge_id, record, _ = bounties.create()
    ts = bounties.now + 10
    bounties.at(ts)
    with ape.reverts(
        ante.AnteDeadlineNotPassed, challengeId=challenge_id, deadline=record.terms.accept_by, timestamp=ts
    ):
        lapse(bounties, challenge_id, record)


def test_lapse_reverts_twice(bounties, ante):
    challenge_id, record, _ = bounties.create()
    bounties.at(record.terms.accept_by + 1)
    lapse(bounties, challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.EXPIRED):
        lapse(bounties, challenge_id, record)


def test_lapse_reverts_on_settled_after_review_window(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    bounties.settle(challenge_id, record, 10_000)
    bounties.at(bounties.deadline(challenge_id) + 1)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        lapse(bounties, challenge_id, record)


def test_lapse_reverts_on_tampered_record(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    bounties.accept(challenge_id, record)
    bounties.at(bounties.deadline(challenge_id) + 1)
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        lapse(bounties, challenge_id, record.accepted_by(stranger.address))


def test_lapse_reverts_on_unknown_challenge(bounties, ante):
    _, record, _ = bounties.create()
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=0):
        lapse(bounties, 0, record)


def test_lapse_token_unreviewed_credits_token(bounties, ante, token, funder, contributor):
    terms = bounties.terms(token=token.address, reward=4 * ETHER, stake_bps=500)
    challenge_id, record = bounties.submitted_challenge(terms)
    bounties.at(bounties.deadline(challenge_id) + 1)
    lapse(bounties, challenge_id, record)
    assert ante.credit(token.address, contributor) == ETHER // 5 + 4 * ETHER
    assert ante.credit(token.address, funder) == 0
    assert token.balanceOf(ante) == books(ante, 0, [funder, contributor], token)[1]


def test_lapse_reverts_on_cancelled_before_accept_by(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.CANCELLED):
        lapse(bounties, challenge_id, record)


def test_lapse_reverts_on_settled_inside_review_window(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    bounties.settle(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        lapse(bounties, challenge_id, record)
