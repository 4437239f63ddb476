"""A command's session: the network connection, the account, the client, and how results are shown.

Failures end here: bad input exits with code 2, a refused operation with code 1, each as one plain
sentence on stderr; a traceback only with --verbose.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from collections.abc import Callable

import click

from ante.errors import AnteError, BadInput


class Session:
    """Options shared by every command, and the resources they open lazily."""

    def __init__(self, network: str, account_alias: str | None, contract: str | None, as_json: bool, yes: bool,
                 verbose: bool):
        self.network = network
        self.account_alias = account_alias
        self.contract_override = contract
        self.as_json = as_json
        self.yes = yes
        self.verbose = verbose
        self._stack = contextlib.ExitStack()
        self._connected = False
        self._client = None
        self._account = None
        from rich.console import Console

        # Piped output (logs, scripts) gets a wide page so that addresses are never cut.
        width = None if sys.stdout.isatty() else 160
        self.out = Console(highlight=False, soft_wrap=True, width=width)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    # ------------------------------------------------------------------ failure handling

    @contextlib.contextmanager
    def guard(self):
        """Turns every failure into one sentence and the right exit code; closes the connection."""
        try:
            with self._stack:
                yield self
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except BadInput as error:
            self._fail(error, 2)
        except AnteError as error:
            self._fail(error, 1)
        except KeyboardInterrupt:
            self.err.print("Interrupted.")
            sys.exit(130)
        except Exception as error:  # anything unexpected still ends in one sentence without -v
            if self.verbose:
                raise
            self._fail(AnteError(f"unexpected {type(error).__name__}: {error} (run again with -v for details)"), 1)

    def _fail(self, error: Exception, code: int):
        if self.verbose:
            traceback.print_exception(error, file=sys.stderr)
        message = str(error)
        message = message[0].upper() + message[1:] if message else type(error).__name__
        if self.as_json:
            print(json.dumps({"error": message, "exit_code": code}))
        self.err.print(f"[bold red]Error:[/] {message}")
        sys.exit(code)

    # ------------------------------------------------------------------ chain

    def status(self, message: str):
        """A spinner on stderr while something slow happens."""
        return self.err.status(message, spinner="dots")

    def connect(self) -> None:
        """Connects to the chosen network (once)."""
        if self._connected:
            return
        from ape.logging import logger

        logger.set_level("DEBUG" if self.verbose else "ERROR")
        import ape

        with self.status(f"Connecting to {self.network}…"):
            try:
                self._stack.enter_context(ape.networks.parse_network_choice(self.network))
            except Exception as error:
                if self.verbose:
                    raise
                raise BadInput(f"cannot connect to network {self.network!r}: {error}") from error
        self._connected = True

    def client(self):
        """The Ante deployment on the connected chain."""
        if self._client is None:
            self.connect()
            from ante.client import AnteClient

            self._client = AnteClient.connect(self.contract_override)
        return self._client

    def set_client(self, client) -> None:
        self._client = client

    def account(self):
        """The Ape account named by --account."""
        if self._account is not None:
            return self._account
        if not self.account_alias:
            raise BadInput("this command sends a transaction: name the sender with --account ALIAS (or TEST::N).")
        self.connect()
        from ape import accounts

        alias = self.account_alias
        if alias.upper().startswith("TEST::"):
            try:
                self._account = accounts.test_accounts[int(alias[6:])]
            except (ValueError, IndexError) as error:
                raise BadInput(f"{alias!r} is not a test account; use TEST::0 to TEST::9.") from error
        else:
            try:
                self._account = accounts.load(alias)
            except Exception as error:
                known = ", ".join(a.alias for a in accounts if getattr(a, "alias", None)) or "none"
                raise BadInput(
                    f"there is no Ape account {alias!r} (known aliases: {known}); "
                    "add one with `ape accounts import` or `ape accounts generate`."
                ) from error
        return self._account

    def chronicle(self):
        """All challenges, reading new blocks into the index first (with a progress line when there are many)."""
        client = self.client()
        with self.status("Reading the chain…") as status:

            def progress(done: int, head: int):
                status.update(f"Reading blocks… {done:,} of {head:,}")

            return client.sync(progress)

    # ------------------------------------------------------------------ output

    def confirm(self, question: str) -> None:
        """Asks before doing something irreversible, unless --yes."""
        if self.yes:
            return
        if not sys.stdin.isatty():
            raise BadInput("refusing to go ahead without confirmation: pass --yes when not at a terminal.")
        click.confirm(question, abort=True, err=True)

    def transaction(self, description: str, send: Callable[[], object]):
        """Sends a transaction with a spinner, then shows its hash and gas; returns what `send` returned.

        `send` returns a receipt, a tuple whose last item is the receipt, or an object with `.receipt`.
        """
        with self.status(f"{description}: waiting for the transaction…"):
            result = send()
        receipt = result[-1] if isinstance(result, tuple) else getattr(result, "receipt", result)
        if not self.as_json:
            self.out.print(f"[green]✔[/] {description} — tx {receipt.txn_hash}, gas {receipt.gas_used:,}")
        return result

    def emit(self, data, human: Callable[[], None] | None = None) -> None:
        """Prints `data` as JSON with --json, else runs `human` to print it for people."""
        if self.as_json:
            print(json.dumps(data, indent=2, sort_keys=True, default=str))
        elif human is not None:
            human()


def receipt_json(receipt) -> dict:
    """What JSON output says about a transaction."""
    return {"tx": str(receipt.txn_hash), "gas_used": int(receipt.gas_used), "block": int(receipt.block_number)}
