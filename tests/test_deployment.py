"""The deployment registry: one recorded deployment per chain, an explicit address always wins."""

import json

import pytest

from ante.deployment import Deployment, DeploymentNotFound, Registry, data_dir
from ante.errors import AnteError

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OTHER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def test_recorded_deployment_is_found(tmp_path):
    registry = Registry(tmp_path / "d.json")
    registry.record(Deployment(31337, ADDRESS, 5, "ethereum:local:foundry"))
    assert registry.find(31337) == Deployment(31337, ADDRESS, 5, "ethereum:local:foundry")


def test_a_later_deployment_on_the_same_chain_replaces_the_earlier(tmp_path):
    registry = Registry(tmp_path / "d.json")
    registry.record(Deployment(1, ADDRESS, 5))
    registry.record(Deployment(1, OTHER, 9))
    registry.record(Deployment(2, ADDRESS, 1))
    assert (registry.find(1).address, registry.find(2).address) == (OTHER, ADDRESS)


def test_missing_deployment_says_what_to_do(tmp_path):
    with pytest.raises(DeploymentNotFound, match="run `ante deploy` or pass --contract ADDRESS"):
        Registry(tmp_path / "d.json").find(31337)


def test_override_wins_and_keeps_the_known_start_block(tmp_path):
    registry = Registry(tmp_path / "d.json")
    registry.record(Deployment(1, ADDRESS, 42))
    assert registry.find(1, override=ADDRESS.lower()) == Deployment(1, ADDRESS, 42)
    assert registry.find(1, override=OTHER) == Deployment(1, OTHER, 0)


def test_override_that_is_not_an_address_is_refused(tmp_path):
    with pytest.raises(AnteError, match="'0x12' is not an address"):
        Registry(tmp_path / "d.json").find(1, override="0x12")


def test_corrupt_registry_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "d.json"
    path.write_text("{not json")
    with pytest.raises(AnteError, match="is not valid JSON"):
        Registry(path).record(Deployment(1, ADDRESS, 1))
    assert path.read_text() == "{not json"


def test_registry_file_is_plain_json_keyed_by_chain(tmp_path):
    registry = Registry(tmp_path / "d.json")
    registry.record(Deployment(7, ADDRESS, 3, "x"))
    assert json.loads((tmp_path / "d.json").read_text()) == {
        "7": {"chain_id": 7, "address": ADDRESS, "block": 3, "network": "x", "eas": "", "eas_version": "",
              "feedback_schema": ""}
    }


EAS = "0xC2679fBD37d54388Ce493F1DB75320D236e1815e"
SCHEMA_UID = "0x" + "5c" * 32


def test_a_registry_written_before_feedback_still_loads(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"7": {"chain_id": 7, "address": ADDRESS, "block": 3, "network": "x"}}))
    assert Registry(path).find(7) == Deployment(7, ADDRESS, 3, "x")
    assert Registry(path).find(7).eas == ""


def test_the_chains_eas_is_recorded_and_kept_for_another_ante_on_the_chain(tmp_path):
    registry = Registry(tmp_path / "d.json")
    registry.record(Deployment(7, ADDRESS, 3, "x", EAS, "1.3.0", SCHEMA_UID))
    assert registry.find(7) == Deployment(7, ADDRESS, 3, "x", EAS, "1.3.0", SCHEMA_UID)
    assert registry.find(7, override=OTHER) == Deployment(7, OTHER, 0, "", EAS, "1.3.0", SCHEMA_UID)
    assert registry.find(8, override=OTHER).eas == ""


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTE_DATA_DIR", str(tmp_path / "a"))
    assert data_dir() == tmp_path / "a"
    monkeypatch.delenv("ANTE_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x" / "ante"
