"""The oracle's document store over real HTTP: a document is stored under its keccak-256 and served back."""

from __future__ import annotations

import http.client
import os
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from document_support import serve_documents
from node_support import wait_for
from eth_utils import keccak

from ante.oracle.documents import CACHE_CONTROL, TEMPORARY_SUFFIX

SPEC = b"# Build the thing\nWith tests.\n"
SPEC_HASH = "0x" + keccak(SPEC).hex()


@pytest.fixture
def served(tmp_path):
    with serve_documents(tmp_path / "documents", max_size=4096) as served:
        yield served


def put(served, name, body, **kwargs):
    return httpx.put(f"{served.url}/documents/{name}", content=body, timeout=30, **kwargs)


def test_put_stores_a_document_under_its_hash_and_get_returns_its_bytes(served):
    answer = put(served, SPEC_HASH, SPEC)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"hash": SPEC_HASH, "size": len(SPEC), "url": f"/documents/{SPEC_HASH}"}
    got = httpx.get(f"{served.url}/documents/{SPEC_HASH}", timeout=30)
    assert got.status_code == 200
    assert got.content == SPEC
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["etag"] == f'"{SPEC_HASH}"'
    assert got.headers["cache-control"] == CACHE_CONTROL


def test_put_again_is_idempotent_and_answers_200(served):
    assert put(served, SPEC_HASH, SPEC).status_code == 201
    again = put(served, SPEC_HASH, SPEC)
    assert again.status_code == 200, again.text
    assert again.json()["hash"] == SPEC_HASH
    assert httpx.get(f"{served.url}/documents/{SPEC_HASH}", timeout=30).content == SPEC
    assert sorted(os.listdir(served.store.folder)) == [SPEC_HASH[2:]]


def test_a_hash_in_upper_case_names_the_same_document(served):
    assert put(served, "0x" + SPEC_HASH[2:].upper(), SPEC).status_code == 201
    assert httpx.get(f"{served.url}/documents/{SPEC_HASH}", timeout=30).content == SPEC


def test_put_refuses_a_body_whose_hash_is_not_the_path_and_stores_nothing(served):
    answer = put(served, SPEC_HASH, SPEC + b"tampered")
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith("The body's keccak-256 is 0x") and SPEC_HASH in detail and detail.endswith(".")
    assert os.listdir(served.store.folder) == []
    assert httpx.get(f"{served.url}/documents/{SPEC_HASH}", timeout=30).status_code == 404


def test_put_refuses_a_declared_size_over_the_limit_with_413(served):
    big = b"x" * 4097
    answer = put(served, "0x" + keccak(big).hex(), big)
    assert answer.status_code == 413
    assert answer.json() == {"detail": "The document is larger than the store's limit of 4,096 bytes."}
    assert os.listdir(served.store.folder) == []


def test_put_answers_413_once_a_streamed_body_passes_the_limit_without_waiting_for_the_rest(served):
    """No Content-Length (chunked): the client sends just past the limit and then waits; the server must
    answer 413 from what it has, not wait for (or read into memory) a body that could be endless."""
    where = urlsplit(served.url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall(f"PUT /documents/0x{'ab' * 32} HTTP/1.1\r\nHost: x\r\n"
                     f"Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"y" * 5000
        sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))  # more than 4096, and the body is not finished
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            assert data, f"the server closed the connection without an answer: {answer!r}"
            answer += data
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert os.listdir(served.store.folder) == []


def test_a_document_of_exactly_the_limit_is_stored(served):
    body = b"z" * 4096
    assert put(served, "0x" + keccak(body).hex(), body).status_code == 201


@pytest.mark.parametrize("name", ["abc", SPEC_HASH[2:], SPEC_HASH[:-1], SPEC_HASH + "00", "0x" + "g" * 64])
def test_a_malformed_hash_is_refused_with_one_sentence(served, name):
    for answer in (put(served, name, SPEC), httpx.get(f"{served.url}/documents/{name}", timeout=30)):
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert detail.startswith("A document is named by 0x and the 64 hex digits of the keccak-256 of its bytes")
        assert detail[0].isupper() and detail.endswith(".")


def test_an_unknown_document_is_404(served):
    answer = httpx.get(f"{served.url}/documents/0x{'00' * 32}", timeout=30)
    assert answer.status_code == 404
    assert answer.json() == {"detail": f"There is no document 0x{'00' * 32} in this store."}


def test_get_with_the_etag_answers_304(served):
    put(served, SPEC_HASH, SPEC)
    answer = httpx.get(f"{served.url}/documents/{SPEC_HASH}", headers={"if-none-match": f'"{SPEC_HASH}"'},
                       timeout=30)
    assert answer.status_code == 304
    assert answer.content == b""


def test_documents_survive_a_restart_of_the_store_and_a_half_written_one_never_appears(tmp_path):
    folder = tmp_path / "documents"
    with serve_documents(folder) as first:
        assert put(first, SPEC_HASH, SPEC).status_code == 201
    # What a crash in the middle of a write leaves: a temporary file that was never renamed into place.
    half = folder / f"tmp123{TEMPORARY_SUFFIX}"
    half.write_bytes(SPEC[:5])
    with serve_documents(folder) as second:
        got = httpx.get(f"{second.url}/documents/{SPEC_HASH}", timeout=30)
        assert got.status_code == 200 and got.content == SPEC
        assert put(second, SPEC_HASH, SPEC).status_code == 200
        assert not half.exists()
        assert sorted(os.listdir(folder)) == [SPEC_HASH[2:]]


def test_a_body_cut_off_mid_way_stores_nothing(served):
    """The client declares 1000 bytes, sends 10 and hangs up: nothing is stored, no temporary file stays."""
    where = urlsplit(served.url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.putrequest("PUT", f"/documents/{SPEC_HASH}")
    connection.putheader("content-length", "1000")
    connection.endheaders()
    connection.send(b"0123456789")
    # The server has begun: its temporary file exists (so the check below cannot pass before it started).
    wait_for(lambda: any(n.endswith(TEMPORARY_SUFFIX) for n in os.listdir(served.store.folder)), 20,
             "the server to start writing the document")
    connection.close()
    # The server notices the disconnection and removes its temporary file; the document never exists.
    wait_for(lambda: os.listdir(served.store.folder) == [], 20, "the temporary file to be removed")
    assert httpx.get(f"{served.url}/documents/{SPEC_HASH}", timeout=30).status_code == 404
