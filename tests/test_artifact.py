"""The contracts packaged for the `ante` command are the ones these sources compile to."""

import json
from pathlib import Path

import pytest

from ante.artifacts import PACKAGED

ARTIFACTS = Path(__file__).resolve().parent.parent / "ante" / "artifacts"


def stale(name: str) -> str:
    return f"ante/artifacts/{name}.json is stale: run `make artifacts` and commit it"


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_bytecode_matches_a_fresh_compile(project, name):
    packaged = json.loads((ARTIFACTS / f"{name}.json").read_text())
    compiled = getattr(project, name).contract_type
    assert packaged["runtimeBytecode"]["bytecode"] == compiled.runtime_bytecode.bytecode, stale(name)
    assert packaged["deploymentBytecode"]["bytecode"] == compiled.deployment_bytecode.bytecode, stale(name)


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_abi_matches_a_fresh_compile(project, name):
    packaged = json.loads((ARTIFACTS / f"{name}.json").read_text())
    compiled = getattr(project, name).contract_type.model_dump(mode="json", by_alias=True)["abi"]
    assert packaged["abi"] == compiled, stale(name)
