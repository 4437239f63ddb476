"""The event index under real reorganisations and a restarted chain, seen through the real `ante` command.

Each test starts its own anvil (ports 18500-18599; not the test session's node, which Ape snapshots
and reverts), deploys Ante with `ante deploy`, sets the chain up over plain JSON-RPC with anvil's
unlocked accounts, and reads it with `ante list` / `ante show` as separate processes sharing one data
folder, as a user's successive commands do. The chain is then changed under the index:

- `anvil_reorg`: the block holding a ChallengeCreated is replaced by one creating another challenge
  with the same id and other terms;
- `anvil_rollback`: two blocks (an acceptance and a second challenge) are dropped and the second id
  goes to other terms;
- `anvil_snapshot` / `anvil_revert`: the chain returns to a point before an acceptance and goes on
  along another branch;
- the node is killed and started again, and Ante redeployed at the same address (same deployer, same
  nonce): only the new chain's challenges may show.

And the finality rule on a chain that is not a local development chain, through Ape's generic node
provider (whose blocks come as plain dicts): anvil with Sepolia's chain id answers the ``finalized`` tag
as its head minus 64, so a young chain's events are all unconfirmed until 64 more blocks stand on them.

Every wait polls a condition with a deadline; every process is killed at the end.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address

from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms

from node_support import ANTE, ANVIL, rpc, wait_for

PORTS = itertools.count(18500)  # this file's range: 18500-18599

ETHER = 10**18
DAY = 86_400
TIMEOUT = 120  # seconds for one `ante` process on a busy machine




class Node:
    """An anvil on `port`, in its own process group; `restart` kills it and starts a new chain there."""

    def __init__(self, port: int, workdir: Path, *flags: str):
        self.port = port
        self.flags = flags
        self.uri = f"http://127.0.0.1:{port}"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Node:
        assert self.free(), f"port {self.port} is taken by another node"  # or `up` would greet that one
        self.starts += 1
        log_path = self.workdir / f"anvil-{self.starts}.log"
        with open(log_path, "w") as log:
            self.process = subprocess.Popen([str(ANVIL), "--port", str(self.port), *self.flags], stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

        def up():
            assert self.process.poll() is None, log_path.read_text()
            try:
                return rpc(self.uri, "eth_chainId", timeout=1)
            except OSError:
                return None

        wait_for(up, 30, f"anvil answering on port {self.port}", interval=0.1)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=15)

    def free(self) -> bool:
        try:
            rpc(self.uri, "eth_chainId", timeout=1)
            return False
        except OSError:
            return True

    def restart(self) -> None:
        self.kill()
        wait_for(self.free, 15, f"port {self.port} free")
        self.start()


class Chain:
    """Ante on the node, over plain JSON-RPC with anvil's unlocked accounts."""

    def __init__(self, uri: str, address: str):
        from web3 import Web3

        self.uri = uri
        self.w3 = Web3(Web3.HTTPProvider(uri, request_kwargs={"timeout": 10}))
        self.accounts = self.w3.eth.accounts
        abi = json.loads(resources.files("ante.artifacts").joinpath("Ante.json").read_text())["abi"]
        self.ante = self.w3.eth.contract(address=to_checksum_address(address), abi=abi)
        self.created: dict[int, Terms] = {}  # the terms this helper posted, by challenge id

    @property
    def head(self) -> int:
        return self.w3.eth.block_number

    def send(self, call, sender: str, value: int = 0):
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "value": value}),
                                                          timeout=10)
        assert receipt.status == 1
        return receipt

    def terms(self, reward: int, funder: int = 1) -> Terms:
        now = self.w3.eth.get_block("latest")["timestamp"]
        return Terms(self.accounts[funder], ZERO_ADDRESS, reward, 1_000, 1, now + DAY, 7 * DAY, 3 * DAY,
                     spec_hash=keccak(text=f"spec for {reward}"))

    def create(self, reward: int, funder: int = 1) -> int:
        terms = self.terms(reward, funder)
        receipt = self.send(self.ante.functions.create(terms.as_tuple(), "ipfs://spec"), terms.funder, reward)
        cid = self.ante.events.ChallengeCreated().process_receipt(receipt)[0].args.challengeId
        self.created[cid] = terms
        return cid

    def create_request(self, reward: int, funder: int = 1) -> dict:
        """The transaction that `create` would send, as anvil_reorg takes it (anvil signs for `from`)."""
        terms = self.terms(reward, funder)
        data = self.ante.encode_abi("create", [terms.as_tuple(), "ipfs://spec"])
        return {"from": terms.funder, "to": self.ante.address, "data": data, "value": hex(reward), "gas": hex(600_000)}

    def accept(self, cid: int, contributor: int = 2) -> None:
        terms = self.created[cid]
        now = self.w3.eth.get_block("latest")["timestamp"]
        self.send(self.ante.functions.accept(cid, ChallengeRecord(terms).as_tuple(), keccak(text="promise"),
                                             now + DAY, "ipfs://promise", 7_000), self.accounts[contributor], terms.stake)


@pytest.fixture
def node(tmp_path):
    node = Node(next(PORTS), tmp_path).start()
    yield node
    node.kill()


class Cli:
    """The `ante` command as a process, on `node`, with one data folder for all its runs."""

    def __init__(self, node: Node, workdir: Path):
        self.node = node
        self.workdir = workdir
        self.env = {**os.environ, "APE_FOUNDRY_HOST": node.uri, "ANTE_NETWORK": "ethereum:local:foundry",
                    "ANTE_DATA_DIR": str(workdir / "ante-data")}
        self.env.pop("ANTE_FINALITY_DEPTH", None)
        self.env.pop("ANTE_CONTRACT", None)

    def run(self, *args) -> subprocess.CompletedProcess:
        done = subprocess.run([str(ANTE), *map(str, args)], env=self.env, cwd=self.workdir, capture_output=True,
                              text=True, timeout=TIMEOUT)
        assert done.returncode == 0, f"`ante {' '.join(map(str, args))}` exited {done.returncode}:\n{done.stderr}"
        return done

    def json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def deploy(self) -> Chain:
        deployed = self.json("deploy", "--account", "TEST::0", "--yes")
        chain = Chain(self.node.uri, deployed["address"])
        chain.deployed_in = deployed["block"]
        receipt = chain.send(chain.ante.functions.createPanel(chain.accounts[5:8], 2), chain.accounts[0])
        chain.panel_block = receipt.blockNumber
        return chain

    def rewards(self) -> tuple[dict[int, int], str]:
        """{challenge id: reward} as `ante list` shows them, and what it said on stderr."""
        done = self.run("list", "--json")
        return {c["challenge_id"]: int(c["terms"]["reward"]) for c in json.loads(done.stdout)}, done.stderr


@pytest.fixture
def cli(node, tmp_path):
    return Cli(node, tmp_path)


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "event index" in line]


# ---------------------------------------------------------------------------------------- reorganisations


def test_a_challenge_reorganised_out_and_its_id_reused_reads_as_the_chain_has_it(node, cli):
    chain = cli.deploy()
    assert chain.create(1 * ETHER) == 1
    assert cli.rewards() == ({1: 1 * ETHER}, "")

    # The block with challenge 1 is replaced by one where another funder's challenge takes id 1.
    rpc(node.uri, "anvil_reorg", [1, [[chain.create_request(2 * ETHER, funder=3), 0]]])
    assert chain.ante.functions.challengeStatus(1).call()[0] == 1

    rewards, stderr = cli.rewards()
    assert rewards == {1: 2 * ETHER}
    [notice] = notices(stderr)
    # It rewinds to the last block with events that the chain still has: the panel's.
    assert notice == (f"Chain 31337 reorganised below block {chain.head:,} (deeper than its finality rule "
                      f"expected): the event index dropped what it read after block {chain.panel_block:,} and "
                      "reads it again."), stderr
    shown = cli.json("show", 1)
    assert shown["terms"]["funder"] == chain.accounts[3] and shown["terms"]["reward"] == str(2 * ETHER)
    assert [e["event"] for e in shown["events"]] == ["ChallengeCreated"]
    # Said once: the next command finds the index whole.
    assert cli.rewards() == ({1: 2 * ETHER}, "")


def test_a_rollback_of_two_blocks_rewinds_to_the_last_checkpoint_on_the_chain(node, cli):
    chain = cli.deploy()
    chain.create(1 * ETHER)
    assert cli.rewards()[0] == {1: 1 * ETHER}
    checkpoint = chain.head
    chain.accept(1)
    chain.create(2 * ETHER)
    assert cli.rewards()[0] == {1: 1 * ETHER, 2: 2 * ETHER}
    assert cli.json("show", 1)["state"] == "accepted"

    rpc(node.uri, "anvil_rollback", [2])  # the acceptance and challenge 2 are gone
    assert chain.head == checkpoint
    assert chain.create(5 * ETHER, funder=4) == 2

    rewards, stderr = cli.rewards()
    assert rewards == {1: 1 * ETHER, 2: 5 * ETHER}
    assert len(notices(stderr)) == 1 and f"after block {checkpoint}" in stderr, stderr
    assert cli.json("show", 1)["state"] == "open"


def test_a_reverted_branch_is_forgotten(node, cli):
    chain = cli.deploy()
    chain.create(1 * ETHER)
    snapshot = rpc(node.uri, "anvil_snapshot")
    chain.accept(1)
    chain.create(2 * ETHER)
    assert cli.json("show", 1)["state"] == "accepted"

    assert rpc(node.uri, "anvil_revert", [snapshot]) is True
    chain.create(3 * ETHER)  # id 2 again, other terms, and a longer branch
    chain.create(4 * ETHER)
    chain.create(6 * ETHER)

    rewards, stderr = cli.rewards()
    assert rewards == {1: 1 * ETHER, 2: 3 * ETHER, 3: 4 * ETHER, 4: 6 * ETHER}
    assert len(notices(stderr)) == 1, stderr
    assert cli.json("show", 1)["state"] == "open"


# ---------------------------------------------------------------------------------------- a new chain


def test_a_restarted_chain_with_ante_redeployed_shows_only_its_own_challenges(node, cli):
    old = cli.deploy()
    old.create(1 * ETHER)
    old.create(2 * ETHER)
    assert cli.rewards()[0] == {1: 1 * ETHER, 2: 2 * ETHER}

    node.restart()
    new = cli.deploy()
    assert new.ante.address == old.ante.address  # same deployer, same nonce: same address
    new.create(7 * ETHER, funder=4)

    rewards, stderr = cli.rewards()
    assert rewards == {1: 7 * ETHER}
    [notice] = notices(stderr)
    assert notice == (f"Chain 31337 no longer has the block {old.deployed_in:,} that Ante at {old.ante.address} on "
                      "chain 31337 was deployed in (the node was restarted or replaced): its event index is "
                      "rebuilt."), stderr
    assert cli.json("show", 1)["terms"]["funder"] == new.accounts[4]
    assert cli.rewards() == ({1: 7 * ETHER}, "")


# ---------------------------------------------------------------------------------------- finality


SEPOLIA = 11_155_111


def test_through_the_node_provider_events_stay_unconfirmed_until_the_finalized_tag_passes_them(tmp_path):
    node = Node(next(PORTS), tmp_path, "--chain-id", str(SEPOLIA)).start()
    try:
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(node.uri, request_kwargs={"timeout": 10}))
        artifact = json.loads(resources.files("ante.artifacts").joinpath("Ante.json").read_text())
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
        deployed = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": w3.eth.accounts[0]}))
        chain = Chain(node.uri, deployed.contractAddress)
        chain.send(chain.ante.functions.createPanel(chain.accounts[5:8], 2), chain.accounts[0])
        chain.create(1 * ETHER)
        (tmp_path / "ape-config.yaml").write_text(f"node:\n  ethereum:\n    sepolia:\n      uri: {node.uri}\n")
        cli = Cli(node, tmp_path)
        where = ["--network", "ethereum:sepolia:node", "--contract", chain.ante.address]

        listed = cli.json("list", *where)  # blocks come as plain dicts through this provider
        assert [(c["challenge_id"], c["terms"]["reward"]) for c in listed] == [(1, str(ETHER))]
        shown = cli.json("show", 1, *where)
        assert [(e["event"], e["confirmed"]) for e in shown["events"]] == [("ChallengeCreated", False)]
        assert "(unconfirmed)" in cli.run("show", 1, *where).stdout
        assert stored_events(cli) == 0  # nothing final: nothing cached

        rpc(node.uri, "anvil_mine", [hex(64)])
        shown = cli.json("show", 1, *where)
        assert [(e["event"], e["confirmed"]) for e in shown["events"]] == [("ChallengeCreated", True)]
        assert stored_events(cli) == 2  # the panel and the challenge, now final
    finally:
        node.kill()


def stored_events(cli: Cli) -> int:
    import sqlite3

    path = Path(cli.env["ANTE_DATA_DIR"]) / "index.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
