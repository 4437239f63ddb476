"""How fast the `ante` command feels: help, and listing 1,000 challenges with an empty and a filled index.

Starts its own anvil on a free port, deploys Ante from the packaged artifact and posts 1,000 challenges
straight through web3 (fast), then times the real `ante` executable as a subprocess. Each figure is
the median of several runs, in seconds of wall time. Writes bench/cli.json.

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


def populate(uri: str, count: int, data_dir: Path) -> None:
    """Deploys Ante, records it for the CLI and posts `count` ether challenges."""
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "cli.json"))
    args = parser.parse_args()

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
        figures = {"help_s": statistics.median(wall([str(ANTE), "--help"], env) for _ in range(args.runs))}
        print(f"posting {args.challenges} challenges…", file=sys.stderr)
        populate(uri, args.challenges, workdir)
        listing = [str(ANTE), "list", "--json"]
        cold = []
        for _ in range(args.runs):
            (workdir / "index.sqlite").unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                (workdir / f"index.sqlite{suffix}").unlink(missing_ok=True)
            cold.append(wall(listing, env))
        warm = [wall(listing, env) for _ in range(args.runs)]
        out = subprocess.run(listing, env=env, check=True, capture_output=True, text=True).stdout
        listed = len(json.loads(out))
        if listed != args.challenges:
            raise SystemExit(f"ante list showed {listed} challenges, expected {args.challenges}")
        figures["list_1000_cold_s"] = statistics.median(cold)
        figures["list_1000_warm_s"] = statistics.median(warm)
        figures = {k: round(v, 3) for k, v in figures.items()}
    finally:
        anvil.terminate()
        anvil.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    targets = {"help_s": 0.3, "list_1000_warm_s": 2.0}
    for name, value in figures.items():
        target = f" (target under {targets[name]} s: {'met' if value < targets[name] else 'MISSED'})" if name in targets else ""
        print(f"{name:<18}{value:>8.3f} s{target}")
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
