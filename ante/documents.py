"""Documents (spec, promise, deliverable): what goes on chain for each, and publishing a file to a store.

A challenge records a document's URL and a hash. The rule, in one place (:func:`resolve`):

- a URL (``scheme://...``) is recorded as it is, and hashed by its text (``content_hash`` of the URL);
- a local file is uploaded to a document store (``--publish URL``, an Ante oracle: see
  :mod:`ante.oracle.documents`) and the store's URL for it is recorded, with the hash of the file's bytes,
  so that anybody can open the document and check it against the chain;
- a local file without a store is refused, and so is a ``file://`` URL: nobody else could open it, and
  the path would tell the world about the author's folders.

No local path ever leaves the machine: not in a URL, not in a message.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ante.client import content_hash
from ante.errors import AnteError, BadInput

#: Seconds to wait for the document store to answer an upload.
TIMEOUT = 30.0


def document_url(store: str, digest: bytes) -> str:
    """Where the store at base URL `store` serves the document whose hash is `digest`."""
    return f"{store.rstrip('/')}/documents/0x{digest.hex()}"


def check_store(store: str) -> str:
    """`store` if it is an http(s) URL a document store can be at; else one sentence."""
    parts = urlsplit(store)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"--publish takes the http(s) address of an Ante oracle, e.g. http://127.0.0.1:8700, "
                       f"not {store!r}.")
    return store.rstrip("/")


def publish(store: str, data: bytes) -> tuple[bytes, str]:
    """Uploads `data` to the document store at `store`; returns (its hash, its URL there) once the store
    has it, or raises one sentence: the store cannot be reached, refuses it, or answers with another hash."""
    import httpx

    store = check_store(store)
    digest = content_hash(data)
    url = document_url(store, digest)
    try:
        answer = httpx.put(url, content=data, headers={"content-type": "application/octet-stream"}, timeout=TIMEOUT)
    except httpx.TimeoutException:
        raise AnteError(f"the document store at {store} did not answer within {TIMEOUT:g} s; nothing was "
                        f"published and no transaction was sent.") from None
    except httpx.HTTPError as error:
        reason = str(error).strip().rstrip(".") or type(error).__name__
        raise AnteError(f"the document store at {store} cannot be reached ({reason}); start it "
                        f"(`ante oracle run`) or check --publish. No transaction was sent.") from None
    detail = _detail(answer)
    if 400 <= answer.status_code < 500:
        raise BadInput(f"the document store at {store} refused the document ({answer.status_code}): "
                       f"{detail or 'no reason given.'}")
    if answer.status_code not in (200, 201):
        raise AnteError(f"the document store at {store} failed ({answer.status_code}"
                        f"{': ' + detail.rstrip('.') if detail else ''}); no transaction was sent.")
    try:
        answered = answer.json()["hash"]
    except (ValueError, KeyError, TypeError):
        raise AnteError(f"{store} does not answer like an Ante document store (no hash in its answer to "
                        f"PUT /documents); check --publish.") from None
    if str(answered).lower() != "0x" + digest.hex():
        raise AnteError(f"the document store at {store} answered with hash {str(answered)[:80]} for a document "
                        f"whose hash is 0x{digest.hex()}; it cannot be trusted to serve it. No transaction was sent.")
    return digest, url


def resolve(text: str, store: str | None, option: str) -> tuple[bytes, str]:
    """(hash, URL) to record for what a person gave to `option` (--spec, --promise, --deliverable): a URL
    as it is, a local file published to `store`; refuses a ``file://`` URL and a file without a store."""
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme == "file":
        raise BadInput(f"a file:// URL given to {option} cannot be opened by anyone else: give the file's path "
                       f"with --publish URL (an Ante oracle, e.g. http://127.0.0.1:8700) to publish it there, or a "
                       f"URL where it is already published.")
    if scheme:
        return content_hash(text.encode()), text
    path = Path(text)
    if not path.is_file():
        raise BadInput(f"{text!r} is neither a readable file nor a URL (scheme://...).")
    if store is None:
        raise BadInput(f"the file given to {option} cannot be opened by anyone else: add --publish URL (an Ante "
                       f"oracle, e.g. http://127.0.0.1:8700) to publish it there, or give a URL where it is "
                       f"already published.")
    check_store(store)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInput(f"{text!r} ({option}) cannot be read ({error.strerror or error}).") from None
    return publish(store, data)


def _detail(answer) -> str:
    """The store's one sentence (``{"detail": ...}``), if it gave one."""
    try:
        detail = answer.json().get("detail")
    except (ValueError, AttributeError):
        return ""
    return " ".join(str(detail).split())[:300] if isinstance(detail, str) else ""
