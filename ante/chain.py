"""The chain side of the core: reading a deployment's events, block hashes and tagged blocks.

Everything is read as raw JSON-RPC through an :class:`ante.rpc.Node`: straight over HTTP for the command
line's reads (no Ape loaded), or through Ape's connected provider (:class:`ante.rpc.ApeNode`). Logs are
decoded by :class:`ante.abi.LogDecoder`. Blocks are plain dicts, read by key. Timestamps are remembered
by block hash, never by number: a number can name another block after a reorganisation, a hash cannot;
the blocks a range of logs needs are asked for in one batch.
"""

from __future__ import annotations

from collections.abc import Iterator

from ante.errors import AnteError
from ante.events import Event
from ante.rpc import ApeNode, Node, NodeRefused, block_tag, quantity

#: Blocks per ``eth_getLogs`` request (nodes cap the range a request may cover).
LOG_PAGE = 2_000


def _hex(value) -> str:
    """A hash as lower-case ``0x`` hex, whatever type web3 gave it."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def read_logs(node: Node, address: str, topics: list, start: int, stop: int) -> list[dict]:
    """The raw logs of `address` matching `topics` (``eth_getLogs``'s filter) from block `start` to `stop`,
    asked for :data:`LOG_PAGE` blocks at a time; logs a node marks removed are left out, the rest come in
    chain order."""
    logs: list[dict] = []
    for first in range(start, stop + 1, LOG_PAGE):
        last = min(stop, first + LOG_PAGE - 1)
        logs += node.request("eth_getLogs", [{"address": address, "fromBlock": hex(first), "toBlock": hex(last),
                                              "topics": topics}])
    logs = [log for log in logs if not log.get("removed")]
    return sorted(logs, key=lambda log: (quantity(log["blockNumber"]), quantity(log["logIndex"])))


class ChainReader:
    """Reads what the event index needs from `node` (default: Ape's connected provider) for the Ante
    deployment at `address`. Calling it reads the events of a block range (an ``ante.index.Fetch``);
    `seen_hashes` then holds the hashes of the blocks those events came from, as the logs give them."""

    def __init__(self, address: str, node: Node | None = None):
        self.address = str(getattr(address, "address", address))  # an address, or a contract instance
        self.node = node if node is not None else ApeNode()
        self._log_decoder = None
        self._timestamps: dict[str, int] = {}
        self.seen_hashes: dict[int, str] = {}

    @property
    def _decoder(self):
        """The ABI decoder, loaded with the first logs to decode (a read from the index alone needs none)."""
        if self._log_decoder is None:
            from ante.abi import LogDecoder

            self._log_decoder = LogDecoder()
        return self._log_decoder

    def _block(self, identifier):
        """A block as a dict (without its transactions), or None when the node has none by that number,
        hash or tag."""
        if isinstance(identifier, str) and len(identifier) == 66:
            return self.node.request("eth_getBlockByHash", [identifier, False])
        return self.node.request("eth_getBlockByNumber", [block_tag(identifier), False])

    def logs(self, start: int, stop: int) -> list[dict]:
        """The deployment's raw logs of Ante's events from block `start` to `stop`, in chain order."""
        logs = read_logs(self.node, self.address, [self._decoder.topics], start, stop)
        return [log for log in logs if self._decoder.knows(log)]

    def __call__(self, start: int, stop: int) -> Iterator[Event]:
        logs = self.logs(start, stop)
        self.seen_hashes = {quantity(log["blockNumber"]): _hex(log["blockHash"]) for log in logs if log.get("blockHash")}
        self._read_timestamps(logs)
        for log in logs:
            yield self._decoder.event(log, self._timestamp(log))

    def _read_timestamps(self, logs: list[dict]) -> None:
        """Asks, in one batch, for every block of `logs` whose timestamp is not known yet."""
        wanted = list(dict.fromkeys(_hex(log["blockHash"]) for log in logs
                                    if log.get("blockHash") and _hex(log["blockHash"]) not in self._timestamps))
        if not wanted:
            return
        blocks = self.node.batch([("eth_getBlockByHash", [h, False]) for h in wanted])
        for block_hash, block in zip(wanted, blocks):
            if block is not None:
                self._remember(block_hash, quantity(block["timestamp"]))

    def _remember(self, key: str, timestamp: int) -> None:
        self._timestamps[key] = timestamp
        if len(self._timestamps) > 100_000:  # a long-lived reader (the oracle) keeps only recent blocks
            self._timestamps.pop(next(iter(self._timestamps)))

    def _timestamp(self, log) -> int:
        number = quantity(log["blockNumber"])
        key = _hex(log["blockHash"]) if log.get("blockHash") else f"#{number}"
        if key not in self._timestamps:
            block = self._block(key if log.get("blockHash") else number)
            if block is None:
                raise AnteError(f"block {number:,} left the chain while its events were read; try again.")
            self._remember(key, quantity(block["timestamp"]))
        return self._timestamps[key]

    def head(self) -> dict:
        """The newest block (number, hash, timestamp, ... as JSON-RPC gives them)."""
        block = self._block("latest")
        if block is None:
            raise AnteError("the node has no latest block.")
        return block

    def block_hash(self, number: int) -> str | None:
        """The hash of block `number` on the chain now, or None if the chain has no such block yet."""
        if number < 0:
            return None
        block = self._block(number)
        return None if block is None else _hex(block["hash"])

    def tagged(self, tag: str) -> int | None:
        """The number of the node's `tag` block ("finalized", "safe"), or None if the node has no such tag.

        Only a refusal counts as "no such tag"; an unreachable node raises as every other read does."""
        try:
            block = self._block(tag)
        except NodeRefused:  # the node answered, with an error: it does not know the tag
            return None
        return None if block is None or block.get("number") is None else quantity(block["number"])


def event_fetcher(contract, node: Node | None = None) -> ChainReader:
    """A `Fetch` reading every Ante event of `contract` (an address, or anything with one) in a block range."""
    return ChainReader(str(getattr(contract, "address", contract)), node)
