"""`ante deploy`, `ante panel create` and `ante panel show`."""

import json
import os
import re
from pathlib import Path

from ante.feedback import schema_uid

DEPLOYER = "TEST::0"


def deployment_addresses(account, count: int) -> list[str]:
    """The addresses of `account`'s next `count` contract creations."""
    from eth_utils import keccak, to_checksum_address
    from rlp import encode

    sender = bytes.fromhex(account.address[2:])
    return [to_checksum_address(keccak(encode([sender, account.nonce + i]))[12:]) for i in range(count)]


def test_deploy_prints_where_ante_and_eas_are(ante_cli, chain, accounts):
    # On a fresh local chain TEST::0 deploys EAS's SchemaRegistry and EAS, registers Ante's schema, then Ante.
    registry, eas, _, expected = deployment_addresses(accounts[0], 4)
    outcome = ante_cli.ok("deploy", "--account", DEPLOYER, "--yes")
    lines = outcome.out.strip().splitlines()
    assert re.fullmatch(r"✔ Deployed Ante — tx 0x[0-9a-f]{64}, block \d+, gas [\d,]+", lines[0]), lines[0]
    block = chain.blocks.head.number
    assert lines[1] == f"Ante is at {expected} on chain 31337 (from block {block})."
    assert lines[2] == f"Feedback goes to EAS at {eas} (version 1.3.0), in Ante's schema 0x{schema_uid().hex()}."
    assert len(lines) == 3
    assert chain.provider.get_code(expected) and chain.provider.get_code(registry)


def test_deploy_json_and_the_registry_it_writes(ante_cli, chain, accounts):
    _, eas, _, expected = deployment_addresses(accounts[0], 4)
    data = ante_cli.ok("deploy", "--account", DEPLOYER, "--yes", "--json").json()
    assert data == {"address": expected, "chain_id": 31337, "block": chain.blocks.head.number,
                    "network": "ethereum:local:foundry", "eas": eas, "eas_version": "1.3.0",
                    "feedback_schema": "0x" + schema_uid().hex()}
    registry = json.loads((Path(os.environ["ANTE_DATA_DIR"]) / "deployments.json").read_text())
    assert registry == {"31337": data}


def test_a_second_deploy_replaces_the_first_in_the_registry_and_reuses_its_eas(ante_cli, accounts):
    first = ante_cli.deploy()
    eas = json.loads((Path(os.environ["ANTE_DATA_DIR"]) / "deployments.json").read_text())["31337"]["eas"]
    nonce = accounts[0].nonce
    second = ante_cli.deploy()
    assert first != second
    assert accounts[0].nonce == nonce + 1  # only Ante: the EAS and its schema were there already
    registry = json.loads((Path(os.environ["ANTE_DATA_DIR"]) / "deployments.json").read_text())
    assert (registry["31337"]["address"], registry["31337"]["eas"]) == (second, eas)
    # Everything now talks to the second deployment: it has no panel yet.
    assert ante_cli.bad_input("panel", "show", "1") == "There is no panel 1; create one with `ante panel create`."


def test_deploy_needs_an_account(ante_cli):
    assert "--account" in ante_cli.bad_input("deploy", "--yes")


def test_panel_create_text(deployed):
    e = [deployed.addr(n) for n in (5, 6, 7, 8, 9)]
    args = ["panel", "create", "--threshold", "3", "--account", DEPLOYER, "--yes"]
    for address in e:
        args += ["--evaluator", address]
    outcome = deployed.ok(*args)
    lines = outcome.out.strip().splitlines()
    assert re.fullmatch(r"✔ Created a 3-of-5 panel — tx 0x[0-9a-f]{64}, block \d+, gas [\d,]+", lines[0]), lines[0]
    assert lines[1] == "Panel 2: 3 of 5 evaluators."


def test_panel_create_warns_about_a_panel_that_needs_every_member(deployed):
    e = [deployed.addr(n) for n in (5, 6, 7)]
    outcome = deployed.ok("panel", "create", *sum((["--evaluator", a] for a in e), []), "--threshold", "3",
                          "--account", DEPLOYER, "--yes", "--json")
    assert outcome.json()["threshold"] == 3  # created all the same, and the JSON stays pure
    warning = " ".join(outcome.err.split())
    assert ("Warning: this panel needs all 3 of its evaluators to sign every verdict: one who stays away blocks "
            "every settlement, and the challenge lapses Unreviewed. A threshold below 3 leaves room for absence."
            ) in warning, outcome.err


def test_panel_create_does_not_warn_when_absence_is_allowed(deployed):
    e = [deployed.addr(n) for n in (5, 6, 7)]
    outcome = deployed.ok("panel", "create", *sum((["--evaluator", a] for a in e), []), "--threshold", "2",
                          "--account", DEPLOYER, "--yes")
    assert "Warning" not in outcome.err


def test_panel_create_json(deployed):
    e = [deployed.addr(n) for n in (6, 7)]
    data = deployed.ok("panel", "create", "--evaluator", e[0], "--evaluator", e[1].lower(), "--threshold", "2",
                       "--account", DEPLOYER, "--yes", "--json").json()
    assert data["panel_id"] == 2
    assert data["members"] == e  # lower-case input comes back checksummed
    assert data["threshold"] == 2
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"])
    assert data["gas_used"] > 0 and data["block"] > 0


def test_panel_show_text_and_json(deployed):
    members = [deployed.addr(n) for n in (5, 6, 7)]
    text = deployed.ok("panel", "show", "1").out
    assert text.splitlines() == ["Panel 1: 2 of 3 must sign.", *(f"  {m}" for m in members)]
    assert deployed.ok("panel", "show", "1", "--json").json() == {"panel_id": 1, "members": members, "threshold": 2}


def test_panel_show_unknown_panel(deployed):
    assert deployed.bad_input("panel", "show", "7") == "There is no panel 7; create one with `ante panel create`."


def test_panel_threshold_must_be_a_strict_majority(deployed, chain):
    head = chain.blocks.head.number
    message = deployed.bad_input("panel", "create", "--evaluator", deployed.addr(5), "--evaluator", deployed.addr(6),
                                 "--threshold", "1", "--account", DEPLOYER, "--yes")
    assert message == "Invalid value for --threshold: 1 of 2 is not a strict majority: use more than 1 and at most 2."
    message = deployed.bad_input("panel", "create", "--evaluator", deployed.addr(5), "--threshold", "2",
                                 "--account", DEPLOYER, "--yes")
    assert "2 of 1 is not a strict majority" in message
    assert chain.blocks.head.number == head


def test_panel_evaluator_listed_twice(deployed):
    e = deployed.addr(5)
    message = deployed.bad_input("panel", "create", "--evaluator", e, "--evaluator", e.lower(), "--evaluator",
                                 deployed.addr(6), "--threshold", "2", "--account", DEPLOYER, "--yes")
    assert message == "Invalid value for --evaluator: an evaluator is listed twice."


def test_panel_evaluator_not_an_address(deployed):
    message = deployed.bad_input("panel", "create", "--evaluator", "0x1234", "--threshold", "1",
                                 "--account", DEPLOYER, "--yes")
    assert message == "Invalid value for '--evaluator': '0x1234' is not an Ethereum address (0x followed by 40 hex digits)."


def test_panel_needs_an_evaluator(deployed):
    outcome = deployed.fails(2, "panel", "create", "--threshold", "1", "--account", DEPLOYER, "--yes")
    assert "Missing option '--evaluator'" in outcome.message


def test_panel_at_most_32_evaluators(deployed):
    args = ["panel", "create", "--threshold", "17", "--account", DEPLOYER, "--yes"]
    for i in range(33):
        args += ["--evaluator", f"0x{i + 1:040x}"]
    assert deployed.bad_input(*args) == "Invalid value for --evaluator: a panel has at most 32 evaluators, not 33."
