"""The relayer in-process, on the test chain: what it records before a broadcast, how it counts nonces,
that a simulated revert costs nothing, and that a restarted oracle follows what it had in flight.

See oracle_support.py for the fixtures; the drills against slow, reorganising chains are in
test_oracle_relayer.py.
"""

import pytest

from oracle_support import document, oracle, oracle_client, store, store_path  # noqa: F401

from ante.oracle.relayer import bump
from ante.oracle.service import OracleService
from ante.oracle.store import CONFIRMED, PENDING, SETTLED_BY_US, SETTLED_ELSEWHERE, VerdictStore

SETTLED = 4


def nonce(chain, account) -> int:
    return chain.provider.web3.eth.get_transaction_count(account.address, "pending")


def counter(oracle, name, **labels):
    value = oracle.metrics.registry.get_sample_value(name, labels or None)
    return 0 if value is None else value


def quorum(oracle, bounties, evaluators, cid, record):
    for evaluator in evaluators[:2]:
        oracle.accept_verdict(document(bounties, cid, record, evaluator, 9000))


@pytest.fixture
def no_automine(chain):
    """The test chain mines only when told to (chain.mine()), as a slow network would."""
    web3 = chain.provider.web3
    web3.provider.make_request("evm_setAutomine", [False])
    yield
    web3.provider.make_request("evm_setAutomine", [True])


def test_bump_raises_both_fees_by_an_eighth_at_least():
    assert bump(8) == 9 and bump(1) == 2 and bump(0) == 0
    for fee in (7, 1_000_000_007, 3 * 10**9):
        assert bump(fee) * 8 >= fee * 9


def test_a_local_chain_needs_no_confirmations(oracle):
    assert oracle.relayer.confirmations == 0
    assert oracle.health()["confirmations"] == 0 and oracle.health()["in_flight"] == 0


def test_a_settlement_is_recorded_with_its_nonce_and_followed_to_confirmed(oracle, bounties, evaluators, relayer,
                                                                           chain):
    cid, record = bounties.submitted_challenge()
    before = nonce(chain, relayer)
    quorum(oracle, bounties, evaluators, cid, record)
    oracle.run_once()
    assert bounties.state(cid) == SETTLED
    [sent] = oracle.store.outgoing(oracle.chain_id, oracle.contract, challenge_id=cid)
    [attempt] = oracle.store.attempts(oracle.chain_id, oracle.contract, cid)
    assert (sent.action, sent.nonce, sent.state) == ("settle", before, CONFIRMED)
    assert attempt.outcome == SETTLED_BY_US and attempt.tx_hash == sent.mined_hash == sent.sends[0].tx_hash
    assert sent.sends[0].max_fee >= sent.sends[0].priority_fee > 0
    assert nonce(chain, relayer) == before + 1
    assert counter(oracle, "transactions_sent_total", kind="new") == 1


def test_a_simulated_revert_sends_nothing(oracle, bounties, evaluators, stranger, relayer, chain):
    cid, record = bounties.submitted_challenge()
    quorum(oracle, bounties, evaluators, cid, record)
    bounties.settle(cid, record, 9000, signers=evaluators[1:3], sender=stranger)  # another relayer is faster
    before = nonce(chain, relayer)
    oracle.run_once()
    assert nonce(chain, relayer) == before  # not even a reverted transaction was paid for
    assert oracle.store.outgoing(oracle.chain_id, oracle.contract, challenge_id=cid) == []
    assert [a.outcome for a in oracle.store.attempts(oracle.chain_id, oracle.contract, cid)] == [SETTLED_ELSEWHERE]
    assert counter(oracle, "simulated_reverts_total") == 1


def test_quorums_in_a_burst_are_in_flight_together_at_consecutive_nonces(oracle, bounties, evaluators, relayer,
                                                                         chain, no_automine):
    challenges = []
    chain.provider.web3.provider.make_request("evm_setAutomine", [True])  # set up at once
    for _ in range(3):
        challenges.append(bounties.submitted_challenge())
    chain.provider.web3.provider.make_request("evm_setAutomine", [False])
    oracle.run_once()
    before = nonce(chain, relayer)
    for cid, record in challenges:
        quorum(oracle, bounties, evaluators, cid, record)
    oracle.worker.drain()  # every settlement sent; no block mined yet
    sent = [oracle.store.outgoing(oracle.chain_id, oracle.contract, challenge_id=cid)[0] for cid, _ in challenges]
    assert [s.nonce for s in sent] == [before, before + 1, before + 2]
    assert all(s.state == PENDING for s in sent) and oracle.health()["in_flight"] == 3
    chain.mine()
    oracle.run_once()
    assert all(bounties.state(cid) == SETTLED for cid, _ in challenges)
    assert oracle.health()["in_flight"] == 0
    assert len({s.nonce for cid, _ in challenges
                for s in oracle.store.outgoing(oracle.chain_id, oracle.contract, challenge_id=cid)}) == 3


def test_a_restarted_oracle_follows_its_transaction_in_flight(oracle_client, relayer, store_path, bounties,
                                                              evaluators, chain, no_automine):
    chain.provider.web3.provider.make_request("evm_setAutomine", [True])
    cid, record = bounties.submitted_challenge()
    chain.provider.web3.provider.make_request("evm_setAutomine", [False])
    first = OracleService(oracle_client, relayer, VerdictStore(store_path), poll=0.2)
    first.run_once()
    quorum(first, bounties, evaluators, cid, record)
    first.worker.drain()  # sent, not mined
    [sent] = first.store.outgoing(first.chain_id, first.contract, challenge_id=cid)
    assert sent.state == PENDING
    first.stop()  # "crashes" with the settlement in flight
    first.store.close()
    before = nonce(chain, relayer)
    with VerdictStore(store_path) as reopened:
        second = OracleService(oracle_client, relayer, reopened, poll=0.2)
        assert second.relayer.busy("settle", cid)
        second.run_once()  # not mined yet: followed, not sent again
        assert nonce(chain, relayer) == before
        chain.mine()
        second.run_once()
        assert bounties.state(cid) == SETTLED
        [attempt] = reopened.attempts(second.chain_id, second.contract, cid)
        assert attempt.outcome == SETTLED_BY_US and attempt.tx_hash == sent.sends[0].tx_hash
        assert counter(second, "transactions_sent_total", kind="new") == 0
