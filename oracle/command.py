"""`ante oracle run`: the oracle service as a command.

Only click is imported at module level, so `ante oracle --help` stays instant; FastAPI, uvicorn and
Ape are imported when the service starts.
"""

from __future__ import annotations

import sys

import click

from ante.cli.options import chain_options

PASSPHRASE_ENV = "ANTE_ORACLE_PASSPHRASE"


@click.group()
def oracle():
    """The oracle service: collects signed verdicts over HTTP and settles on-chain.

    It verifies every verdict (signature, panel, chain, deployment, deliverable, review window),
    stores it durably, settles a challenge as soon as a quorum of its panel agrees, and lapses
    challenges whose deadlines have passed. It cannot forge a verdict: it only relays what
    evaluators signed, and pays the gas from its own account.

    \b
    Example:
      ante oracle run --account TEST::4 --port 8700
    """


@oracle.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True, help="Port to listen on.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), metavar="PATH",
              help="The verdict store, SQLite (default: oracle.sqlite in $ANTE_DATA_DIR).")
@click.option("--no-keeper", is_flag=True, help="Do not lapse challenges whose deadlines have passed.")
@click.option("--poll", type=click.FloatRange(min=0.05), default=2.0, show_default=True, metavar="SECONDS",
              help="How often to read new blocks, retry stored quorums and run the keeper.")
@click.option("--confirmations", type=click.IntRange(min=0), metavar="N",
              help="Blocks on top of a settlement's or lapse's block before its outcome is final "
                   "[default: the network's setting in Ape; 0 on a local chain].")
@click.option("--max-document", type=click.IntRange(min=1), default=1024 * 1024, show_default=True, metavar="BYTES",
              help="The largest document (spec, promise, deliverable) the document store accepts.")
@click.option("--eas", "eas_address", metavar="ADDRESS",
              help="The EAS deployment feedback attestations are bound to [default: the one recorded with the "
                   "deployment, if any; without one, the oracle takes no feedback].")
@click.option("--eas-version", metavar="VERSION",
              help="EAS's version() for the attestations' domain [default: read from the contract].")
@click.option("--feedback-from", "feedback_from", multiple=True, metavar="ADDRESS|FILE",
              help="Take feedback only from this address, or from the addresses in this file (one a line; # "
                   "comments); repeatable. With --feedback-panel, either lets a signer in [default: anyone].")
@click.option("--feedback-panel", "feedback_panels", multiple=True, type=click.IntRange(min=1), metavar="ID",
              help="Take feedback only from the members of this panel; repeatable.")
@click.option("--feedback-rate", type=click.IntRange(min=0), default=60, show_default=True, metavar="N",
              help="Feedback attestations taken from one signer in any hour (0: no limit); beyond, 429.")
@chain_options
def run(session, host, port, db_path, no_keeper, poll, confirmations, max_document, eas_address, eas_version,
        feedback_from, feedback_panels, feedback_rate):
    """Run the oracle until SIGTERM or Ctrl-C.

    --account is the oracle's Ape account: it sends the settlements and lapses. A keyfile account's
    passphrase is read from $ANTE_ORACLE_PASSPHRASE, else asked for at the terminal; it is never
    logged.

    Every transaction is simulated first (nothing that would revert is sent), many are in flight at
    once, and each is followed until it is --confirmations blocks deep: sent again if a
    reorganisation drops it, replaced at the same nonce with a higher fee if the base fee rises past
    it. The store keeps them, so a restarted oracle follows what it had in flight.

    \b
    Endpoints (OpenAPI at /docs and /openapi.json):
      POST /verdicts            a signed verdict, as `ante verdict sign` writes it
      GET  /challenges          every challenge (?state=submitted ...)
      GET  /challenges/ID       a challenge, its verdicts, what a quorum still needs, the
                                oracle's transactions
      GET  /records/ADDRESS     an address's records
      POST /feedback            an EAS off-chain attestation of feedback (with --eas)
      GET  /feedback            current feedback (?challenge=ID, ?signer=, ?recipient=)
      GET  /feedback/UID        one attestation package, re-verifiable by anyone
      PUT  /documents/0xHASH    a document (spec, promise, deliverable) by the keccak-256
                                of its bytes, as `ante post --publish` uploads it; stored
                                in documents/ beside the --db
      GET  /documents/0xHASH    a stored document's bytes
      GET  /health, /metrics    status, and Prometheus metrics

    \b
    Dashboard (read-only HTML; works without JavaScript):
      /                         the board: challenges by state, with filters
      /ui/challenges/ID         terms, promise, deliverable, verdicts and timeline
      /ui/people/ADDRESS        records, challenges and promises against deliveries
      /ui/rankings, /ui/audit   contributors and evaluators ranked; the audit

    \b
    Example:
      ante oracle run --account TEST::4 --port 8700
      ante verdict sign 3 --score 90% --account TEST::5 --post http://127.0.0.1:8700
    """
    import logging
    import signal
    import time
    from pathlib import Path

    from ante.deployment import data_dir
    from ante.errors import AnteError

    _configure_logging(session.verbose)
    policy = _feedback_policy(feedback_from, feedback_panels, feedback_rate)
    client = session.client()
    session.passphrase_variable = PASSPHRASE_ENV
    account = session.account()  # a keyfile account is unlocked there, from $ANTE_ORACLE_PASSPHRASE first

    import uvicorn

    from ante.oracle.app import create_app
    from ante.oracle.service import OracleService
    from ante.oracle.store import VerdictStore

    eas = _eas_domain(client, eas_address, eas_version)
    store = VerdictStore(Path(db_path) if db_path else data_dir() / "oracle.sqlite")
    service = OracleService(client, account, store, keeper=not no_keeper, poll=poll, confirmations=confirmations,
                            eas=eas, feedback_policy=policy)
    app = create_app(service)
    app.state.documents.max_size = max_document
    config = uvicorn.Config(app, host=host, port=port, access_log=session.verbose,
                            log_level="info" if session.verbose else "warning", lifespan="off")
    server = _announcing_server(uvicorn)(config)
    # uvicorn re-raises the signal that stopped it once it has shut down; these handlers receive it,
    # so a SIGTERM or Ctrl-C ends the process normally (exit code 0) after the cleanup below.
    # A signal before uvicorn runs (while the first sync is under way) also stops it.
    stopping = []

    def on_signal(number, frame):
        stopping.append(number)
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    log = logging.getLogger("ante.oracle")
    service.start()
    try:
        deadline = time.monotonic() + 60
        while not service.wait_ready(timeout=0.2) and not stopping and time.monotonic() < deadline:
            pass
        if service.snapshot is None and not stopping:
            log.warning("the first read of the chain has not finished; serving anyway (see /health)")
        server.announce = lambda bound: session.err.print(
            f"Ante oracle for {service.contract} on chain {service.chain_id}, account {service.address}: "
            f"listening on http://{host}:{bound or port} (keeper {'off' if no_keeper else 'on'}; "
            f"{service.relayer.confirmations} confirmations; "
            + (f"feedback from {policy.describe()} for EAS {eas.eas} version {eas.version})." if eas is not None
               else "no feedback: no EAS deployment).")
        )
        try:
            server.run()
        except SystemExit as exit_:
            if not server.started:
                raise AnteError(f"the oracle could not listen on {host}:{port} (see the message above).") from None
            raise exit_
    finally:
        stopped = service.stop(timeout=15)
        service.close_feedback()
        store.close()
        log.info("oracle stopped%s", "" if stopped else " (the chain worker was still busy)")
    if not server.started:
        raise AnteError(f"the oracle could not listen on {host}:{port} (see the message above).")


def _feedback_policy(sources, panels, rate):
    """The feedback policy of --feedback-from (addresses and files of them), --feedback-panel and --feedback-rate."""
    from pathlib import Path

    from ante.errors import BadInput
    from ante.oracle.feedback import FeedbackPolicy, read_addresses
    from ante.terms import to_checksum_address

    addresses = []
    for source in sources:
        if source.lower().startswith("0x") and len(source) == 42:
            try:
                addresses.append(to_checksum_address(source))
            except ValueError:
                raise BadInput(f"--feedback-from {source} is not an address.") from None
        elif Path(source).is_file():
            try:
                addresses += read_addresses(source)
            except (ValueError, UnicodeDecodeError) as error:
                raise BadInput(f"--feedback-from {Path(source).name}: {error}") from None
        else:
            raise BadInput(f"--feedback-from takes an address (0x and 40 hex digits) or a file of them; "
                           f"{Path(source).name!r} is neither.")
    return FeedbackPolicy(addresses=frozenset(addresses), panels=frozenset(panels), rate=rate)


def _eas_domain(client, address, version):
    """The EAS domain feedback is checked against: --eas (its version given or read with an eth_call of
    version()), else the deployment's own EAS where one is recorded (with its recorded version); None for
    no feedback."""
    from ante.errors import AnteError, BadInput
    from ante.feedback import EasDomain, FeedbackError

    if not address:
        address = getattr(client.deployment, "eas", "") or ""
        if not address and version:
            raise BadInput("--eas-version needs --eas (no EAS deployment is recorded with this Ante deployment).")
        version = version or getattr(client.deployment, "eas_version", "") or ""
    if not address:
        return None
    try:
        if version:
            return EasDomain(int(client.chain_id), address, version)
        from ante.eas import EasReader

        return EasReader(address, client.node).domain(int(client.chain_id))
    except FeedbackError as error:
        raise BadInput(f"--eas: {error}") from None
    except Exception as error:
        raise AnteError(f"the EAS contract at {address} did not answer version() ({error}); check --eas, or give "
                        "--eas-version.") from None


def _announcing_server(uvicorn):
    """A uvicorn Server that says where it listens once it does (the port, when --port 0 chose one)."""

    class AnnouncingServer(uvicorn.Server):
        announce = None

        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started and self.announce is not None:
                bound = None
                for server in getattr(self, "servers", []):
                    for sock in server.sockets:
                        bound = sock.getsockname()[1]
                self.announce(bound)

    return AnnouncingServer


def _configure_logging(verbose: bool) -> None:
    """The oracle's own log lines go to stderr, with a timestamp."""
    import logging

    logger = logging.getLogger("ante.oracle")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
