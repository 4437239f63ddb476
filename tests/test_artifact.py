"""The contract packaged for the `ante` command is the one these sources compile to."""

import json
from pathlib import Path

ARTIFACT = Path(__file__).resolve().parent.parent / "ante" / "artifacts" / "Ante.json"
STALE = "ante/artifacts/Ante.json is stale: run `make artifacts` and commit it"


def test_packaged_bytecode_matches_a_fresh_compile(project):
    packaged = json.loads(ARTIFACT.read_text())
    compiled = project.Ante.contract_type
    assert packaged["runtimeBytecode"]["bytecode"] == compiled.runtime_bytecode.bytecode, STALE
    assert packaged["deploymentBytecode"]["bytecode"] == compiled.deployment_bytecode.bytecode, STALE


def test_packaged_abi_matches_a_fresh_compile(project):
    packaged = json.loads(ARTIFACT.read_text())
    assert packaged["abi"] == project.Ante.contract_type.model_dump(mode="json", by_alias=True)["abi"], STALE
