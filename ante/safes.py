"""Organisations' Safes as Ante accounts, through Ape's ape-safe plugin.

A Safe funds a challenge, cancels it and withdraws its credit like any account: ``--account ALIAS`` names
a Safe that ``ape safe add`` registered, ape-safe gathers its owners' signatures (from local Ape
accounts, or through the Safe Transaction Service on a public chain) and one owner submits
``execTransaction``; the Safe is the funder on chain.

A Safe also sits on panels: it signs a verdict as Safes sign any hash (ERC-1271), its owners each
signing the verdict's digest as a ``SafeMessage`` in the Safe's domain, the Safe's signature being theirs
concatenated (:func:`sign_digest`). The contract, the oracle and ``ante settle`` ask the Safe whether it
accepts that (:mod:`ante.erc1271`), so a change of owners after signing is seen.

ape-safe finds the Safe's singleton (the contract its proxy delegates to) in Safe's published list of
deployments, fetched from GitHub when first needed. A Safe's proxy records its singleton itself, in
storage slot 0, so Ante reads it there and gives it to ape-safe before the first use (:func:`prepare`):
this is what the proxy actually runs, it holds on any chain (a local one too, where nothing is
published), and nothing is downloaded.
"""

from __future__ import annotations


def is_safe(account) -> bool:
    """Whether `account` is an ape-safe Safe (checked without importing ape-safe if it is not loaded)."""
    return type(account).__module__.startswith("ape_safe.")


def prepare(account) -> None:
    """Tells ape-safe which singleton `account` (a Safe) runs, read from the proxy's storage slot 0."""
    if not is_safe(account):
        return
    from ape import chain
    from ape_safe.accounts import SafeAccount
    from ape_safe.packages import PackageType

    _know_fallback_handler(account.address)
    version = account.version
    raw = chain.provider.get_storage(account.address, 0)
    singleton = "0x" + bytes(raw)[-20:].hex()
    factory = SafeAccount._factory
    known = factory._singleton.get(version)
    if known is None or int(known.address, 16) != int(singleton, 16):
        factory._singleton[version] = PackageType.SINGLETON(version).at(singleton)


#: Where a Safe keeps its fallback handler's address: keccak256("fallback_manager.handler.address").
FALLBACK_HANDLER_SLOT = 0x6C9A6C4A39284E37ED1CF53D337577D14212A4870FB976A4366C693B939918D5


def _know_fallback_handler(address: str) -> None:
    """Gives Ape the contract type of the Safe's fallback handler when it is Safe's own (packaged with
    Ante): a Safe's calls reach it, and Ape looks up the type of every contract a call reaches."""
    from ape import chain

    from ante.artifacts import contract_type

    raw = bytes(chain.provider.get_storage(address, FALLBACK_HANDLER_SLOT))[-20:]
    if not any(raw):
        return
    from ante.terms import to_checksum_address

    handler = to_checksum_address("0x" + raw.hex())
    packaged = contract_type("CompatibilityFallbackHandler")
    code = bytes(chain.provider.get_code(handler))
    if code and code == bytes(packaged.runtime_bytecode.to_bytes()):
        chain.contracts.cache_contract_type(handler, packaged)


#: The Safe version a local chain gets (ape-safe ships Safe's compiled contracts for it).
LOCAL_SAFE_VERSION = "1.4.1"


def deploy_local_safe(sender, owners: list[str], threshold: int, policy=None) -> tuple[str, object]:
    """Deploys Safe's singleton and proxy factory (Safe's own contracts, as ape-safe ships them), its
    fallback handler (as Safe's npm package publishes it) and a Safe proxy with `owners` and `threshold`
    and that handler, on a local development chain; returns the Safe's address and the receipt of the
    proxy's creation.

    Every transaction is simulated first and confirmed (:mod:`ante.transactions`)."""
    from ape import chain
    from ape_safe.packages import PackageType
    from packaging.version import Version

    from ante.devchain import check_local
    from ante.errors import BadInput
    from ante.terms import ZERO_ADDRESS
    from ante.transactions import deploy, send

    check_local(chain.chain_id, "a Safe made by `ante dev safe`")
    owners = list(dict.fromkeys(owners))
    if not owners:
        raise BadInput("a Safe needs at least one owner.")
    if not 1 <= threshold <= len(owners):
        raise BadInput(f"a Safe's threshold is 1 to its {len(owners)} owners, not {threshold}.")
    from ape.contracts import ContractContainer

    from ante.artifacts import contract_type

    version = Version(LOCAL_SAFE_VERSION)
    singleton, _ = deploy(PackageType.SINGLETON(version), sender, policy)
    factory, _ = deploy(PackageType.PROXY_FACTORY(version), sender, policy)
    handler, _ = deploy(ContractContainer(contract_type("CompatibilityFallbackHandler")), sender, policy)
    # Safe's own apps set this handler on every Safe they make: it answers ERC-1271 `isValidSignature`.
    setup = singleton.setup.encode_input(owners, threshold, ZERO_ADDRESS, b"", handler.address, ZERO_ADDRESS, 0,
                                         ZERO_ADDRESS)
    receipt = send(factory.createProxyWithNonce, singleton.address, setup, 0, sender=sender, policy=policy)
    [created] = receipt.decode_logs(factory.ProxyCreation)
    return str(created.proxy), receipt


def register(alias: str, address: str) -> None:
    """Registers the Safe at `address` with ape-safe under `alias` (as ``ape safe add`` does)."""
    from ape import accounts

    from ante.errors import BadInput

    container = accounts.containers["safe"]
    if alias in container.aliases:
        raise BadInput(f"there is already a Safe named {alias!r}; choose another --alias.")
    container.save_account(alias, address)


# ---------------------------------------------------------------- a Safe's signature (ERC-1271)

#: How a Safe (1.3.0 and later) signs a hash: its owners sign ``SafeMessage(bytes message)``, the message being
#: the hash, in the Safe's own EIP-712 domain; its fallback handler's ``isValidSignature`` checks them.
SAFE_MESSAGE_TYPES = {
    "EIP712Domain": [
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "SafeMessage": [{"name": "message", "type": "bytes"}],
}


def message_typed_data(chain_id: int, safe: str, digest: bytes) -> dict:
    """The typed data each owner of the Safe at `safe` signs (``eth_signTypedData_v4``) for the Safe to
    sign `digest`."""
    from ante.terms import to_checksum_address

    return {"types": SAFE_MESSAGE_TYPES, "primaryType": "SafeMessage",
            "domain": {"chainId": chain_id, "verifyingContract": to_checksum_address(safe)},
            "message": {"message": "0x" + bytes(digest).hex()}}


def combine(owner_signatures: dict[str, bytes]) -> bytes:
    """The Safe's signature from its owners' 65-byte signatures: concatenated in ascending owner order, as
    Safe's ``checkSignatures`` reads them."""
    return b"".join(owner_signatures[owner] for owner in sorted(owner_signatures, key=lambda a: int(a, 16)))


def sign_digest(account, digest: bytes, chain_id: int) -> bytes:
    """The Safe `account`'s ERC-1271 signature of `digest`: as many of its owners as its threshold sign
    the Safe message (:func:`message_typed_data`), each from a local Ape account (ape-safe's local
    signers: imported or keyfile accounts, and test accounts on a local chain).

    Fewer local owners than the threshold is a :class:`ante.errors.BadInput` naming what is missing."""
    from eth_account.messages import encode_typed_data

    from ante.errors import BadInput
    from ante.terms import to_checksum_address
    from ante.verdict import normalise_signature

    threshold = int(account.contract.getThreshold())
    local = {to_checksum_address(a.address): a for a in account.local_signers}
    if len(local) < threshold:
        raise BadInput(f"the Safe {account.address} needs {threshold} of its owners to sign, and only {len(local)} "
                       f"of them {'is an account' if len(local) == 1 else 'are accounts'} here; import the others "
                       "(`ape accounts import`) or have them sign with the Safe's own app.")
    message = encode_typed_data(full_message=message_typed_data(chain_id, account.address, digest))
    signatures = {}
    for owner in sorted(local, key=lambda a: int(a, 16))[:threshold]:
        signature = local[owner].sign_message(message)
        if signature is None:
            raise BadInput(f"the Safe's owner {owner} declined to sign.")
        signatures[owner] = normalise_signature(signature.encode_rsv())
    return combine(signatures)


def check_can_sign(account, what: str, instead: str) -> None:
    """Refuses, in one sentence, to sign `what` off chain with a Safe, where Ante checks only signatures
    from a key (off-chain feedback: EAS's off-chain attestations are signed by keys)."""
    if is_safe(account):
        from ante.errors import BadInput

        raise BadInput(f"{account.address} is a Safe, and a Safe cannot sign {what}: Ante checks them as signatures "
                       f"from a key, and a Safe has none; {instead}.")
