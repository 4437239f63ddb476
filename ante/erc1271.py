"""ERC-1271: asking a contract wallet (a Safe) whether a signature is its own.

A key's signature is checked by recovering its signer; a contract wallet has no key, so it is asked:
``isValidSignature(bytes32 hash, bytes signature)`` answers the magic value ``0x1626ba7e`` for a signature
it accepts. The contract asks the same way when it settles (OpenZeppelin's ``SignatureChecker``), and this
module mirrors its rule exactly: the call succeeds and returns at least 32 bytes whose first word is the
magic value, left-aligned. Anything else (no code, a revert, a short or different answer) is no.

A wallet's answer can change (a Safe's owners or threshold change), so an answer holds as of the block
it was read at; the contract asks again in the block that settles.
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
        answer = node.request("eth_call", [{"to": account, "data": "0x" + call_data(digest, signature).hex()}, block])
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
