"""The oracle's API description (``/openapi.json``) and its browsable form (``/docs``), both true and offline.

The models here describe what :mod:`ante.oracle.app` answers; they are not used to build the answers (the
read model's JSON is served as it is), so a test validates real answers against the description
(``tests/test_oracle_openapi.py``) and an independent fuzzer checks the rest (``tests/test_api_fuzz.py``).
Every object is closed (``additionalProperties: false``): a field added to an answer and not to its model
shows up as a failure, not as an undocumented surprise. Where the code already holds the one definition
of a fact, the description is derived from it: the challenge states from :class:`ante.state.State`, the
events' fields from :data:`ante.events.EVENT_TYPES`, the typed data's types from :data:`ante.verdict.TYPES`,
the outcomes and transaction states from :mod:`ante.oracle.store`, the audit's kinds from :data:`ante.audit.KINDS`,
and the domain (chain id, contract) from the service the app serves.

``/docs`` is Swagger UI, served from the npm package ``swagger-ui-dist`` in the project's
``node_modules`` (installed by ``make install`` or ``npm ci``); nothing is loaded from elsewhere. Without
those files, ``/docs`` answers 503 with a sentence saying how to install them. ReDoc is not served.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from ante.audit import KINDS
from ante.events import EVENT_TYPES
from ante.feedback import ATTEST_TYPES, EAS_DOMAIN_NAME, OFFCHAIN_VERSION, STANCES
from ante.oracle.feedback import ROLES
from ante.oracle.store import CONFIRMED, DROPPED, MINED, OUTCOMES, PENDING
from ante.state import State
from ante.verdict import DOMAIN_NAME, DOMAIN_VERSION, MAX_SCORE, TYPES

#: An address as the API takes it: 0x and 40 hex digits, in any case.
ADDRESS = r"^0x[0-9a-fA-F]{40}$"
#: A 32-byte value (hash, deliverable) as the API writes it: 0x and 64 lower-case hex digits.
HASH = r"^0x[0-9a-f]{64}$"
#: A 32-byte value as the API takes it (any case).
BYTES32 = r"^0x[0-9a-fA-F]{64}$"
#: A 65-byte (r, s, v) signature: 0x and 130 hex digits.
SIGNATURE = r"^0x[0-9a-fA-F]{130}$"
#: A verdict's signature: a key's 65 bytes, or a contract wallet's (a Safe's: its owners' 65 bytes each).
WALLET_SIGNATURE = r"^0x([0-9a-fA-F]{2})*$"
#: A token amount in base units: a decimal string, since amounts routinely exceed 2**53.
AMOUNT = r"^[0-9]+$"
# Ids are uint256, but no bound above is written: 2**256 - 1 is beyond what many JSON readers (and JSON
# Schema validators) hold exactly. A larger id is simply no challenge (404).

#: Every state a challenge can be in, by label (the ``?state=`` filter and the ``state`` field).
STATES = [s.label for s in State if s != State.NONE]

ChallengeState = enum.Enum("ChallengeState", {label: label for label in STATES}, type=str)
ChallengeState.__doc__ = "Where a challenge stands."

Address = Annotated[str, Field(pattern=ADDRESS, description="An address, EIP-55 checksummed.")]
Hash = Annotated[str, Field(pattern=HASH)]
Amount = Annotated[str, Field(pattern=AMOUNT, description="Base units of the token, as a decimal string.")]
SignedAmount = Annotated[str, Field(pattern=r"^-?[0-9]+$", description="Base units, a decimal string; may be negative.")]
Signature = Annotated[str, Field(pattern=WALLET_SIGNATURE, description="0x-hex: a key's 65 bytes (r, s, v), or a "
                                                                        "contract wallet's (a Safe's) signature.")]
Score = Annotated[int, Field(ge=0, le=MAX_SCORE, description="Basis points, 0 to 10000.")]
Count = Annotated[int, Field(ge=0)]
Timestamp = Annotated[int, Field(ge=0, description="Seconds since 1970 (the chain's time).")]
Moment = Annotated[float, Field(ge=0, description="Seconds since 1970 (the oracle's clock).")]
ChallengeId = Annotated[int, Field(ge=0, description="A uint256.")]


class Closed(BaseModel):
    """A JSON object with exactly these fields."""

    model_config = ConfigDict(extra="forbid")


class Problem(Closed):
    """Every error: one plain sentence."""

    detail: str = Field(description="One plain sentence saying what is wrong.")


# ------------------------------------------------------------------------------------------ verdicts in


class QuorumBrief(Closed):
    threshold: int = Field(description="How many of the panel must agree on one score.")
    score: Score | None = Field(description="The score counted: the verdict's, or the leading one (null without verdicts).")
    agreeing: Count
    missing: Count
    reached: bool


class VerdictAccepted(Closed):
    status: Literal["stored", "unchanged", "replaced"] = Field(
        description="stored (new), replaced (the signer's earlier verdict: another score, or the same one signed "
                    "anew, as a Safe signs again when its owners change) or unchanged (identical, signature included).")
    kind: Literal["verdict", "appeal"] = Field(
        description="verdict (the panel's, on a submitted challenge) or appeal (the appeal panel's AppealVerdict).")
    challenge_id: ChallengeId
    signer: Address
    score: Score
    quorum: QuorumBrief = Field(description="The quorum of the verdict's round: its panel's, or its appeal panel's.")
    settlement: Literal["queued"] | None = Field(description="queued when this verdict completes a quorum.")


def typed_data_schema(chain_id: int, contract: str, primary: str = "Verdict") -> dict:
    """The JSON schema of a verdict's EIP-712 typed data in the domain of `contract` on `chain_id`: a first-round
    ``Verdict``, or with `primary` ``AppealVerdict``, an appeal panel's verdict (the same fields)."""
    what = ("a panel's verdict on a submitted challenge" if primary == "Verdict" else
            "an appeal panel's verdict on an appealed challenge (the challenge's options name the appeal panel)")
    return {
        "title": f"{primary}TypedData",
        "type": "object",
        "description": f"EIP-712 typed data of {primary}(challengeId, deliverable, score), {what}, as `ante verdict "
                       "typed-data` prints it and eth_signTypedData_v4 takes it.",
        "required": ["types", "primaryType", "domain", "message"],
        "properties": {
            "types": {
                "type": "object",
                "required": [primary],
                "properties": {"EIP712Domain": {"const": TYPES["EIP712Domain"]}, primary: {"const": TYPES["Verdict"]}},
            },
            "primaryType": {"const": primary},
            "domain": {
                "type": "object",
                "required": ["name", "version", "chainId", "verifyingContract"],
                "properties": {
                    "name": {"const": DOMAIN_NAME},
                    "version": {"const": DOMAIN_VERSION},
                    "chainId": {"const": chain_id, "description": "This oracle's chain (a decimal or 0x-hex string of it is taken too)."},
                    "verifyingContract": {"type": "string", "pattern": ADDRESS,
                                          "description": f"This oracle's deployment, {contract} (in any case)."},
                },
            },
            "message": {
                "type": "object",
                "required": ["challengeId", "deliverable", "score"],
                "properties": {
                    "challengeId": {"type": "integer", "minimum": 0, "description": "A uint256."},
                    "deliverable": {"type": "string", "pattern": BYTES32,
                                    "description": "The keccak-256 the challenge was submitted with."},
                    "score": {"type": "integer", "minimum": 0, "maximum": MAX_SCORE},
                },
            },
        },
    }


def verdict_body_schemas(chain_id: int, contract: str) -> dict[str, dict]:
    """The components of ``POST /verdicts``'s body: a signed verdict in either form a wallet gives."""
    signature = {"type": "string", "pattern": WALLET_SIGNATURE, "description": "0x-hex. From a key: 65 bytes (r, s, "
                 "v) as eth_signTypedData_v4 returns it; v may be 0/1 or 27/28, and a high s is taken as its low twin. "
                 "From a contract wallet (a Safe): whatever its ERC-1271 isValidSignature accepts, the signer named."}
    signer = {"anyOf": [{"type": "string", "pattern": ADDRESS}, {"type": "null"}], "default": None,
              "description": "The signer is recovered from a key's signature, and if named must be that address. "
                             "A contract wallet (a Safe) is named here, and asked whether it accepts the signature."}
    kind = {"enum": ["verdict", "appeal"], "description": "Optional: which round the verdict is for, verdict (the "
            "panel's Verdict on a submitted challenge) or appeal (the appeal panel's AppealVerdict on an appealed one). "
            "The typed data's primaryType tells them apart; when given, kind must agree with it. An appeal verdict is "
            "taken while the challenge is appealed, until its rule-by deadline, from a member of its appeal panel; "
            "when a quorum of the appeal panel agrees, the oracle settles the appeal."}
    typed = {"anyOf": [{"$ref": "#/components/schemas/VerdictTypedData"},
                       {"$ref": "#/components/schemas/AppealVerdictTypedData"}]}
    return {
        "VerdictTypedData": typed_data_schema(chain_id, contract),
        "AppealVerdictTypedData": typed_data_schema(chain_id, contract, "AppealVerdict"),
        "SignedVerdict": {
            "title": "SignedVerdict",
            "type": "object",
            "description": "What `ante verdict sign` writes: the typed data (a Verdict, or an AppealVerdict), the "
                           "signature and (optionally) the signer.",
            "required": ["typedData", "signature"],
            "properties": {"typedData": typed, "signature": signature, "signer": signer, "kind": kind},
        },
        "SignedTypedData": {
            "title": "SignedTypedData",
            "description": "The typed data itself (a Verdict, or an AppealVerdict), with the wallet's signature beside "
                           "its fields.",
            "allOf": [typed,
                      {"type": "object", "required": ["signature"],
                       "properties": {"signature": signature, "signer": signer, "kind": kind}}],
        },
    }


# ------------------------------------------------------------------------------------------ challenges


class TermsOut(Closed):
    funder: Address
    token: Address = Field(description="The reward's token; the zero address for ether.")
    reward: Amount
    stake_bps: Annotated[int, Field(ge=0, le=10_000)]
    panel_id: Count
    accept_by: Timestamp
    deliver_within: Count
    review_within: Count
    designated: Address = Field(description="The only contributor allowed to accept; the zero address for anyone.")
    spec_hash: Hash


class OptionsOut(Closed):
    """A challenge's options (``IAnte.Options``), as ``ChallengeOptionsSet`` carries them."""

    unreviewed_bps: Annotated[int, Field(ge=0, le=10_000)]
    appeal_window: Count = Field(description="Seconds after the panel's verdict to appeal it; 0: no appeal round.")
    appeal_panel_id: Count = Field(description="The panel that decides an appeal; 0 without an appeal window.")
    appeal_bond_bps: Annotated[int, Field(ge=0, le=10_000)]
    review_fee: Amount = Field(description="Paid to the verdict's signers, or back to the creator without one.")


class FunderOut(Closed):
    """Someone who put money into a challenge's reward (``ChallengeHistory.funders``)."""

    funder: Address
    amount: Amount = Field(description="The creator: the reward less every co-funder's contribution; a co-funder: "
                                       "their contribution.")
    share: Amount | None = Field(description="Their share of what went back to the funders, once a co-funded "
                                             "challenge closed; null before, and when not co-funded.")
    claimed: Amount | None = Field(description="What has been credited of it (for the creator, with the rounding "
                                               "remainders); null until then.")


class AppealOut(Closed):
    """A challenge's appeal round, once its panel's verdict is recorded (``ChallengeHistory.to_json``)."""

    first_score: Score = Field(description="The panel's recorded verdict.")
    first_signers: list[Address]
    ruled_at: Timestamp
    appellant: Address | None = Field(description="Who appealed (the creator or the contributor); null if nobody.")
    bond: Amount | None
    appealed_at: Timestamp | None
    appeal_score: Score | None = Field(description="The appeal panel's score; null until it decides, or if silent.")
    appeal_signers: list[Address]
    appellant_won: bool | None
    bond_to: Address | None = Field(description="Who the bond was credited to once the appeal closed.")


class FeePaidOut(Closed):
    share: Amount = Field(description="Paid to each signer of the panel's verdict.")
    signers: list[Address]


class ChallengeBrief(Closed):
    """A challenge as ``ante show`` reads it (``ChallengeHistory.to_json``)."""

    challenge_id: ChallengeId
    state: ChallengeState
    deadline: Timestamp
    terms: TermsOut
    unreviewed_bps: Annotated[int, Field(ge=0, le=10_000)] = Field(
        description="The share of the reward, in basis points, its contributor is paid beside the stake if it lapses "
                    "Unreviewed (submitted, and no verdict by the review deadline): 10000, the whole reward, unless "
                    "it was posted with its own share.")
    appeal_window: Count = Field(description="Seconds to appeal the panel's verdict; 0 without an appeal round.")
    appeal_panel_id: Count = Field(description="The panel that decides an appeal; 0 without an appeal round.")
    appeal_bond_bps: Annotated[int, Field(ge=0, le=10_000)]
    review_fee: Amount = Field(description="Paid to the verdict's signers, or back to the creator without one.")
    spec_uri: str
    created_at: Timestamp
    contributor: Address | None
    stake: Amount | None
    promise_hash: Hash | None
    promise_uri: str | None
    promised_by: Timestamp | None
    confidence_bps: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        description="The contributor's stated chance of success in basis points; null when none was stated.")
    accepted_at: Timestamp | None
    deliver_by: Timestamp | None
    deliverable: Hash | None
    deliverable_uri: str | None
    submitted_at: Timestamp | None
    review_by: Timestamp | None
    score: Score | None
    to_contributor: Amount | None
    to_funder: Amount | None
    forfeited: Amount
    signers: list[Address]
    settled_at: Timestamp | None
    closed_at: Timestamp | None
    abandoned_by: list[Address]
    escrow: Amount = Field(description="What the contract holds for the challenge and has credited to nobody, "
                                       "the co-funding pool's unclaimed part included.")
    co_funded: bool = Field(description="Whether anyone but its creator added to the reward.")
    funders: list[FunderOut] = Field(description="The creator first, then each co-funder in order of first funding.")
    shared: Amount = Field(description="What went back to the funders' side of a co-funded challenge; 0 otherwise.")
    to_creator: Amount | None = Field(description="The creator's share of a co-funded challenge, credited at its "
                                                  "close; null before, and when not co-funded.")
    unclaimed: Amount = Field(description="What the co-funding pool holds and has credited to nobody.")
    appeal: AppealOut | None = Field(description="The appeal round; null until a verdict is recorded for one.")
    review_fee_paid: FeePaidOut | None
    review_fee_returned: Amount | None = Field(description="The review fee credited back to the creator, if no "
                                                           "verdict came.")


class ChallengeListed(ChallengeBrief):
    verdicts: Count = Field(description="How many verdicts the oracle holds for it.")


_KIND_TYPES: dict[str, Any] = {
    "int": Count, "amount": Amount, "address": Address, "addresses": list[Address], "bytes32": Hash, "str": str,
    "bool": bool, "state": Annotated[int, Field(ge=0, le=max(State))], "terms": TermsOut,
    "options": OptionsOut,
}


def _event_model(cls) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "event": (Literal[cls.NAME], ...),
        "block_number": (Count, ...),
        "log_index": (Count, ...),
        "transaction_hash": (Hash, ...),
        "timestamp": (Timestamp, ...),
    }
    for _, attr, kind in cls.ARGS:
        fields[attr] = (_KIND_TYPES[kind], ...)
    return create_model(f"{cls.NAME}Event", __config__=ConfigDict(extra="forbid"), __doc__=cls.__doc__, **fields)


#: A challenge's events, one model per event type, derived from the events' own field lists.
ChallengeEvent = Annotated[
    Union[tuple(_event_model(cls) for cls in EVENT_TYPES.values() if any(a == "challenge_id" for _, a, _ in cls.ARGS))],
    Field(discriminator="event"),
]


class ChallengeFull(ChallengeBrief):
    seal: Annotated[str, Field(pattern=r"^0x[0-9a-f]{50}$", description="The contract's 200-bit seal of the record.")]
    events: list[ChallengeEvent]


class StoredVerdictOut(Closed):
    signer: Address
    score: Score
    deliverable: Hash
    signature: Signature
    received_at: Moment


class ScoreGroup(Closed):
    score: Score
    count: Count
    signers: list[Address]


class QuorumFull(QuorumBrief):
    members: list[Address]
    not_signed: list[Address]
    by_score: list[ScoreGroup] = Field(description="The largest group first.")


class AttemptOut(Closed):
    challenge_id: ChallengeId
    action: Literal["settle", "lapse", "finalize"]
    outcome: Literal[OUTCOMES]
    tx_hash: Hash | None
    reason: str | None
    at: Moment


class SendOut(Closed):
    tx_hash: Hash
    max_fee: Count
    priority_fee: Count
    cancel: bool = Field(description="A transfer of nothing to the oracle itself, filling the nonce.")
    sent_block: Count
    sent_at: Moment


class TransactionOut(Closed):
    challenge_id: ChallengeId
    action: Literal["settle", "lapse", "finalize"]
    nonce: Count
    state: Literal[PENDING, MINED, CONFIRMED, DROPPED]
    block_number: Count | None
    mined_hash: Hash | None
    sends: list[SendOut] = Field(description="Every version sent for the nonce (fee replacements, a cancellation).")


class ChallengeView(Closed):
    challenge: ChallengeFull
    verdicts: list[StoredVerdictOut]
    quorum: QuorumFull | None = Field(description="null until the challenge is submitted.")
    appeal_verdicts: list[StoredVerdictOut] = Field(description="The appeal panel's verdicts (AppealVerdict), if any.")
    appeal_quorum: QuorumFull | None = Field(description="The appeal panel's quorum; null unless the challenge has "
                                                         "an appeal round and was appealed.")
    attempts: list[AttemptOut]
    transactions: list[TransactionOut]


# ------------------------------------------------------------------------------------------ records


class ContributorAmounts(Closed):
    staked: Amount
    received: Amount
    at_stake: Amount
    earned: Amount
    forfeited: Amount


class Promises(Closed):
    made: Count
    kept: Count
    broken: Count
    unjudged: Count


Lateness = Annotated[int, Field(description="submitted_at - promised_by, in seconds: negative is early.")]


class DeliveryOut(Closed):
    """One submission against its acceptance's promise."""

    challenge_id: ChallengeId
    promised_by: Timestamp
    submitted_at: Timestamp = Field(description="The submission's block timestamp.")
    lateness: Lateness
    on_time: bool = Field(description="lateness <= 0.")
    score: Score | None = Field(description="The settlement's score; null until settled, and if it went unreviewed.")


class Closeness(Closed):
    """How early or late the contributor delivered against their promises (``ante.records``)."""

    delivered: Count = Field(description="Deliveries, counted in the median and the worst.")
    on_time: Count = Field(description="Deliveries with lateness <= 0.")
    undelivered: Count = Field(description="Promises abandoned or defaulted: nothing delivered.")
    on_time_share: Annotated[float, Field(ge=0, le=1)] | None = Field(
        description="on_time / (delivered + undelivered); null when both are 0.")
    median_lateness: float | None = Field(
        description="Seconds; for an even count the mean of the middle two (may end in .5); null without deliveries.")
    worst_lateness: int | None = Field(description="The largest lateness, in seconds; null without deliveries.")
    deliveries: list[DeliveryOut] = Field(description="Every delivery, in chain order.")


class Calibration(Closed):
    """How well the contributor's stated confidences foretold the verdicts (``ante.records``)."""

    stated: Count = Field(description="Settled acceptances with a stated confidence.")
    brier: Annotated[float, Field(ge=0, le=1)] | None = Field(
        description="Mean of (confidence - score)**2, both as probabilities; null when stated is 0.")
    kelly_brier: Annotated[float, Field(ge=0, le=1)] | None = Field(
        description="The same with the Kelly break-even stake / (reward + stake) as the probability.")


class Appeals(Closed):
    """The recorded verdicts an address appealed (as the contributor, or as the creator) and how many it won."""

    made: Count
    won: Count = Field(description="Appeals the appeal panel decided the appellant's way.")


class ContributorRecordOut(Closed):
    address: Address
    accepted: Count
    delivered: Count
    delivered_on_time: Count
    settled: Count
    unreviewed: Count
    abandoned: Count
    defaulted: Count
    in_progress: Count
    score_total: Count
    mean_score: Annotated[float, Field(ge=0, le=MAX_SCORE)] | None
    promises: Promises
    reliability: Annotated[float, Field(ge=0, le=1)] | None
    closeness: Closeness
    calibration: Calibration
    amounts: dict[str, ContributorAmounts] = Field(description="By token address.")
    appeals: Appeals


class EvaluatorRecordOut(Closed):
    address: Address
    panels: list[Count]
    reviews_due: Count
    verdicts_signed: Count
    reviews_missed: Count
    verdicts_overturned: Count = Field(description="First verdicts it signed that an appeal panel scored otherwise.")
    review_fees: dict[str, Amount] = Field(description="What review fees paid it, by token address.")


class FunderAmounts(Closed):
    posted: Amount
    in_escrow: Amount
    credited: Amount
    net_paid: SignedAmount
    contributed: Amount = Field(description="What it added, as a co-funder, to challenges others created.")
    claimed: Amount = Field(description="What its claims, as a co-funder, have credited it so far.")


class FunderRecordOut(Closed):
    address: Address
    posted: Count
    active: Count
    settled: Count
    paid_out: Count
    cancelled: Count
    expired: Count
    defaulted: Count
    unreviewed: Count
    co_funded: Count = Field(description="Challenges it added to without having created them.")
    amounts: dict[str, FunderAmounts] = Field(description="By token address.")
    appeals: Appeals


class RecordsOut(Closed):
    address: Address
    contributor: ContributorRecordOut | None = Field(description="null for a role never played.")
    evaluator: EvaluatorRecordOut | None
    funder: FunderRecordOut | None


# ------------------------------------------------------------------------------------------ feedback

Stance = Literal[tuple(STANCES)]
Role = Literal[ROLES]
HexBytes = Annotated[str, Field(pattern=r"^0x([0-9a-f]{2})*$", description="Bytes, 0x-hex.")]


class EasDomainOut(Closed):
    """The EIP-712 domain of an EAS off-chain attestation: one EAS deployment on one chain."""

    name: Literal[EAS_DOMAIN_NAME]
    version: str = Field(description="The EAS contract's version().")
    chainId: Count
    verifyingContract: Address = Field(description="The EAS contract.")


class TypeField(Closed):
    name: str
    type: str


class AttestTypes(Closed):
    Attest: list[TypeField] = Field(description="EAS's version-2 Attest type.")


class AttestMessage(Closed):
    version: Literal[OFFCHAIN_VERSION]
    schema_: Hash = Field(alias="schema", description="The UID of Ante's feedback schema.")
    recipient: Address = Field(description="The contributor whose work it is about; the zero address for none yet.")
    time: Timestamp
    expirationTime: Count = Field(description="0 for never.")
    revocable: bool
    refUID: Hash
    data: HexBytes = Field(description="The ABI encoding of (ante, challengeId, deliverable, stance, comment, commentHash).")
    salt: Hash


class SignatureParts(Closed):
    v: Annotated[int, Field(ge=0, le=255)]
    r: Hash
    s: Hash


class OffchainAttestation(Closed):
    """EAS's off-chain attestation, as its SDK's signOffchainAttestation returns it."""

    version: Literal[OFFCHAIN_VERSION]
    uid: Hash = Field(description="The off-chain UID (EAS's getOffchainUID).")
    domain: EasDomainOut
    primaryType: Literal["Attest"]
    types: AttestTypes
    message: AttestMessage
    signature: SignatureParts


class FeedbackPackage(Closed):
    """An attestation package as EAS's SDK and explorers share it; verifiable by anyone."""

    sig: OffchainAttestation
    signer: Address


class FeedbackItem(Closed):
    """One signer's current feedback on one challenge: its latest attestation, off chain or on chain."""

    uid: Hash = Field(description="The attestation's UID: EAS's off-chain UID, or its on-chain one.")
    challenge_id: ChallengeId
    signer: Address
    recipient: Address = Field(description="The attestation's recipient: the contributor, or the zero address.")
    role: Role = Field(description="The signer's role on the challenge: funder (posted or co-funded it), "
                                   "contributor (holds it), panel (sits on the panel that judges it) or community.")
    stance: Stance
    comment: str = Field(description="The comment document's URI (may be empty).")
    comment_hash: Hash = Field(description="The keccak-256 of the comment document's bytes.")
    deliverable: Hash = Field(description="The deliverable it is about; zero before a submission.")
    time: Timestamp = Field(description="When the attestation was made: the signer's own claim off chain, the "
                                        "block's time on chain. The later of a signer's attestations on a "
                                        "challenge is the current one, wherever each is.")
    received_at: Moment = Field(description="When the oracle took it: posted, or read from the chain.")
    onchain: bool = Field(description="true: an on-chain attestation (EAS.attest), read from EAS's events up to the "
                                      "final block; false: an off-chain one, posted to this oracle.")
    transaction_hash: Hash | None = Field(description="The transaction that made an on-chain attestation; "
                                                      "null off chain.")
    package: FeedbackPackage | None = Field(description="The off-chain attestation package as signed, so that anyone "
                                                        "can verify it; null on chain (EAS holds the attestation).")


class FeedbackAccepted(Closed):
    status: Literal["stored", "replaced", "unchanged"] = Field(
        description="stored (the signer's first on the challenge), replaced (an older one of the signer's) or unchanged.")
    uid: Hash
    challenge_id: ChallengeId
    signer: Address
    stance: Stance
    role: Role
    time: Timestamp


def feedback_body_schemas(domain) -> dict[str, dict]:
    """The component of ``POST /feedback``'s body: EAS's package, bound to `domain` (an EasDomain, or None)."""
    whole = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"^(0x[0-9a-fA-F]+|[0-9]+)$"}],
             "description": "A whole number: an integer, or a decimal or 0x-hex string."}
    bytes32 = {"type": "string", "pattern": BYTES32}
    bound = ("Any EAS deployment is described; this oracle takes none (it has no EAS configured)." if domain is None else
             f"This oracle takes attestations of EAS {domain.eas} version {domain.version} on chain {domain.chain_id}.")
    return {"FeedbackAttestation": {
        "title": "FeedbackAttestation",
        "type": "object",
        "description": "An EAS version-2 off-chain attestation in Ante's feedback schema, as EAS's SDK shares it. " + bound,
        "required": ["sig"],
        "properties": {
            "sig": {
                "type": "object",
                "required": ["version", "domain", "primaryType", "types", "message", "signature"],
                "properties": {
                    "version": {"const": OFFCHAIN_VERSION},
                    "uid": {**bytes32, "description": "If given, the UID of the contents."},
                    "domain": {"type": "object", "required": ["name", "version", "chainId", "verifyingContract"],
                               "properties": {"name": {"const": EAS_DOMAIN_NAME}, "version": {"type": "string"},
                                              "chainId": whole,
                                              "verifyingContract": {"type": "string", "pattern": ADDRESS}}},
                    "primaryType": {"const": "Attest"},
                    "types": {"type": "object", "required": ["Attest"], "properties": {"Attest": {"const": ATTEST_TYPES}}},
                    "message": {"type": "object",
                                "required": ["version", "schema", "recipient", "time", "expirationTime", "revocable",
                                             "refUID", "data", "salt"],
                                "properties": {"version": whole, "schema": bytes32,
                                               "recipient": {"type": "string", "pattern": ADDRESS}, "time": whole,
                                               "expirationTime": whole, "revocable": {"type": "boolean"},
                                               "refUID": bytes32,
                                               "data": {"type": "string", "pattern": r"^0x([0-9a-fA-F]{2})*$"},
                                               "salt": bytes32}},
                    "signature": {"anyOf": [
                        {"type": "object", "required": ["v", "r", "s"],
                         "properties": {"v": whole, "r": bytes32, "s": bytes32}},
                        {"type": "string", "pattern": SIGNATURE}]},
                },
            },
            "signer": {"type": "string", "pattern": ADDRESS,
                       "description": "The attester; it must be the address the signature recovers to."},
        },
    }}


FEEDBACK_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FeedbackAttestation"}}},
}


# ------------------------------------------------------------------------------------------ health, audit


class ChainError(Closed):
    at: Moment
    message: str


class Health(Closed):
    ok: bool = Field(description="Connected and in sync (the status is 200 when true, else 503).")
    chain_id: Count
    contract: Address
    account: Address = Field(description="The oracle's account, which sends settlements and lapses.")
    head: Count | None
    indexed: Count | None
    final_block: Count | None
    lag: Count | None
    chain_time: Timestamp | None
    synced_at: Moment | None
    keeper: bool
    confirmations: Count
    in_flight: Count
    retrying: list[ChallengeId]
    last_error: ChainError | None


class Discrepancy(Closed):
    kind: Literal[KINDS]
    subject: str
    expected: str | None
    actual: str | None
    message: str


class Audit(Closed):
    clean: bool
    block: Count | None
    events: Count
    challenges: Count
    accounts: Count
    tokens: Count
    discrepancies: list[Discrepancy]


# ------------------------------------------------------------------------------------------ responses

#: What each error status means, wherever it is answered.
MEANING = {
    400: "The body is not JSON.",
    403: "This oracle's policy refuses the request.",
    404: "Not found.",
    405: "The path exists, but not with this method; Allow lists the methods it takes.",
    409: "The request conflicts with the challenge's state.",
    413: "The body is larger than the oracle takes.",
    422: "The request is malformed or does not verify.",
    429: "Too many requests from one signer; the sentence says when to try again.",
    503: "The oracle cannot answer this right now (it has not read the chain yet, or the chain does not answer).",
}


def problems(*statuses: int, **meanings: str) -> dict:
    """FastAPI ``responses`` for error `statuses`, each a :class:`Problem` (meanings by ``s<status>=``)."""
    return {status: {"model": Problem, "description": meanings.get(f"s{status}", MEANING[status])} for status in statuses}


METHOD_NOT_ALLOWED = {
    "description": MEANING[405],
    "headers": {"Allow": {"description": "The methods this path takes.", "schema": {"type": "string"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def describe(app, service) -> None:
    """Replaces `app`'s OpenAPI generator: FastAPI's description, with the signed verdict's schemas for
    `service`'s domain and a 405 (with ``Allow``) on every operation; built once, on first request."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(verdict_body_schemas(service.chain_id, service.contract))
            components.update(feedback_body_schemas(getattr(service, "eas", None)))
            for path in schema["paths"].values():
                for operation in path.values():
                    operation["responses"].setdefault("405", METHOD_NOT_ALLOWED)
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


VERDICT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/SignedVerdict"},
                                                          {"$ref": "#/components/schemas/SignedTypedData"}]}}},
}


# ------------------------------------------------------------------------------------------ /docs

#: Where ``npm ci`` puts Swagger UI: the project's node_modules.
SWAGGER_UI = Path(__file__).resolve().parent.parent / "node_modules" / "swagger-ui-dist"

#: The files of swagger-ui-dist that /docs uses, with their media types.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "swagger-ui.css.map": "application/json",
    "favicon-32x32.png": "image/png",
}

MISSING_ASSETS = ("Swagger UI is not installed here, so /docs cannot be shown: run `npm ci` (or `make install`) in "
                  "the project folder to put the npm package swagger-ui-dist in node_modules. The description "
                  "itself is at /openapi.json.")


def mount_docs(app, folder: Path | None = None) -> None:
    """``GET /docs``: Swagger UI over ``/openapi.json``, every file from `folder` (swagger-ui-dist) through
    ``/docs/assets/``; 503 with a plain sentence when the files are absent."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import FileResponse, PlainTextResponse

    folder = SWAGGER_UI if folder is None else Path(folder)

    def installed() -> bool:
        return all((folder / name).is_file() for name in ("swagger-ui-bundle.js", "swagger-ui.css"))

    @app.get("/docs", include_in_schema=False)
    def docs():
        if not installed():
            return PlainTextResponse(MISSING_ASSETS, status_code=503)
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title}: API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js", swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
            # Swagger UI's default validator badge is an image from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None})

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def asset(name: str):
        path = folder / name
        if name not in ASSETS or not path.is_file():
            return PlainTextResponse(f"There is no file {name[:80]!r} of Swagger UI here.", status_code=404)
        return FileResponse(path, media_type=ASSETS[name], headers={"cache-control": "public, max-age=3600"})
