"""Which blocks are final: the one rule deciding what the event index may keep.

A block is *final* when no reorganisation is expected to remove it. The event index stores only events
of final blocks; later blocks are read fresh from the node on every read and shown as unconfirmed.

The rule, for a chain whose head is block ``head``:

1. A depth given explicitly (``AnteClient(finality_depth=N)``, else the environment variable
   ``ANTE_FINALITY_DEPTH``) wins: the final block is ``head - N``. No tag is asked.
2. A local development chain (chain id 31337 or 1337: anvil, hardhat) is final at its head (depth 0).
   Its ``finalized`` tag is not asked: anvil answers it as the head minus 64, which would leave every
   recent event unconfirmed on a chain that never reorganises by itself.
3. Any other chain: the node's ``finalized`` block where it answers one, else its ``safe`` block, else
   ``head - 64`` (about two epochs of an L1 like Ethereum, where a block older than that is final).

The final block is never after the head, and ``-1`` means nothing is final yet. This module imports no
Ape: the tags are read through a callable.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ante.errors import BadInput

#: The environment variable that sets the depth for every chain (rule 1).
DEPTH_VARIABLE = "ANTE_FINALITY_DEPTH"

#: Chain ids of local development nodes (rule 2).
LOCAL_CHAIN_IDS = frozenset({31337, 1337})

#: The depth for a chain whose node answers neither tag (rule 3).
DEFAULT_DEPTH = 64

#: The block tags asked, in order of preference (rule 3).
TAGS = ("finalized", "safe")

#: Reads a tagged block's number from the node; None when the node does not know the tag.
TagReader = Callable[[str], "int | None"]


def configured_depth(explicit: int | None = None) -> int | None:
    """The depth set by the caller or by ``ANTE_FINALITY_DEPTH``, or None if neither sets one."""
    if explicit is None:
        text = os.environ.get(DEPTH_VARIABLE, "").strip()
        if not text:
            return None
        try:
            explicit = int(text)
        except ValueError:
            raise BadInput(f"{DEPTH_VARIABLE} must be a whole number of blocks, not {text!r}.") from None
    if explicit < 0:
        raise BadInput(f"the finality depth must be 0 or more blocks, not {explicit}.")
    return explicit


class Finality:
    """The finality rule for one chain; remembers which tags its node does not answer."""

    def __init__(self, chain_id: int, depth: int | None = None):
        self.chain_id = chain_id
        self.depth = configured_depth(depth)
        self._unanswered: set[str] = set()

    @property
    def asks_tags(self) -> bool:
        """Whether the node's tags decide (rule 3) rather than a fixed depth."""
        return self.depth is None and self.chain_id not in LOCAL_CHAIN_IDS

    def final_block(self, head: int, tag: TagReader) -> int:
        """The last final block of a chain whose head is `head`."""
        if self.depth is not None:
            return max(-1, head - self.depth)
        if self.chain_id in LOCAL_CHAIN_IDS:
            return head
        for name in TAGS:
            if name in self._unanswered:
                continue
            number = tag(name)
            if number is None:
                self._unanswered.add(name)  # a node that lacks a tag does not grow it later
                continue
            return max(-1, min(int(number), head))
        return max(-1, head - DEFAULT_DEPTH)
