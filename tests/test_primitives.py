"""ante.primitives against the libraries it stands in for on the read path: eth_utils and eth_abi.

Every selector and topic of Ante's, EAS's and the ERC-20 views' ABIs, checksums and address checks of
random text, and random static values encoded and decoded both ways, must agree exactly; malformed
words must be refused by both. A subprocess shows that a read from the index loads neither library.
"""

import json
import subprocess
import sys
from importlib import resources

import eth_abi
import pytest
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import is_address as eu_is_address
from eth_utils import keccak as eu_keccak
from eth_utils import to_checksum_address as eu_checksum
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic, function_abi_to_4byte_selector
from hypothesis import given, settings
from hypothesis import strategies as st

from ante import primitives
from ante.abi import ERC20_VIEWS, ante_abi


def _abis():
    yield "Ante", ante_abi()
    yield "ERC-20 views", ERC20_VIEWS
    for name in ("EAS", "SchemaRegistry"):
        text = resources.files("ante.artifacts").joinpath(f"{name}.json").read_text()
        yield name, json.loads(text)["abi"]


def test_every_selector_topic_and_canonical_type_matches_eth_utils():
    checked = 0
    for name, abi in _abis():
        for entry in abi:
            for parameter in entry.get("inputs", []) + entry.get("outputs", []):
                assert primitives.canonical_type(parameter) == collapse_if_tuple(parameter), (name, parameter)
            if entry.get("type") == "function":
                assert primitives.selector(entry) == function_abi_to_4byte_selector(entry), (name, entry["name"])
                checked += 1
            elif entry.get("type") == "event":
                assert primitives.topic(entry) == event_abi_to_log_topic(entry), (name, entry["name"])
                checked += 1
    assert checked > 60


@given(st.binary(max_size=200))
def test_keccak_matches(data):
    assert primitives.keccak(data) == eu_keccak(data)
    text = data.decode("latin-1")
    assert primitives.keccak(text=text) == eu_keccak(text=text)


addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())


@given(addresses, st.sampled_from(["lower", "upper", "checksum", "bare", "flip"]))
def test_checksum_and_address_check_match(address, form):
    checksummed = eu_checksum(address)
    text = {"lower": address, "upper": "0x" + address[2:].upper(), "checksum": checksummed,
            "bare": address[2:], "flip": "0x" + checksummed[2:].swapcase()}[form]
    assert primitives.is_address(text) == eu_is_address(text)
    if eu_is_address(text):
        assert primitives.to_checksum_address(text) == checksummed
    assert primitives.to_checksum_address(bytes.fromhex(address[2:])) == checksummed


@pytest.mark.parametrize("text", ["", "0x", "0x123", "0x" + "g" * 40, "0x" + "a" * 41, None, 5, b"x" * 20])
def test_not_addresses(text):
    assert primitives.is_address(text) is False
    assert eu_is_address(text) is False or isinstance(text, bytes)  # eth_utils takes 20 raw bytes; text only here


ELEMENTARY = ["uint8", "uint16", "uint40", "uint128", "uint208", "uint256", "int8", "int256",
              "address", "bool", "bytes1", "bytes4", "bytes32"]


def _value(kind):
    if kind == "address":
        return addresses.map(eu_checksum)
    if kind == "bool":
        return st.booleans()
    if kind.startswith("bytes"):
        return st.binary(min_size=int(kind[5:]), max_size=int(kind[5:]))
    bits = int(kind.lstrip("uint") or 256)
    if kind.startswith("uint"):
        return st.integers(0, 2**bits - 1)
    return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


@st.composite
def typed_values(draw):
    types, values = [], []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            parts = draw(st.lists(st.sampled_from(ELEMENTARY), min_size=1, max_size=4))
            types.append("(" + ",".join(parts) + ")")
            values.append(tuple(draw(_value(p)) for p in parts))
        else:
            kind = draw(st.sampled_from(ELEMENTARY))
            types.append(kind)
            values.append(draw(_value(kind)))
    return types, values


@settings(max_examples=300)
@given(typed_values())
def test_static_encoding_and_decoding_match_eth_abi(case):
    types, values = case
    assert all(primitives.is_static(t) for t in types)
    encoded = primitives.encode(types, values)
    assert encoded == eth_abi.encode(types, values)
    assert primitives.decode(types, encoded) == tuple(eth_abi.decode(types, encoded))


@settings(max_examples=200)
@given(st.sampled_from(ELEMENTARY + ["string", "bytes"]), st.data())
def test_dynamic_answers_decode_as_eth_abi_does(kind, data):
    if kind == "string":
        types, values = ["string", "uint8"], [data.draw(st.text(max_size=80)), 7]
    elif kind == "bytes":
        types, values = ["bytes", "uint8"], [data.draw(st.binary(max_size=80)), 7]
    else:
        types, values = [kind + "[]"], [data.draw(st.lists(_value(kind), max_size=6))]
    encoded = eth_abi.encode(types, values)
    assert primitives.is_decodable(types[0])
    assert primitives.decode(types, encoded) == tuple(eth_abi.decode(types, encoded))


@settings(max_examples=300)
@given(st.sampled_from(ELEMENTARY), st.binary(min_size=32, max_size=32))
def test_any_word_is_refused_by_both_or_decoded_alike(kind, word):
    try:
        expected = eth_abi.decode([kind], word)
    except DecodingError:
        with pytest.raises(ValueError):
            primitives.decode([kind], word)
    else:
        assert primitives.decode([kind], word) == tuple(expected)


@pytest.mark.parametrize("kind,value", [("uint8", 256), ("uint8", -1), ("int8", 128), ("int8", -129),
                                        ("uint256", True), ("bool", 1), ("bytes4", b"12345"),
                                        ("address", "0x" + "ab" * 19), ("address", "0x" + "zz" * 20)])
def test_values_that_do_not_fit_are_refused_by_both(kind, value):
    with pytest.raises(EncodingError):
        eth_abi.encode([kind], [value])
    with pytest.raises(ValueError):
        primitives.encode([kind], [value])


def test_short_data_is_refused():
    with pytest.raises(ValueError, match="too few"):
        primitives.decode(["uint256", "uint256"], bytes(40))
    with pytest.raises(ValueError):
        primitives.decode(["string"], (32).to_bytes(32, "big") + (100).to_bytes(32, "big") + b"x" * 32)


READ_WITHOUT_ETH_UTILS = """
import sys
from ante.abi import ante_views, LogDecoder
from ante.terms import Terms
from ante.terms import ChallengeRecord
views = ante_views()
views.encode("challengeStatus", 7)
assert views.decode("challengeStatus", bytes(96)) == (0, 0, 0)
panel = "0x" + (64).to_bytes(32, "big").hex() + (2).to_bytes(32, "big").hex() + (1).to_bytes(32, "big").hex() + 31 * "00" + "aa"
assert views.decode("panel", panel) == (("0x" + 38 * "0" + "aa",), 2), views.decode("panel", panel)
assert len(LogDecoder().topics) > 5
ChallengeRecord(Terms("0x" + "11" * 20, "0x" + "00" * 20, 10, 1000, 1, 2, 3, 4)).seal()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("eth_utils", "eth_abi", "pydantic"))
print(",".join(loaded))
"""


def test_reading_loads_neither_eth_utils_nor_eth_abi():
    out = subprocess.run([sys.executable, "-c", READ_WITHOUT_ETH_UTILS], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
