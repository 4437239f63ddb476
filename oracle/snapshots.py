"""What the oracle knows of the chain: immutable snapshots, published by the chain worker.

Ape is synchronous and keeps global state, so every chain operation happens in ONE worker thread
(:mod:`ante.oracle.loop`). HTTP handlers never touch Ape: they read the latest :class:`Snapshot` (the
folded event log, the chain head and its timestamp), which the worker replaces after every sync. When a
handler needs a newer view (a verdict for a challenge the snapshot does not show as submitted yet), it
asks the worker for a sync and waits for it (:meth:`Snapshots.fresh`; concurrent requests are coalesced),
but only while the node answers: once a chain call has waited longer than ``silence`` (two polls, a
second at least: what /health calls a node not answering), nobody waits for a newer view. Reads never
ask for one at all. Without a running worker (tests, scripts) the caller's thread reads the chain itself.

:class:`ChainHealth` remembers whether the node answers and the last chain error, and logs each failing
operation once per outage (or, for a node that answers but refuses, once until the operation concludes),
not at every poll or retry. It also knows how long the chain call in progress has waited
(:meth:`ChainHealth.waiting`): a node that hangs never fails a call, it only makes one wait.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ante.errors import AnteError
from ante.history import Chronicle, fold

log = logging.getLogger("ante.oracle")


#: The shortest wait, in seconds, for a chain call that counts as the node not answering.
SILENCE_FLOOR = 1.0


class NotReady(AnteError):
    """The oracle has not read the chain yet, or cannot read it now for what was asked."""


@dataclass(frozen=True)
class Snapshot:
    """What the worker last read from the chain; never mutated once published."""

    chronicle: Chronicle
    events: tuple
    head: int
    chain_time: int
    taken_at: float  # time.monotonic() when the head was read
    wall: float  # time.time() then
    head_hash: bytes | None = None  # the head block's hash, to tell an unchanged chain
    final_block: int | None = None  # the last block the event index holds as final, where it says
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def indexed(self) -> int:
        return self.head

    def records(self):
        """Everyone's records (``ante.records``): a projection of the snapshot's chronicle, computed once."""
        if "records" not in self._cache:
            from ante.records import Records

            self._cache["records"] = Records(self.chronicle)
        return self._cache["records"]


def short(error: BaseException, limit: int = 300) -> str:
    """An error as one line of at most `limit` characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ChainHealth:
    """Whether the node answers, the last chain error, and which failing operations were logged."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.healthy = False
        self.head: int | None = None
        self.last_error: tuple[float, str] | None = None
        self._warned: set[str] = set()
        self._calls: dict[int, float] = {}  # thread id -> time.monotonic() when its chain call began

    @contextlib.contextmanager
    def calling(self) -> Iterator[None]:
        """Marks the calling thread as waiting on the chain (the lock, then the node) until the block ends;
        nested blocks count from the outermost."""
        thread = threading.get_ident()
        outermost = thread not in self._calls
        if outermost:
            self._calls[thread] = time.monotonic()
        try:
            yield
        finally:
            if outermost:
                self._calls.pop(thread, None)

    def waiting(self) -> float:
        """Seconds the longest chain call in progress has waited so far (0 when none is)."""
        started = min(self._calls.values(), default=None)
        return 0.0 if started is None else time.monotonic() - started

    def error(self, what: str, error: BaseException, *, outage: bool = True) -> None:
        """Counts and remembers a failed chain operation, logging it once. `outage` False: the node
        answered (say it refused a transaction); it is not marked unreachable."""
        self.metrics.chain_errors.inc()
        repeated = what in self._warned
        self._warned.add(what)
        if outage:
            self.healthy = False
        self.last_error = (time.time(), f"{what}: {short(error)}")
        log.log(logging.DEBUG if repeated else logging.WARNING, "%s failed: %s", what, short(error))

    def concluded(self, challenge_id: int) -> None:
        """An operation on `challenge_id` ended: its next failure is worth a log line again."""
        self._warned = {w for w in self._warned if not w.endswith(f" challenge {challenge_id}")}

    def answered(self, head: int) -> bool:
        """The node answered a full read; True if it had been failing."""
        recovered = not self.healthy and self.last_error is not None
        if recovered:
            log.info("the chain answers again (head %s)", head)
        if not self.healthy:
            self._warned.clear()
        self.healthy = True
        return recovered


class Snapshots:
    """Publishes snapshots of `client`'s deployment: :meth:`refresh` in the worker, the rest anywhere."""

    def __init__(self, client, health: ChainHealth, metrics, chain_lock: threading.RLock, *, sync_wait: float = 10.0,
                 silence: float = SILENCE_FLOOR):
        self.client = client
        self.health = health
        self.metrics = metrics
        self.chain_lock = chain_lock
        self.sync_wait = sync_wait
        self.silence = silence  # a chain call waiting longer than this: the node is not answering
        self.current: Snapshot | None = None
        self.on_recovered: Callable[[], None] = lambda: None  # the loop's: retries waiting out a backoff go now
        self.request_sync: Callable[[], bool] | None = None  # the loop's, while a worker runs
        self._changed = threading.Condition()
        self._attempted_at = float("-inf")  # when the last sync attempt (successful or not) began
        self._stopping = False

    def ready(self) -> Snapshot:
        """The latest snapshot; :class:`NotReady` before the first sync."""
        snapshot = self.current
        if snapshot is None:
            raise NotReady("the oracle has not read the chain yet; try again in a moment.")
        return snapshot

    def refresh(self) -> bool:
        """Syncs the event index to the head and publishes a new snapshot; False if the chain failed."""
        with self.health.calling(), self.chain_lock:
            taken_at, wall = time.monotonic(), time.time()
            try:
                block = self.client.chain.blocks.head
                head, chain_time, head_hash = int(block.number), int(block.timestamp), block.hash
                self.health.head = head
                self.metrics.chain_head.set(head)
                previous = self.current
                if previous is not None:
                    self.metrics.chain_lag.set(max(0, head - previous.indexed))
                events = self.client.events(head=head)
                if (previous is not None and head_hash is not None and (previous.head, previous.head_hash) == (head, head_hash)
                        and len(events) == len(previous.events)):
                    events, chronicle = previous.events, previous.chronicle  # no new block: nothing to fold again
                else:
                    chronicle = fold(events)
                final_block = getattr(self.client, "final_block", None)
            except Exception as error:
                self.health.error("reading the chain", error)
                with self._changed:
                    self._attempted_at = taken_at
                    self._changed.notify_all()
                return False
            snapshot = Snapshot(chronicle, tuple(events), head, chain_time, taken_at, wall, head_hash, final_block)
            if self.health.answered(head):
                self.on_recovered()
            with self._changed:
                self.current = snapshot
                self._attempted_at = taken_at
                self._changed.notify_all()
            self.metrics.indexed_block.set(head)
            self.metrics.chain_lag.set(0)
            return True

    def fresh(self, timeout: float | None = None) -> tuple[Snapshot | None, bool]:
        """The chain as it is now: asks the worker for a sync and waits for it, up to `timeout` seconds
        (default `sync_wait`), and only while the node answers: not at all when a chain call has already
        waited longer than `silence`, and no longer once one has. Returns (snapshot, fresh): fresh is False
        when the sync failed or did not finish, and the snapshot is the latest there is."""
        asked = time.monotonic()
        if self.request_sync is None:  # no worker: read the chain here
            if self._stopping:
                return self.current, False
            fresh = self.refresh()
            return self.current, fresh
        deadline = asked + (self.sync_wait if timeout is None else timeout)
        with self._changed:
            if self.health.waiting() <= self.silence:
                self.request_sync()
                # Woken by the sync's end; in between, every tenth of a second to see whether the node went silent.
                while not (self._attempted_at >= asked or self._stopping):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.health.waiting() > self.silence:
                        break
                    self._changed.wait(min(remaining, 0.1))
            snapshot = self.current
            return snapshot, snapshot is not None and snapshot.taken_at >= asked

    def wait_ready(self, timeout: float) -> bool:
        """Waits until the first sync has published a snapshot; True if it has."""
        with self._changed:
            return self._changed.wait_for(lambda: self.current is not None or self._stopping, timeout) \
                and self.current is not None

    def stopping(self, value: bool) -> None:
        """Wakes every waiter when the worker stops (`value` True), so none waits out its timeout."""
        with self._changed:
            self._stopping = value
            self._changed.notify_all()
