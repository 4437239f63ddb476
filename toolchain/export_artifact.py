"""Copies the compiled contract types (ABI and bytecode) the installed CLI carries into the package.

The `ante` command runs anywhere, not only inside this project, so it carries the contract it deploys
and talks to (and the test token of `ante dev token`). tests/test_artifact.py fails whenever a packaged
copy differs from a fresh compile.

It also carries the Ethereum Attestation Service's contracts (``EAS``, ``SchemaRegistry``), exactly as
the installed npm package ``@ethereum-attestation-service/eas-contracts`` publishes them compiled, and
the package's published addresses per chain id (``eas-deployments.json``); tests/test_artifact.py fails
whenever those differ from the installed package. And it carries Safe's ``CompatibilityFallbackHandler``
as ``@safe-global/safe-contracts`` publishes it (the handler that answers a Safe's ERC-1271 checks).

Usage: python toolchain/export_artifact.py   (after `ape compile` and `npm ci`, from the project root)
"""

import json
from pathlib import Path

from ante.artifacts import EAS_DEPLOYMENTS, EAS_PACKAGE, FROM_NPM, PACKAGED

ROOT = Path(__file__).resolve().parent.parent
KEEP = ("contractName", "sourceId", "abi", "deploymentBytecode", "runtimeBytecode")
OUT = ROOT / "ante" / "artifacts"


def npm_contract_type(artifact: dict) -> dict:
    """A Hardhat artifact (as npm packages publish them) in the form of Ape's contract types."""
    return {"contractName": artifact["contractName"], "sourceId": artifact["sourceName"], "abi": artifact["abi"],
            "deploymentBytecode": {"bytecode": artifact["bytecode"]},
            "runtimeBytecode": {"bytecode": artifact["deployedBytecode"]}}


def eas_deployments(package: Path) -> dict:
    """{chain id: {network, eas, schema_registry}} from the package's deployments/<network>/ folders."""
    table = {}
    for folder in sorted(p for p in (package / "deployments").iterdir() if p.is_dir()):
        eas, registry = folder / "EAS.json", folder / "SchemaRegistry.json"
        if not (eas.exists() and registry.exists()):
            continue
        chain_id = int((folder / ".chainId").read_text().strip())
        table[str(chain_id)] = {"network": folder.name, "eas": json.loads(eas.read_text())["address"],
                                "schema_registry": json.loads(registry.read_text())["address"]}
    return dict(sorted(table.items(), key=lambda item: int(item[0])))


def write(name: str, document: dict) -> None:
    out = OUT / name
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    for name in PACKAGED:
        contract_type = manifest["contractTypes"][name]
        write(f"{name}.json", {k: contract_type[k] for k in KEEP})
    for name, (package, path) in FROM_NPM.items():
        write(f"{name}.json", npm_contract_type(json.loads((ROOT / "node_modules" / package / path).read_text())))
    write(EAS_DEPLOYMENTS, eas_deployments(ROOT / "node_modules" / EAS_PACKAGE))


if __name__ == "__main__":
    main()
