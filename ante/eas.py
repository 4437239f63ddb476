"""Ante's use of an Ethereum Attestation Service (EAS) deployment: where it is, Ante's schema in it, and the
feedback attested there.

Feedback (:mod:`ante.feedback`) is an EAS attestation in Ante's one schema. This module finds the EAS that
holds it on a chain, and reads and writes there:

- **where**: on a local development chain (chain id 1337 or 31337, as :mod:`ante.devchain` rules) there is
  no EAS, so Ante deploys EAS's own published bytecode (``SchemaRegistry``, then ``EAS`` on it, packaged in
  :mod:`ante.artifacts`); on any other chain it uses EAS's published deployment
  (``ante/artifacts/eas-deployments.json``, from EAS's npm package). A chain without one raises
  :class:`EasUnavailable`, one sentence: feedback on chain is then unavailable, everything else works.
- **the schema**: :data:`ante.feedback.SCHEMA`, no resolver, revocable, registered once: when the registry's
  ``getSchema`` already returns it, nothing is sent (:func:`register_schema`).
- **the domain** of off-chain attestations: the chain, the EAS address and EAS's ``version()``, read by
  ``eth_call`` (:meth:`EasReader.domain`).
- **writing** (Ape account, every transaction simulated first through :mod:`ante.transactions`):
  :func:`attest` sends ``EAS.attest`` and returns the new attestation's UID from its ``Attested`` event;
  :func:`revoke_offchain` is EAS's standard revocation of an off-chain attestation (the attester calls
  ``revokeOffchain(uid)``), :func:`revoke` that of an on-chain one (``EAS.revoke``).
- **reading** (raw JSON-RPC through an :class:`ante.rpc.Node`, no Ape needed): every on-chain attestation in
  Ante's schema (:meth:`EasReader.attestations`), on-chain revocations in it (:meth:`EasReader.revocations`)
  and off-chain revocations (:meth:`EasReader.offchain_revocations`), as plain dataclasses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from eth_utils.abi import event_abi_to_log_topic

from ante.errors import AnteError, BadInput
from ante.feedback import SCHEMA, ZERO_ADDRESS, ZERO_HASH, EasDomain, Feedback, FeedbackError, schema_uid
from ante.finality import LOCAL_CHAIN_IDS
from ante.rpc import ApeNode, Node, NodeRefused, quantity
from ante.terms import to_checksum_address


class EasUnavailable(AnteError):
    """There is no EAS to use on this chain (or for this deployment): on-chain feedback is unavailable."""


# ---------------------------------------------------------------------- where EAS is


@dataclass(frozen=True)
class PublishedEas:
    """EAS's own deployment on one public chain, as its npm package lists it."""

    chain_id: int
    network: str
    eas: str
    schema_registry: str


@cache
def published_table() -> dict[int, PublishedEas]:
    """EAS's published deployments by chain id (``ante/artifacts/eas-deployments.json``)."""
    from ante.artifacts import EAS_DEPLOYMENTS

    entries = json.loads(resources.files("ante.artifacts").joinpath(EAS_DEPLOYMENTS).read_text())
    return {int(chain_id): PublishedEas(int(chain_id), e["network"], to_checksum_address(e["eas"]),
                                        to_checksum_address(e["schema_registry"])) for chain_id, e in entries.items()}


def published(chain_id: int) -> PublishedEas | None:
    """EAS's published deployment on `chain_id`, or None if it has none."""
    return published_table().get(int(chain_id))


def is_local(chain_id: int) -> bool:
    return int(chain_id) in LOCAL_CHAIN_IDS


def check_local(chain_id: int) -> None:
    """Refuses to deploy an EAS of Ante's own anywhere but a local development chain."""
    if not is_local(chain_id):
        ids = ", ".join(str(i) for i in sorted(LOCAL_CHAIN_IDS))
        raise BadInput(f"Ante deploys an EAS of its own only on a local development chain (chain id {ids}); "
                       f"chain {chain_id} uses EAS's published deployment.")


# ---------------------------------------------------------------------- the ABI, without Ape


@cache
def _abi(name: str) -> tuple[dict, ...]:
    return tuple(json.loads(resources.files("ante.artifacts").joinpath(f"{name}.json").read_text())["abi"])


@cache
def eas_views():
    from ante.abi import Views

    return Views(_abi("EAS"))


@cache
def registry_views():
    from ante.abi import Views

    return Views(_abi("SchemaRegistry"))


@cache
def _event(name: str) -> dict:
    return next(e for e in _abi("EAS") if e.get("type") == "event" and e["name"] == name)


def topic(name: str) -> str:
    """Topic 0 of EAS's event `name`, as 0x hex."""
    return "0x" + event_abi_to_log_topic(_event(name)).hex()


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    text = str(value)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def _hex(value) -> str:
    return "0x" + _bytes(value).hex()


def _topic_address(value) -> str:
    return to_checksum_address("0x" + _bytes(value)[-20:].hex())


def _uid(value) -> bytes:
    try:
        raw = _bytes(value) if isinstance(value, (bytes, bytearray)) or str(value).startswith("0x") else None
    except ValueError:
        raw = None
    if raw is None or len(raw) != 32:
        raise BadInput(f"an attestation UID is 32 bytes of 0x-hex, not {str(value)[:80]!r}.")
    return raw


# ---------------------------------------------------------------------- what is read


@dataclass(frozen=True)
class SchemaRecord:
    """A schema as EAS's SchemaRegistry holds it."""

    uid: str
    resolver: str
    revocable: bool
    schema: str


@dataclass(frozen=True)
class OnchainAttestation:
    """An attestation as EAS holds it, with where its ``Attested`` event is.

    `feedback` is its data read in Ante's schema; None (with `invalid` saying why) when the attestation is
    not in Ante's schema or its data is not Ante feedback (EAS does not check data against its schema)."""

    uid: str
    schema: str
    attester: str
    recipient: str
    time: int
    expiration_time: int
    revocation_time: int
    ref_uid: str
    revocable: bool
    data: bytes
    feedback: Feedback | None
    invalid: str = ""
    block_number: int = 0
    log_index: int = 0
    transaction_hash: str = ""

    @property
    def revoked(self) -> bool:
        return self.revocation_time != 0


@dataclass(frozen=True)
class Revocation:
    """An on-chain attestation in Ante's schema revoked by its attester (EAS's ``Revoked`` event)."""

    uid: str
    attester: str
    recipient: str
    time: int  # the attestation's revocationTime
    block_number: int
    log_index: int
    transaction_hash: str


@dataclass(frozen=True)
class OffchainRevocation:
    """An off-chain attestation's UID revoked by `revoker` at `time` (EAS's ``RevokedOffchain`` event).

    EAS does not know the attestation itself, only the UID: the revocation counts for an off-chain
    attestation with this UID whose signer is `revoker`."""

    revoker: str
    uid: str
    time: int
    block_number: int
    log_index: int
    transaction_hash: str


class EasReader:
    """Reads one EAS deployment at `eas` through `node` (default: Ape's connected provider), over raw JSON-RPC."""

    def __init__(self, eas: str, node: Node | None = None):
        self.eas = to_checksum_address(eas)
        self.node = node if node is not None else ApeNode()

    def _call(self, views, name: str, *args, to: str | None = None):
        answer = self.node.request("eth_call", [{"to": to or self.eas, "data": views.encode(name, *args)}, "latest"])
        if not answer or answer == "0x":
            raise EasUnavailable(f"the contract at {to or self.eas} does not answer {name}() as EAS's does.")
        return views.decode(name, answer)

    def exists(self) -> bool:
        """Whether EAS is there: code at the address that answers ``version()`` and ``getSchemaRegistry()``."""
        code = self.node.request("eth_getCode", [self.eas, "latest"])
        if not code or code == "0x":
            return False
        from eth_abi.exceptions import DecodingError

        try:
            self.version()
            self.schema_registry()
        except (NodeRefused, EasUnavailable, DecodingError, ValueError, OverflowError):
            return False
        return True

    def version(self) -> str:
        """EAS's ``version()``: the version of its EIP-712 domain for off-chain attestations."""
        return str(self._call(eas_views(), "version")[0])

    def schema_registry(self) -> str:
        return to_checksum_address(self._call(eas_views(), "getSchemaRegistry")[0])

    def domain(self, chain_id: int | None = None) -> EasDomain:
        """The domain off-chain attestations for this EAS are signed in (the version read from the contract)."""
        if chain_id is None:
            chain_id = quantity(self.node.request("eth_chainId"))
        return EasDomain(int(chain_id), self.eas, self.version())

    def schema(self, uid: bytes | str | None = None, registry: str | None = None) -> SchemaRecord | None:
        """The registry's record of schema `uid` (default: Ante's), or None if it is not registered."""
        uid = schema_uid() if uid is None else _uid(uid)
        record = self._call(registry_views(), "getSchema", uid, to=registry or self.schema_registry())[0]
        found, resolver, revocable, text = record
        if bytes(found) == ZERO_HASH:
            return None
        return SchemaRecord(_hex(found), to_checksum_address(resolver), bool(revocable), str(text))

    def _attestations(self, uids: list[bytes]) -> list[tuple]:
        views = eas_views()
        answers = self.node.batch([("eth_call", [{"to": self.eas, "data": views.encode("getAttestation", uid)},
                                                 "latest"]) for uid in uids])
        return [views.decode("getAttestation", answer)[0] for answer in answers]

    def attestation(self, uid) -> OnchainAttestation | None:
        """The on-chain attestation `uid` (in any schema), or None if EAS holds none by that UID."""
        found = self._attestations([_uid(uid)])[0]
        return None if bytes(found[0]) == ZERO_HASH else _attestation(found)

    def _logs(self, topics: list, start: int, stop: int | None) -> list[dict]:
        from ante.chain import read_logs

        if stop is None:
            stop = quantity(self.node.request("eth_blockNumber"))
        return read_logs(self.node, self.eas, topics, start, stop) if stop >= start else []

    def attestations(self, start: int = 0, stop: int | None = None,
                     ante: str | None = None) -> list[OnchainAttestation]:
        """Every on-chain attestation in Ante's schema made from block `start` to `stop` (default: the head),
        in chain order; with `ante`, only feedback about that Ante deployment."""
        logs = self._logs([topic("Attested"), None, None, "0x" + schema_uid().hex()], start, stop)
        uids = [_bytes(log["data"])[:32] for log in logs]
        found = self._attestations(uids) if uids else []
        out = []
        for log, record in zip(logs, found):
            attestation = _attestation(record, log)
            if ante is None or (attestation.feedback is not None
                                and int(attestation.feedback.ante, 16) == int(ante, 16)):
                out.append(attestation)
        return out

    def revocations(self, start: int = 0, stop: int | None = None) -> list[Revocation]:
        """Every on-chain revocation of an attestation in Ante's schema from block `start` to `stop`."""
        logs = self._logs([topic("Revoked"), None, None, "0x" + schema_uid().hex()], start, stop)
        uids = [_bytes(log["data"])[:32] for log in logs]
        found = self._attestations(uids) if uids else []
        return [Revocation(_hex(uid), _topic_address(log["topics"][2]), _topic_address(log["topics"][1]),
                           int(record[4]), quantity(log["blockNumber"]), quantity(log["logIndex"]),
                           _hex(log["transactionHash"]))
                for uid, log, record in zip(uids, logs, found)]

    def offchain_revocations(self, start: int = 0, stop: int | None = None,
                             revokers: list[str] | None = None) -> list[OffchainRevocation]:
        """Every off-chain revocation (``revokeOffchain``) from block `start` to `stop`, in chain order; with
        `revokers`, only theirs. (EAS's event names no schema: these are revocations of any UID.)"""
        who = None if revokers is None else ["0x" + bytes(12).hex() + to_checksum_address(r)[2:].lower()
                                             for r in revokers]
        if who == []:
            return []
        logs = self._logs([topic("RevokedOffchain"), who], start, stop)
        return [OffchainRevocation(_topic_address(log["topics"][1]), _hex(log["topics"][2]),
                                   int.from_bytes(_bytes(log["topics"][3]), "big"), quantity(log["blockNumber"]),
                                   quantity(log["logIndex"]), _hex(log["transactionHash"]))
                for log in logs if len(log.get("topics") or []) == 4]

    def offchain_revoked_at(self, revoker: str, uid) -> int:
        """When `revoker` revoked the off-chain UID `uid` (``getRevokeOffchain``), or 0 if they never did."""
        return int(self._call(eas_views(), "getRevokeOffchain", to_checksum_address(revoker), _uid(uid))[0])


def _attestation(record: tuple, log: dict | None = None) -> OnchainAttestation:
    uid, schema, time, expiration, revocation, ref_uid, recipient, attester, revocable, data = record
    feedback, invalid = None, ""
    if bytes(schema) != schema_uid():
        invalid = f"it is in schema {_hex(schema)}, not Ante's feedback schema."
    else:
        try:
            feedback = Feedback.decode(bytes(data))
        except FeedbackError as error:
            invalid = str(error)
    where = {}
    if log is not None:
        where = {"block_number": quantity(log["blockNumber"]), "log_index": quantity(log["logIndex"]),
                 "transaction_hash": _hex(log["transactionHash"])}
    return OnchainAttestation(_hex(uid), _hex(schema), to_checksum_address(attester), to_checksum_address(recipient),
                              int(time), int(expiration), int(revocation), _hex(ref_uid), bool(revocable), bytes(data),
                              feedback, invalid, **where)


# ---------------------------------------------------------------------- setting up (needs Ape connected)


@dataclass(frozen=True)
class EasSetup:
    """The EAS Ante uses on a chain and Ante's schema in it, with what setting it up sent."""

    chain_id: int
    eas: str
    schema_registry: str
    version: str
    schema: str  # Ante's schema UID, 0x hex
    receipts: tuple = ()  # the transactions sent (deployments, the schema's registration), in order
    registered: bool = False  # whether this setup registered the schema (False: it was there already)

    @property
    def domain(self) -> EasDomain:
        return EasDomain(self.chain_id, self.eas, self.version)


def _contract(name: str, address: str):
    from ape import Contract

    from ante.artifacts import contract_type

    return Contract(to_checksum_address(address), contract_type=contract_type(name))


def _refused(what: str, error) -> AnteError:
    name = type(error).__name__
    reason = name if name not in ("ContractLogicError", "VirtualMachineError") else (
        getattr(error, "revert_message", None) or str(error))
    return AnteError(f"EAS refused {what} ({reason}).")


def deploy_eas(sender, policy=None) -> tuple[str, str, tuple]:
    """Deploys EAS's SchemaRegistry and an EAS on it from `sender`, on a local development chain only;
    returns (registry address, EAS address, receipts)."""
    from ape import chain
    from ape.contracts import ContractContainer

    from ante.artifacts import contract_type
    from ante.transactions import deploy

    check_local(chain.chain_id)
    registry, first = deploy(ContractContainer(contract_type("SchemaRegistry")), sender, policy)
    eas, second = deploy(ContractContainer(contract_type("EAS")), sender, policy, args=(registry.address,))
    return to_checksum_address(registry.address), to_checksum_address(eas.address), (first, second)


def register_schema(registry: str, sender, policy=None, node: Node | None = None):
    """Registers Ante's schema (no resolver, revocable) in the SchemaRegistry at `registry`, unless its
    ``getSchema`` already returns it; returns the registration's receipt, or None when nothing was sent."""
    from ape.exceptions import ContractLogicError

    from ante.transactions import send

    reader = EasReader(registry, node)
    if reader.schema(registry=registry) is not None:
        return None
    try:
        receipt = send(_contract("SchemaRegistry", registry).register, SCHEMA, ZERO_ADDRESS, True, sender=sender,
                       policy=policy)
    except ContractLogicError as error:
        raise _refused("to register Ante's feedback schema", error) from error
    if reader.schema(registry=registry) is None:
        raise AnteError(f"Ante's feedback schema is not in the SchemaRegistry at {registry} after its registration "
                        f"{receipt.txn_hash}.")
    return receipt


def setup(sender, policy=None, known: str = "", node: Node | None = None) -> EasSetup:
    """The EAS Ante uses on the connected chain, with Ante's schema registered in it (once).

    On a local development chain: the EAS at `known` (one recorded before) if it is still there, else a
    new one deployed from `sender`. Elsewhere: EAS's published deployment; :class:`EasUnavailable` when the
    chain has none (or the node holds no contract there)."""
    from ape import chain

    node = node if node is not None else ApeNode()
    chain_id = int(chain.chain_id)
    receipts: list = []
    if is_local(chain_id):
        reader = EasReader(known, node) if known else None
        if reader is not None and reader.exists():
            registry = reader.schema_registry()
        else:
            registry, eas, sent = deploy_eas(sender, policy)
            receipts += sent
            reader = EasReader(eas, node)
    else:
        listed = published(chain_id)
        if listed is None:
            raise EasUnavailable(f"EAS has no published deployment on chain {chain_id}, so feedback on chain is "
                                 "unavailable there (everything else works).")
        reader = EasReader(listed.eas, node)
        if not reader.exists():
            raise EasUnavailable(f"EAS's published address on chain {chain_id} ({listed.eas}) holds no EAS on this "
                                 "node, so feedback on chain is unavailable there (everything else works).")
        registry = reader.schema_registry()
        if registry != listed.schema_registry:
            raise AnteError(f"the EAS at {listed.eas} on chain {chain_id} uses the SchemaRegistry at {registry}, "
                            f"not the published {listed.schema_registry}.")
    registration = register_schema(registry, sender, policy, node)
    if registration is not None:
        receipts.append(registration)
    return EasSetup(chain_id, reader.eas, registry, reader.version(), "0x" + schema_uid().hex(), tuple(receipts),
                    registration is not None)


# ---------------------------------------------------------------------- writing feedback (needs Ape connected)


def attest(eas: str, feedback: Feedback, recipient: str, sender, policy=None) -> tuple[str, object]:
    """Attests `feedback` on chain through ``EAS.attest`` in Ante's schema, about `recipient` (no expiry,
    revocable, no reference, no value); returns (the new attestation's UID, receipt)."""
    from ape.exceptions import ContractLogicError

    from ante.transactions import send

    request = (schema_uid(), (to_checksum_address(recipient), 0, True, ZERO_HASH, feedback.encode(), 0))
    try:
        receipt = send(_contract("EAS", eas).attest, request, sender=sender, policy=policy)
    except ContractLogicError as error:
        raise _refused("the attestation", error) from error
    attested = _bytes(topic("Attested"))
    for log in receipt.logs:
        topics = [_bytes(t) for t in log.get("topics") or []]
        if topics and topics[0] == attested and int(str(log["address"]), 16) == int(eas, 16):
            return _hex(_bytes(log["data"])[:32]), receipt
    raise AnteError(f"the attestation {receipt.txn_hash} was mined but EAS logged no Attested event.")


def revoke_offchain(eas: str, uid, sender, policy=None):
    """Revokes the off-chain attestation `uid` (EAS's ``revokeOffchain``; only the attester's own
    revocation counts for it); returns the receipt."""
    from ape.exceptions import ContractLogicError

    from ante.transactions import send

    try:
        return send(_contract("EAS", eas).revokeOffchain, _uid(uid), sender=sender, policy=policy)
    except ContractLogicError as error:
        raise _refused(f"to revoke {_hex(_uid(uid))} off chain", error) from error


def revoke(eas: str, uid, sender, policy=None):
    """Revokes the on-chain attestation `uid` in Ante's schema (``EAS.revoke``; only its attester may);
    returns the receipt."""
    from ape.exceptions import ContractLogicError

    from ante.transactions import send

    try:
        return send(_contract("EAS", eas).revoke, (schema_uid(), (_uid(uid), 0)), sender=sender, policy=policy)
    except ContractLogicError as error:
        raise _refused(f"to revoke {_hex(_uid(uid))}", error) from error
