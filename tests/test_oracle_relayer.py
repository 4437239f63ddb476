"""Drills for the oracle's relayer: `ante oracle run` as a process against anvil set up as a public network.

Every drill runs its own anvil with Sepolia's chain id (11155111) and a block every second, deploys with
`ante deploy`, sets challenges up over plain JSON-RPC (mining at once while it does, then back to 1 s
blocks) and runs the real oracle:

- many quorums are settled pipelined, through Ape's node provider (a network declared in the
  ape-config.yaml of the oracle's working directory, chosen as `ethereum:sepolia:node`): all mined within
  a few blocks, each challenge once;
- a settlement reorganised out (`anvil_reorg`, or blocks removed by `anvil_rollback`) before its
  confirmations is mined again, once;
- a settlement reorganised out in favour of another relayer's: not due any more, its nonce is filled by
  a cancellation, and the attempt is recorded as settled elsewhere;
- a base-fee spike (`anvil_setNextBlockBaseFeePerGas`) with settlements in flight: each is replaced at
  the SAME nonce, and each challenge is settled exactly once;
- kill -9 with settlements in flight and lost by the node: the restarted oracle follows them from its
  store and broadcasts the same signed bytes again; nothing is sent twice.

Ports 18610-18625; data folders under tmp_path; every wait polls a condition with a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from node_support import ANTE, Anvil, ante
from node_support import wait_for as _wait_for
from test_oracle_faults import Chain, hexhash, http, kill_group, metric, signed

from ante.terms import ChallengeRecord
from ante.verdict import Verdict

#: Deadlines are upper bounds for a condition, never timings: on a 2-core machine busy with other work a
#: node, an oracle and this test share the cores, so each deadline below gets this much room.
SLACK = 3


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    return _wait_for(predicate, timeout * SLACK, what, interval)

SEPOLIA = 11_155_111
POLL = 0.3


class Oracle:
    """`ante oracle run` as a process of its own (process group), in `workdir`, logging to a file."""

    def __init__(self, workdir: Path, port: int, network_args: list[str], env: dict, contract: str,
                 confirmations: int | None = None, account: str = "TEST::4"):
        self.workdir, self.port, self.contract = workdir, port, contract
        self.log = workdir / "oracle.log"
        self.args = [str(ANTE), "oracle", "run", "--account", account, "--port", str(port), "--poll", str(POLL),
                     "--contract", contract, *network_args]
        if confirmations is not None:
            self.args += ["--confirmations", str(confirmations)]
        self.env = {**os.environ, "ANTE_DATA_DIR": str(workdir / "oracle-data"), **env}
        self.env.pop("ANTE_NETWORK", None)
        self.process: subprocess.Popen | None = None

    def start(self) -> Oracle:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(self.args, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_healthy(self, timeout: float = 60) -> dict:
        def healthy():
            assert self.process.poll() is None, f"the oracle exited early:\n{self.log.read_text()}"
            try:
                status, health = http(self.port, "GET", "/health", timeout=2)
            except OSError:
                return None
            return health if status == 200 else None

        return wait_for(healthy, timeout, "the oracle healthy", interval=0.1)

    def get(self, path: str):
        return http(self.port, "GET", path)

    def post(self, document: dict):
        return http(self.port, "POST", "/verdicts", document)

    def kill(self) -> None:
        kill_group(self.process, signal.SIGKILL)

    def close(self) -> None:
        if self.process is not None:
            kill_group(self.process, signal.SIGKILL)


def deployed(node: Anvil, workdir: Path, evaluators, network_args: list[str], env: dict) -> Chain:
    """Ante deployed with `ante deploy` and a 2-of-3 panel of `evaluators[:3]`; the chain's web3 handle."""
    done = ante("deploy", "--account", "TEST::0", "--yes", "--json", *network_args, cwd=workdir,
                data=workdir / "deployer-data", env=env)
    assert done.code == 0, done
    chain = Chain(node.uri)
    chain.use(done.json()["address"])
    chain.send(chain.ante.functions.createPanel([e.address for e in evaluators[:3]], 2), chain.accounts[0])
    return chain


def submitted(node: Anvil, chain: Chain, count: int) -> list[tuple[int, bytes]]:
    """`count` Submitted challenges, set up with blocks mined at once, then back to a block a second."""
    node.call("evm_setIntervalMining", 0)
    node.call("evm_setAutomine", True)
    try:
        return [chain.submitted_challenge()[:2] for _ in range(count)]
    finally:
        node.call("evm_setAutomine", False)
        node.call("evm_setIntervalMining", 1)


def submitted_with_terms(node: Anvil, chain: Chain):
    """One Submitted challenge, set up like `submitted`: (id, deliverable, terms)."""
    node.call("evm_setIntervalMining", 0)
    node.call("evm_setAutomine", True)
    try:
        return chain.submitted_challenge()
    finally:
        node.call("evm_setAutomine", False)
        node.call("evm_setIntervalMining", 1)


def settlements(chain: Chain) -> dict[int, list]:
    """ChallengeSettled events on the canonical chain, by challenge id."""
    out: dict[int, list] = {}
    for log in chain.ante.events.ChallengeSettled().get_logs(from_block=0):
        out.setdefault(log.args.challengeId, []).append(log)
    return out


def post_quorums(oracle: Oracle, chain: Chain, challenges, evaluators) -> None:
    for cid, deliverable in challenges:
        for evaluator in evaluators[:2]:
            status, answer = oracle.post(signed(chain, cid, deliverable, evaluator, 9000))
            assert status == 202, answer


def attempts(oracle: Oracle, cid: int) -> list[tuple[str, str]]:
    status, view = oracle.get(f"/challenges/{cid}")
    assert status == 200, view
    return [(a["action"], a["outcome"]) for a in view["attempts"]]


def transaction(oracle: Oracle, cid: int) -> dict:
    """The oracle's one outgoing transaction for `cid`, as /challenges/{cid} shows it."""
    status, view = oracle.get(f"/challenges/{cid}")
    assert status == 200, view
    [sent] = view["transactions"]
    return sent


def all_recorded(oracle: Oracle, cids) -> bool:
    return all(attempts(oracle, cid) for cid in cids)


def sender_nonces(chain: Chain, events) -> list[int]:
    return sorted(chain.w3.eth.get_transaction(e.transactionHash)["nonce"] for e in events)


def pool_hashes(node: Anvil, account: str) -> set[str]:
    """The hashes of `account`'s transactions waiting in the node's pool."""
    pending = node.call("txpool_content")["pending"]
    return {hexhash(tx["hash"]) for sender, txs in pending.items() if sender.lower() == account.lower()
            for tx in txs.values()}


def node_provider(workdir: Path, uri: str) -> list[str]:
    """Declares `uri` as Sepolia for Ape's node provider in `workdir`'s ape-config.yaml; the network options."""
    (workdir / "ape-config.yaml").write_text(f"node:\n  ethereum:\n    sepolia:\n      uri: {uri}\n")
    return ["--network", "ethereum:sepolia:node"]


def test_many_quorums_are_settled_pipelined_through_apes_node_provider(tmp_path, evaluators):
    with Anvil(18610, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1") as node:
        network = node_provider(tmp_path, node.uri)
        chain = deployed(node, tmp_path, evaluators, network, {})
        challenges = submitted(node, chain, 40)
        oracle = Oracle(tmp_path, 18620, network, {}, chain.ante.address, confirmations=1)
        try:
            oracle.start().wait_healthy()
            account = to_checksum_address(oracle.get("/health")[1]["account"])
            before = node.nonce(account)
            post_quorums(oracle, chain, challenges, evaluators)
            cids = [cid for cid, _ in challenges]
            wait_for(lambda: set(cids) <= set(settlements(chain)), 60, "every challenge settled")
            wait_for(lambda: all_recorded(oracle, cids), 30, "every settlement confirmed and recorded")
            events = settlements(chain)
            assert all(len(events[cid]) == 1 for cid in cids)
            blocks = {events[cid][0].blockNumber for cid in cids}
            assert len(blocks) <= len(cids) // 4, blocks  # pipelined: one at a time would take a block each
            assert {chain.sender_of(events[cid][0].transactionHash) for cid in cids} == {account}
            assert node.nonce(account) == before + len(cids)  # one nonce each, none wasted
            assert all(attempts(oracle, cid) == [("settle", "settled_by_us")] for cid in cids)
            assert oracle.get("/health")[1]["confirmations"] == 1
        finally:
            oracle.close()


@pytest.mark.parametrize("port, how", [(18611, "anvil_reorg"), (18615, "anvil_rollback")])
def test_a_settlement_reorganised_out_is_mined_again(tmp_path, evaluators, port, how):
    with Anvil(port, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1") as node:
        network, env = ["--network", "ethereum:local:foundry"], {"APE_FOUNDRY_HOST": node.uri}
        chain = deployed(node, tmp_path, evaluators, network, env)
        [(cid, deliverable)] = submitted(node, chain, 1)
        oracle = Oracle(tmp_path, port + 10, network, env, chain.ante.address, confirmations=8)
        try:
            oracle.start().wait_healthy()
            post_quorums(oracle, chain, [(cid, deliverable)], evaluators)
            [first] = wait_for(lambda: settlements(chain).get(cid), 30, "the settlement mined")
            wait_for(lambda: transaction(oracle, cid)["state"] == "mined", 10, "the oracle seeing it mined")
            # Drop the block holding it (and any after it), before its 8 confirmations; no new block comes
            # until the oracle has seen the loss, so a rolled-back chain stays shorter while it looks.
            node.call("evm_setIntervalMining", 0)
            depth = chain.w3.eth.block_number - first.blockNumber + 1
            node.call(how, *([depth, []] if how == "anvil_reorg" else [depth]))  # replaced, or just removed
            assert cid not in settlements(chain) or settlements(chain)[cid][0].blockHash != first.blockHash
            wait_for(lambda: transaction(oracle, cid)["state"] == "pending", 10, "the oracle seeing the loss")
            node.call("evm_setIntervalMining", 1)
            [again] = wait_for(lambda: (lambda found: found if found and found[0].blockHash != first.blockHash else None)(
                settlements(chain).get(cid)), 30, "the settlement mined again")
            assert hexhash(again.transactionHash) == hexhash(first.transactionHash)  # the same signed bytes
            wait_for(lambda: attempts(oracle, cid), 30, "the settlement confirmed")
            assert attempts(oracle, cid) == [("settle", "settled_by_us")]
            assert len(settlements(chain)[cid]) == 1
            assert metric(oracle.port, "transactions_reorganised_total") >= 1
            assert "a reorganisation removed" in oracle.log.read_text()
        finally:
            oracle.close()


def test_a_settlement_reorganised_out_for_another_relayers_is_cancelled(tmp_path, evaluators):
    with Anvil(18614, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1") as node:
        network, env = ["--network", "ethereum:local:foundry"], {"APE_FOUNDRY_HOST": node.uri}
        chain = deployed(node, tmp_path, evaluators, network, env)
        cid, deliverable, terms = submitted_with_terms(node, chain)
        oracle = Oracle(tmp_path, 18624, network, env, chain.ante.address, confirmations=8)
        try:
            oracle.start().wait_healthy()
            account = to_checksum_address(oracle.get("/health")[1]["account"])
            before = node.nonce(account)
            post_quorums(oracle, chain, [(cid, deliverable)], evaluators)
            [first] = wait_for(lambda: settlements(chain).get(cid), 30, "the settlement mined")
            wait_for(lambda: transaction(oracle, cid)["state"] == "mined", 10, "the oracle seeing it mined")
            # The new chain holds another relayer's settlement of the same challenge, at another score.
            record = ChallengeRecord(terms).accepted_by(chain.accounts[2]).submitted(deliverable)
            keys = sorted(evaluators[1:3], key=lambda k: int(k.address, 16))
            verdict = Verdict(chain.chain_id, chain.ante.address, cid, deliverable, 5000)
            call = chain.ante.functions.settle(cid, record.as_tuple(), 5000, [k.address for k in keys],
                                               [verdict.sign(k.key) for k in keys])
            other = chain.accounts[3]
            competing = {"from": other, "to": chain.ante.address, "data": call._encode_transaction_data(),
                         "gas": hex(1_000_000)}
            node.call("anvil_reorg", chain.w3.eth.block_number - first.blockNumber + 1, [[competing, 0]])
            wait_for(lambda: attempts(oracle, cid), 40, "the oracle's attempt concluded")
            assert attempts(oracle, cid) == [("settle", "settled_elsewhere")]
            [event] = settlements(chain)[cid]
            assert event.args.score == 5000 and chain.sender_of(event.transactionHash) == other
            assert node.nonce(account) == before + 1  # its nonce, used once: by the cancellation
            sent = transaction(oracle, cid)
            cancel = chain.w3.eth.get_transaction(sent["mined_hash"])
            assert cancel["nonce"] == before and cancel["to"] == account and cancel["value"] == 0
            assert [s["cancel"] for s in sent["sends"]] == [False, True]
            assert metric(oracle.port, "transactions_sent_total", kind="cancel") == 1
        finally:
            oracle.close()


def test_a_base_fee_spike_is_met_by_replacements_at_the_same_nonce(tmp_path, evaluators):
    with Anvil(18612, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1") as node:
        network, env = ["--network", "ethereum:local:foundry"], {"APE_FOUNDRY_HOST": node.uri}
        chain = deployed(node, tmp_path, evaluators, network, env)
        challenges = submitted(node, chain, 5)
        oracle = Oracle(tmp_path, 18622, network, env, chain.ante.address)
        try:
            oracle.start().wait_healthy()
            account = to_checksum_address(oracle.get("/health")[1]["account"])
            before = node.nonce(account)
            node.call("evm_setIntervalMining", 0)  # no block until every settlement is in flight
            post_quorums(oracle, chain, challenges, evaluators)
            wait_for(lambda: node.nonce(account) == before + len(challenges), 30, "every settlement in the pool")
            first_hashes = pool_hashes(node, account)
            assert len(first_hashes) == len(challenges)
            node.call("anvil_setNextBlockBaseFeePerGas", hex(200 * 10**9))  # far above every fee cap sent
            node.call("evm_setIntervalMining", 1)
            cids = [cid for cid, _ in challenges]
            wait_for(lambda: set(cids) <= set(settlements(chain)), 60, "every challenge settled after the spike")
            wait_for(lambda: all_recorded(oracle, cids), 30, "every settlement recorded")
            events = settlements(chain)
            assert all(len(events[cid]) == 1 for cid in cids)
            assert sender_nonces(chain, [events[cid][0] for cid in cids]) == list(range(before, before + len(cids)))
            assert node.nonce(account) == before + len(cids)  # replaced at their nonces, never sent at new ones
            mined = {hexhash(events[cid][0].transactionHash) for cid in cids}
            assert not mined & first_hashes  # every one mined as its replacement
            assert metric(oracle.port, "transactions_sent_total", kind="replacement") >= len(cids)
            for cid in cids:
                status, view = oracle.get(f"/challenges/{cid}")
                [sent] = view["transactions"]
                assert len(sent["sends"]) >= 2 and hexhash(sent["mined_hash"]) in mined
                fees = [s["max_fee"] for s in sent["sends"]]
                assert all(later * 8 >= earlier * 9 for earlier, later in zip(fees, fees[1:]))  # +12.5% at least
                assert attempts(oracle, cid) == [("settle", "settled_by_us")]
        finally:
            oracle.close()


def test_a_restart_with_settlements_in_flight_sends_nothing_twice(tmp_path, evaluators):
    with Anvil(18613, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1") as node:
        network, env = ["--network", "ethereum:local:foundry"], {"APE_FOUNDRY_HOST": node.uri}
        chain = deployed(node, tmp_path, evaluators, network, env)
        challenges = submitted(node, chain, 5)
        oracle = Oracle(tmp_path, 18623, network, env, chain.ante.address)
        try:
            oracle.start().wait_healthy()
            account = to_checksum_address(oracle.get("/health")[1]["account"])
            before = node.nonce(account)
            node.call("evm_setIntervalMining", 0)
            post_quorums(oracle, chain, challenges, evaluators)
            wait_for(lambda: node.nonce(account) == before + len(challenges), 30, "every settlement in the pool")
            oracle.kill()
            node.call("anvil_dropAllTransactions")  # the node loses them too
            assert node.nonce(account) == before
            node.call("evm_setIntervalMining", 1)
            oracle.start().wait_healthy()
            cids = [cid for cid, _ in challenges]
            wait_for(lambda: set(cids) <= set(settlements(chain)), 60, "every challenge settled after the restart")
            wait_for(lambda: all_recorded(oracle, cids), 30, "every settlement recorded")
            events = settlements(chain)
            assert all(len(events[cid]) == 1 for cid in cids)
            assert node.nonce(account) == before + len(cids)
            assert sender_nonces(chain, [events[cid][0] for cid in cids]) == list(range(before, before + len(cids)))
            for cid in cids:
                status, view = oracle.get(f"/challenges/{cid}")
                [sent] = view["transactions"]  # one transaction per challenge, across both runs
                assert [hexhash(s["tx_hash"]) for s in sent["sends"]] == [hexhash(events[cid][0].transactionHash)]
                assert attempts(oracle, cid) == [("settle", "settled_by_us")]
            assert metric(oracle.port, "transactions_sent_total", kind="rebroadcast") == len(cids)
            assert metric(oracle.port, "transactions_sent_total", kind="new") == 0
        finally:
            oracle.close()
