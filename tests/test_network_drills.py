"""The command line against nodes set up the way public networks behave, as real processes.

- Ape's generic node provider (a network declared in the user's `ape-config.yaml` under `node:` with a
  `uri`), another chain id (Sepolia's, 11155111) and a block every second: a whole lifecycle, from
  `ante deploy` to `ante withdraw` and `ante audit`, each write waiting for its confirmations;
- the foundry provider on a node that mines every 2 s (where `ante deploy` once failed with "did not
  create a contract"), with explicit fees;
- a custom network (a chain id Ape has never heard of) declared in `ape-config.yaml`;
- a Safe on a panel signing a verdict that settles, through Ape's node provider on a node that mines
  every 2 s (the Safe asked on chain at each step, each write confirmed before the next);
- a refusal found in simulation costs nothing: no transaction leaves the account;
- a network spelling under which Ape would sign for another chain id than the node's is refused;
- `ante dev token` (a token anyone can mint) is refused off a local development chain, unsent;
- once a network choice was resolved through Ape, reads go straight to its node without loading Ape,
  print what Ape's path prints, and notice a changed `ape-config.yaml`.

Each test runs its own anvil on its own port (18700-18710) and its own data folder; waits poll a
condition with a deadline.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from node_support import Anvil, ante

SEPOLIA = 11_155_111
DEVNET = 424_242
EVALUATORS = ["0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
              "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"]  # TEST::5, 6 and 7
CONTRIBUTOR = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # TEST::2


def ape_config(folder, **networks) -> None:
    """Writes a user's ape-config.yaml declaring node URIs (and custom networks by chain id)."""
    custom = [(name, chain_id) for name, (_, chain_id) in networks.items() if chain_id is not None]
    lines = []
    if custom:
        lines.append("networks:\n  custom:")
        for name, chain_id in custom:
            lines.append(f"    - name: {name}\n      chain_id: {chain_id}\n      ecosystem: ethereum")
    lines.append("node:\n  ethereum:")
    for name, (uri, _) in networks.items():
        lines.append(f"    {name}:\n      uri: {uri}")
    (folder / "ape-config.yaml").write_text("\n".join(lines) + "\n")


def ok(run):
    assert run.code == 0, run
    assert "Traceback" not in run.err, run
    return run


def test_a_whole_lifecycle_through_apes_node_provider_on_a_slow_chain(tmp_path):
    with Anvil(18700, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1") as node:
        ape_config(tmp_path, sepolia=(node.uri, None))
        net = ["--network", "ethereum:sepolia:node"]

        def run(*args, **kwargs):
            return ante(*args, *net, cwd=tmp_path, data=tmp_path / "data", **kwargs)

        deployed = ok(run("deploy", "--account", "TEST::0", "--yes", "--json")).json()
        assert deployed["chain_id"] == SEPOLIA
        panel = ["panel", "create", *[a for e in EVALUATORS for a in ("--evaluator", e)], "--threshold", "2"]
        ok(run(*panel, "--account", "TEST::0", "--yes"))
        posted = ok(run("post", "--reward", "1 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
                        "--deliver-within", "14d", "--review-within", "3d", "--spec", "https://example.org/spec.md",
                        "--account", "TEST::1", "--yes", "--json", "--confirmations", "2"))
        # It came back only once two blocks stood on the transaction's block.
        assert node.head >= posted.json()["block"] + 2
        assert "waiting" not in posted.out and "\r" not in posted.out  # progress stays off stdout

        ok(run("accept", "1", "--promise", "https://example.org/promise.md", "--by", "+5d", "--account", "TEST::2",
               "--yes"))
        submitted = ok(run("submit", "1", "--deliverable", "https://example.org/work.md", "--account", "TEST::2",
                           "--yes"))
        assert re.search(r"— tx 0x[0-9a-f]{64}, block \d+, gas [\d,]+", submitted.out), submitted
        for index in (5, 6):
            ok(run("verdict", "sign", "1", "--score", "90%", "--out", str(tmp_path / f"v{index}.json"),
                   "--account", f"TEST::{index}", "--yes"))
        ok(run("settle", "1", str(tmp_path / "v5.json"), str(tmp_path / "v6.json"), "--account", "TEST::4", "--yes"))
        shown = ok(run("show", "1", "--json")).json()
        assert shown["state"] == "settled"
        ok(run("withdraw", "--account", "TEST::2", "--yes"))
        audit = ok(run("audit"))
        assert "Clean" in audit.out, audit
        records = ok(run("records", CONTRIBUTOR, "--json")).json()
        assert records, records


def test_deploy_and_post_on_a_node_that_mines_every_two_seconds(tmp_path):
    with Anvil(18701, tmp_path, "--block-time", "2") as node:
        env = {"APE_FOUNDRY_HOST": node.uri}

        def run(*args):
            return ante(*args, "--network", "ethereum:local:foundry", cwd=tmp_path, data=tmp_path / "data", env=env)

        deployed = ok(run("deploy", "--account", "TEST::0", "--yes", "--json")).json()
        assert node.call("eth_getCode", deployed["address"], "latest") not in ("0x", "")
        ok(run("panel", "create", *[a for e in EVALUATORS for a in ("--evaluator", e)], "--threshold", "2",
               "--account", "TEST::0", "--yes"))
        posted = ok(run("post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within", "1d",
                        "--review-within", "1d", "--spec", "https://example.org/spec.md", "--account", "TEST::1",
                        "--yes", "--json", "--max-fee", "50 gwei", "--priority-fee", "2"))
        sent = node.transaction(posted.json()["tx"])
        assert (int(sent["maxFeePerGas"], 16), int(sent["maxPriorityFeePerGas"], 16)) == (50 * 10**9, 2 * 10**9)
        assert int(sent["blockNumber"], 16) == posted.json()["block"]
        listed = ok(run("list", "--json")).json()
        assert [c["challenge_id"] for c in listed] == [1]


def test_a_safe_on_a_panel_settles_through_apes_node_provider_on_a_two_second_chain(tmp_path):
    with Anvil(18710, tmp_path, "--block-time", "2", "--chain-id", "1337") as node:  # the chain id Ape gives a local node
        ape_config(tmp_path, local=(node.uri, None))
        # Ape's own data folder for this test: `ante dev safe` registers the Safe with ape-safe there.
        env = {"APE_DATA_FOLDER": str(tmp_path / "ape")}

        def run(*args):
            return ante(*args, "--network", "ethereum:local:node", cwd=tmp_path, data=tmp_path / "data", env=env)

        ok(run("deploy", "--account", "TEST::0", "--yes"))
        owners = [a for e in ("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",  # TEST::8
                              "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",  # TEST::9
                              "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955")  # TEST::7
                  for a in ("--owner", e)]
        made = ok(run("dev", "safe", *owners, "--threshold", "2", "--alias", "panel-safe", "--account", "TEST::0",
                      "--yes", "--json")).json()
        safe = made["address"]
        ok(run("panel", "create", "--evaluator", safe, "--evaluator", EVALUATORS[0], "--evaluator", EVALUATORS[1],
               "--threshold", "2", "--account", "TEST::0", "--yes"))
        ok(run("post", "--reward", "1 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
               "--deliver-within", "14d", "--review-within", "3d", "--spec", "https://example.org/spec.md",
               "--account", "TEST::1", "--yes"))
        ok(run("accept", "1", "--promise", "https://example.org/promise.md", "--by", "+5d", "--account", "TEST::2",
               "--yes"))
        ok(run("submit", "1", "--deliverable", "https://example.org/work.md", "--account", "TEST::2", "--yes"))
        ok(run("verdict", "sign", "1", "--score", "75%", "--out", str(tmp_path / "safe.json"), "--account",
               "panel-safe", "--yes"))
        ok(run("verdict", "sign", "1", "--score", "75%", "--out", str(tmp_path / "key.json"), "--account", "TEST::5",
               "--yes"))
        assert json.loads((tmp_path / "safe.json").read_text())["signer"] == safe
        settled = ok(run("settle", "1", str(tmp_path / "safe.json"), str(tmp_path / "key.json"), "--account",
                         "TEST::4", "--yes", "--json")).json()
        assert settled["score"] == 7_500
        receipt = node.call("eth_getTransactionReceipt", settled["tx"])
        assert int(receipt["status"], 16) == 1
        shown = ok(run("show", "1", "--json")).json()
        assert shown["state"] == "settled"
        assert "Clean" in ok(run("audit")).out


def test_a_refusal_found_in_simulation_sends_nothing(tmp_path):
    with Anvil(18702, tmp_path) as node:
        env = {"APE_FOUNDRY_HOST": node.uri}

        def run(*args):
            return ante(*args, "--network", "ethereum:local:foundry", cwd=tmp_path, data=tmp_path / "data", env=env)

        ok(run("deploy", "--account", "TEST::0", "--yes"))
        ok(run("panel", "create", *[a for e in EVALUATORS for a in ("--evaluator", e)], "--threshold", "2",
               "--account", "TEST::0", "--yes"))
        ok(run("post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within", "1d",
               "--review-within", "1d", "--spec", "https://example.org/spec.md", "--account", "TEST::1", "--yes"))
        stranger = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # TEST::3, not the funder
        before = node.nonce(stranger)
        refused = run("cancel", "1", "--account", "TEST::3", "--yes")
        assert refused.code == 1, refused
        assert "funder" in refused.err.lower(), refused
        assert node.nonce(stranger) == before  # nothing was signed or sent


def test_a_custom_network_declared_in_ape_config(tmp_path):
    with Anvil(18703, tmp_path, "--chain-id", str(DEVNET)) as node:
        ape_config(tmp_path, devnet=(node.uri, DEVNET))

        def run(*args):
            return ante(*args, "--network", "ethereum:devnet:node", cwd=tmp_path, data=tmp_path / "data")

        deployed = ok(run("deploy", "--account", "TEST::0", "--yes", "--json")).json()
        assert deployed["chain_id"] == DEVNET
        assert ok(run("list", "--json")).json() == []


def test_a_network_spelling_that_picks_another_chain_id_is_refused(tmp_path):
    with Anvil(18704, tmp_path) as node:
        refused = ante("list", "--network", f"ethereum:local:{node.uri}", cwd=tmp_path, data=tmp_path / "data")
    assert refused.code == 2, refused
    assert "chain id 1337" in refused.err and "chain 31337" in refused.err, refused
    assert "APE_FOUNDRY_HOST" in refused.err, refused


@pytest.mark.parametrize("fees, hint", [(("--max-fee", "1 gwei", "--priority-fee", "2 gwei"), "--priority-fee"),
                                        (("--max-fee", "0.5 wei"),  "--max-fee")])
def test_fees_that_cannot_be_paid_are_bad_input(tmp_path, fees, hint):
    run = ante("cancel", "1", "--account", "TEST::1", "--yes", *fees, cwd=tmp_path, data=tmp_path / "data")
    assert run.code == 2, run
    assert hint in run.err, run


def test_a_keyfile_account_signs_unattended_with_apes_passphrase_variable_or_at_a_terminal(tmp_path):
    import json
    import os
    import pty
    import select
    from eth_account import Account

    from node_support import ANTE

    key = "0x" + "5a" * 32
    alice = Account.from_key(key).address
    (tmp_path / "ape" / "accounts").mkdir(parents=True)
    (tmp_path / "ape" / "accounts" / "alice.json").write_text(json.dumps(Account.encrypt(key, "correct horse")))
    with Anvil(18705, tmp_path) as node:
        node.call("anvil_setBalance", alice, hex(10**20))
        env = {"APE_FOUNDRY_HOST": node.uri, "APE_DATA_FOLDER": str(tmp_path / "ape")}
        deploy = ["deploy", "--network", "ethereum:local:foundry", "--account", "alice", "--yes"]

        def run(passphrase=None):
            extra = {} if passphrase is None else {"APE_ACCOUNTS_alice_PASSPHRASE": passphrase}
            return ante(*deploy, cwd=tmp_path, data=tmp_path / "data", env={**env, **extra})

        wrong = run("battery staple")
        assert wrong.code == 2 and "Cannot unlock the Ape account 'alice': wrong passphrase." in wrong.err, wrong
        locked = run()
        assert locked.code == 2 and "APE_ACCOUNTS_alice_PASSPHRASE" in locked.err, locked
        assert node.nonce(alice) == 0
        assert ok(run("correct horse")).out.startswith("✔ Deployed Ante")
        assert node.nonce(alice) == 4  # EAS's SchemaRegistry, EAS, Ante's feedback schema, then Ante

        # At a terminal (the child's controlling one) the passphrase is asked for, visibly, and never echoed.
        environment = {**os.environ, **env, "ANTE_DATA_DIR": str(tmp_path / "data")}
        environment.pop("ANTE_NETWORK", None)
        pid, leader = pty.fork()
        if pid == 0:  # the child: run the command with the pseudo-terminal as its terminal
            os.chdir(tmp_path)
            os.execve(str(ANTE), [str(ANTE), *deploy], environment)
        seen = b""
        answered = False
        status = None
        deadline = time.monotonic() + 180
        while status is None and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    pass
            # getpass writes the prompt's last space once it has turned echo off: answer only then.
            if not answered and b"Passphrase for account 'alice': " in seen:
                os.write(leader, b"correct horse\n")
                answered = True
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(leader)
        text = seen.decode(errors="replace")
        assert answered, text
        assert status == 0, text
        assert "Deployed Ante" in text, text
        assert "correct horse" not in text
        assert node.nonce(alice) == 5  # only Ante: the EAS recorded before is still there


def test_ctrl_c_after_sending_says_which_transaction_may_still_be_mined(tmp_path):
    import os
    import signal
    import subprocess

    from node_support import ANTE, wait_for

    with Anvil(18706, tmp_path) as node:
        env = {**os.environ, "APE_FOUNDRY_HOST": node.uri, "ANTE_DATA_DIR": str(tmp_path / "data")}
        env.pop("ANTE_NETWORK", None)
        ok(ante("deploy", "--account", "TEST::0", "--yes", cwd=tmp_path, data=tmp_path / "data",
                env={"APE_FOUNDRY_HOST": node.uri}))
        node.call("evm_setAutomine", False)  # nothing is mined from now on: the panel's transaction waits
        deployer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        mined = int(node.call("eth_getTransactionCount", deployer, "latest"), 16)
        process = subprocess.Popen([str(ANTE), "panel", "create", "--evaluator", EVALUATORS[0], "--threshold", "1",
                                    "--account", "TEST::0", "--yes", "--network", "ethereum:local:foundry"],
                                   cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: node.nonce(deployer) > mined, 120, "the panel's transaction in the node's pool")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        pending = node.call("eth_getBlockByNumber", "pending", False)["transactions"]
    assert process.returncode == 130, (out, err)
    match = re.search(r"Interrupted after signing transaction (0x[0-9a-f]{64}): it may have been sent and may still be mined", err)
    assert match, err
    assert match.group(1) in pending


def test_a_test_token_or_a_dev_safe_is_refused_off_a_local_chain(tmp_path):
    with Anvil(18707, tmp_path, "--chain-id", str(SEPOLIA)) as node:
        ape_config(tmp_path, sepolia=(node.uri, None))
        deployer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0
        run = ante("dev", "token", "--account", "TEST::0", "--yes", "--network", "ethereum:sepolia:node",
                   cwd=tmp_path, data=tmp_path / "data")
        assert run.code == 2, run
        assert "only for a local development chain" in run.err and f"chain {SEPOLIA}." in run.err, run
        assert "Traceback" not in run.err, run
        assert node.nonce(deployer) == 0  # nothing was sent
        run = ante("dev", "safe", "--owner", deployer, "--threshold", "1", "--alias", "never", "--account", "TEST::0",
                   "--yes", "--network", "ethereum:sepolia:node", cwd=tmp_path, data=tmp_path / "data")
        assert run.code == 2, run
        assert "A Safe made by `ante dev safe` is only for a local development chain" in run.err, run
        assert node.nonce(deployer) == 0


def read_without_ape(*args, cwd, data) -> tuple[object, bool]:
    """Runs `ante` under `python -X importtime`; returns (the run, whether any Ape module was imported)."""
    import subprocess
    import sys

    from node_support import Run

    environment = {k: v for k, v in __import__("os").environ.items() if k != "ANTE_NETWORK"}
    environment["ANTE_DATA_DIR"] = str(data)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "ante.cli.main", *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=180)
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    done.stderr = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))
    return Run(list(args), done), any(m == "ape" or m.startswith(("ape.", "ape_")) for m in modules)


def test_reads_on_a_custom_network_need_no_ape_once_it_was_resolved_and_follow_a_changed_config(tmp_path):
    """The first command resolves `ethereum:devnet:node` through Ape; reads after it go straight to the node
    (no Ape module loaded) and give what Ape's path gives; pointing the config at another node is noticed."""
    with Anvil(18708, tmp_path, "--chain-id", str(DEVNET)) as node, \
            Anvil(18709, tmp_path, "--chain-id", str(DEVNET)) as other:
        ape_config(tmp_path, devnet=(node.uri, DEVNET))
        net = ["--network", "ethereum:devnet:node"]
        data = tmp_path / "data"

        def run(*args):
            return ante(*args, *net, cwd=tmp_path, data=data)

        ok(run("deploy", "--account", "TEST::0", "--yes"))
        panel = ["panel", "create", *[a for e in EVALUATORS for a in ("--evaluator", e)], "--threshold", "2"]
        ok(run(*panel, "--account", "TEST::0", "--yes"))
        ok(run("post", "--reward", "1 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
               "--deliver-within", "14d", "--review-within", "3d", "--spec", "https://example.org/spec",
               "--account", "TEST::1", "--yes"))
        records = json.loads((data / "networks.json").read_text())
        assert [(r["uri"], r["chain_id"]) for r in records.values()] == [(node.uri, DEVNET)]

        for args in (["list", "--json"], ["show", "1", "--json"], ["audit", "--json"], ["panel", "show", "1"],
                     ["records", "--json"]):
            fast, loaded_ape = read_without_ape(*args, *net, cwd=tmp_path, data=data)
            assert fast.code == 0, fast
            assert not loaded_ape, f"`ante {' '.join(args)}` loaded Ape"
            (data / "networks.json").rename(data / "kept.json")  # the same read, through Ape this time
            slow = ok(run(*args))
            (data / "kept.json").replace(data / "networks.json")
            assert fast.out == slow.out, args

        ape_config(tmp_path, devnet=(other.uri, DEVNET))  # the same network name, another node: no Ante there
        moved = run("list", "--json")
        assert moved.code == 2, moved
        assert "There is no contract at" in moved.err and f"on chain {DEVNET}" in moved.err, moved
