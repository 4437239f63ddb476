"""What every chain command shares: the connection, --network, --account, --contract, --json, --yes,
-v, exit codes, and one plain sentence per failure."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ANTE = Path(sys.executable).parent / "ante"
DEPLOYER, FUNDER, STRANGER = "TEST::0", "TEST::1", "TEST::3"
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \"", re.MULTILINE)


# --------------------------------------------------------------------------- the connection


def test_a_command_uses_the_test_chain_and_leaves_the_test_provider_connected(ante_cli, chain, networks):
    from ape.api.networks import ProviderContextManager

    provider = chain.provider
    stack = list(ProviderContextManager.provider_stack)
    address = ante_cli.deploy()
    # Session.connect entered parse_network_choice again and left: same provider, still connected, still active.
    assert chain.provider is provider
    assert networks.active_provider is provider
    assert provider.is_connected
    assert ProviderContextManager.provider_stack == stack
    # ... and the command's transaction landed on the test's chain.
    assert chain.provider.get_code(address)
    # A second command, a second connection: it sees the first one's deployment.
    assert ante_cli.ok("list").out.strip() == "No challenges match."


def test_default_network_keeps_one_chain_across_commands(ante_cli, monkeypatch, chain):
    """Without APE_FOUNDRY_HOST, `--network ethereum:local:foundry` (the default) should still reach one chain.

    With this project's ape-config.yaml (`foundry: host: auto`) every command starts a fresh anvil on a
    random port instead, so a deployment made by `ante deploy` is gone for the next command.
    """
    monkeypatch.delenv("APE_FOUNDRY_HOST")
    provider = chain.provider
    ante_cli.ok("deploy", "--account", DEPLOYER, "--yes")
    assert chain.provider is provider and provider.is_connected  # the test's provider survives either way
    listing = ante_cli.run("list")
    assert listing.code == 0, str(listing)
    assert listing.out.strip() == "No challenges match."


def _cannot_connect(outcome, network):
    assert outcome.code == 2, str(outcome)
    assert not TRACEBACK.search(outcome.out + outcome.err), str(outcome)
    assert outcome.err.startswith(f"Error: Cannot connect to network {network!r}: "), str(outcome)


def test_an_unknown_network_is_bad_input_in_one_line(ante_cli):
    outcome = ante_cli.run("list", "--network", "ethereum:nowhere:foundry")
    _cannot_connect(outcome, "ethereum:nowhere:foundry")
    # One sentence: Ape's list of every network it knows (one per line) does not belong in it.
    assert len(outcome.err.strip().splitlines()) == 1, outcome.err


def test_an_unknown_ecosystem_is_bad_input(ante_cli):
    outcome = ante_cli.run("list", "--network", "bogus")
    _cannot_connect(outcome, "bogus")
    assert "No ecosystem named 'bogus'" in outcome.err


def test_the_network_can_come_from_the_environment(ante_cli, monkeypatch):
    monkeypatch.setenv("ANTE_NETWORK", "ethereum:nowhere:foundry")
    _cannot_connect(ante_cli.run("list"), "ethereum:nowhere:foundry")


# --------------------------------------------------------------------------- the deployment


def test_list_on_a_chain_with_no_deployment_is_bad_input(ante_cli):
    message = ante_cli.bad_input("list")
    assert message == ("Ante is not deployed on chain 31337 as far as this machine knows; "
                       "run `ante deploy` or pass --contract ADDRESS.")


def test_show_on_a_chain_with_no_deployment_is_bad_input_too(ante_cli):
    assert "run `ante deploy` or pass --contract ADDRESS" in ante_cli.bad_input("show", "1")


def test_contract_option_overrides_the_registry(deployed, tmp_path, monkeypatch):
    address = deployed.address
    # A data folder that has never heard of this deployment: --contract finds it anyway.
    monkeypatch.setenv("ANTE_DATA_DIR", str(tmp_path / "elsewhere"))
    deployed.bad_input("list")
    assert deployed.ok("panel", "show", "1", "--contract", address).out.startswith("Panel 1: 2 of 3 must sign.")
    monkeypatch.setenv("ANTE_CONTRACT", address)
    assert deployed.ok("list").out.strip() == "No challenges match."


def test_contract_option_with_no_contract_there_is_bad_input(deployed):
    dead = "0x000000000000000000000000000000000000dEaD"
    message = deployed.bad_input("list", "--contract", dead)
    assert message.startswith(f"There is no contract at {dead} on chain 31337")


def test_contract_option_that_is_not_an_address_is_bad_input(deployed):
    assert deployed.bad_input("list", "--contract", "0x12") == "'0x12' is not an address."


def test_a_stale_registry_entry_is_reported(ante_cli, tmp_path):
    """The registry names a contract the chain does not have (say, after the node was restarted)."""
    data = Path(os.environ["ANTE_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    ghost = "0xABcdEFABcdEFabcdEfAbCdefabcdeFABcDEFabCD"  # no code there
    (data / "deployments.json").write_text(json.dumps(
        {"31337": {"chain_id": 31337, "address": ghost, "block": 1, "network": "ethereum:local:foundry"}}))
    message = ante_cli.bad_input("list")
    assert message.startswith(f"There is no contract at {ghost} on chain 31337; is this the right network?")


# --------------------------------------------------------------------------- accounts


def test_missing_account_on_a_write_command_is_bad_input(posted, deployed):
    message = deployed.bad_input("cancel", posted, "--yes")
    assert message == "This command sends a transaction: name the sender with --account ALIAS (or TEST::N)."


def test_unknown_account_alias_is_bad_input(posted, deployed):
    message = deployed.bad_input("cancel", posted, "--account", "nobody", "--yes")
    assert message.startswith("There is no Ape account 'nobody'")
    assert "`ape accounts import`" in message


def test_test_account_out_of_range_is_bad_input(deployed):
    assert deployed.bad_input("withdraw", "--account", "TEST::99") == "'TEST::99' is not a test account; use TEST::0 to TEST::9."
    assert deployed.bad_input("withdraw", "--account", "TEST::x") == "'TEST::x' is not a test account; use TEST::0 to TEST::9."


def test_the_account_can_come_from_the_environment(posted, deployed, monkeypatch):
    monkeypatch.setenv("ANTE_ACCOUNT", FUNDER)
    assert deployed.ok("cancel", posted, "--yes", "--json").json()["challenge_id"] == posted


def test_list_mine_without_an_account_does_not_claim_to_send_a_transaction(posted, deployed):
    message = deployed.bad_input("list", "--mine")
    assert "--account" in message
    assert "sends a transaction" not in message, message  # `list --mine` only reads


# --------------------------------------------------------------------------- confirmation


def test_a_write_without_yes_off_a_terminal_is_refused_before_sending(ante_cli, chain):
    head = chain.blocks.head.number
    message = ante_cli.bad_input("deploy", "--account", DEPLOYER)
    assert message == "Refusing to go ahead without confirmation: pass --yes when not at a terminal."
    assert chain.blocks.head.number == head  # nothing was sent


# --------------------------------------------------------------------------- failures: codes, sentences, JSON, -v


def test_failure_with_json_prints_the_error_as_json_on_stdout(deployed):
    outcome = deployed.fails(1, "withdraw", "--account", STRANGER, "--json")
    assert outcome.json() == {"error": f"Ante owes {deployed.addr(3)} nothing in ETH.", "exit_code": 1}
    assert outcome.message == f"Ante owes {deployed.addr(3)} nothing in ETH."


def test_bad_input_with_json_says_exit_code_2(ante_cli):
    outcome = ante_cli.fails(2, "list", "--json")
    assert outcome.json()["exit_code"] == 2
    assert outcome.json()["error"].startswith("Ante is not deployed on chain 31337")


def test_no_traceback_without_verbose_but_one_with_it(deployed):
    quiet = deployed.fails(1, "withdraw", "--account", STRANGER)
    assert not TRACEBACK.search(quiet.err)
    loud = deployed.run("withdraw", "--account", STRANGER, "-v")
    assert loud.code == 1
    assert "Traceback (most recent call last)" in loud.err
    assert f"Error: Ante owes {deployed.addr(3)} nothing in ETH." in loud.err


def test_a_refused_transaction_prints_nothing_but_the_sentence(accepted, deployed, capfd):
    """A contract refusal is one sentence on stderr; nothing else may reach the terminal.

    Ape prints a "Call trace for ..." block for every reverted call to the process's real stdout (its
    default argument binds the original sys.stdout, so CliRunner does not capture it): capfd sees it.
    """
    capfd.readouterr()
    message = deployed.refused("cancel", accepted, "--account", FUNDER, "--yes")
    assert message == f"Challenge {accepted} is accepted, so that is not possible now."
    leaked = capfd.readouterr()
    assert "Call trace" not in leaked.out + leaked.err, leaked.out[:500]


def test_the_real_executable_refuses_in_one_sentence_and_keeps_json_clean(accepted, deployed):
    """The installed `ante`, as a person runs it, against the test's node (APE_FOUNDRY_HOST)."""
    text = subprocess.run([str(ANTE), "cancel", str(accepted), "--account", FUNDER, "--yes"],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    as_json = subprocess.run([str(ANTE), "cancel", str(accepted), "--account", FUNDER, "--yes", "--json"],
                             capture_output=True, text=True, timeout=120, env=dict(os.environ))
    sentence = f"Challenge {accepted} is accepted, so that is not possible now."
    assert text.returncode == 1 and as_json.returncode == 1
    assert text.stderr.strip() == f"Error: {sentence}"
    assert not TRACEBACK.search(text.stdout + text.stderr)
    assert text.stdout == "", text.stdout[:600]
    assert json.loads(as_json.stdout) == {"error": sentence, "exit_code": 1}, as_json.stdout[:600]


def test_the_real_executable_reads_the_chain(accepted, deployed):
    process = subprocess.run([str(ANTE), "show", str(accepted), "--json"], capture_output=True, text=True,
                             timeout=120, env=dict(os.environ))
    assert process.returncode == 0, process.stderr
    shown = json.loads(process.stdout)
    assert (shown["challenge_id"], shown["state"], shown["contributor"]) == (accepted, "accepted", deployed.addr(2))


def test_verbose_logs_never_mix_into_json_output(deployed):
    """-v shows Ape's logs; with --json they must go to stderr, so stdout stays one JSON document."""
    outcome = deployed.run("panel", "show", "1", "--json", "-v")
    assert outcome.code == 0, str(outcome)
    assert outcome.json() == {"panel_id": 1, "members": [deployed.addr(n) for n in (5, 6, 7)], "threshold": 2}


def test_the_cli_never_starts_a_throwaway_node(tmp_path):
    """With nothing listening where the local node should be, a command says so in one sentence; it
    does not start an anvil that would vanish, with its chain, when the command ends."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, APE_FOUNDRY_HOST=f"http://127.0.0.1:{port}", ANTE_DATA_DIR=str(tmp_path))
    done = subprocess.run([str(Path(sys.executable).parent / "ante"), "list"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "make node" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "a node was left running"
