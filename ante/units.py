"""What people type and read: amounts, stakes, scores, probabilities, durations and times.

Parsing is strict and exact: amounts are converted with integer arithmetic (never floats), so what a
person types is exactly what reaches the chain, or they get an :class:`InputError` saying why not.
Formatting is the inverse, and marks with ``~`` any figure it had to shorten.

This module is pure Python and imports nothing heavy, so a command line can use it instantly.
"""

from __future__ import annotations

import re
from calendar import timegm
from datetime import date, datetime, timezone
from fractions import Fraction

from ante.errors import BadInput, _when

BPS = 10_000
MAX_UINT256 = 2**256 - 1

# Fixed units of ether: decimals of wei in each, whatever token `decimals` says.
ETHER_UNITS = {"ether": 18, "eth": 18, "gwei": 9, "wei": 0}
# Words that mean "whole tokens", worth 10**decimals base units each (as is a bare number).
TOKEN_WORDS = ("tokens", "token")

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
DURATION_UNITS = {
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), WEEK),
    **dict.fromkeys(("d", "day", "days"), DAY),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), HOUR),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), MINUTE),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
}

# Significant digits of a fraction that format_amount shows before it shortens (and marks "~").
SHOWN_FRACTION_DIGITS = 6


class InputError(BadInput, ValueError):
    """Bad input from a person; the message is one plain sentence saying what is wrong."""


def _quoted(text: str) -> str:
    return f'"{text}"'


def _exact(number: str, shown: str, what: str) -> Fraction:
    """The exact value of a decimal numeral that a pattern has already matched."""
    try:
        return Fraction(number)
    except ValueError:  # only for numerals longer than Python converts (thousands of digits)
        raise InputError(f"{_quoted(shown)} is too long to be a {what}.") from None


# ---------------------------------------------------------------------------------------------------
# Amounts

_AMOUNT = re.compile(
    r"""
    (?P<minus>-)?\s*
    (?P<whole>\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)?     # 1,000,000 or 1_000_000 or 1000000
    (?:\.(?P<fraction>\d+(?:_\d+)*)?)?               # .5
    (?:e(?P<exponent>[+-]?\d{1,9}))?                 # e18
    \s*(?P<unit>[a-z]+)?
    """,
    re.VERBOSE | re.ASCII,
)


def parse_amount(text: str, decimals: int = 18, *, symbol: str | None = None) -> int:
    """The amount `text` names, in base units (wei for ether), exactly.

    Accepted: a number with an optional unit, as in "1.5 ether", "1.5 eth", "250 gwei", "1000 wei",
    "1e18 wei", "1_000", "1,000.5". ether, eth, gwei and wei are always 18, 9 and 0 decimals of the base
    unit. A bare number, "tokens" or the token's `symbol` (if given, so that what :func:`format_amount`
    prints reads back) means whole tokens of `decimals` decimals each. An amount that is not a whole
    number of base units, negative, empty, in an unknown unit or beyond 256 bits is an :class:`InputError`.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be at least 0, got {decimals}")
    shown = text.strip()
    if not shown:
        raise InputError("an amount is required, such as 1.5 ether.")
    match = _AMOUNT.fullmatch(shown.lower())
    if not match or not (match["whole"] or match["fraction"]):
        raise InputError(f"{_quoted(shown)} is not an amount; write it like 1.5 ether, 250 gwei or 1000 wei.")
    if match["minus"]:
        raise InputError(f"an amount cannot be negative, got {shown}.")

    unit = match["unit"]
    if unit is None or unit in TOKEN_WORDS or (symbol is not None and unit == symbol.lower()):
        unit_decimals, unit_name = decimals, None
    elif unit in ETHER_UNITS:
        unit_decimals, unit_name = ETHER_UNITS[unit], unit
    else:
        known = [*ETHER_UNITS, "tokens"] + ([symbol] if symbol else [])
        choices = ", ".join(known[:-1]) + " or " + known[-1]
        raise InputError(f"{_quoted(unit)} is not a known unit in {_quoted(shown)}; use {choices}.")

    whole = (match["whole"] or "").replace(",", "").replace("_", "")
    fraction = (match["fraction"] or "").replace("_", "")
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return 0
    significant = digits.rstrip("0")
    # value = significant * 10**shift base units
    shift = int(match["exponent"] or 0) - len(fraction) + unit_decimals + (len(digits) - len(significant))
    if shift < 0:
        if unit_decimals == 0:
            if unit_name is None:
                raise InputError(f"{shown} is not a whole number, and this token has no decimals.")
            raise InputError(f"{shown} is not a whole number of {unit_name}.")
        allows = unit_name or "this token"
        raise InputError(f"{shown} has more than {unit_decimals} decimals, the most {allows} allows.")
    if len(significant) + shift > len(str(MAX_UINT256)) or int(significant) * 10**shift > MAX_UINT256:
        raise InputError(f"{shown} is too large for an amount.")
    return int(significant) * 10**shift


def parse_gas_price(text: str) -> int:
    """A fee per gas in wei: "40 gwei", "1.5 gwei", "100000 wei"; a bare number is gwei, as wallets show it."""
    return parse_amount(text, 9)


def format_amount(amount: int, decimals: int = 18, symbol: str = "ETH") -> str:
    """`amount` base units as a person reads it: "1.5 ETH", "0.1 ETH", "1,000 TST", "0 ETH".

    The whole part is shown in full with thousands separators; trailing zeros are trimmed. The fraction
    keeps at most 6 significant digits (counted from its first non-zero digit, so no non-zero amount
    ever reads as 0); a figure cut short is rounded toward zero and marked "~", as in "~0.333333 ETH".
    Negative amounts get a minus sign after the mark: "~-0.333333 ETH". An empty `symbol` prints no unit.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be at least 0, got {decimals}")
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**decimals)
    shortened = False
    shown_fraction = ""
    if fraction:
        digits = f"{fraction:0{decimals}d}"
        first = len(digits) - len(digits.lstrip("0"))
        kept = digits[: first + SHOWN_FRACTION_DIGITS]
        shortened = int(digits[len(kept):] or 0) != 0
        shown_fraction = "." + kept.rstrip("0")
    unit = f" {symbol}" if symbol else ""
    return f"{'~' if shortened else ''}{sign}{whole:,}{shown_fraction}{unit}"


# ---------------------------------------------------------------------------------------------------
# Basis points: stakes, scores and probabilities

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_SHARE = re.compile(rf"(?P<number>{_NUMBER})\s*(?P<unit>%|bps|bp)?", re.ASCII)


def _parse_bps(text: str, what: str) -> int:
    """Basis points from "12.5%", "1250", "1250bps" or "1250 bps", in 0..10000."""
    shown = text.strip()
    if not shown:
        raise InputError(f"a {what} is required, such as 10% or 1000bps.")
    match = _SHARE.fullmatch(shown.lower())
    if not match:
        raise InputError(
            f"{_quoted(shown)} is not a {what}; give a percentage such as 10% or basis points such as 1000bps."
        )
    number = match["number"]
    if match["unit"] == "%":
        bps, shown = _exact(number, shown, what) * 100, f"{number}%"
    else:
        bps, shown = _exact(number, shown, what), f"{number} bps"
    if not 0 <= bps <= BPS:
        raise InputError(f"{what} must be between 0% and 100%, got {shown}.")
    if bps.denominator != 1:
        raise InputError(f"{what} must be a whole number of basis points (0.01%), got {shown}.")
    return int(bps)


def parse_stake(text: str) -> int:
    """A stake in basis points of the reward, 0..10000: "10%" is 1000, "12.5%" 1250; "1000", "1000bps"
    and "1000 bps" are 1000. A bare number is basis points. Anything else is an :class:`InputError`."""
    return _parse_bps(text, "stake")


def parse_unreviewed_share(text: str) -> int:
    """A challenge's Unreviewed share in basis points of the reward, 0..10000, written as a stake is: "50%" is
    5000; "5000", "5000bps" and "5000 bps" are 5000."""
    return _parse_bps(text, "share")


def parse_appeal_bond(text: str) -> int:
    """An appeal bond in basis points of the reward, 0..10000, written as a stake is: "10%" is 1000."""
    return _parse_bps(text, "appeal bond")


def parse_score(text: str) -> int:
    """A verdict's score in basis points, 0..10000: "80%", "8000", "8000bps", "pass" (10000), "fail" (0)."""
    word = text.strip().lower()
    if word == "pass":
        return BPS
    if word == "fail":
        return 0
    return _parse_bps(text, "score")


_PROBABILITY = re.compile(rf"(?P<number>{_NUMBER})\s*(?P<percent>%)?", re.ASCII)


def parse_probability(text: str) -> float:
    """A believed chance of success, 0..1, from "70%" or "0.7" (a bare number is a fraction of 1)."""
    shown = text.strip()
    if not shown:
        raise InputError("a probability is required, such as 70% or 0.7.")
    match = _PROBABILITY.fullmatch(shown)
    if not match:
        raise InputError(f"{_quoted(shown)} is not a probability; write it like 70% or 0.7.")
    value = _exact(match["number"], shown, "probability") / (100 if match["percent"] else 1)
    if not 0 <= value <= 1:
        hint = f" (for a percentage write {match['number']}%)" if not match["percent"] and 1 < value <= 100 else ""
        raise InputError(f"a probability must be between 0% and 100%, got {shown}{hint}.")
    return float(value)


# ---------------------------------------------------------------------------------------------------
# Durations and times

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)", re.ASCII)
_DURATION = re.compile(rf"{_DURATION_PART.pattern}(?:\s*{_DURATION_PART.pattern})*", re.ASCII)


def parse_duration(text: str) -> int:
    """A positive duration in seconds: "36h", "14d", "90m", "30s", "2w", "1d12h", "1d 12h", "1.5h".

    Units are w, d, h, m (minutes) and s, or their words ("days", "hours"); parts add up. A bare number is
    seconds. Zero, negative, fractional-second or unreadable durations are an :class:`InputError`.
    """
    shown = text.strip()
    lowered = shown.lower()
    if not shown:
        raise InputError("a duration is required, such as 14d or 36h.")
    if lowered.startswith("-"):
        raise InputError(f"a duration must be positive, got {shown}.")
    if lowered.isdigit() and lowered.isascii():
        seconds = _exact(lowered, shown, "duration")
    elif _DURATION.fullmatch(lowered):
        seconds = Fraction(0)
        for number, unit in _DURATION_PART.findall(lowered):
            if unit not in DURATION_UNITS:
                raise InputError(f"{_quoted(unit)} is not a unit of time in {_quoted(shown)}; use w, d, h, m or s.")
            seconds += _exact(number, shown, "duration") * DURATION_UNITS[unit]
    else:
        raise InputError(f"{_quoted(shown)} is not a duration; write it like 14d, 36h, 90m or 1d12h.")
    if seconds.denominator != 1:
        raise InputError(f"{shown} is not a whole number of seconds.")
    if seconds <= 0:
        raise InputError(f"a duration must be positive, got {shown}.")
    return int(seconds)


def format_address(address: str | None) -> str:
    """An address shortened for tables: "0x7099…79C8"; a dash for no address."""
    return f"{address[:6]}…{address[-4:]}" if address else "—"


def format_duration(seconds: int) -> str:
    """`seconds` in days, hours, minutes and seconds, zero parts left out: "1d 12h", "36m", "0s", "-2h"."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    parts = []
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"


def parse_time(text: str, now: int, *, future: bool = True) -> int:
    """The unix timestamp `text` names: "+14d" or "+36h" (after `now`), an ISO-8601 date or time, or a
    bare unix timestamp such as "1796083200".

    ISO times ("2026-12-01T12:00", "2026-12-01 12:00:00Z", "2026-12-01T12:00+02:00", or what
    :func:`format_time` prints, "2026-12-01 12:00 UTC") honour their offset; without one they are UTC.
    Fractions of a second are dropped. A date alone ("2026-12-01") means the end of that day,
    23:59:59 UTC: a deadline date is read as "by the end of that day", and deadlines are inclusive, so
    that last second is still in time. With `future` (the default) the time must be after `now`.
    """
    shown = text.strip()
    if not shown:
        raise InputError("a time is required, such as +14d or 2026-12-01.")
    if shown.startswith("+"):
        timestamp = now + parse_duration(shown[1:])
    elif shown.isdigit() and shown.isascii():
        timestamp = int(_exact(shown, shown, "time"))
    else:
        timestamp = _parse_iso(shown)
    if future and timestamp <= now:
        raise InputError(f"the time must be after now ({format_time(now)}), got {format_time(timestamp)}.")
    return timestamp


def _parse_iso(shown: str) -> int:
    """A timestamp from an ISO-8601 date (end of day, UTC) or date and time (UTC unless an offset is given)."""
    core = shown
    if core.upper().endswith("UTC"):
        core = core[:-3].rstrip()
    try:
        try:
            day = date.fromisoformat(core)
        except ValueError:
            moment = datetime.fromisoformat(core)
        else:
            moment = datetime(day.year, day.month, day.day, 23, 59, 59)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return timegm(moment.utctimetuple())
    except (ValueError, OverflowError):
        raise InputError(
            f"{_quoted(shown)} is not a time; write it like +14d, 2026-12-01, 2026-12-01T12:00 or a unix timestamp."
        ) from None


def format_time(timestamp: int) -> str:
    """A unix timestamp in ISO-8601 UTC: "2026-12-01 12:00 UTC", with seconds only when they are not zero
    ("2026-12-01 23:59:59 UTC"). Timestamps beyond the year 9999 read "unix time N"."""
    return _when(timestamp)
