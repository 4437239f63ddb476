"""The event index reads the chain incrementally, survives a restart and rebuilds from nothing; the
client caches only final blocks and heals after the chain changes (see also test_index_reorg.py)."""

import logging
import sqlite3

import pytest

from ante.chain import ChainReader, event_fetcher
from ante.client import AnteClient
from ante.deployment import Deployment
from ante.events import ChallengeAccepted, ChallengeCreated, ChallengeSettled
from ante.index import EventIndex


@pytest.fixture
def index_path(tmp_path):
    return tmp_path / "index.sqlite"


def settled_challenge(bounties):
    challenge_id, record = bounties.submitted_challenge()
    bounties.settle(challenge_id, record, 10_000)
    return challenge_id


def test_sync_stores_every_event_in_chain_order(bounties, ante, chain, index_path):
    challenge_id = settled_challenge(bounties)
    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        stored = index.sync(chain.blocks.head.number, event_fetcher(ante))
        names = [type(e).__name__ for e in index.events(challenge_id)]
        assert names == ["ChallengeCreated", "ChallengeAccepted", "ChallengeSubmitted", "ChallengeSettled"]
        assert stored == index.count() and stored >= 4  # the panels' events come too
        positions = [e.position for e in index.events()]
        assert positions == sorted(positions)


def test_second_sync_reads_only_new_blocks(bounties, ante, chain, index_path):
    settled_challenge(bounties)
    fetch = event_fetcher(ante)
    read = []

    def counting(start, stop):
        read.append((start, stop))
        return fetch(start, stop)

    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        index.sync(chain.blocks.head.number, counting)
        first_head = index.last_block
        bounties.create()
        read.clear()
        assert index.sync(chain.blocks.head.number, counting) == 1
        assert read[0][0] == first_head + 1
        assert isinstance(index.events()[-1], ChallengeCreated)


def test_index_reopened_after_a_restart_keeps_its_cursor(bounties, ante, chain, index_path):
    settled_challenge(bounties)
    head = chain.blocks.head.number
    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        index.sync(head, event_fetcher(ante))
        count = index.count()
    with EventIndex(index_path, chain.chain_id, ante.address) as reopened:
        assert (reopened.last_block, reopened.count()) == (head, count)
        assert reopened.sync(head, lambda a, b: pytest.fail("nothing new should be read")) == 0


def test_a_failing_fetch_commits_nothing_of_its_batch(bounties, ante, chain, index_path):
    settled_challenge(bounties)
    fetch = event_fetcher(ante)
    head = chain.blocks.head.number

    def crashing(start, stop):
        if start > 0:
            raise ConnectionError("node went away")
        return fetch(start, stop)

    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        with pytest.raises(ConnectionError):
            index.sync(head, crashing, batch=1)
        assert index.last_block == 0
        assert all(e.block_number == 0 for e in index.events())
        index.sync(head, fetch, batch=3)
        assert index.last_block == head
        assert [type(e) for e in index.events()][-1] is ChallengeSettled


def test_deleted_index_rebuilds_the_same_events(bounties, ante, chain, index_path):
    settled_challenge(bounties)
    head = chain.blocks.head.number
    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        index.sync(head, event_fetcher(ante))
        before = index.events()
    index_path.unlink()
    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        index.sync(head, event_fetcher(ante), batch=2)
        assert index.events() == before


def test_deployments_are_kept_apart(bounties, ante, chain, index_path):
    settled_challenge(bounties)
    head = chain.blocks.head.number
    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        index.sync(head, event_fetcher(ante))
    with EventIndex(index_path, chain.chain_id, "0x" + "11" * 20, start_block=head) as other:
        assert (other.count(), other.last_block) == (0, head - 1)
    with EventIndex(index_path, chain.chain_id + 1, ante.address) as other_chain:
        assert other_chain.count() == 0


def test_index_uses_write_ahead_logging(index_path):
    EventIndex(index_path, 1, "0x" + "22" * 20).close()
    assert sqlite3.connect(index_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_accepted_event_keeps_its_promise(bounties, ante, chain, index_path):
    challenge_id, record, _ = bounties.create()
    bounties.accept(challenge_id, record)
    with EventIndex(index_path, chain.chain_id, ante.address) as index:
        index.sync(chain.blocks.head.number, event_fetcher(ante))
        accepted = [e for e in index.events(challenge_id) if isinstance(e, ChallengeAccepted)]
        assert len(accepted) == 1 and accepted[0].contributor == bounties.contributor.address
        assert accepted[0].stake == record.terms.stake


def test_the_reader_gives_the_same_events_over_http_as_through_apes_provider(bounties, ante, chain, index_path):
    """The command line reads raw JSON-RPC over HTTP; the oracle through Ape's provider: one decoding."""
    from ante.rpc import ApeNode, HttpNode

    challenge_id = settled_challenge(bounties)
    head = chain.blocks.head.number
    over_http, through_ape = ChainReader(ante.address, HttpNode(chain.provider.uri)), ChainReader(ante, ApeNode())
    events = list(over_http(0, head))
    assert events == list(through_ape(0, head))
    mine = [e for e in events if getattr(e, "challenge_id", None) == challenge_id]
    assert [type(e).__name__ for e in mine] == ["ChallengeCreated", "ChallengeAccepted", "ChallengeSubmitted",
                                                "ChallengeSettled"]
    assert [e.timestamp for e in mine] == [chain.blocks[e.block_number].timestamp for e in mine]
    assert over_http.block_hash(head) == "0x" + bytes(chain.blocks.head.hash).hex() == through_ape.block_hash(head)
    assert over_http.block_hash(head + 1) is None
    assert over_http.tagged("finalized") == through_ape.tagged("finalized")


def client_on(ante, chain, tmp_path, **kwargs) -> AnteClient:
    return AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "client.sqlite", **kwargs)


def test_the_client_caches_final_blocks_and_reads_later_ones_fresh(bounties, ante, chain, tmp_path):
    client = client_on(ante, chain, tmp_path, finality_depth=2)
    challenge_id = settled_challenge(bounties)  # created, accepted, submitted, settled: one block each
    head = chain.blocks.head.number

    events = [e for e in client.events() if getattr(e, "challenge_id", None) == challenge_id]

    assert client.final_block == head - 2
    assert [type(e).__name__ for e in events] == ["ChallengeCreated", "ChallengeAccepted", "ChallengeSubmitted",
                                                  "ChallengeSettled"]
    with EventIndex(client.index_path, chain.chain_id, ante.address) as index:
        assert index.last_block == head - 2
        assert [type(e).__name__ for e in index.events(challenge_id)] == ["ChallengeCreated", "ChallengeAccepted"]


def test_a_local_chain_is_cached_up_to_its_head(bounties, ante, chain, tmp_path, monkeypatch):
    monkeypatch.delenv("ANTE_FINALITY_DEPTH", raising=False)
    client = client_on(ante, chain, tmp_path)
    settled_challenge(bounties)
    client.events()
    assert client.final_block == chain.blocks.head.number


def test_the_client_forgets_a_challenge_the_chain_dropped_and_says_so_once(bounties, ante, chain, tmp_path, caplog):
    client = client_on(ante, chain, tmp_path)
    before = chain.snapshot()
    challenge_id, _, _ = bounties.create(bounties.terms(reward=5 * 10**18))
    assert client.challenge(challenge_id).terms.reward == 5 * 10**18
    chain.restore(before)  # a reorganisation below the index's cursor (the chain is final at its head)
    reused, _, _ = bounties.create(bounties.terms(reward=7 * 10**18))
    chain.mine(2)  # the new branch is longer than the old one
    assert reused == challenge_id

    with caplog.at_level(logging.WARNING, logger="ante"):
        first = client.sync()
        events = client.events()

    assert first.challenges[challenge_id].terms.reward == 7 * 10**18
    created = [e for e in events if isinstance(e, ChallengeCreated) and e.challenge_id == challenge_id]
    assert [e.terms.reward for e in created] == [7 * 10**18]  # the phantom is gone, not merely outvoted
    notices = [r.getMessage() for r in caplog.records if r.name == "ante"]
    assert len(notices) == 1 and "reorganised" in notices[0], notices
