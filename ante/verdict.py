"""The EIP-712 verdict: the one definition of what evaluators sign.

``Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)`` in the domain
``{name: "Ante", version: "1", chainId, verifyingContract}``. The typed data built here is exactly
what ``eth_signTypedData_v4`` takes, so any standard wallet can sign it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak, to_checksum_address

DOMAIN_NAME = "Ante"
DOMAIN_VERSION = "1"
MAX_SCORE = 10_000

VERDICT_TYPE = "Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)"
VERDICT_TYPEHASH = keccak(text=VERDICT_TYPE)

TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Verdict": [
        {"name": "challengeId", "type": "uint256"},
        {"name": "deliverable", "type": "bytes32"},
        {"name": "score", "type": "uint16"},
    ],
}


@dataclass(frozen=True)
class Verdict:
    """An evaluator's judgement of one submitted deliverable, bound to one deployment on one chain."""

    chain_id: int
    contract: str
    challenge_id: int
    deliverable: bytes
    score: int

    def __post_init__(self):
        if not 0 <= self.score <= MAX_SCORE:
            raise ValueError(f"score must be 0..{MAX_SCORE} basis points, got {self.score}")
        if len(self.deliverable) != 32:
            raise ValueError(f"deliverable must be a 32-byte hash, got {len(self.deliverable)} bytes")

    def typed_data(self) -> dict:
        """The full EIP-712 typed data, as ``eth_signTypedData_v4`` takes it."""
        return {
            "types": TYPES,
            "primaryType": "Verdict",
            "domain": {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": self.chain_id,
                "verifyingContract": to_checksum_address(self.contract),
            },
            "message": {
                "challengeId": self.challenge_id,
                "deliverable": "0x" + bytes(self.deliverable).hex(),
                "score": self.score,
            },
        }

    def digest(self) -> bytes:
        """The 32-byte EIP-712 digest that is signed."""
        return _hash_eip191_message(encode_typed_data(full_message=self.typed_data()))

    def sign(self, private_key) -> bytes:
        """Signs with a raw private key; returns the 65-byte signature (r, s, v)."""
        signed = Account.sign_typed_data(private_key, full_message=self.typed_data())
        return bytes(signed.signature)

    def recover(self, signature: bytes) -> str:
        """The address that produced `signature` over this verdict."""
        return Account.recover_message(encode_typed_data(full_message=self.typed_data()), signature=signature)
