"""accept: exactly the stake, a promise, in time, by an eligible contributor."""

import ape
import pytest
from eth_utils import keccak

from ante.state import State
from lifecycle import DAY, ETHER, books

ZERO_HASH = b"\x00" * 32


def test_accept_escrows_stake_and_records_contributor(bounties, ante, contributor, funder):
    challenge_id, record, _ = bounties.create()
    ts = bounties.now + 50
    bounties.at(ts)
    promise = keccak(text="p")
    accepted, receipt = bounties.accept(challenge_id, record, promised_by=ts + DAY, promise=promise)
    stake = ETHER // 10
    state, deadline, seal = ante.challengeStatus(challenge_id)
    assert state == State.ACCEPTED
    assert deadline == ts + 7 * DAY
    assert seal == accepted.seal() == record.accepted_by(contributor.address).seal()
    assert ante.balance == ETHER + stake
    [event] = receipt.events.filter(ante.ChallengeAccepted)
    assert event.challengeId == challenge_id
    assert event.contributor == contributor.address
    assert event.stake == stake
    assert event.deliverBy == ts + 7 * DAY
    assert bytes(event.promiseHash) == promise
    assert event.promisedBy == ts + DAY
    assert event.promiseURI == "ipfs://promise"
    assert event.confidenceBps == 0  # not stated
    held, expected = books(ante, ETHER + stake, [funder, contributor])
    assert held == expected


@pytest.mark.parametrize("confidence", [0, 1, 9_999, 10_000])
def test_accept_emits_the_stated_confidence(bounties, ante, confidence):
    challenge_id, record, _ = bounties.create()
    accepted, receipt = bounties.accept(challenge_id, record, confidence=confidence)
    [event] = receipt.events.filter(ante.ChallengeAccepted)
    assert event.confidenceBps == confidence
    # Calldata and event only: the seal, and so the stored record, is the same whatever was stated.
    assert ante.challengeStatus(challenge_id)[2] == accepted.seal()


@pytest.mark.parametrize("confidence", [10_001, 2**16 - 1])
def test_accept_refuses_a_confidence_above_certainty(bounties, ante, confidence):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteConfidenceInvalid, confidenceBps=confidence):
        bounties.accept(challenge_id, record, confidence=confidence)
    assert bounties.state(challenge_id) == State.OPEN


def test_accept_token_escrows_stake(bounties, ante, token, contributor):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=3 * ETHER, stake_bps=2_500))
    before = token.balanceOf(contributor)
    bounties.accept(challenge_id, record)
    assert token.balanceOf(contributor) == before - 3 * ETHER // 4
    assert token.balanceOf(ante) == 3 * ETHER + 3 * ETHER // 4
    assert ante.challengeStatus(challenge_id)[0] == State.ACCEPTED


def test_accept_stake_is_rounded_up(bounties, ante):
    challenge_id, record, _ = bounties.create(bounties.terms(reward=10_001, stake_bps=1))
    assert ante.stakeFor(10_001, 1) == 2
    with ape.reverts(ante.AnteWrongStake, expected=2, sent=1):
        bounties.accept(challenge_id, record, value=1)
    _, receipt = bounties.accept(challenge_id, record, value=2)
    assert receipt.events.filter(ante.ChallengeAccepted)[0].stake == 2


def test_accept_with_zero_stake_social_mode(bounties, ante):
    challenge_id, record, _ = bounties.create(bounties.terms(stake_bps=0))
    _, receipt = bounties.accept(challenge_id, record, value=0)
    assert receipt.events.filter(ante.ChallengeAccepted)[0].stake == 0
    assert ante.challengeStatus(challenge_id)[0] == State.ACCEPTED
    assert ante.balance == ETHER


def test_accept_reverts_on_ether_with_zero_stake(bounties, ante):
    challenge_id, record, _ = bounties.create(bounties.terms(stake_bps=0))
    with ape.reverts(ante.AnteWrongStake, expected=0, sent=1):
        bounties.accept(challenge_id, record, value=1)


def test_accept_reverts_on_too_little_stake(bounties, ante):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteWrongStake, expected=ETHER // 10, sent=ETHER // 10 - 1):
        bounties.accept(challenge_id, record, value=ETHER // 10 - 1)


def test_accept_reverts_on_too_much_stake(bounties, ante):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteWrongStake, expected=ETHER // 10, sent=ETHER // 10 + 1):
        bounties.accept(challenge_id, record, value=ETHER // 10 + 1)


def test_accept_reverts_on_ether_with_token_stake(bounties, ante, token):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address))
    with ape.reverts(ante.AnteUnexpectedEther, sent=5):
        bounties.accept(challenge_id, record, value=5)


def test_accept_reverts_on_ether_with_zero_token_stake(bounties, ante, token):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, stake_bps=0))
    with ape.reverts(ante.AnteUnexpectedEther, sent=5):
        bounties.accept(challenge_id, record, value=5)


def test_accept_reverts_on_unknown_challenge(bounties, ante):
    _, record, _ = bounties.create()
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=999):
        bounties.accept(999, record)


def test_accept_reverts_on_tampered_record(bounties, ante):
    from dataclasses import replace

    challenge_id, record, _ = bounties.create()
    tampered = replace(record, terms=replace(record.terms, stake_bps=0))
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        bounties.accept(challenge_id, tampered, value=0)


def test_accept_reverts_when_already_accepted(bounties, ante, stranger):
    challenge_id, record, _ = bounties.create()
    bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        bounties.accept(challenge_id, record, sender=stranger)


def test_accept_reverts_after_accept_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    accept_by = record.terms.accept_by
    bounties.at(accept_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=accept_by, timestamp=accept_by + 1):
        bounties.accept(challenge_id, record)


def test_accept_succeeds_at_exactly_accept_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    accept_by = record.terms.accept_by
    bounties.at(accept_by)
    _, receipt = bounties.accept(challenge_id, record, promised_by=accept_by)
    assert ante.challengeStatus(challenge_id)[:2] == (State.ACCEPTED, accept_by + 7 * DAY)
    assert receipt.events.filter(ante.ChallengeAccepted)[0].deliverBy == accept_by + 7 * DAY


def test_accept_reverts_on_not_designated(bounties, ante, contributor, stranger):
    challenge_id, record, _ = bounties.create(bounties.terms(designated=contributor.address))
    with ape.reverts(
        ante.AnteNotDesignated, challengeId=challenge_id, designated=contributor.address, caller=stranger.address
    ):
        bounties.accept(challenge_id, record, sender=stranger)


def test_accept_by_designated_contributor_succeeds(bounties, ante, contributor):
    challenge_id, record, _ = bounties.create(bounties.terms(designated=contributor.address))
    bounties.accept(challenge_id, record)
    assert ante.challengeStatus(challenge_id)[0] == State.ACCEPTED


def test_accept_reverts_on_funder_self_dealing(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AnteSelfDealing, account=funder.address):
        bounties.accept(challenge_id, record, sender=funder)


def test_accept_reverts_on_evaluator_self_dealing(bounties, ante, stranger, panel_with_stranger):
    challenge_id, record, _ = bounties.create(bounties.terms(panel_id=panel_with_stranger))
    with ape.reverts(ante.AnteSelfDealing, account=stranger.address):
        bounties.accept(challenge_id, record, sender=stranger)


def test_accept_reverts_on_promise_missing(bounties, ante):
    challenge_id, record, _ = bounties.create()
    with ape.reverts(ante.AntePromiseMissing):
        bounties.accept(challenge_id, record, promise=ZERO_HASH)


def test_accept_reverts_on_promise_too_late(bounties, ante):
    challenge_id, record, _ = bounties.create()
    ts = bounties.now + 10
    bounties.at(ts)
    deliver_by = ts + 7 * DAY
    with ape.reverts(ante.AntePromiseTooLate, promisedBy=deliver_by + 1, deliverBy=deliver_by):
        bounties.accept(challenge_id, record, promised_by=deliver_by + 1)


def test_accept_succeeds_with_promise_at_deliver_by(bounties, ante):
    challenge_id, record, _ = bounties.create()
    ts = bounties.now + 10
    bounties.at(ts)
    _, receipt = bounties.accept(challenge_id, record, promised_by=ts + 7 * DAY)
    assert receipt.events.filter(ante.ChallengeAccepted)[0].promisedBy == ts + 7 * DAY


def test_accept_reverts_after_cancel(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.CANCELLED):
        bounties.accept(challenge_id, record)
