"""Fixtures and helpers shared by the oracle's tests (test_oracle_*.py).

The oracle is built in-process over the test session's `ante` deployment: an AnteClient with its own
event index in the test's tmp folder, the Ape test account `relayer` as the oracle's account, and a
VerdictStore in the tmp folder. Ape reverts the chain after each test, so everything the oracle keeps
is per test too. By default the chain worker is not started: tests call `oracle.run_once()` to make it
do its work, deterministically. `running_oracle` starts the real worker thread.
"""

from __future__ import annotations

import time

import pytest

from ante.client import AnteClient
from ante.deployment import Deployment
from ante.oracle.service import OracleService
from ante.oracle.store import VerdictStore
from ante.verdict import SignedVerdict, Verdict


@pytest.fixture
def oracle_client(ante, chain, tmp_path):
    return AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "index.sqlite")


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "oracle.sqlite"


@pytest.fixture
def store(store_path):
    with VerdictStore(store_path) as store:
        yield store


@pytest.fixture
def oracle(oracle_client, relayer, store):
    """An oracle without a running worker (drive it with run_once()), after its first sync."""
    service = OracleService(oracle_client, relayer, store, poll=0.2, sync_wait=5)
    service.run_once()
    yield service
    service.stop()


@pytest.fixture
def running_oracle(oracle_client, relayer, store):
    """An oracle with its chain worker running (stopped before Ape reverts the chain)."""
    service = OracleService(oracle_client, relayer, store, poll=0.2, sync_wait=5)
    service.start()
    assert service.wait_ready(30)
    yield service
    assert service.stop()


def sign(bounties, challenge_id, deliverable, evaluator, score, *, chain_id=None, contract=None) -> SignedVerdict:
    """`evaluator` (an eth_account key) signs Verdict(challenge_id, deliverable, score), as a wallet would."""
    verdict = Verdict(bounties.chain.chain_id if chain_id is None else chain_id, contract or bounties.ante.address,
                      challenge_id, deliverable, score)
    return SignedVerdict(verdict, evaluator.address, verdict.sign(evaluator.key))


def document(bounties, challenge_id, record, evaluator, score=9000, **kwargs) -> dict:
    """The JSON document `ante verdict sign` writes, signed by `evaluator`."""
    return sign(bounties, challenge_id, record.deliverable, evaluator, score, **kwargs).to_json()


def wait_until(predicate, timeout=20.0, interval=0.05):
    """Polls `predicate` until it is true; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def run_until_idle(oracle, timeout=20.0, interval=0.05):
    """Runs an oracle without a worker (`oracle.run_once()`) until nothing it sent is in flight: a node that
    mines each transaction at once may still answer before the block is there."""
    deadline = time.monotonic() + timeout
    oracle.run_once()
    while oracle.relayer.in_flight():
        if time.monotonic() > deadline:
            raise AssertionError(f"{oracle.relayer.in_flight()} transactions still in flight after {timeout} s")
        time.sleep(interval)
        oracle.run_once()
