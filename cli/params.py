"""Click parameter types for what people type: amounts, stakes and shares, scores, durations, times, addresses.

(Documents given to --spec, --promise and --deliverable are resolved by ``ante.documents.resolve``.)

Each turns the core's parsing errors into click's usage errors (exit code 2) naming the option.
"""

from __future__ import annotations

import click


class _Parsed(click.ParamType):
    """A value parsed by one of `ante.units`' parsers (imported only when a command runs)."""

    def __init__(self, name: str, parser: str):
        self.name = name
        self._parser = parser

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        from ante import units

        try:
            return getattr(units, self._parser)(value)
        except units.InputError as error:
            self.fail(str(error), param, ctx)


class Address(click.ParamType):
    name = "ADDRESS"

    def convert(self, value, param, ctx):
        from ante.primitives import is_address, to_checksum_address

        if not is_address(value):
            self.fail(f"{value!r} is not an Ethereum address (0x followed by 40 hex digits).", param, ctx)
        return to_checksum_address(value)


STAKE = _Parsed("STAKE", "parse_stake")
SHARE = _Parsed("SHARE", "parse_unreviewed_share")
BOND = _Parsed("PERCENT", "parse_appeal_bond")
SCORE = _Parsed("SCORE", "parse_score")
DURATION = _Parsed("DURATION", "parse_duration")
PROBABILITY = _Parsed("P", "parse_probability")
GAS_PRICE = _Parsed("PRICE", "parse_gas_price")
ADDRESS = Address()



#: A reviewer's stance on work (the names of ``ante.feedback.STANCES``).
STANCE = click.Choice(["endorse", "neutral", "object"])


def check_writable(out: str | None, param_hint: str = "--out") -> None:
    """Refuses, before anything is signed or sent, an output file whose folder is missing or read-only."""
    import os

    if out:
        folder = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise click.BadParameter(f"cannot write {out}: its folder does not exist or is not writable.",
                                     param_hint=param_hint)
