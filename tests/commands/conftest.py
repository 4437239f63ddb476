"""Fixtures for testing the `ante` command line in-process, with click's CliRunner, under `ape test`.

How the command reaches the test's chain
----------------------------------------
Every chain command opens its own connection with ``ape.networks.parse_network_choice(--network)``
(``Session.connect``). Under ``ape test`` that is safe for the test's provider (the context manager
restores it as the active provider on exit, and never disconnects it), but with this project's
``ape-config.yaml`` (``foundry: host: auto``) a *new* provider object for ``ethereum:local:foundry``
starts a fresh anvil on a random port each time, so the command would not see the test's chain and
nothing would persist from one command to the next (see test_cli_session.py, which shows it).

The fixtures therefore set ``APE_FOUNDRY_HOST`` to the test provider's URI, ape-foundry's documented
way of naming the node to use. The command still runs its real connection code: its provider connects
to that URI, Ape sees the same connection id and hands back the test's provider object, so the
command's transactions land on the test's chain, inside the test's snapshot. No Ante code is patched.

Isolation
---------
``ape test`` reverts the chain after each test, so a deployment recorded by one test would point at a
contract that no longer exists in the next, and the event index would hold events that were reverted.
So each test gets its own data folder (``ANTE_DATA_DIR``, holding the registry and the index) and
deploys its own Ante through ``ante deploy``.

Documents
---------
A local file given as a spec, promise or deliverable must be published (``--publish URL``). One real
document store (the oracle's ``/documents`` routes, served by uvicorn on a port in 19000-19099) serves
the whole session: ``document_store``, and ``Ante.publish`` its URL, which the story's helpers pass.

Accounts (Ape test accounts): TEST::0 deployer, TEST::1 funder, TEST::2 contributor, TEST::3
stranger, TEST::4 relayer; TEST::5, 6 and 7 form the 2-of-3 panel, so they can sign with
``ante verdict sign``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from document_support import serve_documents

from ante.cli.main import cli

DEPLOYER, FUNDER, CONTRIBUTOR, RELAYER = "TEST::0", "TEST::1", "TEST::2", "TEST::4"

#: What a traceback looks like, in case one leaks.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \"", re.MULTILINE)


@dataclass
class Outcome:
    """One run of `ante`: exit code, stdout and stderr (kept apart), and the arguments, for messages."""

    args: list[str]
    code: int
    out: str
    err: str
    exception: BaseException | None

    def json(self):
        try:
            return json.loads(self.out)
        except json.JSONDecodeError as error:
            raise AssertionError(f"`ante {' '.join(self.args)}` did not print JSON ({error}):\n{self.out}") from None

    @property
    def message(self) -> str:
        """The text after "Error: " on stderr (the one sentence a failure prints)."""
        lines = [line for line in self.err.splitlines() if line.startswith("Error:")]
        assert len(lines) == 1, f"expected exactly one 'Error:' line on stderr, got:\n{self.err}"
        return lines[0].removeprefix("Error:").strip()

    def __str__(self):
        return f"`ante {' '.join(self.args)}` exited {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Ante:
    """Runs `ante` in-process and keeps the files a story needs (spec, promise, verdicts) in a folder."""

    def __init__(self, folder: Path, accounts, chain, publish: str):
        self.folder = folder
        self.accounts = accounts
        self.chain = chain
        self.publish = publish  # the session's document store
        self.address: str | None = None

    # ------------------------------------------------------------------ running

    def run(self, *args, input: str | None = None) -> Outcome:
        runner = CliRunner(mix_stderr=False)
        args = [str(a) for a in args]
        result = runner.invoke(cli, args, input=input, prog_name="ante")
        exception = result.exception
        if exception is not None and not isinstance(exception, SystemExit):
            # CliRunner swallowed an exception the command let escape: that is a bug in itself.
            raise AssertionError(f"`ante {' '.join(args)}` raised {exception!r}") from exception
        return Outcome(args, result.exit_code, result.stdout, result.stderr, exception)

    def ok(self, *args, input: str | None = None) -> Outcome:
        """Runs and asserts success (exit 0, nothing on stderr that looks like an error)."""
        outcome = self.run(*args, input=input)
        assert outcome.code == 0, str(outcome)
        assert "Error" not in outcome.err, str(outcome)
        assert not TRACEBACK.search(outcome.out + outcome.err), str(outcome)
        return outcome

    def fails(self, code: int, *args, input: str | None = None) -> Outcome:
        """Runs and asserts failure with `code`, one 'Error:' sentence on stderr and no traceback."""
        outcome = self.run(*args, input=input)
        assert outcome.code == code, str(outcome)
        assert not TRACEBACK.search(outcome.out + outcome.err), str(outcome)
        message = outcome.message
        assert message and not message[0].islower() and message.rstrip().endswith((".", ")", "?")), str(outcome)
        assert "Error" not in outcome.out or "--json" in args, str(outcome)
        if not outcome.err.startswith("Usage:"):  # click's own usage errors add "Usage: ..." and "Try ..." lines
            assert len(outcome.err.strip().splitlines()) == 1, str(outcome)
        return outcome

    def refused(self, *args) -> str:
        """A refused operation: exit 1 and exactly one line on stderr, the sentence; returns it."""
        return self.fails(1, *args).message

    def bad_input(self, *args) -> str:
        """Bad input: exit 2 and one 'Error:' sentence (click adds its usage lines for option errors)."""
        return self.fails(2, *args).message

    # ------------------------------------------------------------------ files

    def file(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text)
        return path

    # ------------------------------------------------------------------ the story, step by step

    def addr(self, n: int) -> str:
        return self.accounts[n].address

    def deploy(self) -> str:
        self.address = self.ok("deploy", "--account", DEPLOYER, "--yes", "--json").json()["address"]
        return self.address

    def create_panel(self, members=(5, 6, 7), threshold=2) -> int:
        args = ["panel", "create", "--threshold", threshold, "--account", DEPLOYER, "--yes", "--json"]
        for n in members:
            args += ["--evaluator", self.addr(n)]
        return self.ok(*args).json()["panel_id"]

    def post(self, *extra, reward="1 ether", stake="10%", panel=1, accept_by="+7d", deliver_within="14d",
             review_within="3d", spec=None, account=FUNDER) -> int:
        spec = spec or str(self.file("spec.md", "# Build the thing\nWith tests.\n"))
        outcome = self.ok("post", "--reward", reward, "--stake", stake, "--panel", panel, "--accept-by", accept_by,
                          "--deliver-within", deliver_within, "--review-within", review_within, "--spec", spec,
                          "--publish", self.publish, "--account", account, "--yes", "--json", *extra)
        return outcome.json()["challenge_id"]

    def accept(self, challenge_id: int, *extra, by="+10d", account=CONTRIBUTOR) -> dict:
        promise = self.file(f"promise-{challenge_id}.md", f"I will deliver challenge {challenge_id} in ten days.\n")
        return self.ok("accept", challenge_id, "--promise", promise, "--publish", self.publish, "--by", by,
                       "--account", account, "--yes", "--json", *extra).json()

    def submit(self, challenge_id: int, deliverable="https://example.org/pull/42", account=CONTRIBUTOR) -> dict:
        return self.ok("submit", challenge_id, "--deliverable", deliverable, "--account", account, "--yes",
                       "--json").json()

    def sign(self, challenge_id: int, account: str, score="90%") -> Path:
        path = self.folder / f"verdict-{challenge_id}-{account.replace(':', '')}-{score.replace('%', 'pc')}.json"
        self.ok("verdict", "sign", challenge_id, "--score", score, "--account", account, "--out", path)
        return path

    def settle(self, challenge_id: int, *files, account=RELAYER) -> dict:
        return self.ok("settle", challenge_id, *files, "--account", account, "--yes", "--json").json()

    def show(self, challenge_id: int) -> dict:
        return self.ok("show", challenge_id, "--json").json()

    def mine_past(self, timestamp: int) -> None:
        """Mines a block strictly after `timestamp` (deadlines are inclusive: a lapse needs a later block)."""
        self.chain.mine(timestamp=timestamp + 1)


@pytest.fixture(scope="session")
def document_store(tmp_path_factory):
    """A real document store over HTTP for the whole session (documents are content-addressed, so tests
    cannot disturb one another through it)."""
    with serve_documents(tmp_path_factory.mktemp("document-store")) as served:
        yield served


@pytest.fixture
def ante_cli(monkeypatch, tmp_path, chain, accounts, document_store):
    """`ante` against the test's chain, with its own data folder and no deployment yet.

    (Not named `ante`: tests/conftest.py's session fixture `ante`, the contract, keeps its name.)
    """
    monkeypatch.setenv("ANTE_DATA_DIR", str(tmp_path / "ante-data"))
    monkeypatch.setenv("APE_FOUNDRY_HOST", chain.provider.uri)
    for name in ("ANTE_NETWORK", "ANTE_ACCOUNT", "ANTE_CONTRACT", "ANTE_PUBLISH"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "files"
    folder.mkdir()
    from ape.logging import logger

    level = logger.level  # every command sets Ape's (global) log level; put it back for the tests after this one
    yield Ante(folder, accounts, chain, document_store.url)
    logger.set_level(level)


@pytest.fixture
def deployed(ante_cli) -> Ante:
    """A fresh Ante deployed through `ante deploy`, with panel 1: TEST::5, 6 and 7, 2 of 3."""
    ante_cli.deploy()
    assert ante_cli.create_panel() == 1
    return ante_cli


@pytest.fixture
def posted(deployed) -> int:
    """Challenge 1, open: 1 ether reward, 10% stake, panel 1, accept within 7 days, deliver within 14, review 3."""
    return deployed.post()


@pytest.fixture
def accepted(deployed, posted) -> int:
    """Challenge 1, accepted by TEST::2 with a promise by +10d."""
    deployed.accept(posted)
    return posted


@pytest.fixture
def submitted(deployed, accepted) -> int:
    """Challenge 1, submitted by TEST::2 (deliverable https://example.org/pull/42)."""
    deployed.submit(accepted)
    return accepted
