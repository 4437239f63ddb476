"""The EIP-712 verdicts: the one definition of what evaluators sign.

``Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)`` in the domain
``{name: "Ante", version: "1", chainId, verifyingContract}``: a panel's verdict on a submitted challenge.
``AppealVerdict(uint256 challengeId,bytes32 deliverable,uint16 score)``, same fields and domain, is the appeal
panel's verdict on an appealed one (:class:`AppealVerdict`): another type, so that no first-round signature
can decide an appeal. The typed data built here is exactly what ``eth_signTypedData_v4`` takes, so any
standard wallet can sign it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from ante.primitives import keccak

from ante.errors import BadInput
from ante.terms import to_checksum_address

if TYPE_CHECKING:
    from ante.erc1271 import WalletCheck

DOMAIN_NAME = "Ante"
DOMAIN_VERSION = "1"
MAX_SCORE = 10_000

VERDICT_TYPE = "Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)"
VERDICT_TYPEHASH = keccak(text=VERDICT_TYPE)
APPEAL_VERDICT_TYPE = "AppealVerdict(uint256 challengeId,bytes32 deliverable,uint16 score)"
APPEAL_VERDICT_TYPEHASH = keccak(text=APPEAL_VERDICT_TYPE)
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

#: The typed data's types of an appeal verdict: the same fields under another primary type.
APPEAL_TYPES = {"EIP712Domain": TYPES["EIP712Domain"], "AppealVerdict": TYPES["Verdict"]}


class VerdictError(BadInput, ValueError):
    """A verdict or signed verdict that is malformed, does not verify, or does not fit the others.

    ``reason`` names the kind of failure for whoever maps failures to answers (the oracle's statuses and
    metrics): ``invalid`` here, ``bad_signature`` for a :class:`SignatureError`. It stays a ValueError for
    callers that take any bad value."""

    reason = "invalid"


class SignatureError(VerdictError):
    """A signature that cannot be the signer's over this verdict: not 65 bytes of hex, ``v``, ``r`` or ``s``
    out of range, unreadable, or made by someone other than the named signer."""

    reason = "bad_signature"


@dataclass(frozen=True)
class Verdict:
    """An evaluator's judgement of one submitted deliverable, bound to one deployment on one chain."""

    #: The EIP-712 primary type, its types and its type hash.
    PRIMARY_TYPE: ClassVar[str] = "Verdict"
    TYPES: ClassVar[dict] = TYPES
    TYPEHASH: ClassVar[bytes] = VERDICT_TYPEHASH

    chain_id: int
    contract: str
    challenge_id: int
    deliverable: bytes
    score: int

    def __post_init__(self):
        if not 0 <= self.score <= MAX_SCORE:
            raise VerdictError(f"a score is 0 to {MAX_SCORE} basis points, not {self.score}.")
        if len(self.deliverable) != 32:
            raise VerdictError(f"a deliverable is a 32-byte hash, not {len(self.deliverable)} bytes.")

    def typed_data(self) -> dict:
        """The full EIP-712 typed data, as ``eth_signTypedData_v4`` takes it."""
        return {
            "types": self.TYPES,
            "primaryType": self.PRIMARY_TYPE,
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
        struct = keccak(self.TYPEHASH + _uint(self.challenge_id) + bytes(self.deliverable) + _uint(self.score))
        return keccak(b"\x19\x01" + domain_separator(self.chain_id, self.contract) + struct)

    def sign(self, private_key) -> bytes:
        """Signs with a raw private key; returns the 65-byte signature (r, s, v)."""
        from eth_account import Account  # (imported here: reading the chain never needs it)

        signed = Account.sign_typed_data(private_key, full_message=self.typed_data())
        return bytes(signed.signature)

    def recover(self, signature: bytes) -> str:
        """The address that produced `signature` over this verdict."""
        from eth_account import Account

        return Account._recover_hash(self.digest(), signature=signature)


@dataclass(frozen=True)
class AppealVerdict(Verdict):
    """An appeal panel's evaluator's judgement of an appealed challenge's deliverable: the fields of a
    :class:`Verdict`, signed as ``AppealVerdict``. Never equal to a ``Verdict`` of the same fields."""

    PRIMARY_TYPE: ClassVar[str] = "AppealVerdict"
    TYPES: ClassVar[dict] = APPEAL_TYPES
    TYPEHASH: ClassVar[bytes] = APPEAL_VERDICT_TYPEHASH


#: Each verdict type by its EIP-712 primary type.
VERDICT_TYPES: dict[str, type[Verdict]] = {cls.PRIMARY_TYPE: cls for cls in (Verdict, AppealVerdict)}


def _uint(value: int) -> bytes:
    """A uint256 as 32 big-endian bytes (:class:`VerdictError` outside 0..2**256-1)."""
    if not 0 <= value < 1 << 256:
        raise VerdictError(f"{value} does not fit a uint256")
    return value.to_bytes(32, "big")


@lru_cache(maxsize=64)
def domain_separator(chain_id: int, contract: str) -> bytes:
    """The EIP-712 domain separator of the Ante deployment at `contract` on chain `chain_id`."""
    return keccak(DOMAIN_TYPEHASH + keccak(text=DOMAIN_NAME) + keccak(text=DOMAIN_VERSION) + _uint(chain_id)
                  + bytes(12) + bytes.fromhex(to_checksum_address(contract)[2:]))




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
    def from_json(cls, document: dict, wallet: WalletCheck | None = None,
                  kinds: tuple[type[Verdict], ...] = (Verdict,)) -> SignedVerdict:
        """Reads a signed verdict document and checks its signature.

        Taken as wallets give it: ``{"typedData": …, "signature": …}`` as `ante verdict sign` writes (its
        ``signer`` is optional: the signer is whoever the signature recovers to, and a named signer must be
        that address), or the typed data itself with the bare ``signature`` beside its fields. The signature
        is normalised first (:func:`normalise_signature`), so what a wallet signs is what the contract takes.

        A contract wallet's verdict (a Safe's) names its signer, and its signature is whatever the wallet
        accepts: when the signature is not the named signer's key's, `wallet` (an
        :data:`ante.erc1271.WalletCheck`, which asks the chain) decides, exactly as the contract will, and
        the signature is kept as it came. Without `wallet`, only keys' signatures are taken.

        `kinds` are the verdict types taken (by default a first-round ``Verdict`` only; with
        :class:`AppealVerdict` among them, an appeal verdict too).
        """
        if not isinstance(document, dict):
            raise VerdictError("a signed verdict is a JSON object with typedData and signature.")
        try:
            if "typedData" not in document and "primaryType" not in document:
                raise VerdictError("this is not a signed Ante verdict (it has neither typedData nor the fields of "
                                   "typed data beside a signature).")
            typed = document["typedData"] if "typedData" in document else document
            kind = VERDICT_TYPES.get(typed.get("primaryType")) if isinstance(typed, dict) else None
            if kind is None or kind not in kinds \
                    or typed.get("types", {}).get(kind.PRIMARY_TYPE) != TYPES["Verdict"]:
                raise VerdictError("the typed data is not an Ante " + " or ".join(k.PRIMARY_TYPE for k in kinds) + ".")
            domain, message = typed["domain"], typed["message"]
            if (domain.get("name"), domain.get("version")) != (DOMAIN_NAME, DOMAIN_VERSION):
                raise VerdictError(f"the domain is {domain.get('name')!r} version {domain.get('version')!r}, not Ante 1.")
            deliverable = message["deliverable"]
            verdict = kind(
                chain_id=_integer(domain["chainId"], "chainId"),
                contract=to_checksum_address(domain["verifyingContract"]),
                challenge_id=_integer(message["challengeId"], "challengeId"),
                deliverable=bytes.fromhex(deliverable[2:] if deliverable.startswith("0x") else deliverable),
                score=_integer(message["score"], "score"),
            )
            text = document["signature"]
            if not isinstance(text, str):
                raise SignatureError("the signature must be a 0x-hex string of 65 bytes.")
            try:
                signature = bytes.fromhex(text.removeprefix("0x"))
            except ValueError:
                raise SignatureError("the signature is not hex.") from None
            named = document.get("signer")
            signer = to_checksum_address(named) if named is not None else None
        except VerdictError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise VerdictError(f"this is not a signed Ante verdict ({error}).") from error
        try:
            normalised = normalise_signature(signature)
            try:
                recovered = verdict.recover(normalised)
            except Exception as error:  # eth-keys raises several types for junk signatures
                raise SignatureError(f"the signature cannot be read ({error}).") from error
            if signer is not None and recovered != signer:
                raise SignatureError(f"the signature was made by {recovered}, not by the named signer {signer}.")
            return cls(verdict, recovered, normalised)
        except SignatureError as error:
            if signer is None or wallet is None:
                raise
            answer = wallet(signer, verdict, signature)
            if answer:
                return cls(verdict, signer, signature)
            if answer is None:  # the signer is no contract wallet: the key's answer stands
                raise
            raise SignatureError(f"{error} Nor does {signer} accept it as a contract wallet's signature (ERC-1271): a "
                                 "wallet's verdict is signed by enough of its owners, as they stand now.") from None


#: The order of secp256k1's group: a signature's r and s lie in 1..N-1, and the contract (OpenZeppelin's
#: ECDSA) takes only the lower half of s.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def normalise_signature(signature: bytes) -> bytes:
    """The 65-byte (r, s, v) signature the contract accepts for the same signer and digest.

    Equivalent forms are rewritten: ``v`` of 0 or 1 (some wallets and hardware signers) becomes 27 or 28,
    and a high ``s`` becomes its low twin ``N - s`` with ``v`` flipped (both recover the same address).
    Anything else (a wrong length, ``v`` outside those, ``r`` or ``s`` out of range) is a
    :class:`SignatureError`."""
    if len(signature) != 65:
        raise SignatureError(f"the signature must be 65 bytes, this one is {len(signature)}.")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v in (0, 1):
        v += 27
    if v not in (27, 28):
        raise SignatureError(f"the signature's v is {v}; a signature ends in 27 or 28 (or 0 or 1).")
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise SignatureError("the signature's r or s is out of range, so it cannot have been made by any key.")
    if s > SECP256K1_N // 2:
        s, v = SECP256K1_N - s, 55 - v  # the same point's other half: 27 <-> 28
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def _integer(value, what: str) -> int:
    """A JSON integer (or a decimal string of one), strictly: no floats, no booleans, no infinities."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise VerdictError(f"{what} must be a whole number, not {value!r}.")
    if isinstance(value, str):
        text = value.strip().lower()
        hexadecimal = text.startswith("0x") and len(text) > 2 and all(c in "0123456789abcdef" for c in text[2:])
        if not (text.isdigit() or hexadecimal):
            raise VerdictError(f"{what} must be a whole number, not {value!r}.")
        value = int(text, 16) if hexadecimal else int(text)
    if value < 0:
        raise VerdictError(f"{what} cannot be negative ({value}).")
    return value


def parse_document(data: bytes | str, what: str = "the verdict") -> dict:
    """Parses a verdict document's JSON strictly: NaN, Infinity and numbers too large to be exact refused."""
    import json

    def refuse(constant):
        raise VerdictError(f"{what} holds {constant}, which is not a number JSON allows.")

    def exact_float(text):
        raise VerdictError(f"{what} holds the number {text[:40]}; Ante's fields are whole numbers.")

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=refuse, parse_float=exact_float)
    except UnicodeDecodeError:
        raise VerdictError(f"{what} is not text (UTF-8 JSON).") from None
    except json.JSONDecodeError as error:
        raise VerdictError(f"{what} is not valid JSON ({error}).") from None


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
    appeal = " on appeal" if isinstance(verdict, AppealVerdict) else ""
    return f"{verdict.score / 100:g}% for challenge {verdict.challenge_id}{appeal}"
