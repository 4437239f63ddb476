"""cancel: funder only, only while Open."""

import ape

from ante.state import State
from lifecycle import ETHER, books

ZERO = "0x" + "00" * 20


def test_cancel_refunds_reward_to_funder(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert bounties.state(challenge_id) == State.CANCELLED
    assert ante.credit(ZERO, funder) == ETHER
    [event] = receipt.events.filter(ante.ChallengeCancelled)
    assert (event.challengeId, event.refund) == (challenge_id, ETHER)
    assert ante.balance == books(ante, 0, [funder])[1]


def test_cancel_token_challenge_credits_token(bounties, ante, token, funder):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=7))
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert ante.credit(token.address, funder) == 7
    assert ante.credit(ZERO, funder) == 0


def test_cancel_after_accept_by_still_allowed_while_open(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    bounties.at(record.terms.accept_by + 1)
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert bounties.state(challenge_id) == State.CANCELLED


def test_cancel_reverts_by_stranger(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteNotFunder, challengeId=challenge_id, caller=stranger.address):
        ante.cancel(challenge_id, record.as_tuple(), sender=stranger)


def test_cancel_reverts_by_contributor_after_acceptance(bounties, ante, contributor):
    challenge_id, record, _ = bounties.create()
    bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        ante.cancel(challenge_id, record.as_tuple(), sender=contributor)


def test_cancel_reverts_after_acceptance(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    accepted, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        ante.cancel(challenge_id, accepted.as_tuple(), sender=funder)


def test_cancel_reverts_after_submission(bounties, ante, funder):
    challenge_id, record = bounties.submitted_challenge()
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SUBMITTED):
        ante.cancel(challenge_id, record.as_tuple(), sender=funder)


def test_cancel_reverts_twice(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.CANCELLED):
        ante.cancel(challenge_id, record.as_tuple(), sender=funder)


def test_cancel_reverts_on_tampered_record(bounties, ante, funder):
    from dataclasses import replace

    challenge_id, record, _ = bounties.create()
    tampered = replace(record, terms=replace(record.terms, reward=2 * ETHER))
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        ante.cancel(challenge_id, tampered.as_tuple(), sender=funder)
    assert bounties.state(challenge_id) == State.OPEN


def test_cancel_reverts_on_unknown_challenge(bounties, ante, funder):
    _, record, _ = bounties.create()
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=42):
        ante.cancel(42, record.as_tuple(), sender=funder)
