"""How fast the oracle takes verdicts and settles: a real `ante oracle run` against a real anvil.

Starts its own anvil (a port in 8621-8629) and deploys Ante from the packaged artifact, posts, accepts
and submits challenges straight through web3 and signs their verdicts with throwaway evaluator keys
(setup, not timed), then starts the real `ante oracle run` process (a port in 8721-8729) and times it
over HTTP:

- ``verdicts_per_s``: signed verdicts accepted (POST /verdicts answered 202, each fully verified and
  committed to disk) per second. Every verdict is a new one, from a distinct evaluator of a panel that
  needs all its members, so no quorum is ever reached and only acceptance is measured. The median of
  several rounds, each on fresh challenges. The client is deliberately light, so that it takes little
  CPU from the oracle on the same machine: one process, asyncio streams over a few keep-alive HTTP/1.1
  connections (one request in flight on each), every request's bytes built before the timer starts,
  and of each answer only the status line and Content-Length read. Only 202s count; any other answer
  is reported as a failure. ``client_cpu_cores`` is the client's own CPU over the timed rounds, and
  ``oracle_cpu_ms_per_verdict`` the oracle process's (utime + stime from /proc, all its threads, its
  chain polling included) per accepted verdict: the server's cost, whatever the client.
- ``quorum_to_mined_median_s`` / ``quorum_to_mined_p95_s``: from the 202 of the verdict that completes
  a quorum to the block holding the ChallengeSettled event, seen by polling the node for that log every
  few milliseconds (anvil mines on arrival, and its block timestamps only have whole seconds). One
  challenge at a time, so no settlement waits behind another.
- ``settle_200_total_s``: 200 challenges judged at once (every verdict posted concurrently) until the
  last of them is settled on chain.

Then, on a second anvil that mines a block every 2 s (``--block-time 2``, as a public chain would), with
an oracle that waits for 4 confirmations:

- ``settle_200_block2s_s``: 200 challenges judged at once until the last of them is settled on chain
  (one settlement per block would take 400 s); ``settle_200_block2s_blocks`` is how many blocks held them;
- ``reorg_recovery_s``: a settlement mined and 2 blocks deep is dropped by a 3-block reorganisation
  (``anvil_reorg``); from the reorganisation to the settlement mined again.

The machine's load average at the start is recorded: on a shared machine the figures vary. Writes
bench/oracle.json.

Usage: python bench/oracle.py [--rounds 3] [--verdicts 3000] [--concurrency 16] [--samples 30] [--settle 200]
                             [--clients 2] [--connections 8] [--block-time 2]

(--clients and --connections shape the httpx clients that post the settle round's verdicts.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANVIL = ROOT / "toolchain" / "bin" / "anvil"  # the npm anvil, keeping no history on disk
ANTE = Path(sys.executable).parent / "ante"
ANVIL_PORTS = range(8621, 8630)
ORACLE_PORTS = range(8721, 8730)
ORACLE_ACCOUNT = 4  # TEST::4 pays for the settlements
#: The reorganisation of reorg_recovery_s, and the oracle's confirmations on the slow chain (more than its depth).
REORG_DEPTH = 3
RECOVERY_CONFIRMATIONS = 4
DAY = 86_400

#: The acceptance panel: every member must agree, and one member of each challenge never signs.
WIDE_PANEL = 9
#: The settling panel: 2 of 3.
SMALL_PANEL, SMALL_THRESHOLD = 3, 2


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answers on port {port}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Chain:
    """The deployment and its challenges, set up through web3."""

    def __init__(self, uri: str, data_dir: Path):
        from eth_account import Account
        from eth_utils import keccak
        from web3 import Web3

        from ante.deployment import Deployment, Registry

        self.w3 = w3 = Web3(Web3.HTTPProvider(uri, request_kwargs={"timeout": 30}))
        artifact = json.loads((ROOT / "ante" / "artifacts" / "Ante.json").read_text())
        self.deployer, self.funder, self.contributor = w3.eth.accounts[0], w3.eth.accounts[1], w3.eth.accounts[2]
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
        receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": self.deployer}))
        self.address = receipt.contractAddress
        self.chain_id = w3.eth.chain_id
        self.ante = w3.eth.contract(address=self.address, abi=artifact["abi"])
        Registry(data_dir / "deployments.json").record(Deployment(self.chain_id, self.address, receipt.blockNumber, "bench"))
        self.settled_topic = "0x" + keccak(
            text="ChallengeSettled(uint256,uint16,uint256,uint256,address[])").hex()
        keys = [Account.from_key(keccak(text=f"bench evaluator {i}")) for i in range(WIDE_PANEL)]
        self.wide = sorted(keys, key=lambda k: int(k.address, 16))
        self.small = self.wide[:SMALL_PANEL]
        self.wide_panel = self._panel(self.wide, WIDE_PANEL)
        self.small_panel = self._panel(self.small, SMALL_THRESHOLD)
        self.posted = 0

    def _send(self, call, value: int = 0, sender: str | None = None):
        return call.transact({"from": sender or self.deployer, "value": value, "gas": 1_000_000})

    def _panel(self, keys, threshold: int) -> int:
        self.w3.eth.wait_for_transaction_receipt(self._send(self.ante.functions.createPanel([k.address for k in keys], threshold)))
        return self.ante.functions.panelCount().call()

    def challenges(self, count: int, panel: int) -> list[tuple[int, bytes]]:
        """Posts, accepts and submits `count` ether challenges; returns their (id, deliverable)."""
        from eth_utils import keccak

        from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms

        now = self.w3.eth.get_block("latest").timestamp
        out, last = [], None
        for _ in range(count):
            self.posted += 1
            cid = self.posted
            terms = Terms(self.funder, ZERO_ADDRESS, 10**15, 1_000, panel, now + 30 * DAY, 7 * DAY, 3 * DAY,
                          spec_hash=keccak(text=f"spec {cid}"))
            record = ChallengeRecord(terms)
            self._send(self.ante.functions.create(terms.as_tuple(), f"ipfs://spec-{cid}"), terms.reward, self.funder)
            self._send(self.ante.functions.accept(cid, record.as_tuple(), keccak(text="promise"), now + 6 * DAY,
                                                  "ipfs://promise", 8_000), terms.stake, self.contributor)
            record = record.accepted_by(self.contributor)
            deliverable = keccak(text=f"deliverable {cid}")
            last = self._send(self.ante.functions.submit(cid, record.as_tuple(), deliverable, "ipfs://work"),
                              sender=self.contributor)
            out.append((cid, deliverable))
        self.w3.eth.wait_for_transaction_receipt(last)
        return out

    def body(self, cid: int, deliverable: bytes, key, score: int) -> bytes:
        """The JSON of a signed verdict, as `ante verdict sign` writes it."""
        from ante.verdict import SignedVerdict, Verdict

        verdict = Verdict(self.chain_id, self.address, cid, deliverable, score)
        return json.dumps(SignedVerdict(verdict, key.address, verdict.sign(key.key)).to_json()).encode()

    def settled(self, since: int, cids: list[int] | None = None) -> set[int]:
        """The challenges (of `cids`) settled in blocks from `since` on."""
        topics = [self.settled_topic]
        if cids is not None and len(cids) == 1:
            topics.append("0x" + cids[0].to_bytes(32, "big").hex())
        logs = self.w3.eth.get_logs({"address": self.address, "fromBlock": since, "toBlock": "latest", "topics": topics})
        return {int.from_bytes(bytes(log["topics"][1]), "big") for log in logs}


class Oracle:
    """`ante oracle run` as its own process."""

    def __init__(self, env: dict, workdir: Path, poll: float, *extra: str):
        self.port = free_port(ORACLE_PORTS)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / "oracle.log", "ab")
        args = [str(ANTE), "oracle", "run", "--port", str(self.port), "--poll", str(poll),
                "--account", f"TEST::{ORACLE_ACCOUNT}", "--db", str(workdir / "oracle.sqlite"), *extra]
        self.process = subprocess.Popen(args, env=env, cwd=workdir, stdout=self.log, stderr=self.log)
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the oracle exited with code {self.process.returncode}:\n"
                                 + (workdir / "oracle.log").read_text()[-2000:])
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("the oracle did not become healthy within 120 s")

    def cpu_seconds(self) -> float:
        """The CPU time (user + system, every thread) the oracle process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


async def _post(url: str, bodies: list[bytes], connections: int, at: float) -> tuple[float, float, list[int]]:
    """Posts `bodies` over `connections` keep-alive connections from wall time `at` on; (start, end, statuses)."""
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    statuses: list[int] = []
    queue = list(reversed(bodies))
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        async def worker():
            while queue:
                response = await client.post("/verdicts", content=queue.pop(), headers=headers)
                statuses.append(response.status_code)

        await asyncio.gather(*(client.get("/health") for _ in range(connections)))  # open the connections
        await asyncio.sleep(max(0.0, at - time.time()))
        start = time.time()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return start, time.time(), statuses


def _client(job: tuple) -> tuple[float, float, list[int], float]:
    """One client process: (start, end, statuses, its CPU seconds)."""
    before = time.process_time()
    start, end, statuses = asyncio.run(_post(*job))
    return start, end, statuses, time.process_time() - before


def post_all(url: str, bodies: list[bytes], clients: int, connections: int) -> tuple[float, list[int], float]:
    """Posts every body from `clients` processes with `connections` requests in flight each (one httpx
    client slows down as its pool grows, so the load is spread). Returns (seconds from the first
    request to the last answer, statuses, the clients' CPU seconds)."""
    import concurrent.futures
    import multiprocessing

    slices = [bodies[i::clients] for i in range(clients)]
    at = time.time() + 1.0 + 0.1 * clients
    with concurrent.futures.ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_client, [(url, part, connections, at) for part in slices]))
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    return end - start, [s for r in results for s in r[2]], sum(r[3] for r in results)


def raw_requests(port: int, bodies: list[bytes]) -> list[bytes]:
    """The bytes of each POST /verdicts, ready to write to a keep-alive HTTP/1.1 connection."""
    head = f"POST /verdicts HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\ncontent-length: "
    return [head.encode() + str(len(body)).encode() + b"\r\n\r\n" + body for body in bodies]


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Reads one HTTP/1.1 response; returns its status. Only the status line and Content-Length are parsed."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    at = head.lower().find(b"\r\ncontent-length:")
    if at < 0:
        raise ConnectionError(f"an answer without Content-Length: {head[:200]!r}")
    await reader.readexactly(int(head[at + 17:head.index(b"\r\n", at + 2)]))
    return status


async def _raw_post(port: int, requests: list[bytes], concurrency: int,
                    server_cpu) -> tuple[float, list[int], int, float, float]:
    """Sends `requests` over `concurrency` keep-alive connections, one in flight on each. Returns (seconds
    from the first request to the last answer, statuses, requests that got no answer, this process's CPU
    seconds and the server's, `server_cpu()`, over that time)."""
    health = f"GET /health HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\r\n".encode()
    streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(concurrency)]
    for reader, writer in streams:  # the server has taken every connection before the timer starts
        writer.write(health)
        await _read_response(reader)
    statuses: list[int] = []
    lost = 0
    following = iter(requests)

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal lost
        for request in following:
            try:
                writer.write(request)
                statuses.append(await _read_response(reader))
            except (ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
                lost += 1
                print(f"  a request got no answer ({error!r}); reconnecting", file=sys.stderr)
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    client_before, server_before, start = time.process_time(), server_cpu(), time.perf_counter()
    await asyncio.gather(*(worker(*stream) for stream in streams))
    seconds = time.perf_counter() - start
    return seconds, statuses, lost, time.process_time() - client_before, server_cpu() - server_before


def acceptance_batches(chain: Chain, verdicts: int, rounds: int) -> list[list[bytes]]:
    """`rounds` + 1 batches of new verdicts (the first warms the oracle up), none completing a quorum."""
    per_challenge = WIDE_PANEL - 1
    count = max(1, verdicts // per_challenge)
    batches = []
    for _ in range(rounds + 1):
        bodies = [chain.body(cid, deliverable, key, 9_000)
                  for cid, deliverable in chain.challenges(count, chain.wide_panel)
                  for key in chain.wide[:per_challenge]]
        random.shuffle(bodies)
        batches.append(bodies)
    return batches


def acceptance(oracle: Oracle, batches: list[list[bytes]], concurrency: int) -> dict:
    """Verdicts accepted (202) per second in each timed round, the failures, the client's CPU use in cores
    while posting and the oracle's CPU per accepted verdict."""
    rates, failures = [], []
    accepted = client_cpu = oracle_cpu = spent = 0.0
    for number, bodies in enumerate(batches):
        requests = raw_requests(oracle.port, bodies)  # built before the timer starts
        seconds, statuses, lost, client_spent, oracle_spent = asyncio.run(
            _raw_post(oracle.port, requests, concurrency, oracle.cpu_seconds))
        ok = statuses.count(202)
        refused = sorted({s for s in statuses if s != 202})
        failed = len(requests) - ok
        if failed:
            print(f"  {failed} of {len(requests)} verdicts failed: {len(statuses) - ok} answered "
                  f"{refused}, {lost} unanswered", file=sys.stderr)
        if number == 0:
            print(f"  warm-up: {ok} of {len(requests)} verdicts accepted in {seconds:.2f} s", file=sys.stderr)
            continue
        rates.append(ok / seconds)
        failures.append({"round": number, "failed": failed, "statuses": refused, "unanswered": lost} if failed else None)
        accepted += ok
        spent += seconds
        client_cpu += client_spent
        oracle_cpu += oracle_spent
        print(f"  round {number}: {ok} of {len(requests)} verdicts accepted in {seconds:.2f} s = {rates[-1]:,.0f}/s; "
              f"client {client_spent / seconds:.2f} cores, oracle {oracle_spent / seconds:.2f} cores, "
              f"{1000 * oracle_spent / max(ok, 1):.3f} ms per verdict", file=sys.stderr)
    return {"rates": rates, "failures": [f for f in failures if f], "client_cpu_cores": client_cpu / spent,
            "oracle_cpu_cores": oracle_cpu / spent, "oracle_cpu_ms_per_verdict": 1000 * oracle_cpu / max(accepted, 1)}


def quorum_pairs(chain: Chain, count: int) -> list[tuple[int, list[bytes]]]:
    """`count` challenges on the 2-of-3 panel with the two agreeing verdicts that settle each."""
    return [(cid, [chain.body(cid, deliverable, key, 10_000) for key in chain.small[:SMALL_THRESHOLD]])
            for cid, deliverable in chain.challenges(count, chain.small_panel)]


def latency(chain: Chain, oracle: Oracle, pairs: list[tuple[int, list[bytes]]], poll_interval: float) -> list[float]:
    """Seconds from the quorum-completing verdict's 202 to its settlement being mined, one challenge at a time."""
    import httpx

    out = []
    json_header = {"content-type": "application/json"}
    with httpx.Client(base_url=oracle.url, timeout=30) as client:
        for cid, (first, last) in pairs:
            since = chain.w3.eth.block_number
            assert client.post("/verdicts", content=first, headers=json_header).status_code == 202
            time.sleep(random.uniform(0, 0.5))  # land anywhere in the oracle's poll cycle
            response = client.post("/verdicts", content=last, headers=json_header)
            accepted = time.perf_counter()
            if response.status_code != 202 or response.json().get("settlement") != "queued":
                raise SystemExit(f"the quorum verdict for challenge {cid} was answered {response.status_code}: {response.text}")
            deadline = accepted + 60
            while not chain.settled(since, [cid]):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"challenge {cid} was not settled within 60 s")
                time.sleep(poll_interval)
            out.append(time.perf_counter() - accepted)
    return out


def settle_many(chain: Chain, oracle: Oracle, pairs: list[tuple[int, list[bytes]]], clients: int,
                connections: int) -> tuple[float, float]:
    """(seconds to post every verdict, seconds until every challenge is settled), from the first post."""
    bodies = [body for _, both in pairs for body in both]
    random.shuffle(bodies)
    cids = {cid for cid, _ in pairs}
    since = chain.w3.eth.block_number
    posting, statuses, _ = post_all(oracle.url, bodies, clients, connections)
    if any(s != 202 for s in statuses) or len(statuses) != len(bodies):
        raise SystemExit(f"the oracle refused verdicts: statuses {sorted(set(statuses))}")
    start = time.time() - posting  # the first request (post_all times it on the wall clock)
    deadline = time.time() + 600
    while not cids <= chain.settled(since):
        if time.time() > deadline:
            raise SystemExit(f"only {len(cids & chain.settled(since))} of {len(cids)} challenges settled in 600 s")
        time.sleep(0.02)
    return posting, time.time() - start


def rpc(w3, method: str, *params):
    """One JSON-RPC call; the node's error raises."""
    answer = w3.provider.make_request(method, list(params))
    if "error" in answer:
        raise SystemExit(f"{method}: {answer['error']}")
    return answer.get("result")


class SlowChain:
    """A second anvil mining every `block_time` seconds, with its own deployment and oracle, for the
    settle and reorganisation figures. Setup mines at once; the timed parts run on the slow blocks."""

    def __init__(self, block_time: int, count: int, args):
        self.block_time = block_time
        self.workdir = Path(tempfile.mkdtemp(prefix="ante-bench-oracle-slow-"))
        port = free_port(ANVIL_PORTS)
        self.anvil = subprocess.Popen([str(ANVIL), "--port", str(port), "--silent", "--block-time", str(block_time)],
                                      stdout=subprocess.DEVNULL)
        self.oracle = None
        uri = f"http://127.0.0.1:{port}"
        wait_for_port(port)
        self.chain = Chain(uri, self.workdir)
        w3 = self.chain.w3
        rpc(w3, "evm_setIntervalMining", 0)
        rpc(w3, "evm_setAutomine", True)
        self.many = quorum_pairs(self.chain, count)
        self.reorged = quorum_pairs(self.chain, 1)
        rpc(w3, "evm_setAutomine", False)
        rpc(w3, "evm_setIntervalMining", block_time)
        env = dict(os.environ, ANTE_DATA_DIR=str(self.workdir), APE_FOUNDRY_HOST=uri, ANTE_NETWORK="ethereum:local:foundry")
        self.oracle = Oracle(env, self.workdir, args.poll, "--confirmations", str(RECOVERY_CONFIRMATIONS))

    def settle_all(self, clients: int, connections: int) -> tuple[float, int]:
        """(seconds from the first verdict posted until every challenge is settled on chain, blocks that held them)."""
        posting, total = settle_many(self.chain, self.oracle, self.many, clients, connections)
        cids = {cid for cid, _ in self.many}
        logs = self.chain.w3.eth.get_logs({"address": self.chain.address, "fromBlock": 0, "toBlock": "latest",
                                           "topics": [self.chain.settled_topic]})
        blocks = {log["blockNumber"] for log in logs if int.from_bytes(bytes(log["topics"][1]), "big") in cids}
        return total, len(blocks)

    def reorg_recovery(self) -> float:
        """Seconds from a 3-block reorganisation that drops a settlement to that settlement mined again."""
        import httpx

        w3 = self.chain.w3
        [(cid, bodies)] = self.reorged
        for body in bodies:
            response = httpx.post(self.oracle.url + "/verdicts", content=body,
                                  headers={"content-type": "application/json"}, timeout=30)
            if response.status_code != 202:
                raise SystemExit(f"the oracle refused a verdict: {response.status_code} {response.text}")

        def settled_in() -> tuple[int, bytes] | None:
            logs = w3.eth.get_logs({"address": self.chain.address, "fromBlock": 0, "toBlock": "latest",
                                    "topics": [self.chain.settled_topic, "0x" + cid.to_bytes(32, "big").hex()]})
            return (logs[0]["blockNumber"], bytes(logs[0]["blockHash"])) if logs else None

        deadline = time.monotonic() + 120
        while (found := settled_in()) is None or w3.eth.block_number < found[0] + REORG_DEPTH - 1:
            if time.monotonic() > deadline:
                raise SystemExit(f"challenge {cid}'s settlement was not {REORG_DEPTH - 1} blocks deep within 120 s")
            time.sleep(0.02)
        if w3.eth.block_number != found[0] + REORG_DEPTH - 1:
            raise SystemExit("the chain moved past the reorganisation's depth before it could be made; run again")
        rpc(w3, "anvil_reorg", REORG_DEPTH, [])
        start = time.perf_counter()
        if (after := settled_in()) is not None and after[1] == found[1]:
            raise SystemExit("the reorganisation did not drop the settlement")
        while (again := settled_in()) is None:
            if time.perf_counter() - start > 120:
                raise SystemExit(f"challenge {cid}'s settlement was not mined again within 120 s")
            time.sleep(0.01)
        return time.perf_counter() - start

    def close(self) -> None:
        if self.oracle is not None:
            self.oracle.stop()
        self.anvil.terminate()
        self.anvil.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed acceptance rounds (median reported)")
    parser.add_argument("--verdicts", type=int, default=3000, help="verdicts per acceptance round")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="keep-alive connections (requests in flight) of the acceptance client")
    parser.add_argument("--clients", type=int, default=2, help="httpx client processes of the settle round")
    parser.add_argument("--connections", type=int, default=8,
                        help="requests in flight per httpx client process of the settle round")
    parser.add_argument("--samples", type=int, default=30, help="quorums timed one at a time")
    parser.add_argument("--settle", type=int, default=200, help="challenges settled at once")
    parser.add_argument("--poll", type=float, default=2.0, help="the oracle's --poll (its default)")
    parser.add_argument("--block-time", type=int, default=2, help="seconds between blocks of the slow chain")
    parser.add_argument("--out", default=str(ROOT / "bench" / "oracle.json"))
    parser.add_argument("--note", default="", help="a remark added to the note in the JSON")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))  # clean up below when stopped
    workdir = Path(tempfile.mkdtemp(prefix="ante-bench-oracle-"))
    load = os.getloadavg()[0]
    anvil_port = free_port(ANVIL_PORTS)
    anvil = subprocess.Popen([str(ANVIL), "--port", str(anvil_port), "--silent"], stdout=subprocess.DEVNULL)
    oracle = None
    try:
        uri = f"http://127.0.0.1:{anvil_port}"
        wait_for_port(anvil_port)
        env = dict(os.environ, ANTE_DATA_DIR=str(workdir), APE_FOUNDRY_HOST=uri, ANTE_NETWORK="ethereum:local:foundry")
        chain = Chain(uri, workdir)
        print("posting, accepting and submitting the challenges and signing their verdicts…", file=sys.stderr)
        batches = acceptance_batches(chain, args.verdicts, args.rounds)
        samples = quorum_pairs(chain, args.samples)
        many = quorum_pairs(chain, args.settle)
        print(f"  {chain.posted} challenges in the Submitted state; starting the oracle…", file=sys.stderr)
        oracle = Oracle(env, workdir, args.poll)
        print("verdict acceptance…", file=sys.stderr)
        load_acceptance = os.getloadavg()[0]
        taken = acceptance(oracle, batches, args.concurrency)
        rates = taken["rates"]
        print("quorum to settlement, one at a time…", file=sys.stderr)
        delays = latency(chain, oracle, samples, poll_interval=0.005)
        print(f"{args.settle} challenges judged at once…", file=sys.stderr)
        posting, total = settle_many(chain, oracle, many, args.clients, args.connections)
        oracle.stop()
        oracle = None
        print(f"a chain with {args.block_time} s blocks: {args.settle} challenges judged at once…", file=sys.stderr)
        slow = SlowChain(args.block_time, args.settle, args)
        try:
            slow_total, slow_blocks = slow.settle_all(args.clients, args.connections)
            print(f"a {REORG_DEPTH}-block reorganisation under a settlement…", file=sys.stderr)
            recovery = slow.reorg_recovery()
        finally:
            slow.close()
        figures = {
            "verdicts_per_s": round(statistics.median(rates)),
            "quorum_to_mined_median_s": round(statistics.median(delays), 3),
            "quorum_to_mined_p95_s": round(percentile(delays, 0.95), 3),
            f"settle_{args.settle}_total_s": round(total, 2),
            f"settle_{args.settle}_block{args.block_time}s_s": round(slow_total, 2),
            "reorg_recovery_s": round(recovery, 2),
        }
        context = {
            "verdicts_per_s_rounds": [round(r) for r in rates],
            "verdicts_per_round": args.verdicts // (WIDE_PANEL - 1) * (WIDE_PANEL - 1),
            "verdicts_failed": taken["failures"],
            "client_concurrency": args.concurrency,
            "client": f"1 process, asyncio streams, {args.concurrency} keep-alive HTTP/1.1 connections with one "
                      "request in flight each, requests pre-built, only 202s counted",
            "client_cpu_cores": round(taken["client_cpu_cores"], 3),
            "oracle_cpu_ms_per_verdict": round(taken["oracle_cpu_ms_per_verdict"], 3),
            "oracle_cpu_cores": round(taken["oracle_cpu_cores"], 2),
            "oracle_cpu_measured": "utime + stime of the `ante oracle run` process (all threads) from /proc over "
                                   "the timed rounds, divided by the verdicts accepted",
            "acceptance_panel": f"{WIDE_PANEL} of {WIDE_PANEL}, {WIDE_PANEL - 1} verdicts per challenge (no quorum)",
            "quorum_samples": len(delays),
            "quorum_to_mined_measured": "client clock: the 202 of the quorum-completing verdict to the "
                                        "ChallengeSettled log appearing on the node, polled every 5 ms",
            f"settle_{args.settle}_posting_s": round(posting, 2),
            "settle_client": f"{args.clients} processes x {args.connections} keep-alive connections, httpx",
            "settle_panel": f"{SMALL_THRESHOLD} of {SMALL_PANEL}, {SMALL_THRESHOLD} verdicts per challenge",
            "challenges_on_chain": chain.posted,
            f"settle_{args.settle}_block{args.block_time}s_blocks": slow_blocks,
            "slow_chain": f"anvil --block-time {args.block_time}; the oracle with --confirmations "
                          f"{RECOVERY_CONFIRMATIONS}; verdicts posted as for settle_{args.settle}_total_s",
            "reorg_recovery_measured": f"anvil_reorg [{REORG_DEPTH}, []] once the settlement is {REORG_DEPTH - 1} "
                                       "blocks deep, to its ChallengeSettled log on the canonical chain again, "
                                       "polled every 10 ms",
            "oracle_poll_s": args.poll,
            "cpus": os.cpu_count(),
            "load_average_at_start": round(load, 2),
            "load_average_at_acceptance": round(load_acceptance, 2),
            "note": ("one machine runs anvil, the oracle and the client; measured while other work ran"
                     if load > 0.5 else "one machine runs anvil, the oracle and the client")
                    + (f"; {args.note}" if args.note else ""),
        }
    finally:
        if oracle is not None:
            oracle.stop()
        anvil.terminate()
        anvil.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    targets = {"verdicts_per_s": (">=", 1_000), "quorum_to_mined_median_s": ("<", 0.5),
               f"settle_{args.settle}_block{args.block_time}s_s": ("<=", 30)}
    for name, value in figures.items():
        note = ""
        if name in targets:
            op, target = targets[name]
            met = {">=": value >= target, "<": value < target, "<=": value <= target}[op]
            note = f" (target {op} {target}: {'met' if met else 'MISSED'})"
        print(f"{name:<28}{value:>10}{note}")
    print(f"acceptance client: {context['client']}; it used {context['client_cpu_cores']:.2f} cores, the oracle "
          f"{context['oracle_cpu_cores']:.2f} cores = {context['oracle_cpu_ms_per_verdict']:.3f} ms of CPU per "
          f"verdict; failed verdicts {context['verdicts_failed'] or 'none'}; "
          f"load average at start {context['load_average_at_start']}")
    Path(args.out).write_text(json.dumps({**figures, **context}, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
