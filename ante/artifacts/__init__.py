"""Compiled contracts the `ante` command carries: ABI and bytecode, as `toolchain/export_artifact.py` wrote them.

- ``Ante``: the escrow every command deploys and talks to.
- ``TestToken``: an ERC-20 anyone can mint, for trying token challenges on a local chain
  (``ante dev token``); never deployed elsewhere.
- ``EAS`` and ``SchemaRegistry``: the Ethereum Attestation Service's contracts, exactly as the npm package
  ``@ethereum-attestation-service/eas-contracts`` publishes them compiled (Ante deploys them on a local
  chain, where there is no EAS, and talks to the published deployments elsewhere: ``ante.eas``).
- ``eas-deployments.json``: the published EAS and SchemaRegistry addresses by chain id, from the same
  package's ``deployments/`` folder.
- ``CompatibilityFallbackHandler``: Safe's fallback handler, which answers ERC-1271 ``isValidSignature``
  for a Safe, exactly as the npm package ``@safe-global/safe-contracts`` publishes it compiled (``ante dev
  safe`` sets it on the Safes it makes on a local chain; every Safe made by Safe's own apps has it).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

#: The contracts packaged here (tests/test_artifact.py checks each against a fresh compile).
PACKAGED = ("Ante", "TestToken")

#: The npm package whose compiled contracts and deployments are carried as they are published.
EAS_PACKAGE = "@ethereum-attestation-service/eas-contracts"
#: Safe's npm package, whose compiled fallback handler is carried as it is published.
SAFE_PACKAGE = "@safe-global/safe-contracts"
#: The contracts copied from npm packages: each one's package and the path of its artifact inside it
#: (tests/test_artifact.py checks each against the installed package).
FROM_NPM = {
    "EAS": (EAS_PACKAGE, "artifacts/contracts/EAS.sol/EAS.json"),
    "SchemaRegistry": (EAS_PACKAGE, "artifacts/contracts/SchemaRegistry.sol/SchemaRegistry.json"),
    "CompatibilityFallbackHandler": (
        SAFE_PACKAGE, "build/artifacts/contracts/handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"),
}
#: The file, beside the contracts, of EAS's published addresses by chain id.
EAS_DEPLOYMENTS = "eas-deployments.json"


@cache
def contract_type(name: str = "Ante"):
    """The packaged contract type (ABI and bytecode) of `name`."""
    from ethpm_types import ContractType

    if name not in PACKAGED and name not in FROM_NPM:
        raise KeyError(f"no packaged contract {name!r} (packaged: {', '.join((*PACKAGED, *FROM_NPM))})")
    text = resources.files(__name__).joinpath(f"{name}.json").read_text()
    return ContractType.model_validate(json.loads(text))
