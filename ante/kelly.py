"""The Kelly helper: whether staking on a challenge is a good bet, given how sure the contributor is.

For a binary outcome the contributor risks `stake` to win `reward`, so the odds are ``b = reward / stake``.
With a believed success probability ``p``, the Kelly fraction of a bankroll is ``f* = p - (1 - p) / b``;
accepting has positive expected log-growth when the stake is at most ``f* x bankroll``. The break-even
probability is ``1 / (1 + b) = stake / (reward + stake)`` and the expected value ``p x reward - (1 - p) x stake``.

The outcome is modelled as all or nothing (a pass pays the reward, a fail forfeits the stake). Ante pays
scores in between linearly, so the expected value and break-even also hold with ``p`` read as the expected
score; the Kelly fraction is the all-or-nothing one.

All arithmetic is exact (fractions, never floats), so a stake exactly at the Kelly limit is accepted. A
float ``p`` is taken at its shortest decimal form: 0.7 means exactly 7/10, not the binary float nearest it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Rational, Real

from ante.units import InputError


@dataclass(frozen=True)
class KellyView:
    """A contributor's view of one bet: believed chance `p` of success, `reward` to win, `stake` at risk
    and, optionally, their whole `bankroll`. Amounts are integers in the token's base units (wei for ether).
    """

    p: float
    reward: int
    stake: int
    bankroll: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.p, bool) or not isinstance(self.p, (Real, Decimal)):
            raise TypeError(f"the chance of success must be a number, got {self.p!r}")
        for name in ("reward", "stake", "bankroll"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"the {name} must be an integer amount in base units, got {value!r}")
        if (isinstance(self.p, Decimal) and self.p.is_nan()) or not 0 <= self.p <= 1:  # also refuses float NaN
            raise InputError(f"the chance of success must be between 0 and 1, got {self.p}.")
        if self.reward <= 0:
            raise InputError(f"the reward must be more than 0, got {self.reward}.")
        if self.stake < 0:
            raise InputError(f"the stake cannot be negative, got {self.stake}.")
        if self.bankroll is not None and self.bankroll <= 0:
            raise InputError(f"the bankroll must be more than 0, got {self.bankroll}.")

    @property
    def _p(self) -> Fraction:
        """`p` exactly: a float at its shortest decimal form (0.7 is 7/10)."""
        if isinstance(self.p, (Rational, Decimal)):
            return Fraction(self.p)
        return Fraction(float.__repr__(float(self.p)))

    @property
    def _fraction(self) -> Fraction:
        """f* exactly: p - (1 - p) / b, written as p - (1 - p) x stake / reward so that stake 0 needs no infinity."""
        return self._p - (1 - self._p) * Fraction(self.stake, self.reward)

    @property
    def _expected_value(self) -> Fraction:
        return self._p * self.reward - (1 - self._p) * self.stake

    @property
    def odds(self) -> float:
        """b = reward / stake, the amount won per unit staked; ``math.inf`` when nothing is staked."""
        return math.inf if self.stake == 0 else self.reward / self.stake

    @property
    def fraction(self) -> float:
        """The Kelly fraction f* = p - (1 - p) / b of the bankroll worth staking; `p` itself when the stake is 0.

        Zero or negative means the bet has no edge: Kelly stakes nothing.
        """
        return float(self._fraction)

    @property
    def break_even_p(self) -> float:
        """The chance of success at which the bet breaks even: 1 / (1 + b) = stake / (reward + stake)."""
        return self.stake / (self.reward + self.stake)

    @property
    def expected_value(self) -> float:
        """p x reward - (1 - p) x stake, as a float in base units (it can have a fraction of a base unit)."""
        return float(self._expected_value)

    @property
    def max_stake(self) -> int | None:
        """The largest stake Kelly allows, floor(f* x bankroll) base units; 0 when f* <= 0; None without a bankroll."""
        if self.bankroll is None:
            return None
        return max(0, math.floor(self._fraction * self.bankroll))

    @property
    def should_accept(self) -> bool:
        """Whether accepting grows the bankroll in expectation (log): f* > 0 and, with a bankroll,
        stake <= f* x bankroll."""
        fraction = self._fraction
        if fraction <= 0:
            return False
        return self.bankroll is None or self.stake <= fraction * self.bankroll

    def explain(self, format_amount: Callable[[int], str] = str) -> list[str]:
        """The bet in plain-English lines a contributor understands, amounts shown with `format_amount`.

        For example, with p = 0.7, a 1 ETH reward, a 0.1 ETH stake and a 5 ETH bankroll::

            You risk 0.1 ETH to win 1 ETH (odds 10 to 1).
            You break even if you succeed more than 9.1% of the time; you believe 70%.
            Expected value: +0.67 ETH.
            Kelly says stake at most 67% of your bankroll (3.35 ETH of 5 ETH): accept.

        The expected value is rounded toward zero to a whole base unit and marked "~" if that changed it.
        """
        amount = format_amount
        if self.stake:
            odds = _ratio(Fraction(self.reward, self.stake))
            risk = f"You risk {amount(self.stake)} to win {amount(self.reward)} (odds {odds} to 1)."
        else:
            risk = f"You risk nothing to win {amount(self.reward)}."
        break_even = Fraction(self.stake, self.reward + self.stake)
        return [
            risk,
            f"You break even if you succeed more than {_percent(break_even)} of the time;"
            f" you believe {_percent(self._p)}.",
            f"Expected value: {_signed(self._expected_value, amount)}.",
            self._verdict(amount),
        ]

    def _verdict(self, amount: Callable[[int], str]) -> str:
        """The last line of :meth:`explain`: Kelly's limit and whether to accept."""
        fraction = self._fraction
        if fraction <= 0:
            return "Kelly says stake nothing, since your edge at these odds is not positive: do not accept."
        limit = f"{_percent(fraction)} of your bankroll"
        if self.bankroll is None:
            if self.stake == 0:
                return f"Kelly says stake at most {limit}, and this challenge asks no stake: accept."
            return f"Kelly says stake at most {limit}: accept if {amount(self.stake)} is no more than that."
        limit += f" ({amount(self.max_stake)} of {amount(self.bankroll)})"
        if self.should_accept:
            return f"Kelly says stake at most {limit}: accept."
        return f"Kelly says stake at most {limit}, less than the {amount(self.stake)} asked: do not accept."


def kelly(p: float, reward: int, stake: int, bankroll: int | None = None) -> KellyView:
    """The Kelly view of staking `stake` to win `reward` with believed success probability `p` (0..1).

    Amounts are integers in base units; `bankroll`, if given, is everything the contributor could stake.
    Raises :class:`~ante.units.InputError` if p is outside 0..1, the reward is not positive, the stake is
    negative or the bankroll is not positive.
    """
    return KellyView(p=p, reward=reward, stake=stake, bankroll=bankroll)


def _percent(share: Fraction) -> str:
    """A share of 1 as a percentage with one decimal ("9.1%", "70%"), or more decimals where one would
    round a non-zero share to 0% or a share below 1 to 100%."""
    value = share * 100
    for places in range(1, 7):
        shown = round(value, places)
        if not ((shown == 0 and value != 0) or (shown == 100 and value != 100)):
            break
    return _trimmed(f"{float(shown):.{places}f}") + "%"


def _ratio(value: Fraction) -> str:
    """Odds for people: "10", "2.5", "1.33", "1,234"; small odds keep their first significant digit."""
    if value >= 100:
        return f"{round(value):,}"
    places = 2
    while round(value, places) == 0:
        places += 1
    return _trimmed(f"{float(round(value, places)):.{places}f}")


def _signed(value: Fraction, amount: Callable[[int], str]) -> str:
    """An exact amount with its sign, rounded toward zero to a whole base unit: "+0.67 ETH", "~-0.266666 ETH"."""
    magnitude = math.floor(abs(value))
    text = amount(magnitude)
    approximate = text.startswith("~") or magnitude != abs(value)
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{'~' if approximate else ''}{sign}{text.removeprefix('~')}"


def _trimmed(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
