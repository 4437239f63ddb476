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
        from ante.transactions import TransactionPolicy

        self.policy = TransactionPolicy()  # --confirmations, --max-fee, --priority-fee (write commands)
        self.active_policy = self.policy  # the policy with this command's progress line, while a write runs
        self.passphrase_variable: str | None = None  # an environment variable a command reads a passphrase from
        self.sending: str | None = None  # the write in progress, if any
        self._sent: list[str] = []  # hashes of the transactions this command broadcast
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
            self.err.print(self._interrupted(), markup=False)
            sys.exit(130)
        except Exception as error:  # anything unexpected still ends in one sentence without -v
            if self.verbose:
                raise
            self._fail(AnteError(f"unexpected {type(error).__name__}: {error} (run again with -v for details)"), 1)

    def _interrupted(self) -> str:
        """What Ctrl-C leaves behind: nothing sent, or a transaction that may still be mined."""
        if self._sent:
            return (f"Interrupted after signing transaction {self._sent[-1]}: it may have been sent and may still be "
                    "mined, so look it up "
                    "(ante show, ante list) before sending it again.")
        if self.sending:
            return "Interrupted before anything was sent."
        return "Interrupted."

    def _fail(self, error: Exception, code: int):
        if self.verbose:
            traceback.print_exception(error, file=sys.stderr)
        message = str(error) or type(error).__name__
        if message[0].islower() and message.split(" ", 1)[0].isalpha():
            message = message[0].upper() + message[1:]  # a sentence's first word, never a name or path
        if self.as_json:
            print(json.dumps({"error": message, "exit_code": code}))
        self.err.print(f"[bold red]Error:[/] {message}")
        sys.exit(code)

    # ------------------------------------------------------------------ chain

    def status(self, message: str):
        """A spinner on stderr while something slow happens."""
        return self.err.status(message, spinner="dots")

    def connect(self) -> None:
        """Connects to the chosen network (once).

        A local anvil is never started behind the user's back (it would vanish with the command, and
        the chain with it): the node must already run, e.g. `make node`. A provider already connected
        to the same network (a script or test that calls the CLI in-process) is reused.
        """
        if self._connected:
            return
        import logging

        from ape.logging import logger

        logger.set_level("DEBUG" if self.verbose else "ERROR")
        loggers = [logging.getLogger()] + [
            lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
        ]
        for handler in (h for lg in loggers for h in lg.handlers):  # logs never mix into stdout (--json)
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
                handler.setStream(sys.stderr)
            elif hasattr(handler, "echo_kwargs"):  # Ape's own handler echoes through click
                levels = ("debug", "info", "success", "warning", "error", "critical")
                handler.echo_kwargs = {level: {**handler.echo_kwargs.get(level, {}), "err": True} for level in levels}
        import ape

        active = ape.networks.active_provider
        if active is not None and active.is_connected and active.network_choice == self.network:
            self._connected = True
            self._connected_to(active)
            return
        settings = {"manage_process": False} if self.network.endswith(":foundry") else None
        with self.status(f"Connecting to {self.network}…"):
            try:
                self._stack.enter_context(ape.networks.parse_network_choice(self.network, provider_settings=settings))
            except Exception as error:
                if self.verbose:
                    raise
                lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
                first_line = (lines or [type(error).__name__])[0].rstrip(" :")
                if first_line.endswith("Options") and len(lines) > 1:
                    # Ape's "no such ecosystem/network/provider", its choices one per line: name them all.
                    names = sorted({name.strip("-*• \t") for name in lines[1:]} - {""})
                    first_line = first_line.removesuffix("Options").rstrip(". ") + f"; choose one of {', '.join(names)}"
                    hint = " (a choice is ecosystem:network:provider, e.g. ethereum:local:foundry or ethereum:sepolia:node)"
                else:
                    hint = " (start a local node with `make node`)" if settings else ""
                raise BadInput(f"cannot connect to network {self.network!r}: {first_line.rstrip('.')}{hint}.") from error
        self._connected = True
        self._restore_ctrl_c()
        self._check_chain_id()
        self._connected_to(ape.chain.provider)

    def _connected_to(self, provider) -> None:
        """Records where Ape found the node (for later reads, :mod:`ante.network`), and refuses a node that is
        not the chain this command already read from."""
        import ape

        from ante import network

        chain_id = int(ape.chain.chain_id)
        if self._client is not None and self._client.chain_id != chain_id:
            raise AnteError(f"network {self.network!r} now reaches chain {chain_id}, not chain "
                            f"{self._client.chain_id} read a moment ago; nothing was sent.")
        uri = getattr(provider, "http_uri", None)
        network.remember(self.network, network.Resolved(uri if isinstance(uri, str) else None, chain_id))

    @staticmethod
    def _restore_ctrl_c() -> None:
        """Ape turns Ctrl-C into a bare exit(130) on import and on connecting; give it back to Python, so that
        the command can say whether a transaction had already been sent (:meth:`guard`)."""
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def _check_chain_id(self) -> None:
        """Refuses a network spelling under which Ape signs for another chain than the node's: for example
        ``ethereum:local:http://…`` makes Ape report chain 1337 while anvil is 31337, and every signature
        and every record in the data folder would be for the wrong chain."""
        import ape

        node = ape.chain.provider.make_request("eth_chainId", [])
        node_id = int(node, 16) if isinstance(node, str) else int(node)
        if node_id != ape.chain.chain_id:
            raise BadInput(
                f"network {self.network!r} makes Ape use chain id {ape.chain.chain_id}, but the node is chain "
                f"{node_id}; choose a network that matches it (for a local anvil on another port: "
                "`--network ethereum:local:foundry` with APE_FOUNDRY_HOST=http://127.0.0.1:PORT)."
            )

    def client(self):
        """The Ante deployment on the chosen network; its reads go to :meth:`reader`."""
        if self._client is None:
            from ante.client import AnteClient

            node, chain_id = self.reader()
            self._client = AnteClient.connect(self.contract_override, node=node, chain_id=chain_id,
                                              notice=self.notice)
            self._client.transactions = self.active_policy
        return self._client

    def reader(self):
        """(node, chain id) for reads: the node over HTTP, found without starting Ape when this network choice
        was resolved before under the same configuration (:mod:`ante.network`) and the node still answers as
        that chain; else through Ape (which records what it found for next time)."""
        from ante import network
        from ante.rpc import ApeNode, HttpNode, quantity

        if not self._connected:
            known = network.recall(self.network)
            if known is not None and known.uri:
                node = HttpNode(known.uri)
                try:
                    if quantity(node.request("eth_chainId")) == known.chain_id:
                        return node, known.chain_id
                except (AnteError, ValueError, TypeError):
                    pass  # the node is gone or changed: Ape says what is wrong, or finds the new one
                network.forget(self.network)
        self.connect()
        import ape

        uri = getattr(ape.chain.provider, "http_uri", None)
        return (HttpNode(uri) if isinstance(uri, str) and uri.startswith(("http://", "https://")) else ApeNode(),
                int(ape.chain.chain_id))

    def notice(self, message: str) -> None:
        """Something the user should know once, on stderr (the index rewound after a reorganisation...)."""
        self.err.print(message, markup=False)

    def set_client(self, client) -> None:
        self._client = client

    def account(self, purpose: str = "this command sends a transaction: name the sender"):
        """The Ape account named by --account."""
        if self._account is not None:
            return self._account
        if not self.account_alias:
            raise BadInput(f"{purpose} with --account ALIAS (or TEST::N).")
        self.connect()
        from ape import accounts

        alias = self.account_alias
        if alias.upper().startswith("TEST::"):
            try:
                index = int(alias[6:])
                if index < 0:
                    raise IndexError(index)
                self._account = accounts.test_accounts[index]
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
            self._unlock(self._account)
            from ante.safes import prepare

            prepare(self._account)
        return self._account

    def _unlock(self, account) -> None:
        """Unlocks a keyfile account once, before anything is sent, and lets it sign this command's
        transactions without asking again (the command has asked for its own confirmation, or --yes).

        The passphrase comes from `passphrase_variable` when the command names one (the oracle's
        ``ANTE_ORACLE_PASSPHRASE``), else Ape's ``APE_ACCOUNTS_<alias>_PASSPHRASE``, else, at a terminal, a
        prompt on stderr; it is never echoed, logged or kept after the command."""
        from ape_accounts import KeyfileAccount

        if not isinstance(account, KeyfileAccount):  # hardware, Safe and other accounts keep their own flow
            return
        import os

        alias = account.alias
        variables = [v for v in (self.passphrase_variable, f"APE_ACCOUNTS_{alias}_PASSPHRASE") if v]
        passphrase = next((os.environ[v] for v in variables if os.environ.get(v)), None)
        if not passphrase:
            if not sys.stdin.isatty():
                raise BadInput(f"the Ape account {alias!r} is locked and there is no terminal to ask for its "
                               f"passphrase; set {' or '.join(variables)}.")
            passphrase = click.prompt(f"Passphrase for account {alias!r}", hide_input=True, err=True)
        try:
            account.set_autosign(True, passphrase=passphrase)
        except Exception as error:
            if type(error).__name__ == "InvalidPasswordError":
                raise BadInput(f"cannot unlock the Ape account {alias!r}: wrong passphrase.") from None
            raise

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
        """Sends a transaction with a progress line on stderr (sending, mined, confirmations), then shows its
        hash, block and gas; returns what `send` returned.

        `send` returns a receipt, a tuple whose last item is the receipt, or an object with `.receipt`.
        """
        with self.status(f"{description}: sending…") as status, self._quiet_traces():
            self.sending = description
            self.active_policy = self.policy.with_progress(lambda message: status.update(f"{description}: {message}"),
                                                           sent=self._sent.append)
            if self._client is not None:
                self._client.transactions = self.active_policy
            try:
                result = send()
            finally:
                self.active_policy = self.policy
                if self._client is not None:
                    self._client.transactions = self.policy
        self.sending = None  # (kept while an interruption propagates, so that it can say what was sent)
        receipt = result[-1] if isinstance(result, tuple) else getattr(result, "receipt", result)
        if not self.as_json:
            self.out.print(f"[green]✔[/] {description} — tx {receipt.txn_hash}, block {receipt.block_number}, "
                           f"gas {receipt.gas_used:,}")
        return result

    @contextlib.contextmanager
    def _quiet_traces(self):
        """Ape prints a call trace for every revert straight to the process's stdout; keep it out of
        the output (the refusal is reported as one sentence) unless --verbose."""
        if self.verbose:
            yield
            return
        import os

        sys.__stdout__.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            yield
        finally:
            sys.__stdout__.flush()
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)

    def emit(self, data, human: Callable[[], None] | None = None) -> None:
        """Prints `data` as JSON with --json, else runs `human` to print it for people."""
        if self.as_json:
            print(json.dumps(data, indent=2, sort_keys=True, default=str))
        elif human is not None:
            human()


def receipt_json(receipt) -> dict:
    """What JSON output says about a transaction."""
    return {"tx": str(receipt.txn_hash), "gas_used": int(receipt.gas_used), "block": int(receipt.block_number)}
