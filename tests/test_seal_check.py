"""Before a write, the client checks the record it rebuilt from events against the contract's seal
(`challengeStatus`), rebuilds its index and re-reads once on a mismatch, and never sends a record the
contract would refuse. A node whose logs lag its state (as behind a load balancer) stands in for every
way the events can disagree with the contract."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from ante.chain import ChainReader
from ante.client import AnteClient
from ante.deployment import Deployment
from ante.errors import AnteError
from ante.state import State


class LaggingReader(ChainReader):
    """Reads logs as a node would that has not indexed blocks from `hidden_from` on (while its state has)."""

    def __init__(self, contract, hidden_from: int | None = None):
        super().__init__(contract)
        self.hidden_from = hidden_from

    def __call__(self, start, stop):
        for event in super().__call__(start, stop):
            if self.hidden_from is None or event.block_number < self.hidden_from:
                yield event


@pytest.fixture
def client(ante, chain, tmp_path):
    client = AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "index.sqlite")
    client.reader = LaggingReader(client.contract)
    return client


def accepted_behind_the_index(bounties, client, chain):
    """A challenge accepted on chain while the client's index, stored as final, missed the acceptance."""
    challenge_id, record, _ = bounties.create()
    client.reader.hidden_from = chain.blocks.head.number + 1
    record, _ = bounties.accept(challenge_id, record)
    stale = client.challenge(challenge_id)
    assert stale.state == State.OPEN and bounties.state(challenge_id) == State.ACCEPTED
    return challenge_id, stale


def test_a_stale_record_is_rebuilt_and_the_write_goes_through(bounties, client, chain, contributor):
    challenge_id, stale = accepted_behind_the_index(bounties, client, chain)
    client.reader.hidden_from = None  # the node's logs caught up; the index still holds the stale blocks
    assert client.challenge(challenge_id).state == State.OPEN

    receipt = client.submit(stale, keccak(text="the work"), "ipfs://work", sender=contributor)

    assert receipt.status == 1
    assert bounties.state(challenge_id) == State.SUBMITTED
    assert client.challenge(challenge_id).state == State.SUBMITTED  # the rebuilt index has it all


def test_a_record_that_still_disagrees_is_never_sent(bounties, client, chain, contributor):
    challenge_id, stale = accepted_behind_the_index(bounties, client, chain)
    nonce = contributor.nonce

    with pytest.raises(AnteError) as refused:
        client.submit(stale, keccak(text="the work"), "ipfs://work", sender=contributor)

    message = str(refused.value)
    assert message.startswith(f"challenge {challenge_id} is accepted with seal 0x"), message
    assert "give open with seal 0x" in message and "nothing was sent" in message
    assert contributor.nonce == nonce
    assert bounties.state(challenge_id) == State.ACCEPTED


def test_other_terms_behind_the_same_id_are_never_acted_on(bounties, client, chain, funder):
    before = chain.snapshot()
    challenge_id, _, _ = bounties.create()
    seen = client.challenge(challenge_id)
    chain.restore(before)  # the chain drops that challenge, and the id goes to one with other terms
    other_id, _, _ = bounties.create(bounties.terms(reward=3 * 10**18))
    assert other_id == challenge_id
    nonce = funder.nonce

    with pytest.raises(AnteError, match=f"challenge {challenge_id} on chain is no longer the one read before"):
        client.cancel(seen, sender=funder)

    assert funder.nonce == nonce
    assert bounties.state(challenge_id) == State.OPEN
    assert client.challenge(challenge_id).terms.reward == 3 * 10**18


def test_a_record_behind_the_chain_is_read_again_without_a_rebuild(bounties, client, chain, funder):
    from ante.errors import ContractRefused
    from ante.index import EventIndex

    challenge_id, record, _ = bounties.create()
    seen = client.challenge(challenge_id)  # open, as the funder last looked
    bounties.accept(challenge_id, record)  # meanwhile accepted
    with EventIndex(client.index_path, chain.chain_id, client.address) as index:
        generation = index.generation
    nonce = funder.nonce

    with pytest.raises(ContractRefused) as refused:
        client.cancel(seen, sender=funder)

    # The contract's own reason, about the challenge as it is now, not a record mismatch.
    assert refused.value.name == "AnteWrongState"
    assert str(refused.value) == f"Challenge {challenge_id} is accepted, so that is not possible now."
    assert funder.nonce == nonce
    with EventIndex(client.index_path, chain.chain_id, client.address) as index:
        assert index.generation == generation  # new blocks read; nothing dropped
