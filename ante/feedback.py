"""Feedback on work: an Ethereum Attestation Service (EAS) attestation in Ante's one feedback schema.

Anyone may say what they think of a challenge's deliverable: endorse it, stay neutral, or object, with a
comment kept as a document (its URI and the keccak-256 of its bytes). Feedback is an EAS attestation so
that any EAS tool can read, verify and show it, and feedback given with any EAS tool counts in Ante:

- the schema is :data:`SCHEMA` (no resolver, revocable), registered in EAS's ``SchemaRegistry``; its UID is
  ``keccak256(abi.encodePacked(schema, resolver, revocable))`` (:func:`schema_uid`);
- an **off-chain** attestation is EAS's version-2 EIP-712 ``Attest`` message in the domain
  ``{name: "EAS Attestation", version: <EAS's version()>, chainId, verifyingContract: <EAS>}``, signed by
  the attester and shared as EAS's package ``{"sig": …, "signer": …}`` (:class:`SignedAttestation`);
  its UID is the SDK's ``getOffchainUID`` (:meth:`Attestation.uid`);
- an **on-chain** attestation is the same data sent to ``EAS.attest``.

The recipient of a feedback attestation is the contributor whose work it is about (zero when the
challenge has none yet), so that EAS explorers list it under that person.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ante.primitives import keccak

from ante.errors import BadInput
from ante.terms import to_checksum_address

#: Ante's feedback schema, in EAS's schema syntax.
SCHEMA = "address ante, uint256 challengeId, bytes32 deliverable, int8 stance, string comment, bytes32 commentHash"
SCHEMA_TYPES = ("address", "uint256", "bytes32", "int8", "string", "bytes32")
ZERO_ADDRESS = "0x" + "00" * 20
ZERO_HASH = b"\x00" * 32

#: What a reviewer may say: the stance's name and its value in the schema's ``int8 stance``.
STANCES = {"endorse": 1, "neutral": 0, "object": -1}
STANCE_NAMES = {value: name for name, value in STANCES.items()}

EAS_DOMAIN_NAME = "EAS Attestation"
OFFCHAIN_VERSION = 2
ATTEST_TYPES = [
    {"name": "version", "type": "uint16"},
    {"name": "schema", "type": "bytes32"},
    {"name": "recipient", "type": "address"},
    {"name": "time", "type": "uint64"},
    {"name": "expirationTime", "type": "uint64"},
    {"name": "revocable", "type": "bool"},
    {"name": "refUID", "type": "bytes32"},
    {"name": "data", "type": "bytes"},
    {"name": "salt", "type": "bytes32"},
]
DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


class FeedbackError(BadInput, ValueError):
    """Feedback that is malformed, does not verify, or is not in Ante's schema.

    ``reason`` names the kind of failure for whoever maps failures to answers: ``invalid`` here,
    ``bad_signature`` for a :class:`FeedbackSignatureError`."""

    reason = "invalid"


class FeedbackSignatureError(FeedbackError):
    """A signature that is not the attester's over this attestation."""

    reason = "bad_signature"


def schema_uid(schema: str = SCHEMA, resolver: str = ZERO_ADDRESS, revocable: bool = True) -> bytes:
    """The UID EAS's ``SchemaRegistry`` gives a schema: keccak256(abi.encodePacked(schema, resolver, revocable))."""
    return keccak(schema.encode() + bytes.fromhex(to_checksum_address(resolver)[2:]) + bytes([1 if revocable else 0]))


def as_bytes32(value, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    elif isinstance(value, str):
        try:
            raw = bytes.fromhex(value.removeprefix("0x"))
        except ValueError:
            raise FeedbackError(f"{what} is not hex ({value[:80]!r}).") from None
    else:
        raise FeedbackError(f"{what} must be 32 bytes of 0x-hex, not {value!r}.")
    if len(raw) != 32:
        raise FeedbackError(f"{what} must be 32 bytes, not {len(raw)}.")
    return raw


def _whole(value, what: str, bits: int) -> int:
    """A JSON whole number as EAS's packages give it: an int, a decimal or 0x string, or {"hex": …}."""
    if isinstance(value, dict) and isinstance(value.get("hex"), str):
        value = value["hex"]
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise FeedbackError(f"{what} must be a whole number, not {value!r}.")
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            value = int(text, 16) if text.startswith("0x") else int(text, 10)
        except ValueError:
            raise FeedbackError(f"{what} must be a whole number, not {value!r}.") from None
    if not 0 <= value < 1 << bits:
        raise FeedbackError(f"{what} must fit a uint{bits}, not {value}.")
    return value


def _address(value, what: str) -> str:
    try:
        return to_checksum_address(value)
    except (TypeError, ValueError):
        raise FeedbackError(f"{what} is not an address ({str(value)[:60]!r}).") from None


@dataclass(frozen=True)
class Feedback:
    """What a reviewer says about one challenge's deliverable: the data of Ante's schema."""

    ante: str
    challenge_id: int
    deliverable: bytes
    stance: int
    comment: str = ""
    comment_hash: bytes = ZERO_HASH

    #: The longest comment URI taken (the comment itself is a document; this is only where it is).
    MAX_COMMENT_URI = 2048

    def __post_init__(self):
        object.__setattr__(self, "ante", _address(self.ante, "the Ante contract"))
        if self.stance not in STANCE_NAMES:
            raise FeedbackError(f"a stance is endorse (1), neutral (0) or object (-1), not {self.stance}.")
        if len(self.deliverable) != 32 or len(self.comment_hash) != 32:
            raise FeedbackError("a deliverable and a comment's hash are 32-byte hashes.")
        if len(self.comment.encode()) > self.MAX_COMMENT_URI:
            raise FeedbackError(f"the comment's URI is longer than {self.MAX_COMMENT_URI} bytes; store the comment "
                                "as a document and give its URI.")
        if not 0 <= self.challenge_id < 1 << 256:
            raise FeedbackError(f"a challenge id is a uint256, not {self.challenge_id}.")

    @property
    def stance_name(self) -> str:
        return STANCE_NAMES[self.stance]

    def encode(self) -> bytes:
        """The attestation's ``data``: the ABI encoding of the schema's fields."""
        from eth_abi import encode

        return encode(list(SCHEMA_TYPES), [to_checksum_address(self.ante), self.challenge_id, bytes(self.deliverable),
                                           self.stance, self.comment, bytes(self.comment_hash)])

    @classmethod
    def decode(cls, data: bytes) -> Feedback:
        """Reads an attestation's ``data`` in Ante's schema (:class:`FeedbackError` if it is not)."""
        from eth_abi import decode
        from eth_abi.exceptions import DecodingError

        try:
            ante, challenge_id, deliverable, stance, comment, comment_hash = decode(list(SCHEMA_TYPES), bytes(data))
        except (DecodingError, OverflowError, UnicodeDecodeError, ValueError) as error:
            raise FeedbackError(f"the attestation's data is not Ante feedback ({error}).") from None
        return cls(ante, challenge_id, deliverable, stance, comment, comment_hash)

    def to_json(self) -> dict:
        return {
            "ante": to_checksum_address(self.ante),
            "challenge_id": self.challenge_id,
            "deliverable": "0x" + bytes(self.deliverable).hex(),
            "stance": self.stance_name,
            "comment": self.comment,
            "comment_hash": "0x" + bytes(self.comment_hash).hex(),
        }


@dataclass(frozen=True)
class EasDomain:
    """Where off-chain attestations are bound: one EAS deployment (its address and ``version()``) on one chain."""

    chain_id: int
    eas: str
    version: str

    def __post_init__(self):
        object.__setattr__(self, "eas", _address(self.eas, "the EAS address"))

    def to_json(self) -> dict:
        return {"name": EAS_DOMAIN_NAME, "version": self.version, "chainId": self.chain_id,
                "verifyingContract": to_checksum_address(self.eas)}


@dataclass(frozen=True)
class Attestation:
    """An EAS version-2 off-chain attestation before signing: the ``Attest`` message and its domain."""

    domain: EasDomain
    schema: bytes
    recipient: str
    time: int
    data: bytes
    salt: bytes = field(default_factory=lambda: os.urandom(32))
    expiration_time: int = 0
    revocable: bool = True
    ref_uid: bytes = ZERO_HASH

    @classmethod
    def of(cls, feedback: Feedback, domain: EasDomain, recipient: str, time: int, **extra) -> Attestation:
        """The attestation of `feedback` in Ante's schema, about `recipient`, made at `time` (Unix seconds)."""
        return cls(domain, schema_uid(), to_checksum_address(recipient), time, feedback.encode(), **extra)

    def message(self) -> dict:
        return {
            "version": OFFCHAIN_VERSION,
            "schema": "0x" + self.schema.hex(),
            "recipient": to_checksum_address(self.recipient),
            "time": self.time,
            "expirationTime": self.expiration_time,
            "revocable": self.revocable,
            "refUID": "0x" + self.ref_uid.hex(),
            "data": "0x" + self.data.hex(),
            "salt": "0x" + self.salt.hex(),
        }

    def typed_data(self) -> dict:
        """The full EIP-712 typed data, as ``eth_signTypedData_v4`` takes it (and as EAS's SDK signs it)."""
        return {"types": {"EIP712Domain": DOMAIN_TYPES, "Attest": ATTEST_TYPES}, "primaryType": "Attest",
                "domain": self.domain.to_json(), "message": self.message()}

    def uid(self) -> bytes:
        """The off-chain UID, exactly as EAS's SDK computes it (``Offchain.getOffchainUID``, version 2).

        Note EAS's own quirk, kept for compatibility: the schema enters as the UTF-8 bytes of its 0x-hex text."""
        schema_text = ("0x" + self.schema.hex()).encode()
        packed = (OFFCHAIN_VERSION.to_bytes(2, "big") + schema_text
                  + bytes.fromhex(to_checksum_address(self.recipient)[2:]) + bytes(20)
                  + self.time.to_bytes(8, "big") + self.expiration_time.to_bytes(8, "big")
                  + bytes([1 if self.revocable else 0]) + self.ref_uid + self.data + self.salt + bytes(4))
        return keccak(packed)

    def feedback(self) -> Feedback:
        if self.schema != schema_uid():
            raise FeedbackError(f"the attestation is in schema 0x{self.schema.hex()}, not Ante's feedback schema "
                                f"0x{schema_uid().hex()}.")
        return Feedback.decode(self.data)

    def sign(self, private_key) -> SignedAttestation:
        """Signs with a raw private key (as a wallet's ``eth_signTypedData_v4`` would)."""
        from eth_account import Account

        signed = Account.sign_typed_data(private_key, full_message=self.typed_data())
        signature = bytes(signed.signature)
        return SignedAttestation(self, Account.from_key(private_key).address, signature)

    def recover(self, signature: bytes) -> str:
        from eth_account import Account
        from eth_account.messages import encode_typed_data

        return Account.recover_message(encode_typed_data(full_message=self.typed_data()), signature=signature)


@dataclass(frozen=True)
class SignedAttestation:
    """An off-chain attestation with its attester's signature, shared as EAS's ``{"sig", "signer"}`` package."""

    attestation: Attestation
    signer: str
    signature: bytes

    @property
    def uid(self) -> str:
        return "0x" + self.attestation.uid().hex()

    def feedback(self) -> Feedback:
        return self.attestation.feedback()

    def to_json(self) -> dict:
        """EAS's shareable package: what the SDK's ``signOffchainAttestation`` returns, with the signer."""
        r, s, v = self.signature[:32], self.signature[32:64], self.signature[64]
        typed = self.attestation.typed_data()
        return {
            "sig": {
                "version": OFFCHAIN_VERSION,
                "uid": self.uid,
                "domain": typed["domain"],
                "primaryType": "Attest",
                "types": {"Attest": ATTEST_TYPES},
                "message": typed["message"],
                "signature": {"v": v, "r": "0x" + r.hex(), "s": "0x" + s.hex()},
            },
            "signer": to_checksum_address(self.signer),
        }

    @classmethod
    def from_json(cls, document: dict, domain: EasDomain | None = None) -> SignedAttestation:
        """Reads an EAS off-chain attestation package and checks it: its UID, its types, its signature.

        Takes the package as EAS's SDK and explorers share it (``{"sig": {…}, "signer": …}``) or the bare
        ``sig`` object with a ``signer`` beside it. With `domain`, the attestation must be bound to it
        (the right chain and EAS deployment; the EAS version is the one given)."""
        from ante.verdict import SignatureError, normalise_signature

        if not isinstance(document, dict):
            raise FeedbackError("an off-chain attestation is a JSON object with sig and signer.")
        sig = document.get("sig", document)
        try:
            if sig.get("version") != OFFCHAIN_VERSION:
                raise FeedbackError(f"only EAS's version-{OFFCHAIN_VERSION} off-chain attestations are taken, not "
                                    f"version {sig.get('version')!r}.")
            if sig.get("primaryType") != "Attest" or sig.get("types", {}).get("Attest") != ATTEST_TYPES:
                raise FeedbackError("the typed data is not EAS's version-2 Attest.")
            d, m = sig["domain"], sig["message"]
            if d.get("name") != EAS_DOMAIN_NAME or not isinstance(d.get("version"), str):
                raise FeedbackError(f"the domain is {d.get('name')!r}, not {EAS_DOMAIN_NAME!r} with a version.")
            given = EasDomain(_whole(d["chainId"], "chainId", 256), _address(d["verifyingContract"], "verifyingContract"),
                              d["version"])
            if domain is not None and given != domain:
                raise FeedbackError(f"the attestation is bound to EAS {given.eas} version {given.version} on chain "
                                    f"{given.chain_id}, not to {domain.eas} version {domain.version} on chain "
                                    f"{domain.chain_id}.")
            if _whole(m["version"], "version", 16) != OFFCHAIN_VERSION:
                raise FeedbackError("the message's version is not 2.")
            if not isinstance(m["revocable"], bool):
                raise FeedbackError("revocable must be true or false.")
            data = m["data"]
            if not isinstance(data, str) or not data.startswith("0x"):
                raise FeedbackError("data must be 0x-hex.")
            attestation = Attestation(
                domain=given, schema=as_bytes32(m["schema"], "schema"), recipient=_address(m["recipient"], "recipient"),
                time=_whole(m["time"], "time", 64), data=bytes.fromhex(data[2:]), salt=as_bytes32(m["salt"], "salt"),
                expiration_time=_whole(m["expirationTime"], "expirationTime", 64), revocable=m["revocable"],
                ref_uid=as_bytes32(m["refUID"], "refUID"))
            raw = sig["signature"]
            if isinstance(raw, str):
                signature = bytes.fromhex(raw.removeprefix("0x"))
            else:
                v = _whole(raw["v"], "v", 8)
                signature = as_bytes32(raw["r"], "r") + as_bytes32(raw["s"], "s") + bytes([v])
            named = document.get("signer")
            signer = _address(named, "signer") if named is not None else None
            uid = sig.get("uid")
        except FeedbackError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise FeedbackError(f"this is not an EAS off-chain attestation ({error}).") from None
        if uid is not None and str(uid).lower() != "0x" + attestation.uid().hex():
            raise FeedbackError(f"the attestation's uid {str(uid)[:80]} is not the UID of its contents "
                                f"(0x{attestation.uid().hex()}).")
        try:
            signature = normalise_signature(signature)
        except SignatureError as error:
            raise FeedbackSignatureError(str(error)) from None
        try:
            recovered = attestation.recover(signature)
        except Exception as error:  # eth-keys raises several types for junk signatures
            raise FeedbackSignatureError(f"the signature cannot be read ({error}).") from None
        if signer is not None and recovered != signer:
            raise FeedbackSignatureError(f"the signature was made by {recovered}, not by the named signer {signer}.")
        return cls(attestation, recovered, signature)


def sign_feedback(private_key, feedback: Feedback, domain: EasDomain, recipient: str, time: int,
                  **extra) -> SignedAttestation:
    """Makes and signs the off-chain attestation of `feedback` (the one way Ante produces one)."""
    return Attestation.of(feedback, domain, recipient, time, **extra).sign(private_key)



#: The roles a signer of feedback can have on the challenge it is about, most involved first.
ROLES = ("funder", "contributor", "panel", "community")


def role(signer: str, *, funder: str, contributor: str | None, panel: list[str] | tuple[str, ...],
         co_funders: list[str] | tuple[str, ...] = ()) -> str:
    """The signer's role on a challenge: one of its funders (its creator or a co-funder), its contributor, a
    member of its panel, else community."""
    signer = to_checksum_address(signer)
    if signer == to_checksum_address(funder) or signer in {to_checksum_address(f) for f in co_funders}:
        return "funder"
    if contributor and signer == to_checksum_address(contributor):
        return "contributor"
    if signer in {to_checksum_address(member) for member in panel}:
        return "panel"
    return "community"


def tally(items) -> dict[str, int]:
    """How many distinct signers endorse, stay neutral and object, over items with a ``signer`` and a
    ``stance`` name: a signer counts once per stance however many challenges they spoke on, so praise is
    measured in people, not in attestations."""
    signers: dict[str, set[str]] = {name: set() for name in STANCES}
    for item in items:
        signers[item["stance"]].add(to_checksum_address(item["signer"]))
    return {stance: len(group) for stance, group in signers.items()}
