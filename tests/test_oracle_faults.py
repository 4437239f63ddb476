"""The oracle under faults: the real service (`ante oracle run`, a separate process) on a real anvil node.

- kill -9 after verdicts were acknowledged but before the quorum's settlement: the restarted oracle
  settles on the same store, and no acknowledged verdict is lost;
- the node goes away for several seconds (a TCP proxy between oracle and node is cut) and comes back:
  reads keep working, /health reports the problem, settling is retried with backoff and succeeds;
- two oracles on the same deployment (other stores, ports, and other or the same relayer account):
  the challenge is settled exactly once and both agree on it, without an error loop.

These tests start their own anvil (not the test session's node, which Ape snapshots and reverts) and
set it up over plain JSON-RPC with anvil's unlocked accounts; only the oracle goes through Ape. Every
process is started in its own process group and killed at the end; every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address

from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms, split_payout
from ante.verdict import SignedVerdict, Verdict
from tcp_proxy import TcpProxy

from node_support import ANTE, ANVIL, rpc, wait_for


NODE_PORT = 8611
PROXY_PORTS = {"restart": 8612, "outage": 8613}
ORACLE_PORTS = iter(range(8711, 8720))

ETHER = 10**18
DAY = 86_400
SUBMITTED, SETTLED = 3, 4
POLL = 0.3  # the oracles' poll interval (seconds)


# ---------------------------------------------------------------------------------------- helpers




def http(port: int, method: str, path: str, body: dict | None = None, timeout: float = 10):
    """(status, JSON) of one request to the oracle on `port`."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def metric(port: int, name: str, **labels) -> float:
    """One sample of the oracle's /metrics (0 if absent)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[-1])
    return 0.0


def kill_group(process: subprocess.Popen, sig=signal.SIGKILL, timeout: float = 15) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    process.wait(timeout=timeout)


class Chain:
    """The node over plain JSON-RPC: anvil's unlocked accounts send, eth_call and eth_getLogs read."""

    def __init__(self, uri: str):
        from web3 import Web3

        self.uri = uri
        self.w3 = Web3(Web3.HTTPProvider(uri, request_kwargs={"timeout": 10}))
        self.accounts = self.w3.eth.accounts
        self.chain_id = self.w3.eth.chain_id
        self.abi = json.loads(resources.files("ante.artifacts").joinpath("Ante.json").read_text())["abi"]
        self.ante = None

    def use(self, address: str) -> None:
        self.ante = self.w3.eth.contract(address=to_checksum_address(address), abi=self.abi)

    def send(self, call, sender: str, value: int = 0):
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "value": value}),
                                                          timeout=10)
        assert receipt.status == 1
        return receipt

    def now(self) -> int:
        return self.w3.eth.get_block("latest").timestamp

    def submitted_challenge(self, panel_id: int = 1):
        """Posts (1 ether, 10% stake), accepts and submits a challenge; returns (id, deliverable, terms)."""
        funder, contributor = self.accounts[1], self.accounts[2]
        terms = Terms(funder, ZERO_ADDRESS, ETHER, 1_000, panel_id, self.now() + DAY, 7 * DAY, 3 * DAY,
                      spec_hash=keccak(text="spec"))
        record = ChallengeRecord(terms)
        receipt = self.send(self.ante.functions.create(terms.as_tuple(), "ipfs://spec"), funder, ETHER)
        cid = self.ante.events.ChallengeCreated().process_receipt(receipt)[0].args.challengeId
        self.send(self.ante.functions.accept(cid, record.as_tuple(), keccak(text="promise"), self.now() + DAY,
                                             "ipfs://promise", 0), contributor, terms.stake)
        record = record.accepted_by(contributor)
        deliverable = keccak(text=f"deliverable {cid}")
        self.send(self.ante.functions.submit(cid, record.as_tuple(), deliverable, "ipfs://work"), contributor)
        assert self.state(cid) == SUBMITTED
        return cid, deliverable, terms

    def state(self, cid: int) -> int:
        return self.ante.functions.challengeStatus(cid).call()[0]

    def credit(self, account: str) -> int:
        return self.ante.functions.credit(ZERO_ADDRESS, account).call()

    def settled_events(self, cid: int) -> list:
        logs = self.ante.events.ChallengeSettled().get_logs(from_block=0)
        return [log for log in logs if log.args.challengeId == cid]

    def sender_of(self, tx_hash) -> str:
        return to_checksum_address(self.w3.eth.get_transaction(tx_hash)["from"])


def hexhash(value) -> str:
    text = value.hex() if isinstance(value, (bytes, bytearray)) else str(value)
    return (text if text.startswith("0x") else "0x" + text).lower()


class Oracle:
    """`ante oracle run` as a process of its own (its own process group), logging to a file."""

    def __init__(self, node: dict, workdir: Path, *, chain_uri: str, account: str, name: str,
                 port: int | None = None):
        """`port`: where the oracle listens (default: the next of this module's ORACLE_PORTS; other
        modules give ports of their own, so that this module's range is never used up by them)."""
        self.port = port if port is not None else next(ORACLE_PORTS)
        self.account = account
        self.db = workdir / f"{name}.sqlite"
        self.log = workdir / f"{name}.log"
        self.env = {**os.environ, "APE_FOUNDRY_HOST": chain_uri, "ANTE_NETWORK": "ethereum:local:foundry",
                    "ANTE_DATA_DIR": str(workdir / f"{name}-data")}
        self.contract = node["contract"]
        self.process: subprocess.Popen | None = None
        self.runs: list[subprocess.Popen] = []

    def start(self) -> Oracle:
        assert self.process is None or self.process.poll() is not None
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [str(ANTE), "oracle", "run", "--account", self.account, "--port", str(self.port), "--db",
                 str(self.db), "--poll", str(POLL), "--contract", self.contract],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.runs.append(self.process)
        return self

    def wait_answering(self, timeout: float = 40) -> None:
        """Until the HTTP API answers /health (whatever it says)."""

        def answering():
            assert self.process.poll() is None, f"the oracle exited early:\n{self.log.read_text()}"
            try:
                return http(self.port, "GET", "/health", timeout=2)
            except OSError:
                return None

        wait_for(answering, timeout, f"the oracle on port {self.port} answering", interval=0.1)

    def wait_healthy(self, timeout: float = 40) -> dict:
        self.wait_answering(timeout)
        status, health = wait_for(lambda: (lambda answer: answer if answer[0] == 200 else None)(self.get("/health")),
                                  timeout, "the oracle healthy")
        return health

    def get(self, path: str):
        return http(self.port, "GET", path)

    def post(self, document: dict):
        return http(self.port, "POST", "/verdicts", document)

    def challenge(self, cid: int) -> dict:
        status, view = self.get(f"/challenges/{cid}")
        assert status == 200, view
        return view

    def sees(self, cid: int, state: str) -> bool:
        status, view = self.get(f"/challenges/{cid}")
        return status == 200 and view["challenge"]["state"] == state

    def kill(self, sig=signal.SIGKILL) -> int:
        kill_group(self.process, sig)
        return self.process.returncode

    def close(self) -> None:
        for process in self.runs:
            kill_group(process, signal.SIGKILL)

    def log_text(self) -> str:
        return self.log.read_text()


# ---------------------------------------------------------------------------------------- fixtures


@contextlib.contextmanager
def deployed_node(workdir: Path, port: int, evaluators):
    """A fresh anvil on `port` with Ante deployed by `ante deploy` and a 2-of-3 panel of `evaluators[:3]`;
    yields {uri, contract, chain, workdir} and kills the node afterwards."""
    uri = f"http://127.0.0.1:{port}"
    with open(workdir / "anvil.log", "w") as log:
        anvil = subprocess.Popen([str(ANVIL), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        def up():
            assert anvil.poll() is None, (workdir / "anvil.log").read_text()
            try:
                return rpc(uri, "eth_chainId", timeout=1)
            except OSError:
                return None

        wait_for(up, 20, "anvil answering", interval=0.1)
        env = {**os.environ, "APE_FOUNDRY_HOST": uri, "ANTE_NETWORK": "ethereum:local:foundry",
               "ANTE_DATA_DIR": str(workdir / "deployer-data")}
        done = subprocess.run([str(ANTE), "deploy", "--account", "TEST::0", "--yes", "--json"], env=env,
                              cwd=workdir, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        contract = json.loads(done.stdout)["address"]
        chain = Chain(uri)
        chain.use(contract)
        panel = [e.address for e in evaluators[:3]]
        chain.send(chain.ante.functions.createPanel(panel, 2), chain.accounts[0])
        yield {"uri": uri, "contract": to_checksum_address(contract), "chain": chain, "workdir": workdir}
    finally:
        kill_group(anvil)


@pytest.fixture(scope="module")
def node(tmp_path_factory, evaluators):
    """A fresh anvil with Ante deployed by `ante deploy` and a 2-of-3 panel of `evaluators[:3]`."""
    with deployed_node(tmp_path_factory.mktemp("faults"), NODE_PORT, evaluators) as deployed:
        yield deployed


@pytest.fixture
def chain(node):
    chain = node["chain"]
    yield chain
    rpc(node["uri"], "evm_setAutomine", [True])  # whatever a test did to mining


@pytest.fixture
def oracles(node, tmp_path):
    """Makes oracle processes; every one started is killed at the end."""
    made: list[Oracle] = []

    def make(*, chain_uri: str | None = None, account: str = "TEST::4", name: str = "oracle") -> Oracle:
        oracle = Oracle(node, tmp_path, chain_uri=chain_uri or node["uri"], account=account, name=name)
        made.append(oracle)
        return oracle

    yield make
    for oracle in made:
        oracle.close()


@pytest.fixture
def proxy_to(node):
    made: list[TcpProxy] = []

    def make(name: str) -> TcpProxy:
        proxy = TcpProxy(PROXY_PORTS[name], NODE_PORT).start()
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


def signed(chain: Chain, cid: int, deliverable: bytes, evaluator, score: int) -> dict:
    """The JSON document `ante verdict sign` writes, signed with `evaluator`'s key."""
    verdict = Verdict(chain.chain_id, chain.ante.address, cid, deliverable, score)
    return SignedVerdict(verdict, evaluator.address, verdict.sign(evaluator.key)).to_json()


# ---------------------------------------------------------------------------------------- 1. kill -9


def test_kill_9_before_the_settlement_loses_no_acknowledged_verdict(node, chain, oracles, proxy_to, evaluators):
    proxy = proxy_to("restart")
    oracle = oracles(chain_uri=proxy.uri).start()
    oracle.wait_healthy()
    cid, deliverable, terms = chain.submitted_challenge()
    wait_for(lambda: oracle.sees(cid, "submitted"), 10, "the oracle seeing the submission")

    # The node becomes unreachable: the oracle still takes verdicts (it knows the challenge), but
    # cannot settle. Three verdicts are acknowledged; two of them make a quorum at 75%.
    proxy.cut()
    scores = {evaluators[0].address: 7500, evaluators[1].address: 2000, evaluators[2].address: 7500}
    answers = [oracle.post(signed(chain, cid, deliverable, e, scores[e.address])) for e in evaluators[:3]]
    assert [status for status, _ in answers] == [202, 202, 202], answers
    assert [answer["status"] for _, answer in answers] == ["stored"] * 3
    assert answers[2][1]["quorum"]["reached"] and answers[2][1]["settlement"] == "queued"
    # It tried, failed for want of a node, and waits to retry; the chain has not moved.
    wait_for(lambda: cid in oracle.get("/health")[1]["retrying"], 10, "a settlement retry scheduled")
    assert chain.state(cid) == SUBMITTED

    assert oracle.kill(signal.SIGKILL) == -signal.SIGKILL
    assert chain.state(cid) == SUBMITTED and chain.settled_events(cid) == []

    # The node is back; the oracle restarts on the same store and settles what it had acknowledged.
    proxy.restore()
    oracle.start()
    wait_for(lambda: chain.state(cid) == SETTLED, 40, "the restarted oracle settling")
    [event] = chain.settled_events(cid)
    assert event.args.score == 7500
    assert sorted(event.args.signers) == sorted([evaluators[0].address, evaluators[2].address])
    assert chain.sender_of(event.transactionHash) == oracle_address(oracle)
    to_contributor, to_funder = split_payout(terms.reward, terms.stake_bps, 7500)
    assert (event.args.toContributor, event.args.toFunder) == (to_contributor, to_funder)

    view = wait_for(lambda: settled_view(oracle, cid), 10, "the oracle showing the settlement")
    assert view["challenge"]["state"] == "settled"
    assert {v["signer"]: v["score"] for v in view["verdicts"]} == scores  # every acknowledged verdict
    assert [(a["action"], a["outcome"]) for a in view["attempts"]] == [("settle", "settled_by_us")]
    assert hexhash(view["attempts"][0]["tx_hash"]) == hexhash(event.transactionHash)
    assert len(oracle.runs) == 2


def settled_view(oracle: Oracle, cid: int) -> dict | None:
    """The oracle's view of `cid` once it shows the challenge settled and its attempt recorded."""
    view = oracle.challenge(cid)
    return view if view["attempts"] and view["challenge"]["state"] == "settled" else None


def oracle_address(oracle: Oracle) -> str:
    return to_checksum_address(oracle.get("/health")[1]["account"])


# ---------------------------------------------------------------------------------------- 2. node away


OUTAGE = 5.0  # seconds without a node


def test_the_node_goes_away_and_comes_back(node, chain, oracles, proxy_to, evaluators):
    proxy = proxy_to("outage")
    oracle = oracles(chain_uri=proxy.uri).start()
    oracle.wait_healthy()
    cid, deliverable, _ = chain.submitted_challenge()
    wait_for(lambda: oracle.sees(cid, "submitted"), 10, "the oracle seeing the submission")
    errors_before = metric(oracle.port, "chain_errors_total")

    proxy.cut()
    cut_at = time.monotonic()
    for evaluator in evaluators[:2]:
        status, answer = oracle.post(signed(chain, cid, deliverable, evaluator, 9000))
        assert status == 202, answer
    assert answer["settlement"] == "queued"

    # While the node is away: reads answer from the last snapshot, /health says what is wrong.
    reads = 0
    reported = None
    while time.monotonic() - cut_at < OUTAGE:
        status, listing = oracle.get("/challenges")
        assert status == 200 and {c["challenge_id"]: c["verdicts"] for c in listing}[cid] == 2
        status, view = oracle.get(f"/challenges/{cid}")
        assert status == 200 and view["quorum"]["reached"] and view["challenge"]["state"] == "submitted"
        status, health = oracle.get("/health")
        if status == 503 and not health["ok"] and health["last_error"]:
            reported = health
        reads += 1
        time.sleep(0.2)
    assert reads >= 10
    assert reported is not None, "the oracle never reported the node missing"
    assert cid in reported["retrying"]
    assert "8613" in reported["last_error"]["message"] or "onnection" in reported["last_error"]["message"]
    assert chain.state(cid) == SUBMITTED  # nothing got through the cut

    # Backoff: over the outage, settle attempts double their delay (0.25, 0.5, 1, 2, 4 s) rather than
    # spin. With reads failing once per poll, the errors stay near OUTAGE / POLL + 6; a settlement
    # retried without backoff would make hundreds.
    errors = metric(oracle.port, "chain_errors_total") - errors_before
    assert 5 <= errors <= 2 * OUTAGE / POLL + 10, errors

    proxy.restore()
    wait_for(lambda: chain.state(cid) == SETTLED, 20, "the oracle settling once the node is back")
    [event] = chain.settled_events(cid)
    assert event.args.score == 9000
    # Healthy again and caught up: the head can move past the index between two reads (the settlement
    # itself makes a block), so wait for a report with no lag rather than take the first healthy one.
    caught_up = lambda a: a[1] if a[0] == 200 and a[1]["lag"] == 0 and a[1]["retrying"] == [] else None  # noqa: E731
    health = wait_for(lambda: caught_up(oracle.get("/health")), 20, "healthy and caught up again")
    assert health["ok"]
    view = wait_for(lambda: settled_view(oracle, cid), 10, "the oracle showing the settlement")
    assert [(a["action"], a["outcome"]) for a in view["attempts"]] == [("settle", "settled_by_us")]
    assert hexhash(view["attempts"][0]["tx_hash"]) == hexhash(event.transactionHash)
    # The outage is logged once per operation, not at every retry.
    log = oracle.log_text()
    assert len(re.findall(rf"settling challenge {cid} failed", log)) == 1, log
    assert len(re.findall(rf"settled challenge {cid} ", log)) == 1, log


# ---------------------------------------------------------------------------------------- 3. two oracles


def _settle_twice(node, chain, oracles, evaluators, accounts, *, race: bool):
    first = oracles(account=accounts[0], name="first").start()
    second = oracles(account=accounts[1], name="second").start()
    for oracle in (first, second):
        oracle.wait_healthy()
    cid, deliverable, _ = chain.submitted_challenge()
    for oracle in (first, second):
        wait_for(lambda: oracle.sees(cid, "submitted"), 10, "the oracle seeing the submission")
    documents = [signed(chain, cid, deliverable, e, 6000) for e in evaluators[:2]]

    pending = []
    if race:
        # No block until both settlements are sent: both go into the same block, one must lose.
        rpc(node["uri"], "evm_setAutomine", [False])
    answers = {}

    def post_all(oracle):
        answers[oracle.port] = [oracle.post(d) for d in documents]

    threads = [threading.Thread(target=post_all, args=(o,)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(not t.is_alive() for t in threads)
    for oracle in (first, second):
        assert [status for status, _ in answers[oracle.port]] == [202, 202], answers
        assert answers[oracle.port][1][1]["settlement"] == "queued"
    if race:
        def both_sent():
            content = rpc(node["uri"], "txpool_content")["pending"]
            found = [tx for txs in content.values() for tx in txs.values()]
            return found if len(found) >= 2 else None

        pending = wait_for(both_sent, 15, "both settlements in the mempool")
        assert {to_checksum_address(tx["from"]) for tx in pending} == {oracle_address(first), oracle_address(second)}
        assert chain.state(cid) == SUBMITTED
        rpc(node["uri"], "evm_mine")
        rpc(node["uri"], "evm_setAutomine", [True])

    wait_for(lambda: chain.state(cid) == SETTLED, 20, "the challenge settled")

    wait_for(lambda: all(settled_view(o, cid) for o in (first, second)), 20, "both oracles showing the settlement")
    [event] = chain.settled_events(cid)
    winner = chain.sender_of(event.transactionHash)
    for pending_tx in pending:  # one went through; the other was mined and reverted
        receipt = chain.w3.eth.get_transaction_receipt(pending_tx["hash"])
        assert receipt.status == (1 if hexhash(pending_tx["hash"]) == hexhash(event.transactionHash) else 0)
    # A few more polls: no oracle keeps trying.
    time.sleep(6 * POLL)
    views = [o.challenge(cid) for o in (first, second)]
    assert [len(v["attempts"]) for v in views] == [1, 1], views
    assert len(chain.settled_events(cid)) == 1
    for oracle, view in zip((first, second), views):
        assert view["challenge"]["state"] == "settled" and view["challenge"]["score"] == 6000
        [attempt] = view["attempts"]
        ours = oracle_address(oracle) == winner
        assert attempt["outcome"] == ("settled_by_us" if ours else "settled_elsewhere"), (oracle.account, view)
        assert hexhash(attempt["tx_hash"]) == hexhash(event.transactionHash)
        assert metric(oracle.port, "settlements_total", outcome=attempt["outcome"]) == 1
        assert metric(oracle.port, "settlements_total", outcome="failed") == 0
    return first, second, cid


def test_two_oracles_with_their_own_accounts_settle_once(node, chain, oracles, evaluators):
    first, second, cid = _settle_twice(node, chain, oracles, evaluators, ("TEST::4", "TEST::5"), race=True)
    for oracle in (first, second):
        assert metric(oracle.port, "chain_errors_total") == 0, oracle.log_text()


def test_two_oracles_sharing_an_account_settle_once(node, chain, oracles, evaluators):
    """Same account: the two sends can clash (same nonce, even the same transaction); that is retried
    with backoff, and both end up recording the one settlement, sent from their account, as theirs."""
    first, second, cid = _settle_twice(node, chain, oracles, evaluators, ("TEST::6", "TEST::6"), race=False)
    for oracle in (first, second):
        assert metric(oracle.port, "chain_errors_total") <= 3, oracle.log_text()
        assert len(re.findall(rf"settling challenge {cid} failed", oracle.log_text())) <= 1
