"""`ante oracle run` serves the document store: the --max-document limit, the folder beside its SQLite store,
and documents that outlive the process (a real process, stopped and started again)."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from document_support import PORTS
from eth_utils import keccak
from node_support import wait_for

ANTE = Path(sys.executable).parent / "ante"


def _port() -> int:
    for port in PORTS[::-1]:  # from the top, away from the stores the other tests bind from the bottom
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the oracle")


class Oracle:
    """`ante oracle run` as a process, its logs in files, healthy before it is used."""

    def __init__(self, tmp_path: Path, chain, ante, *extra: str):
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, APE_FOUNDRY_HOST=chain.provider.uri, ANTE_DATA_DIR=str(tmp_path / "proc-data"))
        for name in ("ANTE_NETWORK", "ANTE_ACCOUNT", "ANTE_CONTRACT", "ANTE_PUBLISH"):
            env.pop(name, None)
        self.err = tmp_path / f"oracle-{self.port}.err"
        with self.err.open("w") as err:
            self.process = subprocess.Popen(
                [str(ANTE), "oracle", "run", "--port", str(self.port), "--contract", ante.address, "--poll", "0.2",
                 "--account", "TEST::4", "--no-keeper", *extra],
                env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)

        def healthy():
            assert self.process.poll() is None, f"the oracle exited: {self.err.read_text()}"
            try:
                return httpx.get(self.url + "/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_for(healthy, 90, "the oracle to answer /health")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


def test_oracle_run_limits_documents_with_max_document_and_keeps_them_across_a_restart(tmp_path, chain, ante):
    fits, too_big = b"0123456789", b"0123456789!"
    name = "0x" + keccak(fits).hex()
    first = Oracle(tmp_path, chain, ante, "--max-document", "10")
    try:
        refused = httpx.put(f"{first.url}/documents/0x{keccak(too_big).hex()}", content=too_big, timeout=30)
        assert refused.status_code == 413
        assert refused.json() == {"detail": "The document is larger than the store's limit of 10 bytes."}
        assert httpx.put(f"{first.url}/documents/{name}", content=fits, timeout=30).status_code == 201
    finally:
        assert first.stop() == 0, first.err.read_text()
    # The store is the documents/ folder beside the oracle's SQLite store.
    folder = tmp_path / "proc-data" / "documents"
    assert (tmp_path / "proc-data" / "oracle.sqlite").exists()
    assert sorted(os.listdir(folder)) == [name[2:]]

    second = Oracle(tmp_path, chain, ante)  # the default limit, 1 MiB
    try:
        got = httpx.get(f"{second.url}/documents/{name}", timeout=30)
        assert got.status_code == 200 and got.content == fits
        assert httpx.put(f"{second.url}/documents/{name}", content=fits, timeout=30).status_code == 200
        big = b"x" * 1024 * 1024
        assert httpx.put(f"{second.url}/documents/0x{keccak(big).hex()}", content=big, timeout=30).status_code == 201
    finally:
        assert second.stop() == 0, second.err.read_text()
