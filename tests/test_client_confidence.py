"""The client's accept states a confidence, and its preview refuses one the contract would."""

import pytest
from eth_utils import keccak

from ante.errors import ContractRefused
from oracle_support import oracle_client  # noqa: F401


def test_check_accept_refuses_a_confidence_above_certainty_in_the_contracts_words(oracle_client, bounties, contributor):
    cid, _, _ = bounties.create()
    challenge = oracle_client.challenge(cid)
    now = oracle_client.now()
    for fine in (0, 1, 10_000):
        oracle_client.check_accept(challenge, contributor.address, now, fine)
    with pytest.raises(ContractRefused) as refused:
        oracle_client.check_accept(challenge, contributor.address, now, 10_001)
    assert (refused.value.name, refused.value.inputs) == ("AnteConfidenceInvalid", {"confidenceBps": 10_001})
    assert str(refused.value) == "A stated confidence is 0% to 100% (0 = not stated), not 100.01%."


def test_accept_sends_the_stated_confidence(oracle_client, bounties, ante, contributor):
    cid, _, _ = bounties.create()
    receipt = oracle_client.accept(oracle_client.challenge(cid), keccak(text="promise"), bounties.now + 3_600,
                                   "https://example.org/promise", contributor, 6_500)
    [event] = receipt.events.filter(ante.ChallengeAccepted)
    assert event.confidenceBps == 6_500
    assert oracle_client.challenge(cid).confidence_bps == 6_500
