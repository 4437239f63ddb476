"""Copies the compiled contract types (ABI and bytecode) the installed CLI carries into the package.

The `ante` command runs anywhere, not only inside this project, so it carries the contract it deploys
and talks to (and the test token of `ante dev token`). tests/test_artifact.py fails whenever a packaged
copy differs from a fresh compile.

Usage: python toolchain/export_artifact.py   (after `ape compile`, from the project root)
"""

import json
from pathlib import Path

from ante.artifacts import PACKAGED

ROOT = Path(__file__).resolve().parent.parent
KEEP = ("contractName", "sourceId", "abi", "deploymentBytecode", "runtimeBytecode")


def main() -> None:
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    for name in PACKAGED:
        contract_type = manifest["contractTypes"][name]
        out = ROOT / "ante" / "artifacts" / f"{name}.json"
        out.write_text(json.dumps({k: contract_type[k] for k in KEEP}, indent=1, sort_keys=True) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
