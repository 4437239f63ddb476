"""The oracle's verdict store: durable, keyed by deployment, challenge and signer; replace and no-op rules."""

import sqlite3
import threading

import pytest
from eth_account import Account

from ante.oracle.store import (
    FAILED,
    REPLACED,
    SETTLED_BY_US,
    SETTLED_ELSEWHERE,
    STORED,
    UNCHANGED,
    VerdictStore,
)
from ante.verdict import SignedVerdict, Verdict

CHAIN = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OTHER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
DELIVERABLE = bytes(range(32))
KEYS = [Account.from_key(bytes.fromhex(f"{i:064x}")) for i in range(200, 205)]


def signed(key, score=9000, challenge_id=1, contract=CONTRACT, chain_id=CHAIN, deliverable=DELIVERABLE):
    verdict = Verdict(chain_id, contract, challenge_id, deliverable, score)
    return SignedVerdict(verdict, key.address, verdict.sign(key.key))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "oracle.sqlite"


def test_a_stored_verdict_survives_reopening_the_store(path):
    v = signed(KEYS[0])
    with VerdictStore(path) as store:
        assert store.put(v, received_at=1234.5) == STORED
    with VerdictStore(path) as store:
        [kept] = store.verdicts(CHAIN, CONTRACT, 1)
        assert kept.signed == v and kept.received_at == 1234.5
        assert store.documents(CHAIN, CONTRACT, 1) == [v.to_json()]
        assert SignedVerdict.from_json(store.documents(CHAIN, CONTRACT, 1)[0]) == v


def test_the_file_is_in_wal_mode_and_writes_are_synchronous(path):
    with VerdictStore(path) as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        store.put(signed(KEYS[0]))
        # Committed: another connection sees it while the store is still open.
        other = sqlite3.connect(path)
        assert other.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == 1
        other.close()


def test_an_identical_resubmission_is_a_no_op(path):
    with VerdictStore(path) as store:
        assert store.put(signed(KEYS[0]), received_at=1.0) == STORED
        assert store.put(signed(KEYS[0]), received_at=2.0) == UNCHANGED
        [kept] = store.verdicts(CHAIN, CONTRACT, 1)
        assert kept.received_at == 1.0


def test_an_evaluator_replaces_their_verdict(path):
    with VerdictStore(path) as store:
        store.put(signed(KEYS[0], 9000))
        assert store.put(signed(KEYS[0], 4000)) == REPLACED
        [kept] = store.verdicts(CHAIN, CONTRACT, 1)
        assert kept.score == 4000
        assert store.put(signed(KEYS[0], 9000)) == REPLACED
        assert store.count() == 1


def test_verdicts_are_kept_apart_by_deployment_chain_challenge_and_signer(path):
    with VerdictStore(path) as store:
        store.put(signed(KEYS[0]))
        store.put(signed(KEYS[1]))
        store.put(signed(KEYS[0], challenge_id=2))
        store.put(signed(KEYS[0], contract=OTHER))
        store.put(signed(KEYS[0], chain_id=1))
        assert [v.signer for v in store.verdicts(CHAIN, CONTRACT, 1)] == sorted(
            [KEYS[0].address, KEYS[1].address], key=lambda a: int(a, 16))
        assert len(store.verdicts(CHAIN, CONTRACT, 2)) == 1
        assert len(store.verdicts(CHAIN, OTHER.lower(), 1)) == 1  # any case of the address
        assert len(store.verdicts(1, CONTRACT, 1)) == 1
        assert store.challenge_ids(CHAIN, CONTRACT) == [1, 2]
        assert store.counts(CHAIN, CONTRACT) == {1: 2, 2: 1}
        assert store.count() == 5


def test_a_huge_challenge_id_is_kept_exactly(path):
    big = 2**255 + 7
    with VerdictStore(path) as store:
        store.put(signed(KEYS[0], challenge_id=big))
        assert store.challenge_ids(CHAIN, CONTRACT) == [big]
        assert store.verdicts(CHAIN, CONTRACT, big)[0].signed.verdict.challenge_id == big


def test_attempts_are_recorded_in_order(path):
    with VerdictStore(path) as store:
        store.record_attempt(CHAIN, CONTRACT, 1, "settle", FAILED, reason="the node went away")
        store.record_attempt(CHAIN, CONTRACT, 1, "settle", SETTLED_BY_US, tx_hash="0xabc")
        store.record_attempt(CHAIN, CONTRACT, 2, "settle", SETTLED_ELSEWHERE)
    with VerdictStore(path) as store:
        attempts = store.attempts(CHAIN, CONTRACT, 1)
        assert [(a.outcome, a.tx_hash, a.reason) for a in attempts] == [
            (FAILED, None, "the node went away"), (SETTLED_BY_US, "0xabc", None)]
        assert len(store.attempts(CHAIN, CONTRACT)) == 3
        assert store.attempts(CHAIN, OTHER) == []
        assert attempts[1].to_json()["outcome"] == SETTLED_BY_US


def test_an_unknown_outcome_is_refused(path):
    with VerdictStore(path) as store, pytest.raises(ValueError):
        store.record_attempt(CHAIN, CONTRACT, 1, "settle", "maybe")


def test_concurrent_writers_lose_nothing(path):
    with VerdictStore(path) as store:
        verdicts = [signed(key, challenge_id=cid) for key in KEYS for cid in range(1, 11)]
        errors = []

        def put(chunk):
            try:
                for v in chunk:
                    store.put(v)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=put, args=(verdicts[i::5],)) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert store.count() == len(verdicts) == 50


def test_close_is_idempotent(path):
    store = VerdictStore(path)
    store.close()
    store.close()


def test_concurrent_puts_share_group_commits_and_each_returns_after_its_own(path):
    """Verdicts that arrive while a commit is under way are written together in the next one, and each
    put returns only once the transaction holding its verdict is committed."""
    with VerdictStore(path) as store:
        groups, committed = [], set()
        write = store._write

        def recording_write(group):
            groups.append(len(group))
            write(group)
            committed.update(p.row[2:4] for p in group)

        store._write = recording_write
        gate = threading.Event()
        first = store._transaction

        def slow_transaction():  # the first commit waits until every other writer queued behind it
            gate.wait(5)
            return first()

        store._transaction = slow_transaction
        verdicts = [signed(key, challenge_id=cid) for key in KEYS for cid in range(1, 5)]
        results, errors = {}, []

        def put(v):
            try:
                status = store.put(v)
                assert (str(v.verdict.challenge_id), v.signer) in committed  # its own commit is done
                results[(v.verdict.challenge_id, v.signer)] = status
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=put, args=(v,)) for v in verdicts]
        threads[0].start()
        while not store._writing:
            pass
        for t in threads[1:]:
            t.start()
        while len(store._waiting) < len(verdicts) - 1:
            pass
        gate.set()
        for t in threads:
            t.join()
        assert not errors
        assert set(results.values()) == {STORED} and len(results) == len(verdicts)
        assert groups == [1, len(verdicts) - 1]  # one commit for all that queued behind the first
        assert store.count() == len(verdicts)


def test_a_group_sees_its_own_earlier_rows(path):
    """The same verdict twice, then a replacement, in one group: the same answers as one by one."""
    from ante.oracle.store import _Pending

    with VerdictStore(path) as store:
        queued = []
        write = store._write
        store._write = queued.extend  # queue the rows instead of writing them
        for v in (signed(KEYS[1], 9000), signed(KEYS[1], 9000), signed(KEYS[1], 4000)):
            store.put(v)
        store._write = write
        group = [_Pending(p.row) for p in queued]
        store._write(group)
        assert [p.status for p in group] == [STORED, UNCHANGED, REPLACED]
        assert [v.score for v in store.verdicts(CHAIN, CONTRACT, 1)] == [4000]


def test_a_failed_group_commit_fails_every_put_in_it_and_stores_nothing(path):
    with VerdictStore(path) as store:
        def broken():
            raise sqlite3.OperationalError("disk I/O error")

        store._transaction = broken
        with pytest.raises(sqlite3.OperationalError):
            store.put(signed(KEYS[0]))
        del store._transaction
        assert store.count() == 0
        assert store.put(signed(KEYS[0])) == STORED  # the store still works afterwards
