"""Ethereum's primitives as a read needs them: keccak-256, addresses, and the ABI words of static values.

``eth_utils`` and ``eth_abi`` (which imports ``eth_utils``) load pydantic when imported: about 0.2 s of
an ``ante show`` that otherwise takes 0.4 s. A read from the index needs only a hash, a checksum and
a few 32-byte words, so they are here, on ``eth_hash`` (the keccak that ``eth_utils`` itself calls):

- :func:`keccak` and :func:`to_checksum_address` / :func:`is_address` (EIP-55);
- :func:`canonical_type` and :func:`signature`, the canonical ABI text of a parameter or an entry (what a
  selector and an event topic hash), and :func:`selector` / :func:`topic`;
- :func:`encode` / :func:`decode` of a list of *static* types (``uint<N>``, ``int<N>``, ``address``,
  ``bool``, ``bytes<N>`` and tuples of them), word for word as ``eth_abi`` does, strict as it is: a value
  that does not fit its type, or a word with non-zero padding, is a ``ValueError``; :func:`decode` also
  reads the dynamic types views answer with (``string``, ``bytes`` and arrays of a static elementary
  type, such as a panel's ``address[]``).

Anything else (encoding dynamic values, nested arrays, tuples holding dynamic values) is done by
``eth_abi`` itself, imported only then (:mod:`ante.abi`). ``tests/test_primitives.py`` checks every function here against
``eth_utils`` and ``eth_abi`` on random values and on the whole of Ante's ABI.
"""

from __future__ import annotations

import re
from functools import lru_cache

from eth_hash.auto import keccak as _keccak

WORD = 32
_ELEMENTARY = re.compile(r"^(uint|int|bytes)(\d*)$")
_ADDRESS = re.compile(r"^(0x)?[0-9a-fA-F]{40}$")


def keccak(data: bytes | bytearray | None = None, *, text: str | None = None) -> bytes:
    """keccak-256 of bytes, or of a text's UTF-8 bytes."""
    if text is not None:
        data = text.encode("utf-8")
    return _keccak(bytes(data))


def is_address(value) -> bool:
    """Whether `value` is an address as text, as ``eth_utils.is_address`` says: 40 hex digits after an
    optional 0x, in any case (the case is not checked against EIP-55)."""
    return isinstance(value, str) and bool(_ADDRESS.match(value))


@lru_cache(maxsize=65_536)
def to_checksum_address(address: str | bytes) -> str:
    """The EIP-55 form of an address given as 0x text (any case) or 20 bytes."""
    if isinstance(address, (bytes, bytearray)):
        if len(address) != 20:
            raise ValueError(f"an address is 20 bytes, not {len(address)}")
        digits = bytes(address).hex()
    else:
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise ValueError(f"{address!r} is not an address (0x and 40 hex digits)")
        digits = address[-40:].lower()
    mask = keccak(text=digits).hex()
    return "0x" + "".join(c.upper() if int(m, 16) >= 8 else c for c, m in zip(digits, mask))


# --- canonical ABI text ---------------------------------------------------------------------------------

def canonical_type(parameter: dict) -> str:
    """The canonical type of one ABI parameter: a tuple's components in parentheses, array suffix kept."""
    kind = parameter["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(canonical_type(c) for c in parameter.get("components", [])) + ")" + kind[5:]
    return kind


def signature(entry: dict) -> str:
    """``name(type,type,…)`` of a function or event entry."""
    return f"{entry['name']}(" + ",".join(canonical_type(p) for p in entry.get("inputs", [])) + ")"


def selector(entry: dict) -> bytes:
    """A function's 4-byte selector."""
    return keccak(text=signature(entry))[:4]


def topic(entry: dict) -> bytes:
    """An event's topic 0."""
    return keccak(text=signature(entry))


# --- static ABI words -------------------------------------------------------------------------------------

def _split_tuple(kind: str) -> list[str] | None:
    """The component types of ``(a,b,…)``, or None if `kind` is not a plain tuple."""
    if not (kind.startswith("(") and kind.endswith(")")):
        return None
    parts, depth, start = [], 0, 1
    for i, c in enumerate(kind):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0 and i != len(kind) - 1:
                return None  # an array of tuples, or trailing text
        elif c == "," and depth == 1:
            parts.append(kind[start:i])
            start = i + 1
    inner = kind[start:-1]
    if inner or parts:
        parts.append(inner)
    return parts


@lru_cache(maxsize=1024)
def is_static(kind: str) -> bool:
    """Whether `kind` (canonical text) is one of the static types this module encodes itself."""
    parts = _split_tuple(kind)
    if parts is not None:
        return all(is_static(p) for p in parts)
    if kind in ("address", "bool"):
        return True
    match = _ELEMENTARY.match(kind)
    if not match:
        return False
    base, size = match.groups()
    if base == "bytes":
        return size != "" and 1 <= int(size) <= 32
    bits = int(size or 256)
    return 8 <= bits <= 256 and bits % 8 == 0


@lru_cache(maxsize=1024)
def is_decodable(kind: str) -> bool:
    """Whether :func:`decode` reads `kind`: a static type, ``string``, ``bytes`` or ``T[]`` of an elementary T."""
    if kind in ("string", "bytes"):
        return True
    if kind.endswith("[]"):
        item = kind[:-2]
        return _split_tuple(item) is None and is_static(item)
    return is_static(kind)


def _bits(kind: str) -> int:
    return int(_ELEMENTARY.match(kind).group(2) or 256)


def _encode_one(kind: str, value) -> bytes:
    parts = _split_tuple(kind)
    if parts is not None:
        values = tuple(value)
        if len(values) != len(parts):
            raise ValueError(f"{kind} takes {len(parts)} values, not {len(values)}")
        return b"".join(_encode_one(p, v) for p, v in zip(parts, values))
    if kind == "address":
        raw = bytes(value) if isinstance(value, (bytes, bytearray)) else None
        if raw is None:
            if not is_address(value):
                raise ValueError(f"{value!r} is not an address")
            raw = bytes.fromhex(value[2:])
        if len(raw) != 20:
            raise ValueError(f"an address is 20 bytes, not {len(raw)}")
        return raw.rjust(WORD, b"\0")
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a bool")
        return int(value).to_bytes(WORD, "big")
    if kind.startswith("bytes"):
        size = int(kind[5:])
        raw = bytes(value) if isinstance(value, (bytes, bytearray)) else None
        if raw is None or len(raw) > size:
            raise ValueError(f"{value!r} does not fit {kind}")
        return raw.ljust(WORD, b"\0")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not an integer for {kind}")
    bits = _bits(kind)
    if kind.startswith("uint"):
        if not 0 <= value < 1 << bits:
            raise ValueError(f"{value} does not fit {kind}")
        return value.to_bytes(WORD, "big")
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise ValueError(f"{value} does not fit {kind}")
    return value.to_bytes(WORD, "big", signed=True)


def _width(kind: str) -> int:
    parts = _split_tuple(kind)
    return WORD if parts is None else sum(_width(p) for p in parts)


def _decode_one(kind: str, data: bytes):
    parts = _split_tuple(kind)
    if parts is not None:
        values, at = [], 0
        for p in parts:
            width = _width(p)
            values.append(_decode_one(p, data[at:at + width]))
            at += width
        return tuple(values)
    word = int.from_bytes(data, "big")
    if kind == "address":
        if word >> 160:
            raise ValueError("an address word with non-zero padding")
        return "0x" + data[12:].hex()  # lower case, as eth_abi gives it
    if kind == "bool":
        if word > 1:
            raise ValueError(f"a bool word holding {word}")
        return bool(word)
    if kind.startswith("bytes"):
        size = int(kind[5:])
        if any(data[size:]):
            raise ValueError(f"a {kind} word with non-zero padding")
        return bytes(data[:size])
    bits = _bits(kind)
    if kind.startswith("uint"):
        if word >> bits:
            raise ValueError(f"a {kind} word with non-zero padding")
        return word
    value = int.from_bytes(data, "big", signed=True)
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise ValueError(f"a {kind} word with wrong sign padding")
    return value


def encode(types: list[str], values) -> bytes:
    """The ABI encoding of static `values` as `types` (canonical text), as ``eth_abi.encode`` gives it."""
    values = tuple(values)
    if len(values) != len(types):
        raise ValueError(f"{len(types)} types and {len(values)} values")
    return b"".join(_encode_one(t, v) for t, v in zip(types, values))


def _dynamic(kind: str, data: bytes, offset: int):
    """A ``string``, ``bytes`` or ``T[]`` whose tail starts at `offset` of `data`."""
    if offset % WORD or offset + WORD > len(data):
        raise ValueError(f"a {kind} at offset {offset} outside the {len(data)} bytes")
    length = int.from_bytes(data[offset:offset + WORD], "big")
    start = offset + WORD
    if kind.endswith("[]"):
        if length > (len(data) - start) // WORD:
            raise ValueError(f"a {kind} of {length} items in {len(data) - start} bytes")
        return tuple(_decode_one(kind[:-2], data[start + i * WORD:start + (i + 1) * WORD]) for i in range(length))
    padded = -(-length // WORD) * WORD
    if start + padded > len(data):
        raise ValueError(f"a {kind} of {length} bytes in {len(data) - start}")
    if any(data[start + length:start + padded]):
        raise ValueError(f"a {kind} with non-zero padding")
    raw = bytes(data[start:start + length])
    return raw.decode("utf-8") if kind == "string" else raw


def decode(types: list[str], data: bytes) -> tuple:
    """`types` decoded from `data`, as ``eth_abi.decode`` does (see :func:`is_decodable`; extra bytes after
    them are ignored)."""
    values, at = [], 0
    for t in types:
        dynamic = not is_static(t)
        if dynamic and not is_decodable(t):
            raise ValueError(f"{t} is not decoded here")
        width = WORD if dynamic else _width(t)
        if len(data) < at + width:
            raise ValueError(f"{len(data)} bytes are too few for {', '.join(types)}")
        head = data[at:at + width]
        values.append(_dynamic(t, data, int.from_bytes(head, "big")) if dynamic else _decode_one(t, head))
        at += width
    return tuple(values)
