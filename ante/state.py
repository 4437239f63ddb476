"""Challenge states, mirroring ``IAnte.State``, and the moves the lifecycle allows between them."""

from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    """Where a challenge stands. ``NONE`` means no such challenge."""

    NONE = 0
    OPEN = 1
    ACCEPTED = 2
    SUBMITTED = 3
    SETTLED = 4
    CANCELLED = 5
    EXPIRED = 6
    DEFAULTED = 7
    UNREVIEWED = 8
    RULED = 9  # a verdict is recorded; its appeal window is open
    APPEALED = 10  # the recorded verdict is appealed; the appeal panel decides

    @property
    def is_final(self) -> bool:
        """Whether nothing more can happen to a challenge in this state (Settled..Unreviewed: Ruled and
        Appealed, appended after them, still move on)."""
        return State.SETTLED <= self <= State.UNREVIEWED

    @property
    def label(self) -> str:
        return self.name.lower()


#: Every transition the lifecycle allows (DESIGN.md's diagram); anything else is a bug.
TRANSITIONS: frozenset[tuple[State, State]] = frozenset(
    {
        (State.NONE, State.OPEN),
        (State.OPEN, State.ACCEPTED),
        (State.OPEN, State.CANCELLED),
        (State.OPEN, State.EXPIRED),
        (State.ACCEPTED, State.SUBMITTED),
        (State.ACCEPTED, State.OPEN),  # abandoned before accept-by: re-opens
        (State.ACCEPTED, State.EXPIRED),  # abandoned after accept-by
        (State.ACCEPTED, State.DEFAULTED),
        (State.SUBMITTED, State.SETTLED),
        (State.SUBMITTED, State.UNREVIEWED),
        (State.SUBMITTED, State.RULED),  # a verdict on a challenge with an appeal window is recorded
        (State.RULED, State.APPEALED),
        (State.RULED, State.SETTLED),  # finalized once the appeal window passed unused
        (State.APPEALED, State.SETTLED),  # the appeal panel decided, or was silent past rule-by
    }
)
