"""A real document store over HTTP for tests: the oracle's ``/documents`` routes served by uvicorn in a
thread, on a free port in 19000-19099."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

from node_support import wait_for

PORTS = range(19000, 19100)


def _bound_socket() -> socket.socket:
    """A listening socket on the first free port of PORTS (bound here, so no other process can take it)."""
    for port in PORTS:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1} for a document store")


class Served:
    """A running store: its base URL and its DocumentStore."""

    def __init__(self, url: str, store):
        self.url = url
        self.store = store


@contextlib.contextmanager
def serve(app):
    """Serves the ASGI `app` with uvicorn in a thread until the block ends; yields its base URL."""
    import uvicorn

    sock = _bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), 30, "the server to start")
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@contextlib.contextmanager
def serve_documents(folder: Path, max_size: int | None = None):
    """Serves a DocumentStore in `folder` until the block ends; yields a Served."""
    from fastapi import FastAPI

    from ante.oracle.documents import MAX_DOCUMENT, DocumentStore, mount

    store = DocumentStore(folder, MAX_DOCUMENT if max_size is None else max_size)
    app = FastAPI()
    mount(app, store=store)
    with serve(app) as url:
        yield Served(url, store)


@contextlib.contextmanager
def refusing_url():
    """The URL of a port that refuses connections: bound here, so nobody else takes it, but not listening."""
    sock = _bound_socket()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()
