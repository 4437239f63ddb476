"""Click parameter types for what people type: amounts, stakes, scores, durations, times, addresses.

Each turns the core's parsing errors into click's usage errors (exit code 2) naming the option.
"""

from __future__ import annotations

import click


class _Parsed(click.ParamType):
    parse = None

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        from ante.units import InputError

        try:
            return type(self).parse(value)
        except InputError as error:
            self.fail(str(error), param, ctx)


class Stake(_Parsed):
    name = "STAKE"

    @staticmethod
    def parse(value):
        from ante.units import parse_stake

        return parse_stake(value)


class Score(_Parsed):
    name = "SCORE"

    @staticmethod
    def parse(value):
        from ante.units import parse_score

        return parse_score(value)


class Duration(_Parsed):
    name = "DURATION"

    @staticmethod
    def parse(value):
        from ante.units import parse_duration

        return parse_duration(value)


class Probability(_Parsed):
    name = "P"

    @staticmethod
    def parse(value):
        from ante.units import parse_probability

        return parse_probability(value)


class Address(click.ParamType):
    name = "ADDRESS"

    def convert(self, value, param, ctx):
        from eth_utils import is_address, to_checksum_address

        if not is_address(value):
            self.fail(f"{value!r} is not an Ethereum address (0x followed by 40 hex digits).", param, ctx)
        return to_checksum_address(value)


STAKE, SCORE, DURATION, PROBABILITY, ADDRESS = Stake(), Score(), Duration(), Probability(), Address()


def document(text: str) -> tuple[bytes, str]:
    """(hash, uri) for --spec, --promise and --deliverable: a file is hashed by content, a URL by its text."""
    from pathlib import Path

    from ante.client import content_hash
    from ante.errors import BadInput

    if "://" in text:
        return content_hash(text.encode()), text
    path = Path(text)
    if not path.is_file():
        raise BadInput(f"{text!r} is neither a readable file nor a URL (scheme://...).")
    return content_hash(path.read_bytes()), path.resolve().as_uri()
