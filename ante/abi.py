"""Ante's ABI without Ape: encoding view calls, decoding their answers and the contract's raw logs.

The ABI is read from the packaged artifact (``ante/artifacts/Ante.json``) as plain JSON. Static values
(every view a read calls, every indexed topic) are encoded and decoded by :mod:`ante.primitives`; strings,
dynamic bytes and arrays by ``eth_abi``, imported only when one is met (it loads pydantic). So reading
the chain over raw JSON-RPC (:mod:`ante.rpc`) costs no Ape start-up, and a read from the index no
``eth_abi`` either. Events decode to :mod:`ante.events` objects through :func:`ante.events.from_log`, exactly as
those decoded by Ape do.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ante import primitives
from ante.events import EVENT_TYPES, Event, from_log
from ante.primitives import canonical_type, selector, topic

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
    return [canonical_type(entry) for entry in entries]


def encode(types: list[str], values) -> bytes:
    """ABI-encodes `values` as `types`: static ones here, anything else through ``eth_abi``."""
    if all(primitives.is_static(t) for t in types):
        return primitives.encode(types, values)
    from eth_abi import encode as eth_abi_encode

    return eth_abi_encode(types, values)


def decode(types: list[str], data: bytes) -> tuple:
    """Decodes `types` from `data`: static ones here, anything else through ``eth_abi``.

    Malformed data is a ``ValueError`` either way (``eth_abi``'s ``DecodingError`` is turned into one)."""
    if all(primitives.is_decodable(t) for t in types):
        return primitives.decode(types, data)
    from eth_abi import decode as eth_abi_decode
    from eth_abi.exceptions import DecodingError

    try:
        return tuple(eth_abi_decode(types, data))
    except DecodingError as error:
        raise ValueError(f"undecodable ABI data: {error}") from error


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
        return "0x" + (selector(function) + encode(_types(function["inputs"]), args)).hex()

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
                self._events[topic(entry)] = entry

    @property
    def topics(self) -> list[str]:
        """Topic 0 of every event decoded here, as 0x hex (an ``eth_getLogs`` filter for them)."""
        return ["0x" + t.hex() for t in self._events]

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
        for item, word in zip(indexed, topics[1:]):
            values[item["name"]] = decode([canonical_type(item)], word)[0]
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
