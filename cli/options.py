"""Options every chain command shares, and the session they open.

The options mirror Ape's `ape.cli` (`--network`, `--account`) but are plain click options resolved
only when a command runs, so that `--help` stays instant.
"""

from __future__ import annotations

import functools

import click

DEFAULT_NETWORK = "ethereum:local:foundry"


def chain_options(function):
    """Adds --network, --account, --contract, --json, --yes and --verbose, and runs the command in a Session."""

    @click.option("--network", envvar="ANTE_NETWORK", default=DEFAULT_NETWORK, show_default=True, metavar="CHOICE",
                  help="Ape network choice, ecosystem:network:provider (env ANTE_NETWORK).")
    @click.option("--account", "account_alias", envvar="ANTE_ACCOUNT", metavar="ALIAS",
                  help="Ape account alias, or TEST::N for test account N (env ANTE_ACCOUNT).")
    @click.option("--contract", envvar="ANTE_CONTRACT", metavar="ADDRESS",
                  help="Use this Ante deployment instead of the one recorded by `ante deploy`.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
    @click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.option("-v", "--verbose", is_flag=True, help="Show Ape's logs and full tracebacks.")
    @functools.wraps(function)
    def wrapper(network, account_alias, contract, as_json, yes, verbose, **kwargs):
        from ante.cli.session import Session

        session = Session(network, account_alias, contract, as_json, yes, verbose)
        with session.guard():
            return function(session, **kwargs)

    return wrapper


def write_options(function):
    """--confirmations, --max-fee and --priority-fee for commands that send a transaction (below
    @chain_options, whose session they set up)."""

    from ante.cli.params import GAS_PRICE

    @click.option("--confirmations", type=click.IntRange(min=0), metavar="N",
                  help="Blocks to wait for on top of the transaction's block before reporting it "
                       "[default: the network's setting in Ape; 0 on a local chain].")
    @click.option("--max-fee", type=GAS_PRICE, metavar="PRICE",
                  help='Highest total fee per gas to pay, e.g. "40 gwei" (a bare number is gwei) '
                       "[default: from the node's base fee].")
    @click.option("--priority-fee", type=GAS_PRICE, metavar="PRICE",
                  help='Tip per gas for the block producer, e.g. "1.5 gwei" [default: the node\'s suggestion].')
    @functools.wraps(function)
    def wrapper(session, confirmations, max_fee, priority_fee, **kwargs):
        from ante.transactions import TransactionPolicy

        if max_fee is not None and priority_fee is not None and priority_fee > max_fee:
            raise click.BadParameter(f"the priority fee ({priority_fee:,} wei) cannot exceed the maximum fee "
                                     f"({max_fee:,} wei).", param_hint="--priority-fee")
        session.policy = TransactionPolicy(confirmations, max_fee, priority_fee)
        return function(session, **kwargs)

    return wrapper


def offline_options(function):
    """--json and --verbose for commands that never touch a chain."""

    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
    @click.option("-v", "--verbose", is_flag=True, help="Show full tracebacks.")
    @functools.wraps(function)
    def wrapper(as_json, verbose, **kwargs):
        from ante.cli.session import Session

        session = Session(DEFAULT_NETWORK, None, None, as_json, True, verbose)
        with session.guard():
            return function(session, **kwargs)

    return wrapper


#: What --publish means, for the help of every command that takes a document.
PUBLISH_HELP = ("Publish a local file given as a document to this Ante oracle's document store "
                "(e.g. http://127.0.0.1:8700; env ANTE_PUBLISH) and record the URL it is served at. "
                "Without it a document must be a URL, recorded as it is.")


def publish_option(function):
    """--publish URL (env ANTE_PUBLISH): where a local document file is uploaded before it goes on chain."""
    return click.option("--publish", "publish", envvar="ANTE_PUBLISH", metavar="URL", help=PUBLISH_HELP)(function)
