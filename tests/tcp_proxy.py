"""A TCP proxy test double: forwards a local port to a target, and can be cut and restored.

Put it between a client and a server (the oracle and its node) to make the server "go away" and come
back without touching the server itself:

- ``cut()`` closes every forwarded connection (with a reset, as a dropped link looks to the client)
  and stops listening, so new connections are refused;
- ``restore()`` listens again on the same port.

Both sides of every forwarded connection have TCP_NODELAY set, so the proxy adds no Nagle delay to
the small request/response exchanges of JSON-RPC. Every thread is a daemon and ``close()`` ends them.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` until cut or closed."""

    def __init__(self, port: int, target_port: int, target_host: str = "127.0.0.1"):
        self.port = port
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._closed = False
        self.connections = 0  # how many client connections were accepted in all

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def up(self) -> bool:
        return self._listener is not None

    # ------------------------------------------------------------------ control

    def start(self) -> TcpProxy:
        """Listens and forwards (again, after a cut)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the proxy is closed")
            if self._listener is not None:
                return self
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            listener.settimeout(0.05)  # the accept loop notices a cut within this
            self._listener = listener
            self._acceptor = threading.Thread(target=self._accept, args=(listener,), name=f"proxy-{self.port}",
                                              daemon=True)
            self._acceptor.start()
        return self

    restore = start

    def cut(self) -> None:
        """Drops every connection (reset) and refuses new ones until `restore()`."""
        with self._lock:
            listener, self._listener = self._listener, None
            acceptor, self._acceptor = self._acceptor, None
            links, self._links = self._links, set()
        if listener is not None:
            listener.close()
        if acceptor is not None:
            acceptor.join(timeout=5)
        for link in links:
            link.reset()

    def close(self) -> None:
        """Cuts for good."""
        self.cut()
        with self._lock:
            self._closed = True

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ forwarding

    def _accept(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            for sock in (client, upstream):
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, upstream)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    link.reset()
                    return
                self._links.add(link)
                self.connections += 1
            threading.Thread(target=self._pump, args=(link, client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(link, upstream, client), daemon=True).start()

    def _pump(self, link: _Link, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with self._lock:
            link.open_directions -= 1
            finished = link.open_directions == 0 and link in self._links
            if finished:
                self._links.discard(link)
        if finished:
            link.close()


class _Link:
    """One forwarded connection: the client's socket and the upstream one."""

    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.sockets = (client, upstream)
        self.open_directions = 2

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def reset(self) -> None:
        for sock in self.sockets:
            _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Closes with a TCP reset (SO_LINGER 0), as a link that died looks to the other end."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
