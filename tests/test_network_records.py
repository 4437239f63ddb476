"""ante.network: what Ape resolved a network choice to, remembered under a key of everything that can change it."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ante import network


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A working folder, Ape's data folder and Ante's data folder of the test's own."""
    work, ape_home, data = tmp_path / "work", tmp_path / "ape", tmp_path / "data"
    for folder in (work, ape_home):
        folder.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("APE_DATA_FOLDER", str(ape_home))
    monkeypatch.setenv("ANTE_DATA_DIR", str(data))
    for name in [n for n in os.environ if n.startswith(("APE_FOUNDRY", "WEB3_"))]:
        monkeypatch.delenv(name)
    return work, ape_home, data


CHOICE = "ethereum:devnet:node"


def test_a_record_is_found_again_under_the_same_configuration(place):
    network.remember(CHOICE, network.Resolved("http://127.0.0.1:8545", 424242))
    assert network.recall(CHOICE) == network.Resolved("http://127.0.0.1:8545", 424242)
    assert network.recall("ethereum:other:node") is None
    path = place[2] / "networks.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # an RPC URI can hold a provider's key


@pytest.mark.parametrize("change", ["project config", "ape's config", "pyproject", "APE variable", "WEB3 variable"])
def test_any_change_that_could_change_apes_answer_forgets_the_record(place, monkeypatch, change):
    work, ape_home, _ = place
    (work / "ape-config.yaml").write_text("node:\n  ethereum:\n    devnet:\n      uri: http://127.0.0.1:8545\n")
    network.remember(CHOICE, network.Resolved("http://127.0.0.1:8545", 424242))
    assert network.recall(CHOICE) is not None
    if change == "project config":
        (work / "ape-config.yaml").write_text("node:\n  ethereum:\n    devnet:\n      uri: http://127.0.0.1:9545\n")
    elif change == "ape's config":
        (ape_home / "ape-config.yaml").write_text("default_ecosystem: ethereum\n")
    elif change == "pyproject":
        (work / "pyproject.toml").write_text("[tool.ape]\nname = 'x'\n")
    elif change == "APE variable":
        monkeypatch.setenv("APE_FOUNDRY_HOST", "http://127.0.0.1:9545")
    else:
        monkeypatch.setenv("WEB3_HTTP_PROVIDER_URI", "http://127.0.0.1:9545")
    assert network.recall(CHOICE) is None


def test_passphrases_are_not_part_of_the_key(place, monkeypatch):
    before = network.key(CHOICE)
    monkeypatch.setenv("APE_ACCOUNTS_alice_PASSPHRASE", "correct horse")
    assert network.key(CHOICE) == before


def test_a_damaged_records_file_is_no_record(place):
    (place[2]).mkdir()
    (place[2] / "networks.json").write_text("\x00 not json")
    assert network.recall(CHOICE) is None
    network.remember(CHOICE, network.Resolved(None, 1337))  # and it is replaced whole
    assert network.recall(CHOICE) == network.Resolved(None, 1337)
    assert json.loads((place[2] / "networks.json").read_text())


def test_forget_drops_one_record(place):
    network.remember(CHOICE, network.Resolved("http://127.0.0.1:8545", 424242))
    network.remember("ethereum:local:foundry", network.Resolved("http://127.0.0.1:8545", 31337))
    network.forget(CHOICE)
    assert network.recall(CHOICE) is None
    assert network.recall("ethereum:local:foundry") == network.Resolved("http://127.0.0.1:8545", 31337)
