"""How fast the `ante` command feels, side by side in one run against one node.

Starts its own anvil on a free port, deploys Ante from the packaged artifact and posts 1,000 challenges
straight through web3 (fast), then times the real `ante` executable as a subprocess: `--help`, `show ID
--json`, `list --json` over the 1,000 challenges with an empty index (cold) and a filled one (warm),
`audit` over them, and one `post` (a write through Ape's accounts, on a node that mines at once). The
floor beside them: one bare JSON-RPC `eth_call` to the same node, in-process, and a fresh Python process
that makes that one call. Before the timed runs, one read resolves the network through Ape (as the first
command on a machine would) so that the reads measured are those a person meets from then on. Each
figure is the median of several runs, in seconds of wall time (min and max beside it). Writes bench/cli.json.

Usage: python bench/cli.py [--challenges 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
DAY = 86_400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wall(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def populate(uri: str, count: int, data_dir: Path) -> str:
    """Deploys Ante, records it for the CLI and posts `count` ether challenges; returns its address."""
    from web3 import Web3

    from ante.deployment import Deployment, Registry
    from ante.terms import Terms

    w3 = Web3(Web3.HTTPProvider(uri))
    artifact = json.loads((ROOT / "ante" / "artifacts" / "Ante.json").read_text())
    deployer, funder = w3.eth.accounts[0], w3.eth.accounts[1]
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": deployer}))
    ante = w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])
    Registry(data_dir / "deployments.json").record(
        Deployment(w3.eth.chain_id, receipt.contractAddress, receipt.blockNumber, "bench")
    )
    evaluators = [w3.eth.accounts[i] for i in (5, 6, 7)]
    w3.eth.wait_for_transaction_receipt(ante.functions.createPanel(evaluators, 2).transact({"from": deployer}))
    now = w3.eth.get_block("latest").timestamp
    last = None
    for i in range(count):
        terms = Terms(funder, "0x" + "00" * 20, 10**15 + i, 1_000, 1, now + 30 * DAY, 7 * DAY, 3 * DAY,
                      spec_hash=bytes(32))
        last = ante.functions.create(terms.as_tuple(), f"ipfs://spec-{i}").transact(
            {"from": funder, "value": terms.reward, "gas": 300_000}
        )
        if (i + 1) % 250 == 0:
            print(f"  posted {i + 1} of {count} challenges", file=sys.stderr)
    w3.eth.wait_for_transaction_receipt(last)
    return receipt.contractAddress


def bare_eth_call(uri: str, to: str) -> float:
    """One JSON-RPC eth_call (challengeCount()) over a fresh HTTP connection, in seconds."""
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_call",
                       "params": [{"to": to, "data": "0x" + CHALLENGE_COUNT}, "latest"]}).encode()
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(uri, body, {"Content-Type": "application/json"})) as answer:
        json.loads(answer.read())
    return time.perf_counter() - start


#: The selector of challengeCount().
CHALLENGE_COUNT = "a2f05725"


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "cli.json"))
    args = parser.parse_args()

    from eth_utils import keccak

    assert keccak(text="challengeCount()")[:4].hex() == CHALLENGE_COUNT
    workdir = Path(tempfile.mkdtemp(prefix="ante-bench-"))
    port = free_port()
    anvil = subprocess.Popen([str(ANVIL), "--port", str(port), "--silent"], stdout=subprocess.DEVNULL)
    try:
        uri = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        env = dict(os.environ, ANTE_DATA_DIR=str(workdir), APE_FOUNDRY_HOST=uri, ANTE_NETWORK="ethereum:local:foundry")
        runs = range(args.runs)
        times: dict[str, list[float]] = {"help": [wall([str(ANTE), "--help"], env) for _ in runs]}
        print(f"posting {args.challenges} challenges…", file=sys.stderr)
        address = populate(uri, args.challenges, workdir)
        listing = [str(ANTE), "list", "--json"]
        subprocess.run([str(ANTE), "panel", "show", "1"], env=env, check=True, capture_output=True)  # resolves once
        cold = []
        for _ in runs:
            (workdir / "index.sqlite").unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                (workdir / f"index.sqlite{suffix}").unlink(missing_ok=True)
            cold.append(wall(listing, env))
        times["list_1000_cold"] = cold
        times["list_1000_warm"] = [wall(listing, env) for _ in runs]
        out = subprocess.run(listing, env=env, check=True, capture_output=True, text=True).stdout
        listed = len(json.loads(out))
        if listed != args.challenges:
            raise SystemExit(f"ante list showed {listed} challenges, expected {args.challenges}")
        times["show"] = [wall([str(ANTE), "show", str(args.challenges // 2), "--json"], env) for _ in runs]
        times["audit_1000"] = [wall([str(ANTE), "audit", "--json"], env) for _ in runs]
        post = [str(ANTE), "post", "--reward", "0.01 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
                "--deliver-within", "7d", "--review-within", "3d", "--spec", "https://example.org/spec",
                "--account", "TEST::1", "--yes", "--json"]
        times["post"] = [wall(post, env) for _ in runs]
        times["eth_call_floor"] = [bare_eth_call(uri, address) for _ in range(max(args.runs, 20))]
        floor = [sys.executable, str(ROOT / "bench" / "cli_floor.py"), uri, address]
        times["python_process_eth_call_floor"] = [wall(floor, env) for _ in runs]
    finally:
        anvil.terminate()
        anvil.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    targets = {"help": 0.3, "show": 0.5, "list_1000_warm": 0.5, "audit_1000": 1.0, "post": 1.0}
    figures = {f"{name}_s": spread(values) for name, values in times.items()}
    for name, values in times.items():
        target = targets.get(name)
        verdict = f" (goal at most {target} s: {'met' if statistics.median(values) <= target else 'MISSED'})" if target else ""
        f = figures[f"{name}_s"]
        print(f"{name:<30}{f['median']:>8.3f} s  (min {f['min']:.3f}, max {f['max']:.3f}){verdict}")
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
