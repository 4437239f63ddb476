"""The contracts packaged for the `ante` command are the ones these sources compile to, and EAS's are the
ones its pinned npm package publishes."""

import json
from pathlib import Path

import pytest

from ante.artifacts import EAS_DEPLOYMENTS, EAS_PACKAGE, FROM_NPM, PACKAGED, SAFE_PACKAGE, contract_type

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


# ---------------------------------------------------------------- EAS's and Safe's, as their npm packages publish them

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
EAS_PACKAGE_DIR = NODE_MODULES / EAS_PACKAGE


def npm_artifact(name: str) -> dict:
    package, path = FROM_NPM[name]
    return json.loads((NODE_MODULES / package / path).read_text())


@pytest.mark.parametrize("name", FROM_NPM)
def test_packaged_npm_contracts_are_the_npm_packages(name):
    packaged = json.loads((ARTIFACTS / f"{name}.json").read_text())
    published = npm_artifact(name)
    assert packaged["abi"] == published["abi"], stale(name)
    assert packaged["deploymentBytecode"]["bytecode"] == published["bytecode"], stale(name)
    assert packaged["runtimeBytecode"]["bytecode"] == published["deployedBytecode"], stale(name)
    assert contract_type(name).name == name


@pytest.mark.parametrize("package", (EAS_PACKAGE, SAFE_PACKAGE))
def test_the_npm_package_is_the_pinned_version(package):
    pinned = json.loads((ARTIFACTS.parent.parent / "package.json").read_text())["dependencies"][package]
    assert json.loads((NODE_MODULES / package / "package.json").read_text())["version"] == pinned


def test_packaged_eas_addresses_are_the_npm_packages_deployments():
    expected = {}
    for folder in (EAS_PACKAGE_DIR / "deployments").iterdir():
        if (folder / "EAS.json").exists():
            expected[int((folder / ".chainId").read_text())] = (
                json.loads((folder / "EAS.json").read_text())["address"],
                json.loads((folder / "SchemaRegistry.json").read_text())["address"])
    packaged = json.loads((ARTIFACTS / EAS_DEPLOYMENTS).read_text())
    assert {int(k): (v["eas"], v["schema_registry"]) for k, v in packaged.items()} == expected, stale("eas-deployments")
    assert expected[1] == ("0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587", "0xA7b39296258348C78294F95B872b282326A97BDF")
