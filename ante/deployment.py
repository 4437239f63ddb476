"""Where Ante is deployed on each chain: written by `ante deploy`, read by everything else.

The registry is a JSON file in the user's data folder (``$ANTE_DATA_DIR``, else
``$XDG_DATA_HOME/ante``, else ``~/.local/share/ante``), keyed by chain id, so the same folder serves a
local chain and any public network. An explicit address (``--contract``) always wins.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ante.primitives import is_address, to_checksum_address

from ante.errors import AnteError, BadInput


class DeploymentNotFound(BadInput):
    """No Ante deployment is recorded for a chain and none was given."""


def data_dir() -> Path:
    """The folder where Ante keeps its registry and indexes."""
    if explicit := os.environ.get("ANTE_DATA_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ante"


@dataclass(frozen=True)
class Deployment:
    """One deployment of the contract: where it lives and from which block its events start.

    `eas`, `eas_version` and `feedback_schema`: the EAS deployment feedback goes to on this chain, its
    ``version()`` and Ante's schema UID in it (:mod:`ante.eas`); empty when the chain has no EAS (and in
    registries written before feedback existed)."""

    chain_id: int
    address: str
    block: int
    network: str = ""
    eas: str = ""
    eas_version: str = ""
    feedback_schema: str = ""

    #: The fields that describe the chain's EAS rather than this Ante (kept for another Ante on the chain).
    EAS_FIELDS = ("eas", "eas_version", "feedback_schema")


class Registry:
    """The deployments recorded on this machine, one per chain id (the latest wins)."""

    def __init__(self, path: Path | None = None):
        self.path = path or data_dir() / "deployments.json"

    #: How errors name the file: never by its local path (an error may be pasted anywhere).
    WHERE = "deployments.json in Ante's data folder ($ANTE_DATA_DIR)"

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            entries = json.loads(self.path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise BadInput(f"the deployment registry ({self.WHERE}) is not valid JSON ({error}); fix or delete it.")
        except OSError as error:
            raise AnteError(f"the deployment registry ({self.WHERE}) cannot be read ({error.strerror}).") from None
        needed = {"chain_id", "address", "block"}
        if not isinstance(entries, dict) or not all(
                isinstance(entry, dict) and needed <= entry.keys() for entry in entries.values()):
            raise BadInput(f"the deployment registry ({self.WHERE}) does not hold deployments by chain id; "
                            "fix or delete it.")
        return entries

    def check_writable(self) -> None:
        """Raises, before anything is spent, if a deployment could not be recorded afterwards."""
        self._read()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, suffix=".tmp"):
                pass
        except OSError as error:
            raise AnteError(f"a deployment could not be recorded: Ante's data folder is not writable ({error.strerror}); "
                            "set ANTE_DATA_DIR to a folder you can write.") from None

    def record(self, deployment: Deployment) -> None:
        """Records a deployment, replacing any earlier one on the same chain; the write is atomic."""
        entries = self._read()
        entries[str(deployment.chain_id)] = asdict(deployment)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False, suffix=".tmp") as handle:
            json.dump(entries, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, self.path)

    def find(self, chain_id: int, override: str | None = None) -> Deployment:
        """The deployment to use on `chain_id`: `override` if given, else the recorded one."""
        if override:
            if not is_address(override):
                raise BadInput(f"{override!r} is not an address.")
            recorded = self._read().get(str(chain_id))
            block = recorded["block"] if recorded and recorded["address"].lower() == override.lower() else 0
            eas = {k: recorded[k] for k in Deployment.EAS_FIELDS if k in recorded} if recorded else {}
            return Deployment(chain_id, to_checksum_address(override), block, **eas)
        entry = self._read().get(str(chain_id))
        if entry is None:
            raise DeploymentNotFound(
                f"Ante is not deployed on chain {chain_id} as far as this machine knows; "
                "run `ante deploy` or pass --contract ADDRESS."
            )
        known = {f.name for f in fields(Deployment)}
        return Deployment(**{k: v for k, v in entry.items() if k in known})
