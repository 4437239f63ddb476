"""ante.rpc: raw JSON-RPC to the node, one call or a batch, over HTTP or through Ape's provider."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ante.abi import ante_views
from ante.rpc import ApeNode, HttpNode, NodeRefused, NodeUnreachable, quantity


@pytest.fixture
def http_node(chain):
    node = HttpNode(chain.provider.uri)
    yield node
    node.close()


def test_one_call_and_a_batch_give_what_apes_provider_gives(http_node, chain, ante):
    assert quantity(http_node.request("eth_chainId")) == chain.chain_id
    views = ante_views()
    calls = [("eth_blockNumber", []), ("eth_call", [{"to": ante.address, "data": views.encode("challengeCount")}, "latest"])]
    head, count = http_node.batch(calls)
    assert quantity(head) == chain.blocks.head.number
    assert views.decode("challengeCount", count)[0] == ante.challengeCount()
    assert http_node.batch(calls) == ApeNode().batch(calls)


def test_a_thousand_calls_in_one_batch_come_back_in_order(http_node, chain):
    answers = http_node.batch([("eth_getBlockByNumber", [hex(n % (chain.blocks.head.number + 1)), False])
                               for n in range(1_000)])
    assert [quantity(b["number"]) for b in answers] == [n % (chain.blocks.head.number + 1) for n in range(1_000)]


def test_a_refusal_carries_the_nodes_reason(http_node, ante):
    with pytest.raises(NodeRefused) as refused:
        http_node.request("eth_call", [{"to": ante.address, "data": ante_views().encode("challengeStatus", 0)[:10]},
                                       "latest"])
    assert refused.value.method == "eth_call"
    with pytest.raises(NodeRefused) as unknown:
        http_node.batch([("eth_chainId", []), ("no_such_method", [])])
    assert unknown.value.method == "no_such_method" and str(unknown.value).startswith("the node refused no_such_method")


def test_an_unreachable_node_is_one_sentence_naming_only_where_it_is():
    node = HttpNode("http://user:secret@127.0.0.1:9/some/path?key=abc", timeout=2)
    with pytest.raises(NodeUnreachable) as error:
        node.request("eth_chainId")
    message = str(error.value)
    assert message.startswith("the node at http://127.0.0.1:9 cannot be reached"), message
    assert "secret" not in message and "key=abc" not in message and "/some/path" not in message


class _Double(BaseHTTPRequestHandler):
    """A node that refuses batches (as some public endpoints do), or answers garbage."""

    mode = "no-batches"

    def do_POST(self):  # noqa: N802 (http.server's name)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.mode == "garbage":
            body = b"<html>502 Bad Gateway</html>"
            self.send_response(502)
        elif isinstance(request, list):
            body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch disabled"}}).encode()
            self.send_response(200)
        else:
            body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": hex(request["id"])}).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def double():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Double)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    _Double.mode = "no-batches"


def test_a_node_that_refuses_batches_is_asked_one_call_at_a_time(double):
    node = HttpNode(f"http://127.0.0.1:{double.server_address[1]}")
    answers = node.batch([("eth_blockNumber", []), ("eth_chainId", []), ("eth_gasPrice", [])])
    assert len(answers) == 3 and all(isinstance(a, str) and a.startswith("0x") for a in answers)


def test_a_node_that_answers_no_json_rpc_is_one_sentence(double):
    _Double.mode = "garbage"
    node = HttpNode(f"http://127.0.0.1:{double.server_address[1]}")
    with pytest.raises(NodeUnreachable, match=r"^the node at http://127\.0\.0\.1:\d+ answered HTTP 502\.$"):
        node.request("eth_chainId")


def test_only_http_urls_are_nodes():
    with pytest.raises(Exception, match="must be an http:// or https:// URL"):
        HttpNode("ws://127.0.0.1:8546")
