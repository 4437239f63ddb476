"""Compiled contracts the `ante` command carries: ABI and bytecode, as `toolchain/export_artifact.py` wrote them.

- ``Ante``: the escrow every command deploys and talks to.
- ``TestToken``: an ERC-20 anyone can mint, for trying token challenges on a local chain
  (``ante dev token``); never deployed elsewhere.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

#: The contracts packaged here (tests/test_artifact.py checks each against a fresh compile).
PACKAGED = ("Ante", "TestToken")


@cache
def contract_type(name: str = "Ante"):
    """The packaged contract type (ABI and bytecode) of `name`."""
    from ethpm_types import ContractType

    if name not in PACKAGED:
        raise KeyError(f"no packaged contract {name!r} (packaged: {', '.join(PACKAGED)})")
    text = resources.files(__name__).joinpath(f"{name}.json").read_text()
    return ContractType.model_validate(json.loads(text))
