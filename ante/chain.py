"""The chain side of the core, on Ape: reading a deployment's events, block hashes and tagged blocks.

Blocks are read through the provider's web3 and their fields by key, so that both shapes web3 returns
work (attribute dicts from the foundry provider, plain dicts from Ape's generic node provider).
Timestamps are remembered by block hash, never by number: a number can name another block after a
reorganisation, a hash cannot.

Ape is imported inside the functions, so modules that only parse, format or compute stay fast to load.
"""

from __future__ import annotations

from collections.abc import Iterator

from ante.errors import AnteError
from ante.events import Event, from_contract_log


def _hex(value) -> str:
    """A hash as lower-case ``0x`` hex, whatever type web3 gave it."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


class ChainReader:
    """Reads what the event index needs from the node behind the connected Ape provider, for `contract`
    (an Ape contract instance). Calling it reads the events of a block range (an ``ante.index.Fetch``);
    `seen_hashes` then holds the hashes of the blocks those events came from, as the logs give them."""

    def __init__(self, contract):
        self.contract = contract
        self._abis = list(contract.contract_type.events)
        self._timestamps: dict[str, int] = {}
        self.seen_hashes: dict[int, str] = {}

    @property
    def _web3(self):
        from ape import chain

        return chain.provider.web3

    def _block(self, identifier):
        """A block as a mapping, or None when the node has none by that number, hash or tag."""
        from web3.exceptions import BlockNotFound

        try:
            return self._web3.eth.get_block(identifier)
        except BlockNotFound:
            return None

    def __call__(self, start: int, stop: int) -> Iterator[Event]:
        from ape import chain
        from ape.types import LogFilter

        log_filter = LogFilter(addresses=[self.contract.address], events=self._abis, start_block=start,
                               stop_block=stop)
        logs = sorted(chain.provider.get_contract_logs(log_filter), key=lambda log: (log.block_number, log.log_index))
        self.seen_hashes = {log.block_number: _hex(log.block_hash) for log in logs if log.block_hash}
        for log in logs:
            yield from_contract_log(log, timestamp=self._timestamp(log))

    def _timestamp(self, log) -> int:
        block_hash = getattr(log, "block_hash", None)
        key = _hex(block_hash) if block_hash else f"#{log.block_number}"
        if key not in self._timestamps:
            block = self._block(block_hash or log.block_number)
            if block is None:
                raise AnteError(f"block {log.block_number:,} left the chain while its events were read; try again.")
            self._timestamps[key] = int(block["timestamp"])
            if len(self._timestamps) > 100_000:  # a long-lived reader (the oracle) keeps only recent blocks
                self._timestamps.pop(next(iter(self._timestamps)))
        return self._timestamps[key]

    def block_hash(self, number: int) -> str | None:
        """The hash of block `number` on the chain now, or None if the chain has no such block yet."""
        if number < 0:
            return None
        block = self._block(number)
        return None if block is None else _hex(block["hash"])

    def tagged(self, tag: str) -> int | None:
        """The number of the node's `tag` block ("finalized", "safe"), or None if the node has no such tag.

        Only a refusal counts as "no such tag"; an unreachable node raises as every other read does."""
        from web3.exceptions import Web3Exception

        try:
            block = self._block(tag)
        except (Web3Exception, ValueError):  # the node answered, with an error: it does not know the tag
            return None
        return None if block is None or block.get("number") is None else int(block["number"])


def event_fetcher(contract) -> ChainReader:
    """A `Fetch` reading every Ante event of `contract` (an Ape contract instance) in a block range."""
    return ChainReader(contract)
