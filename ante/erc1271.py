"""ERC-1271: asking a contract wallet (a Safe) whether a signature is its own.

A key's signature is checked by recovering its signer; a contract wallet has no key, so it is asked:
``isValidSignature(bytes32 hash, bytes signature)`` answers the magic value ``0x1626ba7e`` for a signature
it accepts. The contract asks the same way when it settles (OpenZeppelin's ``SignatureChecker``), and this
module mirrors its rule exactly: the call succeeds and returns at least 32 bytes whose first word is the
magic value, left-aligned. Anything else (no code, a revert, a short or different answer) is no.

The contract asks with a static call, in which a wallet that writes to storage, or calls anything that
does, fails. A plain ``eth_call`` to the wallet is no static call, so the question is put the same way the
contract puts it: ``eth_call`` runs a few bytes of creation code (:data:`PROBE`, which every node runs, as
it runs any contract's creation) that static-calls the wallet and hands back the first word of its answer,
or nothing when the call failed or answered less than a word.

A wallet's answer can change (a Safe's owners or threshold change), so an answer holds as of the block
it was read at; the contract asks again in the block that settles. (A wallet that answers according to
who asks would be asked here by the probe, and by the contract when it settles; no wallet in use does.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ante.primitives import keccak
from ante.rpc import Node, NodeRefused

#: ``isValidSignature(bytes32,bytes)``'s selector, which is also the answer meaning "yes".
MAGIC = keccak(text="isValidSignature(bytes32,bytes)")[:4]

#: A wallet's check: (account, message, signature) -> whether `account` accepts `signature` over the
#: message's ``digest()`` (a verdict's, say: the message is given whole, so that a check can first see
#: whether it is for the chain it asks); None when `account` is no contract wallet at all.
WalletCheck = Callable[[str, Any, bytes], "bool | None"]


#: Creation code that static-calls the wallet whose address (a 32-byte word) follows it, with the call data
#: after that, and returns the answer's first word if the call succeeded with at least a word, else nothing:
#: SignatureChecker's own rule up to comparing the word. Offset by offset:
PROBE = bytes.fromhex(
    "602b"  # 00 PUSH1 43        the probe's own length: the wallet's word and the call data follow it
    "38"    # 02 CODESIZE
    "03"    # 03 SUB             n = CODESIZE - 43
    "80"    # 04 DUP1
    "602b"  # 05 PUSH1 43
    "6000"  # 07 PUSH1 0
    "39"    # 09 CODECOPY        memory[0:n] = the wallet's word, the call data
    "6020"  # 0a PUSH1 32        retSize
    "6000"  # 0c PUSH1 0         retOffset
    "6020"  # 0e PUSH1 32
    "83"    # 10 DUP4
    "03"    # 11 SUB             argsSize = n - 32
    "6020"  # 12 PUSH1 32        argsOffset
    "6000"  # 14 PUSH1 0
    "51"    # 16 MLOAD           the wallet
    "5a"    # 17 GAS             all of it, as the contract gives
    "fa"    # 18 STATICCALL
    "3d"    # 19 RETURNDATASIZE
    "601f"  # 1a PUSH1 31
    "10"    # 1c LT              31 < RETURNDATASIZE
    "16"    # 1d AND             ... and the call succeeded
    "6025"  # 1e PUSH1 0x25
    "57"    # 20 JUMPI
    "6000"  # 21 PUSH1 0
    "80"    # 23 DUP1
    "f3"    # 24 RETURN          nothing: no answer
    "5b"    # 25 JUMPDEST
    "6020"  # 26 PUSH1 32
    "6000"  # 28 PUSH1 0
    "f3"    # 2a RETURN          the answer's first word
)
assert len(PROBE) == 0x2B


def probe(account: str, data: bytes) -> bytes:
    """The creation code that static-calls `account` with `data` (see :data:`PROBE`)."""
    return PROBE + int(account, 16).to_bytes(32, "big") + bytes(data)


def call_data(digest: bytes, signature: bytes) -> bytes:
    """The call ``isValidSignature(digest, signature)``."""
    from ante.abi import encode

    return MAGIC + encode(["bytes32", "bytes"], [bytes(digest), bytes(signature)])


def accepts(answer: bytes) -> bool:
    """Whether a wallet's answer means yes: a first 32-byte word equal to the magic value."""
    return len(answer) >= 32 and answer[:32] == MAGIC + bytes(28)


def is_valid_signature(node: Node, account: str, digest: bytes, signature: bytes, block: str = "latest") -> bool:
    """Whether the contract at `account` accepts `signature` over `digest` (ERC-1271), as of `block`.

    An account without code answers no, as does a wallet that reverts. A node that cannot be reached
    raises (:class:`ante.rpc.NodeUnreachable`): no answer is not a no."""
    try:
        answer = node.request("eth_call", [{"data": "0x" + probe(account, call_data(digest, signature)).hex()}, block])
    except NodeRefused:
        return False
    text = answer[2:] if isinstance(answer, str) and answer.startswith("0x") else (answer or "")
    try:
        return accepts(bytes.fromhex(text))
    except ValueError:
        return False


def wallet_check(node: Node) -> WalletCheck:
    """A :data:`WalletCheck` that asks over `node`: None (not a wallet) for an account without code."""

    def check(account: str, message, signature: bytes) -> bool | None:
        if node.request("eth_getCode", [account, "latest"]) in (None, "", "0x"):
            return None
        return is_valid_signature(node, account, message.digest(), signature)

    return check
