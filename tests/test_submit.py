"""submit: once, by the contributor, before the delivery deadline."""

import ape
from eth_utils import keccak

from ante.state import State
from lifecycle import DAY

ZERO_HASH = b"\x00" * 32


def test_submit_records_deliverable_and_opens_review(bounties, ante, contributor):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    ts = bounties.now + 3600
    bounties.at(ts)
    deliverable = keccak(text="the thing")
    submitted, receipt = bounties.submit(challenge_id, record, deliverable=deliverable)
    state, deadline, seal = ante.challengeStatus(challenge_id)
    assert state == State.SUBMITTED
    assert deadline == ts + 3 * DAY
    assert seal == submitted.seal() == record.submitted(deliverable).seal()
    [event] = receipt.events.filter(ante.ChallengeSubmitted)
    assert event.challengeId == challenge_id
    assert event.contributor == contributor.address
    assert bytes(event.deliverable) == deliverable
    assert event.reviewBy == ts + 3 * DAY
    assert event.deliverableURI == "ipfs://deliverable"


def test_submit_reverts_while_open(bounties, ante):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.OPEN):
        bounties.submit(challenge_id, record)


def test_submit_reverts_twice(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SUBMITTED):
        bounties.submit(challenge_id, record)


def test_submit_reverts_on_stranger(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteNotContributor, challengeId=challenge_id, caller=stranger.address):
        bounties.submit(challenge_id, record, sender=stranger)


def test_submit_reverts_on_record_naming_stranger(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        bounties.submit(challenge_id, record.accepted_by(stranger.address), sender=stranger)


def test_submit_reverts_on_deliverable_missing(bounties, ante):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteDeliverableMissing):
        bounties.submit(challenge_id, record, deliverable=ZERO_HASH)


def test_submit_succeeds_at_exactly_deliver_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    deliver_by = bounties.deadline(challenge_id)
    bounties.at(deliver_by)
    bounties.submit(challenge_id, record)
    assert ante.challengeStatus(challenge_id)[:2] == (State.SUBMITTED, deliver_by + 3 * DAY)


def test_submit_reverts_after_deliver_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    deliver_by = bounties.deadline(challenge_id)
    bounties.at(deliver_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=deliver_by, timestamp=deliver_by + 1):
        bounties.submit(challenge_id, record)


def test_submit_reverts_on_unknown_challenge(bounties, ante):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=challenge_id + 1):
        bounties.submit(challenge_id + 1, record)
