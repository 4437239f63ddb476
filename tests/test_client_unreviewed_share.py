"""The client posts a challenge with its own Unreviewed share through `createWithUnreviewedShare`, and with
plain `create` otherwise; a share above 100% is refused in the contract's words before anything is sent."""

import pytest

from ante.errors import ContractRefused
from oracle_support import oracle_client  # noqa: F401


def test_post_with_an_unreviewed_share_calls_create_with_unreviewed_share(oracle_client, bounties, ante, funder):
    terms = bounties.terms()
    cid, receipt = oracle_client.post(terms, "https://example.org/spec", funder, 2_500)
    [created] = receipt.events.filter(ante.ChallengeCreated)
    [share] = receipt.events.filter(ante.UnreviewedShareSet)
    assert (created.challengeId, share.challengeId, share.unreviewedBps) == (cid, cid, 2_500)
    assert ante.unreviewedShareOf(cid) == 2_500
    challenge = oracle_client.challenge(cid)
    assert challenge.unreviewed_bps == 2_500
    assert challenge.unreviewed_payout() == (terms.stake + terms.reward // 4, terms.reward - terms.reward // 4)


def test_post_without_a_share_calls_plain_create(oracle_client, bounties, ante, funder):
    cid, receipt = oracle_client.post(bounties.terms(), "https://example.org/spec", funder)
    assert not receipt.events.filter(ante.UnreviewedShareSet)
    assert ante.unreviewedShareOf(cid) == 10_000 == oracle_client.challenge(cid).unreviewed_bps


def test_a_share_above_the_whole_reward_is_refused_before_anything_is_sent(oracle_client, bounties, ante, chain,
                                                                           funder):
    terms, count, head = bounties.terms(), ante.challengeCount(), chain.blocks.head.number
    for call in (lambda: oracle_client.check_post(terms, funder.address, 10_001),
                 lambda: oracle_client.post(terms, "https://example.org/spec", funder, 10_001)):
        with pytest.raises(ContractRefused) as refused:
            call()
        assert (refused.value.name, refused.value.inputs) == ("AnteUnreviewedBpsInvalid", {"unreviewedBps": 10_001})
        assert str(refused.value) == "The Unreviewed share must be 0% to 100% of the reward, not 100.01%."
    oracle_client.check_post(terms, funder.address, 10_000)
    oracle_client.check_post(terms, funder.address, 0)
    assert (ante.challengeCount(), chain.blocks.head.number) == (count, head)


def test_the_simulation_refuses_what_the_contract_would(oracle_client, bounties, ante, chain, funder):
    """Sent straight through `send`, past the client's own check: the simulated call reverts with the
    contract's error, decoded into its sentence, and nothing is signed or mined."""
    terms, head = bounties.terms(), chain.blocks.head.number
    with pytest.raises(ContractRefused) as refused:
        oracle_client.send("createWithUnreviewedShare", terms.as_tuple(), "https://example.org/spec", 10_001,
                           sender=funder, value=terms.reward)
    assert refused.value.name == "AnteUnreviewedBpsInvalid"
    assert int(refused.value.inputs["unreviewedBps"]) == 10_001
    assert chain.blocks.head.number == head
