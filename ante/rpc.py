"""The node, as the core reads it: raw Ethereum JSON-RPC, one request or a batch.

Every read of the core (events, blocks, contract views) goes through a :class:`Node`, so that the same
code reads either through Ape's connected provider (:class:`ApeNode`, for a front end that sends
transactions through Ape anyway, such as the oracle) or straight over HTTP (:class:`HttpNode`, for the
command line's reads, which then need not load Ape at all).

Answers are JSON-RPC's raw results: quantities as ``0x`` hex strings, blocks as plain dicts. A node that
answers with an error raises :class:`NodeRefused` (with the node's code, message and data); one that
cannot be reached raises :class:`NodeUnreachable`. Both are :class:`ante.errors.AnteError`, in one
sentence that never names more of the node than its scheme, host and port.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from ante.errors import AnteError

#: Calls per JSON-RPC batch: big enough to read a thousand challenges in a few requests, small enough for
#: nodes that cap batches (many public endpoints allow 100 to 1,000).
BATCH = 500


class NodeRefused(AnteError):
    """The node answered a request with a JSON-RPC error."""

    def __init__(self, method: str, error: dict):
        self.method = method
        self.code = error.get("code")
        self.data = error.get("data")
        self.node_message = str(error.get("message", "")).strip()
        super().__init__(f"the node refused {method}: {self.node_message or 'no reason given'}.")


class NodeUnreachable(AnteError):
    """The node did not answer (connection refused, timeout, not JSON)."""


class Node(Protocol):
    """What the core needs of a node."""

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One call's result."""

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """The results of several calls, in order (a refusal of any raises :class:`NodeRefused`)."""


def quantity(value) -> int:
    """A JSON-RPC quantity ("0x1a", or an int from a provider that already converted it) as an int."""
    if isinstance(value, str):
        return int(value, 16)
    return int(value)


def block_tag(block: int | str) -> str:
    """A block number or tag as JSON-RPC writes it."""
    return hex(block) if isinstance(block, int) else block


class HttpNode:
    """A node reached over HTTP(S) at `uri`, on one kept-alive connection.

    `timeout` bounds each request (connect and every read); the first failure to connect is reported as
    :class:`NodeUnreachable` naming only where the node is (scheme://host:port)."""

    def __init__(self, uri: str, timeout: float = 30.0):
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AnteError(f"a node's address must be an http:// or https:// URL, not {parts.scheme or 'this'}.")
        self.uri = uri
        self.where = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username or parts.password:  # basic auth in the URL, as some providers give it
            import base64

            token = base64.b64encode(f"{parts.username or ''}:{parts.password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self._id = 0

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = kind(self._host, self._port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post(self, payload) -> Any:
        body = json.dumps(payload).encode()
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile is reopened once
            connection = self._connect()
            try:
                connection.request("POST", self._path, body, self._headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                self.close()
                if attempt == 2:
                    raise NodeUnreachable(f"the node at {self.where} closed the connection ({type(error).__name__}).")
                continue
            except (OSError, http.client.HTTPException) as error:
                self.close()
                reason = "did not answer in time" if isinstance(error, socket.timeout | TimeoutError) else (
                    f"cannot be reached ({type(error).__name__})")
                raise NodeUnreachable(f"the node at {self.where} {reason}.") from None
            if response.status >= 400 and not data.startswith((b"{", b"[")):
                raise NodeUnreachable(f"the node at {self.where} answered HTTP {response.status}.")
            try:
                return json.loads(data)
            except ValueError:
                raise NodeUnreachable(f"the node at {self.where} did not answer JSON-RPC.") from None
        raise AssertionError("unreachable")

    def _next_id(self) -> int:
        self._id += 1
        return self._id

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        answer = self._post({"jsonrpc": "2.0", "id": self._next_id(), "method": method, "params": list(params)})
        if not isinstance(answer, dict):
            raise NodeUnreachable(f"the node at {self.where} did not answer JSON-RPC.")
        if "error" in answer:
            raise NodeRefused(method, answer["error"] or {})
        return answer.get("result")

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        results: list[Any] = []
        for start in range(0, len(calls), BATCH):
            chunk = calls[start:start + BATCH]
            first = self._id + 1
            payload = [{"jsonrpc": "2.0", "id": self._next_id(), "method": m, "params": list(p)} for m, p in chunk]
            answers = self._post(payload)
            if isinstance(answers, dict) and "error" in answers:  # a node that takes no batches
                if start == 0 and len(chunk) > 0:
                    return [self.request(m, p) for m, p in calls]
                raise NodeRefused(chunk[0][0], answers["error"] or {})
            if not isinstance(answers, list):
                raise NodeUnreachable(f"the node at {self.where} did not answer JSON-RPC.")
            by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
            for offset, (method, _) in enumerate(chunk):
                answer = by_id.get(first + offset)
                if answer is None:
                    raise NodeUnreachable(f"the node at {self.where} left a request of a batch unanswered.")
                if "error" in answer:
                    raise NodeRefused(method, answer["error"] or {})
                results.append(answer.get("result"))
        return results


class ApeNode:
    """The node behind Ape's connected provider, through its web3 provider (same connection, timeouts and
    retries as Ape's own requests)."""

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        from ape import chain

        answer = chain.provider.web3.provider.make_request(method, list(params))
        if "error" in answer:
            raise NodeRefused(method, answer["error"] if isinstance(answer["error"], dict) else
                              {"message": str(answer["error"])})
        return _plain(answer.get("result"))

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        return [self.request(method, params) for method, params in calls]


def _plain(value):
    """Web3's attribute dicts and hex bytes as JSON-RPC's plain dicts and hex strings."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return value
