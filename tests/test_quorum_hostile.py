"""settle checks every signature it is given, not only the first `threshold` of them.

A relayer may pass more signers than the quorum needs, and all of them are credited in
`ChallengeSettled.signers` and in the evaluators' records; so a signer past the quorum must be a
panel member with a valid signature too, or settlement reverts naming its index.
"""

import ape
import pytest

from ante.state import State
from lifecycle import Bounties

SCORE = 8_000


def settle_raw(bounties, challenge_id, record, signers, signatures, score=SCORE):
    return bounties.ante.settle(
        challenge_id, record.as_tuple(), score, signers, signatures, sender=bounties.relayer
    )


def test_settle_revertsOnInvalidSignatureAfterQuorum(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, SCORE, signers=evaluators[:3])
    # The third member signs another score: the first two alone would be a valid quorum.
    _, other = bounties.signatures(challenge_id, record, SCORE - 1, signers=evaluators[:3])
    with ape.reverts(ante.AnteInvalidSignature, index=2, signer=signers[2]):
        settle_raw(bounties, challenge_id, record, signers, sigs[:2] + other[2:])
    assert bounties.state(challenge_id) == State.SUBMITTED
    settle_raw(bounties, challenge_id, record, signers[:2], sigs[:2])
    assert bounties.state(challenge_id) == State.SETTLED


@pytest.mark.parametrize("garbage", [b"\x00" * 65, b"\x01" * 64, b""], ids=["zeros", "short", "empty"])
def test_settle_revertsOnMalformedSignatureAfterQuorum(bounties, ante, evaluators, garbage):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, SCORE, signers=evaluators[:3])
    with ape.reverts(ante.AnteInvalidSignature, index=2, signer=signers[2]):
        settle_raw(bounties, challenge_id, record, signers, sigs[:2] + [garbage])


def test_settle_revertsOnAnotherMembersSignatureAfterQuorum(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    signers, sigs = bounties.signatures(challenge_id, record, SCORE, signers=evaluators[:3])
    with ape.reverts(ante.AnteInvalidSignature, index=2, signer=signers[2]):
        settle_raw(bounties, challenge_id, record, signers, sigs[:2] + [sigs[0]])


def test_settle_revertsOnNonMemberAfterQuorum(bounties, ante, evaluators):
    challenge_id, record = bounties.submitted_challenge()
    # evaluators are sorted by address and the panel is evaluators[:3], so evaluators[5] sorts last.
    outsider = evaluators[5]
    signers, sigs = bounties.signatures(challenge_id, record, SCORE, signers=evaluators[:2] + [outsider])
    assert signers[2] == outsider.address
    with ape.reverts(ante.AnteNotPanelMember, index=2, signer=outsider.address):
        settle_raw(bounties, challenge_id, record, signers, sigs)
    assert bounties.state(challenge_id) == State.SUBMITTED


def test_settle_revertsOnInvalidSignatureLateInLargeQuorum(
    ante, chain, funder, contributor, relayer, evaluators, panel_5of9
):
    # A 5-of-9 panel with all nine signing: the eighth signature is bad, seven valid ones precede it.
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_5of9)
    challenge_id, record = b.submitted_challenge()
    signers, sigs = b.signatures(challenge_id, record, SCORE, signers=evaluators)
    _, wrong = b.signatures(challenge_id, record, 0, signers=evaluators)
    with ape.reverts(ante.AnteInvalidSignature, index=7, signer=signers[7]):
        settle_raw(b, challenge_id, record, signers, sigs[:7] + [wrong[7]] + sigs[8:])
    receipt = settle_raw(b, challenge_id, record, signers, sigs)
    assert list(receipt.events.filter(ante.ChallengeSettled)[0].signers) == signers


def test_settle_revertsOnNonMemberLateInLargeQuorum(ante, chain, deployer, funder, contributor, relayer, evaluators):
    # Members are the first eight evaluators; the ninth (highest address) is an outsider after them.
    ante.createPanel([e.address for e in evaluators[:8]], 5, sender=deployer)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, ante.panelCount())
    challenge_id, record = b.submitted_challenge()
    signers, sigs = b.signatures(challenge_id, record, SCORE, signers=evaluators[:5] + [evaluators[8]])
    with ape.reverts(ante.AnteNotPanelMember, index=5, signer=evaluators[8].address):
        settle_raw(b, challenge_id, record, signers, sigs)
