"""Copies the compiled Ante contract type (ABI and bytecode) into the package, for the installed CLI.

The `ante` command runs anywhere, not only inside this project, so it carries the contract it deploys
and talks to. tests/test_artifact.py fails whenever the packaged copy differs from a fresh compile.

Usage: python toolchain/export_artifact.py   (after `ape compile`, from the project root)
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEEP = ("contractName", "sourceId", "abi", "deploymentBytecode", "runtimeBytecode")


def main() -> None:
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    contract_type = manifest["contractTypes"]["Ante"]
    out = ROOT / "ante" / "artifacts" / "Ante.json"
    out.write_text(json.dumps({k: contract_type[k] for k in KEEP}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
