"""The oracle service against the test chain: verdicts in, settlements and lapses out, reconciliation.

Most tests drive the service with `run_once()` (the worker's work, in the test's thread); the ones
marked "worker" run the real chain thread. See oracle_support.py for the fixtures.
"""

import pytest

from lifecycle import DAY, ETHER
from oracle_support import document, oracle, oracle_client, running_oracle, store, store_path, wait_until  # noqa: F401

from ante.oracle.service import OracleService, Quorum, Rejected
from ante.oracle.store import (
    FAILED,
    LAPSED_BY_US,
    REPLACED,
    SETTLED_BY_US,
    SETTLED_ELSEWHERE,
    STORED,
    UNCHANGED,
    VerdictStore,
)
from ante.state import State
from ante.terms import ZERO_ADDRESS

SETTLED, EXPIRED, DEFAULTED, UNREVIEWED = 4, 6, 7, 8


def attempts(oracle, challenge_id):
    return [(a.action, a.outcome) for a in oracle.store.attempts(oracle.chain_id, oracle.contract, challenge_id)]


def counter(oracle, name, **labels):
    value = oracle.metrics.registry.get_sample_value(name, labels or None)
    return 0 if value is None else value


# ------------------------------------------------------------------------------------------ verdicts


def test_a_verdict_is_verified_and_stored(oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    answer = oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 9000))
    assert answer["status"] == STORED and answer["challenge_id"] == cid
    assert answer["signer"] == evaluators[0].address
    assert answer["quorum"] == {"threshold": 2, "score": 9000, "agreeing": 1, "missing": 1, "reached": False}
    assert answer["settlement"] is None
    [kept] = oracle.store.verdicts(oracle.chain_id, oracle.contract, cid)
    assert kept.signer == evaluators[0].address and kept.score == 9000
    assert counter(oracle, "verdicts_accepted_total") == 1


def test_the_oracle_sees_a_challenge_submitted_after_its_last_sync(oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()  # the oracle's snapshot predates it
    assert cid not in oracle.snapshot.chronicle.challenges
    assert oracle.accept_verdict(document(bounties, cid, record, evaluators[0]))["status"] == STORED


def test_identical_resubmission_is_unchanged_and_a_new_score_replaces(oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    doc = document(bounties, cid, record, evaluators[0], 9000)
    assert oracle.accept_verdict(doc)["status"] == STORED
    assert oracle.accept_verdict(doc)["status"] == UNCHANGED
    assert oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 3000))["status"] == REPLACED
    [kept] = oracle.store.verdicts(oracle.chain_id, oracle.contract, cid)
    assert kept.score == 3000


def test_a_rejected_verdict_stores_nothing(oracle, bounties, evaluators, stranger):
    from eth_account import Account

    cid, record = bounties.submitted_challenge()
    outsider = Account.from_key(bytes.fromhex(f"{999:064x}"))
    with pytest.raises(Rejected) as caught:
        oracle.accept_verdict(document(bounties, cid, record, outsider))
    assert caught.value.status == 422 and caught.value.reason == "not_member"
    assert oracle.store.count() == 0
    assert counter(oracle, "verdicts_rejected_total", reason="not_member") == 1


# ------------------------------------------------------------------------------------------ settling


def test_a_quorum_is_settled_on_chain(oracle, bounties, evaluators, ante, contributor, funder):
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 9000))
    answer = oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 9000))
    assert answer["quorum"]["reached"] and answer["settlement"] == "queued"
    oracle.run_once()
    state, *_ = ante.challengeStatus(cid)
    assert state == SETTLED
    stake = ETHER // 10
    assert ante.credit(ZERO_ADDRESS, contributor) == (ETHER + stake) * 9000 // 10_000
    assert ante.credit(ZERO_ADDRESS, funder) == ETHER + stake - (ETHER + stake) * 9000 // 10_000
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US)]
    assert oracle.store.attempts(oracle.chain_id, oracle.contract, cid)[0].tx_hash.startswith("0x")
    assert oracle.snapshot.chronicle.challenges[cid].state == State.SETTLED
    assert counter(oracle, "settlements_total", outcome=SETTLED_BY_US) == 1
    oracle.run_once()  # nothing more to do
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US)]


def test_every_agreeing_member_is_relayed_and_a_dissenter_is_not(oracle, bounties, evaluators, ante):
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 2000))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 8000))
    oracle.run_once()
    assert bounties.state(cid) == 3  # 1 + 1: no quorum
    oracle.accept_verdict(document(bounties, cid, record, evaluators[2], 8000))
    oracle.run_once()
    settled = oracle.snapshot.chronicle.challenges[cid]
    assert settled.state == State.SETTLED and settled.score == 8000
    assert set(settled.signers) == {evaluators[1].address, evaluators[2].address}


def test_a_replacement_can_complete_a_quorum(oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 9000))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 5000))
    answer = oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 9000))
    assert answer["status"] == REPLACED and answer["quorum"]["reached"]
    oracle.run_once()
    assert bounties.state(cid) == SETTLED
    assert oracle.snapshot.chronicle.challenges[cid].score == 9000


def test_someone_else_settles_first_and_the_oracle_reconciles_without_retrying(oracle, bounties, evaluators, stranger):
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 9000))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 9000))
    bounties.settle(cid, record, 9000, signers=evaluators[1:3], sender=stranger)  # another relayer is faster
    oracle.run_once()
    assert attempts(oracle, cid) == [("settle", SETTLED_ELSEWHERE)]
    assert counter(oracle, "settlements_total", outcome=SETTLED_ELSEWHERE) == 1
    assert oracle.snapshot.chronicle.challenges[cid].state == State.SETTLED
    for _ in range(3):
        oracle.run_once()
    assert attempts(oracle, cid) == [("settle", SETTLED_ELSEWHERE)]
    assert counter(oracle, "chain_errors_total") == 0


def test_a_refused_settlement_is_recorded_once_and_not_repeated(oracle, bounties, evaluators, chain):
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 9000))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 9000))
    deadline = bounties.deadline(cid)
    chain.mine(timestamp=deadline + 1)  # the review window closes before the oracle acts
    oracle.keeper = False
    oracle.worker.drain()  # the queued settlement, on the stale snapshot: the contract refuses
    [(action, outcome)] = attempts(oracle, cid)
    assert (action, outcome) == ("settle", FAILED)
    reason = oracle.store.attempts(oracle.chain_id, oracle.contract, cid)[0].reason
    assert "deadline" in reason
    for _ in range(2):
        oracle.run_once()
    assert attempts(oracle, cid) == [("settle", FAILED)]
    assert bounties.state(cid) == 3


def test_settling_our_own_quorum_twice_is_recognised_as_ours(oracle, bounties, evaluators, relayer):
    """The settlement went through but the oracle never saw the receipt (say the connection dropped):
    when it tries again, the chain refuses, and the reconciliation finds the oracle's own transaction."""
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 9000))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1], 9000))
    bounties.settle(cid, record, 9000, sender=relayer)  # the oracle's own account
    oracle.run_once()
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US)]


def test_a_stored_quorum_is_settled_after_a_restart(oracle_client, relayer, store_path, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    first = OracleService(oracle_client, relayer, VerdictStore(store_path), poll=0.2)
    first.run_once()
    first.accept_verdict(document(bounties, cid, record, evaluators[0], 7000))
    first.accept_verdict(document(bounties, cid, record, evaluators[2], 7000))
    first.stop()  # "crashes" before its worker ever settles
    first.store.close()
    with VerdictStore(store_path) as reopened:
        second = OracleService(oracle_client, relayer, reopened, poll=0.2)
        second.run_once()
        assert bounties.state(cid) == SETTLED
        assert attempts(second, cid) == [("settle", SETTLED_BY_US)]
        assert second.snapshot.chronicle.challenges[cid].score == 7000


def test_a_transient_failure_is_retried_with_backoff(running_oracle, bounties, evaluators, monkeypatch):
    """Worker: the first two settlements fail as if the node were unreachable; the third goes through."""
    oracle = running_oracle
    real_simulate = oracle.relayer._simulate
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise ConnectionRefusedError("connection refused")
        return real_simulate(*args, **kwargs)

    monkeypatch.setattr(oracle.relayer, "_simulate", flaky)
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0]))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1]))
    wait_until(lambda: bounties.state(cid) == SETTLED)
    wait_until(lambda: attempts(oracle, cid) == [("settle", SETTLED_BY_US)])
    assert len(calls) == 3
    assert counter(oracle, "chain_errors_total") >= 2
    assert "connection refused" in oracle.health()["last_error"]["message"]


def stop_polling(oracle) -> None:
    """Restarts the worker with an hour between ticks, once its first tick has read the chain: no tick
    scheduled at the fixture's short poll can come after this."""
    import time

    assert oracle.stop()
    oracle.poll = 3600
    started = time.monotonic()
    oracle.start()
    wait_until(lambda: oracle.snapshot.taken_at > started)


def test_the_worker_settles_as_soon_as_a_quorum_agrees(running_oracle, bounties, evaluators):
    """Worker: no polling needed; the quorum-completing verdict queues the settlement."""
    stop_polling(running_oracle)
    cid, record = bounties.submitted_challenge()
    running_oracle.accept_verdict(document(bounties, cid, record, evaluators[0]))
    running_oracle.accept_verdict(document(bounties, cid, record, evaluators[1]))
    wait_until(lambda: bounties.state(cid) == SETTLED, timeout=10)
    wait_until(lambda: attempts(running_oracle, cid) == [("settle", SETTLED_BY_US)])


def test_the_worker_looks_up_a_challenge_newer_than_its_snapshot(running_oracle, bounties, evaluators):
    """Worker: a verdict for a challenge submitted after the last poll makes the handler ask for a sync."""
    stop_polling(running_oracle)
    cid, record = bounties.submitted_challenge()
    assert cid not in running_oracle.snapshot.chronicle.challenges
    assert running_oracle.accept_verdict(document(bounties, cid, record, evaluators[0]))["status"] == STORED


def test_stop_is_prompt_and_the_worker_can_start_again(running_oracle):
    import time

    started = time.monotonic()
    assert running_oracle.stop(timeout=5) and time.monotonic() - started < 5
    assert not running_oracle.running
    running_oracle.start()
    assert running_oracle.running


# ------------------------------------------------------------------------------------------ keeper


def test_the_keeper_lapses_challenges_past_their_deadlines(oracle, bounties, chain):
    open_id, _, _ = bounties.create()
    accepted_id, record, _ = bounties.create(bounties.terms(accept_by=bounties.now + 2 * DAY))
    bounties.accept(accepted_id, record)
    submitted_id, _ = bounties.submitted_challenge()
    latest = max(bounties.deadline(i) for i in (open_id, accepted_id, submitted_id))
    chain.mine(timestamp=latest + 1)
    oracle.run_once()
    assert [bounties.state(i) for i in (open_id, accepted_id, submitted_id)] == [EXPIRED, DEFAULTED, UNREVIEWED]
    for cid in (open_id, accepted_id, submitted_id):
        assert attempts(oracle, cid) == [("lapse", LAPSED_BY_US)]
    assert counter(oracle, "lapses_total") == 3
    oracle.run_once()
    assert counter(oracle, "lapses_total") == 3


def test_nothing_lapses_at_the_deadline_itself(oracle, bounties, chain):
    cid, _, _ = bounties.create()
    chain.mine(timestamp=bounties.deadline(cid))
    oracle.run_once()
    assert bounties.state(cid) == 1 and attempts(oracle, cid) == []


def test_the_keeper_can_be_switched_off(oracle, bounties, chain):
    oracle.keeper = False
    cid, _, _ = bounties.create()
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    oracle.run_once()
    assert bounties.state(cid) == 1 and attempts(oracle, cid) == []


def test_a_lapse_done_elsewhere_is_reconciled(oracle, bounties, chain, stranger):
    cid, record, _ = bounties.create()
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    oracle.keeper = False
    oracle.run_once()  # the snapshot shows it Open and past its deadline
    bounties.ante.lapse(cid, record.as_tuple(), sender=stranger)
    oracle.worker.lapse_due()
    assert attempts(oracle, cid) == [("lapse", "lapsed_elsewhere")]
    assert counter(oracle, "lapses_total") == 0


# ------------------------------------------------------------------------------------------ views


def test_the_challenge_view_shows_what_is_missing(oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0], 6000))
    view = oracle.challenge(cid)
    assert view["challenge"]["state"] == "submitted"
    q = view["quorum"]
    assert (q["threshold"], q["score"], q["agreeing"], q["missing"], q["reached"]) == (2, 6000, 1, 1, False)
    assert q["not_signed"] == [e.address for e in evaluators[1:3]]
    assert q["by_score"] == [{"score": 6000, "count": 1, "signers": [evaluators[0].address]}]
    assert oracle.challenge(999) is None


def test_quorum_groups_by_score():
    from types import SimpleNamespace

    from ante.history import PanelView

    members = ("0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20)
    panel = PanelView(1, tuple(members), 2, members[0])

    def stored(signer, score):
        verdict = SimpleNamespace(deliverable=b"d", score=score)
        return SimpleNamespace(signer=signer, score=score, signed=SimpleNamespace(verdict=verdict))

    from eth_utils import to_checksum_address

    m = [to_checksum_address(a) for a in members]
    challenge = SimpleNamespace(deliverable=b"d")
    q = Quorum.of(challenge, panel, [stored(m[0], 10), stored(m[1], 20), stored(m[2], 20)])
    assert q.leading() == 20 and q.reached() == 20 and q.agreeing(10) == 1
    q = Quorum.of(challenge, panel, [stored(m[0], 10), stored(m[1], 20)])
    assert q.reached() is None and q.to_json()["missing"] == 1


def test_health_and_records(oracle, bounties, evaluators, contributor):
    health = oracle.health()
    assert health["ok"] and health["lag"] == 0 and health["head"] == health["indexed"]
    assert health["account"] == oracle.address and health["last_error"] is None
    cid, record = bounties.submitted_challenge()
    oracle.accept_verdict(document(bounties, cid, record, evaluators[0]))
    oracle.accept_verdict(document(bounties, cid, record, evaluators[1]))
    oracle.run_once()
    records = oracle.records(contributor.address)
    assert records["contributor"]["settled"] == 1
