"""abandon: the contributor forfeits the stake; the challenge re-opens before accept-by, else expires."""

import ape

from ante.state import State
from lifecycle import ETHER, books

ZERO = "0x" + "00" * 20
STAKE = ETHER // 10


def abandon(bounties, challenge_id, record, sender=None):
    return bounties.ante.abandon(challenge_id, record.as_tuple(), sender=sender or bounties.contributor)


def test_abandon_before_accept_by_reopens_and_forfeits_stake(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    receipt = abandon(bounties, challenge_id, accepted)
    state, deadline, seal = ante.challengeStatus(challenge_id)
    assert state == State.OPEN
    assert deadline == record.terms.accept_by
    assert seal == record.seal() == accepted.reopened().seal()
    assert ante.credit(ZERO, funder) == STAKE
    assert ante.credit(ZERO, contributor) == 0
    [event] = receipt.events.filter(ante.ChallengeAbandoned)
    assert event.challengeId == challenge_id
    assert event.contributor == contributor.address
    assert event.forfeited == STAKE
    assert bool(event.reopened) is True
    assert not receipt.events.filter(ante.ChallengeLapsed)
    assert ante.balance == books(ante, ETHER, [funder, contributor])[1]


def test_abandon_reopened_challenge_can_be_accepted_again(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    abandon(bounties, challenge_id, accepted)
    again, _ = bounties.accept(challenge_id, accepted.reopened(), sender=stranger)
    assert bounties.state(challenge_id) == State.ACCEPTED
    assert ante.challengeStatus(challenge_id)[2] == again.seal()
    assert again.contributor == stranger.address


def test_abandon_at_exactly_accept_by_reopens(bounties, ante):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    bounties.at(record.terms.accept_by)
    receipt = abandon(bounties, challenge_id, accepted)
    assert bounties.state(challenge_id) == State.OPEN
    assert receipt.events.filter(ante.ChallengeAbandoned)[0].reopened == 1


def test_abandon_after_accept_by_expires_and_pays_funder(bounties, ante, funder, contributor):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    bounties.at(record.terms.accept_by + 1)
    receipt = abandon(bounties, challenge_id, accepted)
    assert bounties.state(challenge_id) == State.EXPIRED
    assert ante.credit(ZERO, funder) == ETHER + STAKE
    assert ante.credit(ZERO, contributor) == 0
    [abandoned] = receipt.events.filter(ante.ChallengeAbandoned)
    assert (abandoned.forfeited, abandoned.reopened) == (STAKE, False)
    [lapsed] = receipt.events.filter(ante.ChallengeLapsed)
    assert (lapsed.state, lapsed.toContributor, lapsed.toFunder) == (State.EXPIRED, 0, ETHER)
    assert ante.balance == books(ante, 0, [funder, contributor])[1]


def test_abandon_reverts_by_stranger(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteNotContributor, challengeId=challenge_id, caller=stranger.address):
        abandon(bounties, challenge_id, accepted, sender=stranger)


def test_abandon_reverts_by_funder(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteNotContributor, challengeId=challenge_id, caller=funder.address):
        abandon(bounties, challenge_id, accepted, sender=funder)


def test_abandon_reverts_while_open(bounties, ante):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.OPEN):
        abandon(bounties, challenge_id, record)


def test_abandon_reverts_after_submission(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SUBMITTED):
        abandon(bounties, challenge_id, record)


def test_abandon_reverts_after_deliver_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    deliver_by = bounties.deadline(challenge_id)
    bounties.at(deliver_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=deliver_by, timestamp=deliver_by + 1):
        abandon(bounties, challenge_id, accepted)


def test_abandon_reverts_on_open_record(bounties, ante):
    challenge_id, record, _ = bounties.create()
    bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        abandon(bounties, challenge_id, record)
