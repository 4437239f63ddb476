"""Ante's ABI without Ape: encoding view calls, decoding their answers and the contract's raw logs.

The ABI is read from the packaged artifact (``ante/artifacts/Ante.json``) as plain JSON, and encoded and
decoded with ``eth_abi``, so that reading the chain over raw JSON-RPC (:mod:`ante.rpc`) costs no Ape
start-up. Events decode to :mod:`ante.events` objects through :func:`ante.events.from_log`, exactly as
those decoded by Ape do.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from eth_abi import decode, encode
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic, function_abi_to_4byte_selector

from ante.events import EVENT_TYPES, Event, from_log

#: The ERC-20 views the core reads (symbol, decimals, balances, allowances).
ERC20_VIEWS = [
    {"type": "function", "name": "symbol", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "string"}]},
    {"type": "function", "name": "decimals", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint8"}]},
    {"type": "function", "name": "balanceOf", "stateMutability": "view",
     "inputs": [{"name": "account", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]},
    {"type": "function", "name": "allowance", "stateMutability": "view",
     "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
     "outputs": [{"name": "", "type": "uint256"}]},
]


@cache
def ante_abi() -> tuple[dict, ...]:
    """The packaged Ante contract's ABI entries."""
    text = resources.files("ante.artifacts").joinpath("Ante.json").read_text()
    return tuple(json.loads(text)["abi"])


def _types(entries: list[dict]) -> list[str]:
    return [collapse_if_tuple(entry) for entry in entries]


class Views:
    """Encodes calls to the view functions of an ABI and decodes their answers."""

    def __init__(self, abi):
        self._functions = {entry["name"]: entry for entry in abi if entry.get("type") == "function"}

    def _function(self, name: str) -> dict:
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(f"the ABI has no function {name!r}") from None

    def encode(self, name: str, *args) -> str:
        """The call data of `name(args)`, as 0x hex."""
        function = self._function(name)
        return "0x" + (function_abi_to_4byte_selector(function) + encode(_types(function["inputs"]), args)).hex()

    def decode(self, name: str, data: str | bytes) -> tuple:
        """The outputs of `name` from the node's answer."""
        raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
        return tuple(decode(_types(self._function(name)["outputs"]), raw))


@cache
def ante_views() -> Views:
    return Views(ante_abi())


@cache
def erc20_views() -> Views:
    return Views(ERC20_VIEWS)


class LogDecoder:
    """Decodes raw logs (as ``eth_getLogs`` returns them) of Ante's events into :mod:`ante.events` objects."""

    def __init__(self, abi=None):
        abi = ante_abi() if abi is None else abi
        self._events: dict[bytes, dict] = {}
        for entry in abi:
            if entry.get("type") == "event" and entry["name"] in EVENT_TYPES:
                self._events[event_abi_to_log_topic(entry)] = entry

    @property
    def topics(self) -> list[str]:
        """Topic 0 of every event decoded here, as 0x hex (an ``eth_getLogs`` filter for them)."""
        return ["0x" + topic.hex() for topic in self._events]

    def knows(self, log: dict) -> bool:
        topics = log.get("topics") or []
        return bool(topics) and _bytes(topics[0]) in self._events

    def arguments(self, log: dict) -> tuple[str, dict[str, Any]]:
        """(event name, arguments under their ABI names) of one raw log."""
        topics = [_bytes(t) for t in log["topics"]]
        entry = self._events[topics[0]]
        indexed = [i for i in entry["inputs"] if i.get("indexed")]
        plain = [i for i in entry["inputs"] if not i.get("indexed")]
        if len(topics) - 1 != len(indexed):
            raise ValueError(f"a {entry['name']} log with {len(topics) - 1} indexed topics, not {len(indexed)}")
        values: dict[str, Any] = {}
        for item, topic in zip(indexed, topics[1:]):
            values[item["name"]] = decode([collapse_if_tuple(item)], topic)[0]
        for item, value in zip(plain, decode(_types(plain), _bytes(log.get("data") or "0x"))):
            values[item["name"]] = value
        return entry["name"], values

    def event(self, log: dict, timestamp: int) -> Event:
        name, args = self.arguments(log)
        return from_log(name, args, block_number=_int(log["blockNumber"]), log_index=_int(log["logIndex"]),
                        transaction_hash=log["transactionHash"], timestamp=timestamp)


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def _int(value) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)
