"""settle: a quorum of panel verdicts splits reward + stake linearly; every malformed quorum is refused."""

import ape
import pytest
from eth_utils import keccak

from ante.state import State
from ante.terms import split_payout
from ante.verdict import Verdict
from lifecycle import ETHER, SECP256K1_N, books, high_s

ZERO = "0x" + "00" * 20
STAKE = ETHER // 10


def settle_raw(bounties, challenge_id, record, score, signers, signatures):
    return bounties.ante.settle(
        challenge_id, record.as_tuple(), score, signers, signatures, sender=bounties.relayer
    )


def test_settle_pass_pays_contributor_reward_and_stake(bounties, ante, funder, contributor, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    receipt = bounties.settle(challenge_id, record, 10_000)
    assert bounties.state(challenge_id) == State.SETTLED
    assert ante.credit(ZERO, contributor) == ETHER + STAKE
    assert ante.credit(ZERO, funder) == 0
    [event] = receipt.events.filter(ante.ChallengeSettled)
    assert event.challengeId == challenge_id
    assert event.score == 10_000
    assert event.toContributor == ETHER + STAKE
    assert event.toFunder == 0
    assert list(event.signers) == [e.address for e in evaluators[:2]]
    held, expected = books(ante, 0, [funder, contributor])
    assert held == expected == ETHER + STAKE


def test_settle_fail_forfeits_stake_to_funder(bounties, ante, funder, contributor):
    challenge_id, record = bounties.submitted_challenge()
    receipt = bounties.settle(challenge_id, record, 0)
    assert bounties.state(challenge_id) == State.SETTLED
    assert ante.credit(ZERO, contributor) == 0
    assert ante.credit(ZERO, funder) == ETHER + STAKE
    event = receipt.events.filter(ante.ChallengeSettled)[0]
    assert (event.score, event.toContributor, event.toFunder) == (0, 0, ETHER + STAKE)


def test_settle_partial_rounds_contributor_down_and_funder_gets_remainder(bounties, ante, funder, contributor):
    reward = ETHER + 7
    terms = bounties.terms(reward=reward, stake_bps=1_000)
    stake = -(-reward * 1_000 // 10_000)
    assert stake == ETHER // 10 + 1
    challenge_id, record = bounties.submitted_challenge(terms)
    receipt = bounties.settle(challenge_id, record, 3_333)
    pot = reward + stake
    to_contributor = pot * 3_333 // 10_000
    assert pot * 3_333 % 10_000 != 0  # the rounding is exercised
    assert ante.credit(ZERO, contributor) == to_contributor
    assert ante.credit(ZERO, funder) == pot - to_contributor
    assert ante.credit(ZERO, contributor) + ante.credit(ZERO, funder) == pot
    assert (to_contributor, pot - to_contributor) == split_payout(reward, 1_000, 3_333)
    event = receipt.events.filter(ante.ChallengeSettled)[0]
    assert (event.toContributor, event.toFunder) == (to_contributor, pot - to_contributor)
    assert ante.balance == books(ante, 0, [funder, contributor])[1]


def test_settle_with_all_panel_members(bounties, ante, evaluators, contributor):
    challenge_id, record = bounties.submitted_challenge()
    receipt = bounties.settle(challenge_id, record, 10_000, signers=evaluators[:3])
    assert bounties.state(challenge_id) == State.SETTLED
    assert len(receipt.events.filter(ante.ChallengeSettled)[0].signers) == 3


def test_settle_on_larger_panel(ante, chain, funder, contributor, relayer, evaluators, panel_5of9):
    from lifecycle import Bounties

    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_5of9)
    challenge_id, record = b.submitted_challenge()
    b.settle(challenge_id, record, 5_000, signers=evaluators[4:9])
    assert b.state(challenge_id) == State.SETTLED
    assert ante.credit(ZERO, contributor) == (ETHER + STAKE) // 2


def test_settle_reverts_twice(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    bounties.settle(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        bounties.settle(challenge_id, record, 10_000)


def test_settle_reverts_while_accepted(bounties, ante):
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        bounties.settle(challenge_id, record, 10_000)


def test_settle_reverts_on_tampered_record(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    tampered = record.submitted(keccak(text="something else"))
    with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
        bounties.settle(challenge_id, tampered, 10_000)


def test_settle_reverts_on_unknown_challenge(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=challenge_id + 5):
        bounties.settle(challenge_id + 5, record, 10_000)


def test_settle_succeeds_at_exactly_review_by(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    review_by = bounties.deadline(challenge_id)
    bounties.at(review_by)
    bounties.settle(challenge_id, record, 10_000)
    assert bounties.state(challenge_id) == State.SETTLED


def test_settle_reverts_after_review_window(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    review_by = bounties.deadline(challenge_id)
    bounties.at(review_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=review_by, timestamp=review_by + 1):
        bounties.settle(challenge_id, record, 10_000)


def test_settle_reverts_on_score_above_10000(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteScoreInvalid, score=10_001):
        settle_raw(bounties, challenge_id, record, 10_001, signers, sigs)


def test_settle_reverts_on_signature_count_mismatch(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteSignatureCountMismatch, signers=2, signatures=1):
        settle_raw(bounties, challenge_id, record, 10_000, signers, sigs[:1])


def test_settle_reverts_on_quorum_not_met(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    with ape.reverts(ante.AnteQuorumNotMet, signers=1, threshold=2):
        bounties.settle(challenge_id, record, 10_000, signers=evaluators[:1])


def test_settle_reverts_on_no_signers(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    with ape.reverts(ante.AnteQuorumNotMet, signers=0, threshold=2):
        settle_raw(bounties, challenge_id, record, 10_000, [], [])


def test_settle_reverts_on_unsorted_signers(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteSignersNotAscending, index=1, signer=signers[0]):
        settle_raw(bounties, challenge_id, record, 10_000, signers[::-1], sigs[::-1])


def test_settle_reverts_on_duplicate_signer(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteSignersNotAscending, index=1, signer=signers[0]):
        settle_raw(bounties, challenge_id, record, 10_000, [signers[0]] * 2, [sigs[0]] * 2)


def test_settle_reverts_on_zero_address_signer_first(bounties, ante):
    # The zero address is neither above the implicit previous signer (zero) nor a panel member: refused
    # either way, never "recovered" from an invalid signature.
    from ape.exceptions import ContractLogicError

    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with pytest.raises(ContractLogicError) as info:
        settle_raw(bounties, challenge_id, record, 10_000, [ZERO] + signers, [b"\x00" * 65] + sigs)
    assert type(info.value).__name__ in {"AnteSignersNotAscending", "AnteNotPanelMember"}
    assert info.value.inputs == {"index": 0, "signer": ZERO}
    assert bounties.state(challenge_id) == State.SUBMITTED


def test_settle_reverts_on_zero_address_signer_later(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteSignersNotAscending, index=1, signer=ZERO):
        settle_raw(bounties, challenge_id, record, 10_000, signers[:1] + [ZERO], sigs[:1] + [b"\x00" * 65])


def test_settle_reverts_on_non_member_signer(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    outsider = evaluators[5]  # the 2-of-3 panel is evaluators[:3]
    with ape.reverts(ante.AnteNotPanelMember, index=1, signer=outsider.address):
        bounties.settle(challenge_id, record, 10_000, signers=[evaluators[0], outsider])


def test_settle_reverts_on_signature_over_different_score(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 9_999)
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=signers[0]):
        settle_raw(bounties, challenge_id, record, 10_000, signers, sigs)


def test_settle_reverts_on_signature_by_wrong_member(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteInvalidSignature, index=1, signer=signers[1]):
        settle_raw(bounties, challenge_id, record, 10_000, signers, [sigs[0], sigs[0]])


def test_settle_reverts_on_malformed_64_byte_signature(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    with ape.reverts(ante.AnteInvalidSignature, index=1, signer=signers[1]):
        settle_raw(bounties, challenge_id, record, 10_000, signers, [sigs[0], sigs[1][:64]])


def test_settle_reverts_on_high_s_signature(bounties, ante):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, 10_000)
    malleable = high_s(sigs[0])
    assert malleable != sigs[0] and int.from_bytes(malleable[32:64], "big") > SECP256K1_N // 2
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=signers[0]):
        settle_raw(bounties, challenge_id, record, 10_000, signers, [malleable, sigs[1]])
    settle_raw(bounties, challenge_id, record, 10_000, signers, sigs)  # the low-s original is accepted
    assert bounties.state(challenge_id) == State.SETTLED


def test_settle_reverts_on_verdict_from_another_challenge(bounties, ante):
    deliverable = keccak(text="shared deliverable")
    first, record_a, _ = bounties.create()
    record_a, _ = bounties.accept(first, record_a)
    record_a, _ = bounties.submit(first, record_a, deliverable=deliverable)
    second, record_b, _ = bounties.create()
    record_b, _ = bounties.accept(second, record_b)
    record_b, _ = bounties.submit(second, record_b, deliverable=deliverable)
    signers, sigs = bounties.signatures(first, record_a, 10_000)
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=signers[0]):
        settle_raw(bounties, second, record_b, 10_000, signers, sigs)
    settle_raw(bounties, first, record_a, 10_000, signers, sigs)  # where they belong, they settle
    assert bounties.state(first) == State.SETTLED


def test_settle_reverts_on_verdict_over_another_deliverable(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    other = record.submitted(keccak(text="another deliverable"))
    signers, sigs = bounties.signatures(challenge_id, other, 10_000)
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=signers[0]):
        settle_raw(bounties, challenge_id, record, 10_000, signers, sigs)


def test_settle_reverts_on_verdict_for_another_chain(bounties, ante, chain, evaluators):
    assert chain.chain_id != 1
    challenge_id, record = bounties.submitted_challenge()
    signers = evaluators[:2]
    verdict = Verdict(1, ante.address, challenge_id, record.deliverable, 10_000)
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=signers[0].address):
        settle_raw(
            bounties, challenge_id, record, 10_000, [s.address for s in signers], [verdict.sign(s.key) for s in signers]
        )


def test_settle_reverts_on_verdict_for_another_deployment(bounties, ante, chain, evaluators, other_ante):
    assert other_ante.address != ante.address
    challenge_id, record = bounties.submitted_challenge()
    signers = evaluators[:2]
    verdict = Verdict(chain.chain_id, other_ante.address, challenge_id, record.deliverable, 10_000)
    assert other_ante.verdictDigest(challenge_id, record.deliverable, 10_000) == verdict.digest()
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=signers[0].address):
        settle_raw(
            bounties, challenge_id, record, 10_000, [s.address for s in signers], [verdict.sign(s.key) for s in signers]
        )


@pytest.mark.parametrize("score", [1, 5_000, 9_999])
def test_settle_credits_sum_to_pot(bounties, ante, funder, contributor, score):
    challenge_id, record = bounties.submitted_challenge(bounties.terms(reward=999_999_999_999_999_999, stake_bps=333))
    bounties.settle(challenge_id, record, score)
    pot = 999_999_999_999_999_999 + ante.stakeFor(999_999_999_999_999_999, 333)
    assert ante.credit(ZERO, contributor) == pot * score // 10_000
    assert ante.credit(ZERO, contributor) + ante.credit(ZERO, funder) == pot
    assert ante.balance == pot


def test_settle_reverts_on_non_member_first_signer(ante, chain, deployer, funder, contributor, relayer, evaluators):
    from lifecycle import Bounties

    ante.createPanel([e.address for e in evaluators[1:4]], 2, sender=deployer)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, ante.panelCount())
    challenge_id, record = b.submitted_challenge()
    with ape.reverts(ante.AnteNotPanelMember, index=0, signer=evaluators[0].address):
        b.settle(challenge_id, record, 10_000, signers=evaluators[0:2])


def test_settle_uses_the_challenges_own_panel_threshold(
    ante, chain, funder, contributor, relayer, evaluators, panel_2of3, panel_5of9
):
    # evaluators[:3] sit on both panels; two of them are a quorum of the 2-of-3 panel only.
    from lifecycle import Bounties

    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_5of9)
    challenge_id, record = b.submitted_challenge()
    with ape.reverts(ante.AnteQuorumNotMet, signers=2, threshold=5):
        b.settle(challenge_id, record, 10_000, signers=evaluators[:2])
    with ape.reverts(ante.AnteQuorumNotMet, signers=4, threshold=5):
        b.settle(challenge_id, record, 10_000, signers=evaluators[:4])
    b.settle(challenge_id, record, 10_000, signers=evaluators[:5])
    assert b.state(challenge_id) == State.SETTLED
