"""The oracle's content-addressed document store: specs, promises and deliverables by their hash.

A challenge records a document's URL and the keccak-256 of its bytes (``ante.client.content_hash``).
``ante post --publish URL`` (and ``accept``, ``submit``) uploads a local file here, so that the URL on
chain is one that anybody can open, and that answers with exactly the bytes whose hash is recorded.

- ``PUT /documents/0x<64 hex>``: the body is the document. The server hashes what it received and
  refuses it (422) unless the hash is the one in the path; a body larger than the store's limit (1 MiB by
  default, ``ante oracle run --max-document``) is refused with 413 as soon as it passes the limit, without
  reading the rest. 201 when the document is new, 200 when it was already stored; both answer
  ``{hash, size, url}``. A document is written to a temporary file beside the others, flushed to disk
  and renamed into place, so a crash leaves either the whole document or nothing.
- ``GET /documents/0x<64 hex>``: the bytes (``application/octet-stream``), with the hash as ETag and
  immutable caching (the content of a hash never changes); 404 when unknown, 422 for a malformed hash.

``mount(app, service)`` adds these routes to the oracle's app, storing in ``documents/`` beside the
oracle's SQLite store; the store is ``app.state.documents``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import anyio.to_thread
from eth_hash.auto import keccak
from fastapi import Path as PathParameter
from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

#: The default limit of one document's size, in bytes.
MAX_DOCUMENT = 1024 * 1024

#: A document's name in a URL: 0x and the 64 hex digits of its keccak-256.
HASH = re.compile(r"0x[0-9a-fA-F]{64}")

#: A year, the longest caching HTTP asks for; a hash's content never changes.
CACHE_CONTROL = "public, max-age=31536000, immutable"

TEMPORARY_SUFFIX = ".partial"


class DocumentStore:
    """Documents by hash in `folder` (created if missing), each at most `max_size` bytes."""

    def __init__(self, folder: Path | str, max_size: int = MAX_DOCUMENT):
        self.folder = Path(folder)
        self.max_size = max_size
        self.folder.mkdir(parents=True, exist_ok=True)
        # A temporary file left by a crash was never renamed into place: it was never stored.
        for stale in self.folder.glob(f"*{TEMPORARY_SUFFIX}"):
            stale.unlink(missing_ok=True)

    def path(self, name: str) -> Path:
        """Where the document `name` (a HASH) is, or would be, stored."""
        return self.folder / name[2:].lower()

    def has(self, name: str) -> bool:
        return self.path(name).is_file()

    def new_file(self) -> tuple[int, Path]:
        """An open temporary file in the store's folder (so that the rename stays on one file system)."""
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, suffix=TEMPORARY_SUFFIX)
        return descriptor, Path(temporary)

    def commit(self, descriptor: int, temporary: Path, name: str) -> bool:
        """Flushes the temporary file to disk and renames it to `name`'s place; True if it was new."""
        target = self.path(name)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        new = not target.exists()
        os.replace(temporary, target)
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself is durable only once the folder is
        finally:
            os.close(folder)
        return new


class DocumentStored(BaseModel):
    hash: str = Field(description="0x and the keccak-256 of the document's bytes, as recorded on chain.")
    size: int = Field(description="The document's size in bytes.")
    url: str = Field(description="Where the document is served, relative to the oracle.")


def mount(app, service=None, *, store: DocumentStore | None = None) -> None:
    """Adds ``PUT`` and ``GET /documents/{hash}`` to `app`, storing in `store`, by default in
    ``documents/`` beside `service`'s verdict store."""
    from ante.oracle.app import Problem, _problem  # here: the app imports this module

    if store is None:
        store = DocumentStore(Path(service.store.path).parent / "documents")
    app.state.documents = store

    # The description says what the handlers check: a malformed name is 422 either way.
    hash_in_path = PathParameter(json_schema_extra={"pattern": f"^{HASH.pattern}$"},
                                 description="0x and the 64 hex digits of the document's keccak-256.")

    def malformed(name: str) -> JSONResponse:
        return _problem(422, f"a document is named by 0x and the 64 hex digits of the keccak-256 of its bytes, "
                             f"not {name[:80]!r}.")

    def stored(name: str, size: int, status: int) -> JSONResponse:
        name = name.lower()
        return JSONResponse({"hash": name, "size": size, "url": f"/documents/{name}"}, status_code=status)

    @app.put("/documents/{name}", status_code=201, response_model=None, summary="Store a document by its hash",
             responses={200: {"model": DocumentStored, "description": "Already stored."},
                        201: {"model": DocumentStored, "description": "Stored."},
                        413: {"model": Problem}, 422: {"model": Problem}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
    async def put_document(request: Request, name: str = hash_in_path):
        """Stores the body under its keccak-256, which must be the hash in the path; 201 once it is on
        disk, 200 when it was already there."""
        documents: DocumentStore = request.app.state.documents
        if not HASH.fullmatch(name):
            return malformed(name)
        limit = documents.max_size
        too_large = f"the document is larger than the store's limit of {limit:,} bytes."
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return _problem(413, too_large)
        descriptor, temporary = await anyio.to_thread.run_sync(documents.new_file)
        committed = False
        try:
            digest = keccak.new(b"")
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    return _problem(413, too_large)
                digest.update(chunk)
                await anyio.to_thread.run_sync(os.write, descriptor, chunk)
            received = "0x" + digest.digest().hex()
            if received != name.lower():
                return _problem(422, f"the body's keccak-256 is {received}, not the {name.lower()} in the path; "
                                     f"nothing was stored.")
            new = await anyio.to_thread.run_sync(documents.commit, descriptor, temporary, name)
            committed = True
        finally:
            if not committed:
                try:
                    os.close(descriptor)
                except OSError:
                    pass
                temporary.unlink(missing_ok=True)
        return stored(name, size, 201 if new else 200)

    @app.get("/documents/{name}", response_class=Response, summary="A stored document",
             responses={200: {"content": {"application/octet-stream": {}}, "description": "The document's bytes."},
                        304: {"description": "Not modified (the ETag matched)."},
                        404: {"model": Problem}, 422: {"model": Problem}})
    def get_document(request: Request, name: str = hash_in_path):
        """The document's bytes; they never change, so they may be cached for ever."""
        documents: DocumentStore = request.app.state.documents
        if not HASH.fullmatch(name):
            return malformed(name)
        etag = f'"{name.lower()}"'
        headers = {"etag": etag, "cache-control": CACHE_CONTROL}
        path = documents.path(name)
        if not path.is_file():
            return _problem(404, f"there is no document {name.lower()} in this store.")
        if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        return FileResponse(path, media_type="application/octet-stream", headers=headers)
