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
