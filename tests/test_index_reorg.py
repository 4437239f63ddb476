"""The event index against a chain that changes under it: reorganisations, a new chain behind the same
address, a damaged file. A fake chain stands in for the node (no Ape, no node), so each case is exact."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from eth_utils import to_checksum_address

from ante.events import PanelCreated
from ante.index import MAX_CHECKPOINTS, SCHEMA_VERSION, ChainChanged, EventIndex

CHAIN_ID = 11155111
CONTRACT = "0x" + "ab" * 20
CREATOR = to_checksum_address("0x" + "cd" * 20)
BRANCHES = itertools.count()


class FakeChain:
    """Blocks 0..head, each with a hash and one PanelCreated event (panel id = block number); a fork
    label (one hex digit) in every hash and transaction hash tells the branches apart."""

    def __init__(self, blocks: int, label: str = "a"):
        self.blocks: list[tuple[str, list[PanelCreated]]] = []
        self.reads: list[tuple[int, int]] = []
        self.hash_reads = 0
        self.grow(blocks, label)

    @property
    def head(self) -> int:
        return len(self.blocks) - 1

    def grow(self, count: int, label: str = "a") -> None:
        branch = next(BRANCHES)  # hashes never repeat, even where a label does
        for _ in range(count):
            number = len(self.blocks)
            event = PanelCreated(block_number=number, log_index=0, transaction_hash=f"0x{label}{number:063x}"[:66],
                                 timestamp=1_000 + number, panel_id=number, creator=CREATOR, members=(CREATOR,),
                                 threshold=1)
            self.blocks.append((f"0x{label}-{number}-{branch}", [event]))

    def reorg(self, depth: int, label: str) -> None:
        """Replaces the last `depth` blocks with as many others (another branch, other events)."""
        del self.blocks[len(self.blocks) - depth:]
        self.grow(depth, label)

    def fetch(self, start: int, stop: int):
        self.reads.append((start, stop))
        return [e for _, events in self.blocks[start:stop + 1] for e in events]

    def block_hash(self, number: int) -> str | None:
        self.hash_reads += 1
        return self.blocks[number][0] if 0 <= number <= self.head else None

    def events(self, start: int = 0, stop: int | None = None) -> list[PanelCreated]:
        return self.fetch(start, self.head if stop is None else stop)


@pytest.fixture
def notices():
    return []


@pytest.fixture
def open_index(tmp_path, notices):
    made = []

    def open_(start_block: int = 0, path=None) -> EventIndex:
        index = EventIndex(path or tmp_path / "index.sqlite", CHAIN_ID, CONTRACT, start_block, notice=notices.append)
        made.append(index)
        return index

    yield open_
    for index in made:
        index.close()


def sync_each_block(index: EventIndex, chain: FakeChain) -> None:
    """Syncs block by block, as a client does when it reads after every transaction."""
    for block in range(index.last_block + 1, chain.head + 1):
        index.sync(block, chain.fetch, block_hash=chain.block_hash)


# ------------------------------------------------------------------------------- the final block


def test_sync_stores_nothing_after_the_block_it_is_given(open_index):
    chain = FakeChain(20)
    index = open_index()
    index.sync(chain.head - 5, chain.fetch, block_hash=chain.block_hash)
    assert index.last_block == 14
    assert index.events() == chain.events(0, 14)
    assert max(e.block_number for e in index.events()) == 14


def test_a_synced_index_checks_one_hash_and_reads_nothing(open_index):
    chain = FakeChain(10)
    index = open_index()
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    chain.reads.clear()
    chain.hash_reads = 0
    assert index.sync(chain.head, chain.fetch, block_hash=chain.block_hash) == 0
    assert (chain.reads, chain.hash_reads) == ([], 1)


# ------------------------------------------------------------------------------- reorganisations


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_a_reorganisation_below_the_cursor_rewinds_to_the_fork_point(open_index, notices, depth):
    chain = FakeChain(12)
    index = open_index()
    sync_each_block(index, chain)
    generation = index.generation
    chain.reorg(depth, "b")
    fork = chain.head - depth
    chain.reads.clear()

    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)

    assert chain.reads[0][0] == fork + 1  # nothing before the fork point is read again
    assert index.events() == chain.events()
    assert [e.transaction_hash[2] for e in index.events()[fork + 1:]] == ["b"] * depth
    assert index.generation != generation
    assert len(notices) == 1 and f"after block {fork}" in notices[0], notices


def test_a_longer_branch_replaces_the_phantom_events(open_index, notices):
    chain = FakeChain(8)
    index = open_index()
    sync_each_block(index, chain)
    chain.reorg(1, "b")
    chain.grow(3, "b")
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert index.events() == chain.events()
    assert index.last_block == chain.head and index.last_hash == chain.block_hash(chain.head)
    assert len(notices) == 1


def test_a_reorganisation_is_announced_once(open_index, notices):
    chain = FakeChain(8)
    index = open_index()
    sync_each_block(index, chain)
    chain.reorg(3, "b")
    for _ in range(3):
        index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    chain.grow(2, "b")
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert len(notices) == 1, notices


class LogReader:
    """A fetch that, like ``ante.chain.ChainReader``, tells the hashes of the blocks its events came from."""

    def __init__(self, chain: FakeChain, every: int = 1):
        self.chain = chain
        self.every = every  # only blocks whose number is a multiple have events here
        self.seen_hashes: dict[int, str] = {}

    def __call__(self, start, stop):
        events = [e for e in self.chain.fetch(start, stop) if e.block_number % self.every == 0]
        self.seen_hashes = {e.block_number: self.chain.blocks[e.block_number][0] for e in events}
        return events


@pytest.mark.parametrize("depth", [1, 3, 5])
def test_after_one_long_batch_a_reorganisation_rewinds_to_the_last_block_with_events_before_it(
        open_index, notices, depth):
    chain = FakeChain(40)
    reader = LogReader(chain, every=4)
    index = open_index()
    index.sync(chain.head, reader, block_hash=chain.block_hash)  # a single batch
    chain.reorg(depth, "b")
    fork = chain.head - depth
    newest_with_events = fork // 4 * 4
    chain.reads.clear()
    index.sync(chain.head, reader, block_hash=chain.block_hash)
    assert chain.reads[0][0] == newest_with_events + 1
    assert index.events() == [e for e in chain.events() if e.block_number % 4 == 0]
    assert len(notices) == 1 and f"after block {newest_with_events}" in notices[0], notices


def test_a_reorganisation_deeper_than_every_checkpoint_rebuilds(open_index, notices):
    chain = FakeChain(6)
    index = open_index()
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)  # one batch: one checkpoint, block 5
    chain.reorg(3, "b")
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert index.events() == chain.events()
    assert len(notices) == 1 and "rebuilt" in notices[0], notices


def test_checkpoints_are_bounded(open_index):
    chain = FakeChain(MAX_CHECKPOINTS + 20)
    index = open_index()
    index.sync(chain.head, chain.fetch, batch=1, block_hash=chain.block_hash)
    points = index.checkpoints()
    assert len(points) == MAX_CHECKPOINTS
    assert points[-1] == (chain.head, chain.block_hash(chain.head))


def test_a_batch_whose_last_block_changes_while_it_is_read_is_not_stored(open_index):
    chain = FakeChain(6)
    index = open_index()
    flips = iter(["b", "c"])

    def reorganising_fetch(start, stop):
        events = chain.fetch(start, stop)
        label = next(flips, None)
        if label:
            chain.reorg(2, label)  # the events just read belong to a branch that is gone
        return events

    index.sync(chain.head, reorganising_fetch, block_hash=chain.block_hash)
    assert index.events() == chain.events()
    assert index.events()[-1].transaction_hash[2] == "c"


def test_a_chain_that_never_settles_is_an_error_not_a_wrong_index(open_index):
    chain = FakeChain(6)
    index = open_index()
    labels = iter("bcdefg")

    def always_reorganising(start, stop):
        events = chain.fetch(start, stop)
        chain.reorg(1, next(labels))
        return events

    with pytest.raises(ChainChanged, match="changed 3 times"):
        index.sync(chain.head, always_reorganising, block_hash=chain.block_hash)
    assert index.count() == 0


def test_a_chain_rolled_back_under_the_sync_stops_it_without_a_gap(open_index):
    chain = FakeChain(10)
    index = open_index()
    del chain.blocks[7:]  # the caller asked for block 9; the chain now ends at 6
    index.sync(9, chain.fetch, batch=3, block_hash=chain.block_hash)
    assert index.last_block == 5  # batches 0-2 and 3-5 are in; 6-8 ends past the chain
    assert index.events() == chain.events(0, 5)


# ------------------------------------------------------------------------------- another chain


def test_a_new_chain_behind_the_same_address_rebuilds_at_once(open_index, notices):
    old = FakeChain(10, "a")
    index = open_index(start_block=2)
    sync_each_block(index, old)
    new = FakeChain(14, "e")  # every block differs, the deployment block included
    new.hash_reads = 0
    index.sync(new.head, new.fetch, block_hash=new.block_hash)
    assert index.events() == new.events(2)
    assert len(notices) == 1 and "block 2 " in notices[0] and "restarted" in notices[0], notices
    assert new.reads[0][0] == 2
    # Recognised from the deployment block at once: no walk through the checkpoints.
    assert new.hash_reads <= 2 + 2 * len(new.reads) + 1


def test_a_shorter_new_chain_drops_the_old_events(open_index, notices):
    old = FakeChain(10, "a")
    index = open_index()
    sync_each_block(index, old)
    new = FakeChain(3, "e")
    index.sync(new.head, new.fetch, block_hash=new.block_hash)
    assert index.events() == new.events()
    assert index.last_block == 2
    assert len(notices) == 1


def test_a_deployment_recorded_at_another_block_rebuilds(open_index, notices, tmp_path):
    chain = FakeChain(10)
    index = open_index(start_block=2)
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    index.close()
    moved = open_index(start_block=6)
    moved.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert moved.events() == chain.events(6)
    assert len(notices) == 1 and "block 6, not 2" in notices[0], notices


# ------------------------------------------------------------------------------- a damaged file


def written_index(open_index, tmp_path) -> tuple[FakeChain, object]:
    chain = FakeChain(30)
    index = open_index()
    index.sync(chain.head, chain.fetch, batch=4, block_hash=chain.block_hash)
    index.close()
    return chain, tmp_path / "index.sqlite"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_file_is_moved_aside_and_rebuilt(open_index, notices, tmp_path, damage):
    chain, path = written_index(open_index, tmp_path)
    data = path.read_bytes()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"index.sqlite{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"\x00not an index\xff" * 300 if damage == "garbage" else data[: len(data) // 2])

    index = open_index()
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert index.events() == chain.events()
    assert (tmp_path / "index.sqlite.corrupt").exists()
    assert len(notices) == 1 and "moved aside as index.sqlite.corrupt" in notices[0], notices
    assert str(tmp_path) not in notices[0]  # no local path in what a person reads
    index.close()
    open_index().sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert len(notices) == 1


def test_an_unopenable_file_is_moved_aside_and_rebuilt(open_index, notices, tmp_path):
    (tmp_path / "index.sqlite").mkdir()  # a folder where the file should be: SQLite cannot open it
    chain = FakeChain(5)
    index = open_index()
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert index.events() == chain.events()
    assert (tmp_path / "index.sqlite.corrupt").is_dir()
    assert len(notices) == 1 and "moved aside" in notices[0], notices


def test_an_index_of_an_older_format_is_rebuilt(open_index, notices, tmp_path):
    path = tmp_path / "index.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE cursor (chain_id INTEGER, contract TEXT, last_block INTEGER, PRIMARY KEY (chain_id, contract));
        CREATE TABLE events (chain_id INTEGER, contract TEXT, block_number INTEGER, log_index INTEGER, name TEXT,
                             challenge_id INTEGER, body TEXT, PRIMARY KEY (chain_id, contract, block_number, log_index));
    """)
    old.execute("INSERT INTO cursor VALUES (?, ?, 99)", (CHAIN_ID, CONTRACT))
    old.commit()
    old.close()
    chain = FakeChain(5)
    index = open_index()
    assert index.last_block == -1
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert index.events() == chain.events()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(notices) == 1 and "format 0" in notices[0], notices


def test_an_undamaged_file_gives_no_notice(open_index, notices, tmp_path):
    chain, _ = written_index(open_index, tmp_path)
    index = open_index()
    index.sync(chain.head, chain.fetch, block_hash=chain.block_hash)
    assert notices == []
    assert index.events() == chain.events()


# ------------------------------------------------------------------------------- any sequence of changes


from hypothesis import settings, strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule  # noqa: E402


class IndexUnderAChangingChain(RuleBasedStateMachine):
    """Whatever the chain does between syncs (grow, reorganise 1-5 blocks, restart as a new chain), a
    sync leaves the index holding exactly the chain's events up to the block it was given, and each
    change it had to undo is said in exactly one notice."""

    @initialize()
    def start(self):
        import tempfile
        from pathlib import Path

        self.folder = tempfile.TemporaryDirectory()
        self.notices: list[str] = []
        self.chain = FakeChain(3)
        self.reader = LogReader(self.chain, every=2)
        self.index = EventIndex(Path(self.folder.name) / "index.sqlite", CHAIN_ID, CONTRACT, 1,
                                notice=self.notices.append)
        self.labels = iter("bcdef" * 1_000)
        self.undone = 0  # changes below the cursor that the next sync must announce
        self.synced_to = 0

    def teardown(self):
        if hasattr(self, "index"):
            self.index.close()
            self.folder.cleanup()

    @rule(count=st.integers(1, 4))
    def grow(self, count):
        self.chain.grow(count, next(self.labels))

    @rule(depth=st.integers(1, 5))
    def reorganise(self, depth):
        depth = min(depth, self.chain.head)  # the genesis block stays
        if self.index.last_block > self.chain.head - depth:
            self.undone = 1
        self.chain.reorg(depth, next(self.labels))

    @rule()
    def restart(self):
        if self.index.last_block >= 1:
            self.undone = 1
        self.chain = FakeChain(self.chain.head + 1, next(self.labels))
        self.reader.chain = self.chain

    @rule(behind=st.integers(0, 3), batch=st.integers(1, 5))
    def sync(self, behind, batch):
        before = len(self.notices)
        final = max(0, self.chain.head - behind)
        self.index.sync(final, self.reader, batch=batch, block_hash=self.chain.block_hash)
        assert len(self.notices) - before == self.undone, self.notices[before:]
        self.undone = 0
        self.synced_to = final

    @invariant()
    def holds_the_chains_events_up_to_its_cursor(self):
        last = self.index.last_block
        if self.undone:
            return  # the chain changed under the index; the next sync heals it
        expected = [e for e in self.chain.events(1, last) if e.block_number % 2 == 0] if last >= 1 else []
        assert self.index.events() == expected


IndexUnderAChangingChain.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
test_the_index_heals_under_any_sequence_of_changes = IndexUnderAChangingChain.TestCase
