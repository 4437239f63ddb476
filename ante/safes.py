"""Organisations' Safes as Ante accounts, through Ape's ape-safe plugin.

A Safe funds a challenge, cancels it and withdraws its credit like any account: ``--account ALIAS`` names
a Safe that ``ape safe add`` registered, ape-safe gathers its owners' signatures (from local Ape
accounts, or through the Safe Transaction Service on a public chain) and one owner submits
``execTransaction``; the Safe is the funder on chain.

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

    version = account.version
    raw = chain.provider.get_storage(account.address, 0)
    singleton = "0x" + bytes(raw)[-20:].hex()
    factory = SafeAccount._factory
    known = factory._singleton.get(version)
    if known is None or int(known.address, 16) != int(singleton, 16):
        factory._singleton[version] = PackageType.SINGLETON(version).at(singleton)


#: The Safe version a local chain gets (ape-safe ships Safe's compiled contracts for it).
LOCAL_SAFE_VERSION = "1.4.1"


def deploy_local_safe(sender, owners: list[str], threshold: int, policy=None) -> tuple[str, object]:
    """Deploys Safe's singleton and proxy factory (Safe's own contracts, as ape-safe ships them) and a
    Safe proxy with `owners` and `threshold`, on a local development chain; returns the Safe's address
    and the receipt of the proxy's creation.

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
    version = Version(LOCAL_SAFE_VERSION)
    singleton, _ = deploy(PackageType.SINGLETON(version), sender, policy)
    factory, _ = deploy(PackageType.PROXY_FACTORY(version), sender, policy)
    setup = singleton.setup.encode_input(owners, threshold, ZERO_ADDRESS, b"", ZERO_ADDRESS, ZERO_ADDRESS, 0,
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


def check_can_sign(account, what: str, instead: str) -> None:
    """Refuses, in one sentence, to sign `what` off chain with a Safe: Ante checks such signatures as
    ECDSA signatures from a key, and a Safe signs with ERC-1271 (a contract's answer), not a key."""
    if is_safe(account):
        from ante.errors import BadInput

        raise BadInput(f"{account.address} is a Safe, and a Safe cannot sign {what}: Ante checks them as signatures "
                       f"from a key, and a Safe has none; {instead}.")
