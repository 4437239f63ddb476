"""A real Safe for the tests of contract wallets on panels: Safe's own v1.4.1 contracts on the test's anvil,
with Safe's CompatibilityFallbackHandler answering ERC-1271 `isValidSignature`."""

from __future__ import annotations

import json

import pytest
from eth_account.messages import encode_typed_data

from ante.safes import combine, message_typed_data
from ante.verdict import normalise_signature

OWNERS = (7, 8, 9)  # test accounts owning the Safe; none of them is a funder, contributor or relayer


def owner_signatures(chain, safe: str, digest: bytes, owners) -> bytes:
    """What the Safe at `safe` signs when `owners` (Ape test accounts) each sign `digest` as its SafeMessage."""
    message = encode_typed_data(full_message=message_typed_data(chain.chain_id, safe, digest))
    return combine({o.address: normalise_signature(o.sign_message(message).encode_rsv()) for o in owners})


@pytest.fixture(scope="module")
def safe(accounts, chain):
    """A 2-of-3 Safe owned by three test accounts, registered with ape-safe (so that it can send its own
    transactions in a test): (ape-safe account, owners)."""
    from ape import accounts as ape_accounts
    from ape import config

    from ante.safes import deploy_local_safe, prepare

    owners = [accounts[n] for n in OWNERS]
    address, _ = deploy_local_safe(accounts[0], [o.address for o in owners], 2)
    folder = config.DATA_FOLDER / "safe"
    folder.mkdir(parents=True, exist_ok=True)
    alias = f"panel-safe-{address[2:10].lower()}"
    path = folder / f"{alias}.json"
    path.write_text(json.dumps({"address": address, "deployed_chain_ids": [chain.chain_id]}))
    account = ape_accounts.load(alias)
    prepare(account)
    yield account, owners
    path.unlink()
