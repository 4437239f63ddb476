"""Mistakes a person makes end in one sentence and exit code 2, and never spend anything."""

import json
import os

import pytest

from conftest import DEPLOYER, FUNDER


def test_a_delivery_period_too_long_for_the_contract_is_bad_input(deployed):
    spec = deployed.file("spec.md", "spec\n")
    message = deployed.bad_input("post", "--reward", "1 ether", "--panel", 1, "--accept-by", "+7d",
                                 "--deliver-within", "99999999999d", "--review-within", "3d", "--spec", spec,
                                 "--account", FUNDER, "--yes")
    assert "delivery period" in message and "4,294,967,295 seconds, about 136 years" in message


def test_an_accept_by_date_too_far_for_the_contract_is_bad_input(deployed):
    spec = deployed.file("spec.md", "spec\n")
    message = deployed.bad_input("post", "--reward", "1 ether", "--panel", 1, "--accept-by", "+99999999d",
                                 "--deliver-within", "1d", "--review-within", "1d", "--spec", spec,
                                 "--account", FUNDER, "--yes")
    assert "accept-by time" in message


@pytest.mark.parametrize("panel", ["-1", "0", str(2**32)])
def test_a_panel_id_outside_the_contracts_range_is_a_usage_error(deployed, panel):
    spec = deployed.file("spec.md", "spec\n")
    outcome = deployed.fails(2, "post", "--reward", "1 ether", "--panel", panel, "--accept-by", "+7d",
                             "--deliver-within", "1d", "--review-within", "1d", "--spec", spec,
                             "--account", FUNDER, "--yes")
    assert "--panel" in outcome.err


def test_a_negative_test_account_is_not_the_last_one(deployed):
    message = deployed.bad_input("cancel", 1, "--account", "TEST::-1", "--yes")
    assert message == "'TEST::-1' is not a test account; use TEST::0 to TEST::9."


def test_a_verdict_written_into_a_missing_folder_is_refused_before_signing(deployed, submitted):
    outcome = deployed.fails(2, "verdict", "sign", submitted, "--score", "90%", "--account", "TEST::5",
                             "--out", deployed.folder / "no" / "such" / "verdict.json")
    assert "--out" in outcome.err and "does not exist" in outcome.err


@pytest.mark.parametrize("content", ["[]", '{"31337": 5}', "\x00\x01 not json"])
def test_a_damaged_deployment_registry_is_one_sentence(ante_cli, content):
    registry = os.path.join(os.environ["ANTE_DATA_DIR"], "deployments.json")
    os.makedirs(os.path.dirname(registry), exist_ok=True)
    with open(registry, "w") as handle:
        handle.write(content)
    message = ante_cli.bad_input("list")
    assert message.startswith("The deployment registry (deployments.json in Ante's data folder ($ANTE_DATA_DIR))")
    assert os.environ["ANTE_DATA_DIR"] not in message  # never the local path


def test_deploy_checks_it_can_record_the_deployment_before_spending(ante_cli, monkeypatch, tmp_path, accounts):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("ANTE_DATA_DIR", str(blocker / "data"))
    nonce = accounts[0].nonce
    message = ante_cli.refused("deploy", "--account", DEPLOYER, "--yes")
    assert message.startswith("A deployment could not be recorded: Ante's data folder is not writable")
    assert accounts[0].nonce == nonce  # nothing was sent
    assert str(blocker) not in message


def test_post_json_output_is_pure_json(deployed):
    spec = deployed.file("spec.md", "spec\n")
    outcome = deployed.ok("post", "--reward", "1 ether", "--panel", 1, "--accept-by", "+7d", "--deliver-within", "1d",
                          "--review-within", "1d", "--spec", spec, "--publish", deployed.publish, "--account", FUNDER,
                          "--yes", "--json")
    assert json.loads(outcome.out)["challenge_id"] == 1


def test_a_contract_that_is_not_ante_is_named_as_such(deployed, project, accounts):
    token = project.TestToken.deploy("Not Ante", "NA", 18, sender=accounts[0])
    message = deployed.bad_input("list", "--contract", token.address)
    assert message == (f"The contract at {token.address} on chain 31337 is not an Ante deployment "
                       "(it does not compute Ante's verdict digest); check --contract.")
    assert deployed.ok("list", "--contract", deployed.address, "--json").json() == []


@pytest.mark.parametrize("network, choices", [("bogus", "ethereum"), ("ethereum:bogus", "sepolia"),
                                              ("ethereum:local:bogus", "foundry, node")])
def test_an_unknown_network_names_every_choice(ante_cli, network, choices):
    message = ante_cli.bad_input("list", "--network", network)
    assert "; choose one of " in message and choices in message
    assert message.endswith("(a choice is ecosystem:network:provider, e.g. ethereum:local:foundry or "
                            "ethereum:sepolia:node).")
