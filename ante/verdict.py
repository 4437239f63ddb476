"""The EIP-712 verdict: the one definition of what evaluators sign.

``Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)`` in the domain
``{name: "Ante", version: "1", chainId, verifyingContract}``. The typed data built here is exactly
what ``eth_signTypedData_v4`` takes, so any standard wallet can sign it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_account import Account
from eth_utils import keccak

from ante.terms import to_checksum_address

DOMAIN_NAME = "Ante"
DOMAIN_VERSION = "1"
MAX_SCORE = 10_000

VERDICT_TYPE = "Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)"
VERDICT_TYPEHASH = keccak(text=VERDICT_TYPE)
DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")

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
        """The 32-byte EIP-712 digest that is signed: keccak256(0x1901 || domainSeparator || hashStruct).

        Encoded here directly (the oracle checks every verdict it receives); the tests check it against
        eth-account's generic ``encode_typed_data`` of :meth:`typed_data`.
        """
        struct = keccak(VERDICT_TYPEHASH + _uint(self.challenge_id) + bytes(self.deliverable) + _uint(self.score))
        return keccak(b"\x19\x01" + domain_separator(self.chain_id, self.contract) + struct)

    def sign(self, private_key) -> bytes:
        """Signs with a raw private key; returns the 65-byte signature (r, s, v)."""
        signed = Account.sign_typed_data(private_key, full_message=self.typed_data())
        return bytes(signed.signature)

    def recover(self, signature: bytes) -> str:
        """The address that produced `signature` over this verdict."""
        return Account._recover_hash(self.digest(), signature=signature)


def _uint(value: int) -> bytes:
    """A uint256 as 32 big-endian bytes (ValueError outside 0..2**256-1)."""
    if not 0 <= value < 1 << 256:
        raise ValueError(f"{value} does not fit a uint256")
    return value.to_bytes(32, "big")


@lru_cache(maxsize=64)
def domain_separator(chain_id: int, contract: str) -> bytes:
    """The EIP-712 domain separator of the Ante deployment at `contract` on chain `chain_id`."""
    return keccak(DOMAIN_TYPEHASH + keccak(text=DOMAIN_NAME) + keccak(text=DOMAIN_VERSION) + _uint(chain_id)
                  + bytes(12) + bytes.fromhex(to_checksum_address(contract)[2:]))


class VerdictError(ValueError):
    """A signed verdict that is malformed, does not verify, or does not fit the others."""


@dataclass(frozen=True)
class SignedVerdict:
    """A verdict with an evaluator's signature: what `ante verdict sign` writes and the oracle accepts."""

    verdict: Verdict
    signer: str
    signature: bytes

    def to_json(self) -> dict:
        """The JSON document (stable keys): the typed data as signed, the signer and the 65-byte signature."""
        return {
            "typedData": self.verdict.typed_data(),
            "signer": to_checksum_address(self.signer),
            "signature": "0x" + bytes(self.signature).hex(),
        }

    @classmethod
    def from_json(cls, document: dict) -> SignedVerdict:
        """Reads a signed verdict document and checks that its signature recovers to its signer."""
        try:
            typed = document["typedData"]
            if typed.get("primaryType") != "Verdict" or typed.get("types", {}).get("Verdict") != TYPES["Verdict"]:
                raise VerdictError("the typed data is not an Ante Verdict.")
            domain, message = typed["domain"], typed["message"]
            if (domain.get("name"), domain.get("version")) != (DOMAIN_NAME, DOMAIN_VERSION):
                raise VerdictError(f"the domain is {domain.get('name')!r} version {domain.get('version')!r}, not Ante 1.")
            deliverable = message["deliverable"]
            verdict = Verdict(
                chain_id=int(domain["chainId"]),
                contract=to_checksum_address(domain["verifyingContract"]),
                challenge_id=int(message["challengeId"]),
                deliverable=bytes.fromhex(deliverable[2:] if deliverable.startswith("0x") else deliverable),
                score=int(message["score"]),
            )
            signature = bytes.fromhex(document["signature"].removeprefix("0x"))
            signer = to_checksum_address(document["signer"])
        except VerdictError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise VerdictError(f"this is not a signed Ante verdict ({error}).") from error
        if len(signature) != 65:
            raise VerdictError(f"a signature is 65 bytes, this one is {len(signature)}.")
        try:
            recovered = verdict.recover(signature)
        except Exception as error:  # eth-keys raises several types for junk signatures
            raise VerdictError(f"the signature cannot be read ({error}).") from error
        if recovered != signer:
            raise VerdictError(f"the signature was made by {recovered}, not by the named signer {signer}.")
        return cls(verdict, signer, signature)


def quorum(verdicts: list[SignedVerdict]) -> tuple[Verdict, list[str], list[bytes]]:
    """Orders agreeing verdicts by signer for `settle`: (the verdict, signers ascending, their signatures)."""
    if not verdicts:
        raise VerdictError("no verdicts were given.")
    first = verdicts[0].verdict
    for other in verdicts[1:]:
        if other.verdict != first:
            raise VerdictError(
                f"the verdicts disagree: {other.signer} signed {describe(other.verdict)} "
                f"but {verdicts[0].signer} signed {describe(first)}."
            )
    by_signer: dict[int, SignedVerdict] = {}
    for signed in verdicts:
        by_signer.setdefault(int(signed.signer, 16), signed)
    ordered = [by_signer[key] for key in sorted(by_signer)]
    return first, [s.signer for s in ordered], [s.signature for s in ordered]


def describe(verdict: Verdict) -> str:
    """A short human description of a verdict."""
    return f"{verdict.score / 100:g}% for challenge {verdict.challenge_id}"
