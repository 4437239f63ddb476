"""Real nodes and the real `ante` command as processes, for tests that need a chain of their own.

`Anvil` starts the npm anvil (in its own process group, killed at the end) with whatever flags make it
behave like the network a test wants (another chain id, blocks every N seconds), and waits until it
answers. `ante()` runs the installed command with a data folder and working directory of the test's
own, so that a test can give Ape a user's `ape-config.yaml` exactly as a user would. Every wait polls
a condition with a deadline; nothing assumes how long the machine takes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "toolchain" / "bin" / "anvil"  # the npm anvil, keeping no history on disk
ANTE = Path(sys.executable).parent / "ante"


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    """Polls `predicate` until it returns something truthy (returned); fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def rpc(uri: str, method: str, params: list | None = None, timeout: float = 10):
    """One JSON-RPC call; the node's error raises RuntimeError."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(uri, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


class Anvil:
    """An anvil node on `port` with extra `flags`, as a context manager; `uri` reaches it."""

    def __init__(self, port: int, workdir: Path, *flags: str):
        self.port = port
        self.uri = f"http://127.0.0.1:{port}"
        self.workdir = Path(workdir)
        self.flags = flags
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Anvil:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"anvil-{self.port}.log", "w")
        self.process = subprocess.Popen([str(ANVIL), "--port", str(self.port), *self.flags], stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

        def up():
            assert self.process.poll() is None, (self.workdir / f"anvil-{self.port}.log").read_text()
            try:
                return rpc(self.uri, "eth_chainId", timeout=1)
            except OSError:
                return None

        wait_for(up, 30, f"anvil answering on port {self.port}", interval=0.1)
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=15)

    def call(self, method: str, *params):
        return rpc(self.uri, method, list(params))

    @property
    def head(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def nonce(self, address: str) -> int:
        return int(self.call("eth_getTransactionCount", address, "pending"), 16)

    def transaction(self, tx_hash: str) -> dict:
        return self.call("eth_getTransactionByHash", tx_hash)


class Run:
    """One finished run of `ante`: exit code, stdout, stderr."""

    def __init__(self, args: list[str], done: subprocess.CompletedProcess):
        self.args = args
        self.code = done.returncode
        self.out = done.stdout
        self.err = done.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"`ante {' '.join(self.args)}` exited {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def ante(*args: str, cwd: Path, data: Path, env: dict | None = None, timeout: float = 180) -> Run:
    """Runs the installed `ante` command in `cwd` (where Ape reads a user's ape-config.yaml) with `data`
    as its data folder; never a terminal, never input."""
    environment = {**os.environ, "ANTE_DATA_DIR": str(data), **(env or {})}
    environment.pop("ANTE_NETWORK", None)
    done = subprocess.run([str(ANTE), *args], cwd=cwd, env=environment, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)
    return Run(list(args), done)
