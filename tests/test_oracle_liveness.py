"""The oracle's liveness against a node that stops answering: the real service (`ante oracle run`, a
process of its own) on its own anvil, behind a TCP proxy.

- /health reports the node missing within two poll intervals (plus the time a request takes), whether
  the proxy is cut (connections refused) or the node hangs (connections accepted, never answered);
- while the node hangs, the audit answers 503 "not available right now" after its short time limit,
  and fifty audit requests at once hold up neither /health nor /challenges.

Ports 18900-18999; every process is killed at the end; every wait has a deadline.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tcp_proxy import TcpProxy
from test_oracle_faults import POLL, Oracle, deployed_node, http, wait_for

NODE_PORT = 18901
PROXY_PORT = 18902
ORACLE_PORT = 18911


class Unanswering:
    """A node that hangs: listens on `port`, accepts every connection, reads nothing and never answers."""

    def __init__(self, port: int):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(128)
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.held.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()
        self._thread.join(5)


@pytest.fixture(scope="module")
def node(tmp_path_factory, evaluators):
    """A fresh anvil with Ante deployed by `ante deploy` and a 2-of-3 panel of `evaluators[:3]`."""
    with deployed_node(tmp_path_factory.mktemp("liveness"), NODE_PORT, evaluators) as deployed:
        yield deployed


@pytest.fixture
def behind_proxy(node, tmp_path):
    """(the oracle, started behind a proxy to the node and healthy, the proxy); both ended afterwards."""
    proxy = TcpProxy(PROXY_PORT, NODE_PORT).start()
    oracle = None
    try:
        oracle = Oracle(node, tmp_path, chain_uri=proxy.uri, account="TEST::4", name="oracle", port=ORACLE_PORT)
        oracle.start()
        oracle.wait_healthy()
        yield oracle, proxy
    finally:
        if oracle is not None:
            oracle.close()
        proxy.close()


@pytest.fixture
def hang(behind_proxy):
    """Makes the node hang for the oracle: the proxy is cut and a listener that never answers takes its port."""
    made = []

    def make():
        behind_proxy[1].cut()
        made.append(Unanswering(PROXY_PORT))

    yield make
    for unanswering in made:
        unanswering.close()


#: How soon /health must say the node is missing: two polls (at least the oracle's one-second floor,
#: so that a loaded machine does not flap), plus a generous allowance for the request and the machine.
REPORTED_WITHIN = max(1.0, 2 * POLL) + 3.0


def reported_missing(oracle, saying: str = ""):
    """The oracle's /health once it is 503 with a last error (containing `saying`), else None."""
    status, health = oracle.get("/health")
    error = health["last_error"]
    return health if status == 503 and not health["ok"] and error and saying in error["message"] else None


def test_health_reports_a_cut_node_within_two_polls(behind_proxy):
    oracle, proxy = behind_proxy
    proxy.cut()
    cut_at = time.monotonic()
    health = wait_for(lambda: reported_missing(oracle), REPORTED_WITHIN, "/health reporting the cut node")
    assert time.monotonic() - cut_at <= REPORTED_WITHIN
    assert health["last_error"]["message"]


def test_health_reports_a_hanging_node_within_two_polls(behind_proxy, hang):
    oracle, _ = behind_proxy
    hang()
    hung_at = time.monotonic()
    # The cut resets the connections open then (an error at once); what matters is the wait that follows.
    wait_for(lambda: reported_missing(oracle, "no answer from the chain"), REPORTED_WITHIN,
             "/health reporting the hanging node")
    assert time.monotonic() - hung_at <= REPORTED_WITHIN


def html_status(port: int, path: str, timeout: float = 20) -> tuple[int, str]:
    """(status, body) of a page of the dashboard."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_audits_of_a_hanging_node_are_503_and_hold_up_no_other_request(behind_proxy, hang):
    from ante.oracle.readmodel import AUDIT_WAIT

    oracle, _ = behind_proxy
    hang()
    # The worker is stuck on the node (holding the chain lock): the audit cannot read the contract.
    wait_for(lambda: reported_missing(oracle, "no answer from the chain"), REPORTED_WITHIN, "the node hanging")

    finished: list[tuple[float, int, str]] = []

    def audit(path):
        status, body = html_status(oracle.port, path)
        finished.append((time.monotonic(), status, body))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(audit, "/ui/audit" if i % 2 else "/audit") for i in range(50)]
        reads = []
        for _ in range(5):  # while the fifty audits wait, the snapshot's readers answer at once
            for path in ("/health", "/challenges"):
                asked = time.monotonic()
                status, _ = http(oracle.port, "GET", path, timeout=10)
                reads.append((path, status, time.monotonic() - asked))
        read_done = time.monotonic()
        for future in futures:
            future.result(timeout=60)
    assert [status for path, status, _ in reads if path == "/challenges"] == [200] * 5
    assert [status for path, status, _ in reads if path == "/health"] == [503] * 5
    slowest = max(took for _, _, took in reads)
    assert slowest < AUDIT_WAIT / 2, reads
    assert len(finished) == 50 and {status for _, status, _ in finished} == {503}
    assert all("not available right now" in body for _, _, body in finished)
    # The audits did wait their time limit, and no longer than it (plus the machine's slack), and the
    # reads were all done before the first of them gave up.
    first = min(at for at, _, _ in finished)
    assert read_done < first and first - started >= AUDIT_WAIT * 0.9
    assert max(at for at, _, _ in finished) - started < AUDIT_WAIT + 10
