"""The chain side of the core, on Ape: reading a deployment's events for the index.

Ape is imported inside the functions, so modules that only parse, format or compute stay fast to load.
"""

from __future__ import annotations

from collections.abc import Iterator

from ante.events import Event, from_contract_log
from ante.index import Fetch


def event_fetcher(contract) -> Fetch:
    """A `Fetch` reading every Ante event of `contract` (an Ape contract instance) in a block range."""
    from ape import chain
    from ape.types import LogFilter

    abis = list(contract.contract_type.events)
    timestamps: dict[int, int] = {}

    def timestamp(block_number: int) -> int:
        if block_number not in timestamps:
            timestamps[block_number] = chain.provider.web3.eth.get_block(block_number).timestamp
        return timestamps[block_number]

    def fetch(start: int, stop: int) -> Iterator[Event]:
        log_filter = LogFilter(addresses=[contract.address], events=abis, start_block=start, stop_block=stop)
        logs = sorted(chain.provider.get_contract_logs(log_filter), key=lambda log: (log.block_number, log.log_index))
        for log in logs:
            yield from_contract_log(log, timestamp=timestamp(log.block_number))

    return fetch
