"""Which node a network choice names, remembered so that a read need not start Ape to find it again.

Ape resolves a network choice (``ethereum:sepolia:node``, a custom network of a user's ``ape-config.yaml``,
``ethereum:local:foundry`` with ``APE_FOUNDRY_HOST``, …) into a provider with an HTTP URI and a chain id.
That costs Ape's whole plugin start-up, seconds, while a read needs a few milliseconds of JSON-RPC. So the
first command that connects through Ape records what it found (:func:`remember`), and later reads find it
(:func:`recall`) without loading Ape.

A record is keyed by everything that can change Ape's answer: the choice; the text of the configuration
files Ape reads (``ape-config.yaml``/``.yml``/``.json`` and ``pyproject.toml`` in the working folder, and
``ape-config.yaml`` in Ape's data folder, ``$APE_DATA_FOLDER`` or ``~/.ape``); the ``APE_*`` and ``WEB3_*``
environment variables (except passphrases, which are never read here); and the Python environment. Any
change makes a new key, so Ape resolves the choice again. A recalled record is still checked against the
node on every run: the caller compares the node's ``eth_chainId`` with the recorded chain id, and goes
back to Ape when they differ (a node restarted as another chain, say).

Records live in ``networks.json`` in Ante's data folder (readable by the user only, as RPC URIs can hold
a provider's key); a missing or damaged file is no record.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ante.deployment import data_dir

#: The configuration files Ape reads in the working folder.
PROJECT_CONFIGS = ("ape-config.yaml", "ape-config.yml", "ape-config.json", "pyproject.toml")

#: At most this many records are kept (the newest).
KEEP = 64


@dataclass(frozen=True)
class Resolved:
    """A network choice's node: its HTTP URI (None when the provider has none, such as an in-process
    test chain, which only Ape can reach) and chain id."""

    uri: str | None
    chain_id: int


def _secret(name: str) -> bool:
    return "PASSPHRASE" in name or "PASSWORD" in name or name.startswith("APE_ACCOUNTS_")


def key(choice: str, cwd: Path | None = None, environ: dict | None = None) -> str:
    """The record key of `choice` under the current configuration (see the module docstring)."""
    cwd = Path.cwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    ape_home = Path(environ.get("APE_DATA_FOLDER") or Path.home() / ".ape")
    files = {}
    for path in [cwd / name for name in PROJECT_CONFIGS] + [ape_home / "ape-config.yaml"]:
        try:
            files[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            files[str(path)] = None
    variables = {k: v for k, v in environ.items() if k.startswith(("APE_", "WEB3_")) and not _secret(k)}
    material = json.dumps({"choice": choice, "files": files, "env": variables, "python": sys.prefix},
                          sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _path() -> Path:
    return data_dir() / "networks.json"


def _records() -> dict:
    try:
        records = json.loads(_path().read_text())
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def recall(choice: str) -> Resolved | None:
    """The node recorded for `choice` under the current configuration, or None."""
    record = _records().get(key(choice))
    if not isinstance(record, dict) or not isinstance(record.get("chain_id"), int):
        return None
    uri = record.get("uri")
    return Resolved(uri if isinstance(uri, str) and uri.startswith(("http://", "https://")) else None,
                    record["chain_id"])


def remember(choice: str, resolved: Resolved) -> None:
    """Records what Ape resolved `choice` to."""
    records = _records()
    records.pop(key(choice), None)
    records[key(choice)] = {"uri": resolved.uri, "chain_id": resolved.chain_id}
    _write(dict(list(records.items())[-KEEP:]))


def forget(choice: str) -> None:
    """Drops the record of `choice` (when the node no longer answers as recorded)."""
    records = _records()
    if records.pop(key(choice), None) is not None:
        _write(records)


def _write(records: dict) -> None:
    """Replaces the records file whole (never half-written); a data folder that cannot be written only
    loses the records, as they are a cache."""
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".networks.{os.getpid()}.json")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(records, out, indent=1)
        os.replace(temporary, path)
    except OSError:
        pass
