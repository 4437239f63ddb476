"""The `ante` command: a lazy click group, so `--help` never imports Ape or connects to anything."""

from __future__ import annotations

import importlib

import click

# name -> (module, function, one-line help). Modules are imported only when their command runs.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "deploy": ("ante.cli.deploy", "deploy", "Deploy the Ante contract and remember its address."),
    "panel": ("ante.cli.panel", "panel", "Create or show a panel of evaluators."),
    "post": ("ante.cli.post", "post", "Post a challenge and escrow its reward."),
    "fund": ("ante.cli.fund", "fund", "Add to an open challenge's reward (co-fund it)."),
    "list": ("ante.cli.browse", "list_challenges", "List challenges, newest first."),
    "show": ("ante.cli.browse", "show", "Show one challenge: terms, promise, deliverable, timeline."),
    "accept": ("ante.cli.work", "accept", "Accept a challenge: stake and promise a delivery."),
    "submit": ("ante.cli.work", "submit", "Submit the deliverable of an accepted challenge."),
    "abandon": ("ante.cli.work", "abandon", "Give up an accepted challenge (the stake goes to the funder)."),
    "verdict": ("ante.cli.verdict", "verdict", "Sign a verdict as an evaluator, or print it for a wallet."),
    "feedback": ("ante.cli.feedback", "feedback", "Give, list, export and verify feedback on work (EAS)."),
    "settle": ("ante.cli.settle", "settle", "Settle a submitted challenge with a quorum of verdicts."),
    "appeal": ("ante.cli.appeal", "appeal", "Appeal a recorded verdict, posting the appeal bond."),
    "finalize": ("ante.cli.appeal", "finalize", "Pay a recorded verdict once it can no longer change."),
    "cancel": ("ante.cli.close", "cancel", "Cancel an open challenge you posted (the reward comes back)."),
    "lapse": ("ante.cli.close", "lapse", "Close a challenge whose deadline has passed."),
    "claim": ("ante.cli.fund", "claim", "Credit a co-funder's share of a closed challenge."),
    "withdraw": ("ante.cli.close", "withdraw", "Withdraw what Ante owes you."),
    "audit": ("ante.cli.audit", "audit", "Replay every event and check the contract's books."),
    "records": ("ante.cli.records", "records", "Records of contributors, evaluators and funders."),
    "kelly": ("ante.cli.kelly", "kelly", "Should you accept? The Kelly view of a stake."),
    "oracle": ("ante.oracle.command", "oracle", "Run the oracle service that collects verdicts and settles."),
    "dev": ("ante.cli.dev", "dev", "Tools for a local development chain: a test token, a Safe."),
}


class LazyGroup(click.Group):
    """A group that lists its commands from a table and imports each only when it is used."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx, formatter):
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ante", prog_name="ante")
def cli():
    """Ante: staked bounties judged by a panel of evaluators.

    A funder posts a challenge with a reward; a contributor accepts it by staking a share of the
    reward and promising a delivery; evaluators sign verdicts; anyone settles with a quorum.
    Until someone first accepts it, anyone else may add to the reward and share in what comes back
    to the funders (`ante fund --help`).

    \b
    A whole story on a local chain (start one with `make node`):
      ante deploy --account TEST::0
      ante panel create --evaluator 0xA.. --evaluator 0xB.. --evaluator 0xC.. --threshold 2
      ante oracle run --account TEST::4 &          # verdicts, settlements, documents
      export ANTE_PUBLISH=http://127.0.0.1:8700    # local files are published there
      ante post --reward "1 ether" --stake 10% --panel 1 --accept-by +7d \\
                --deliver-within 14d --review-within 3d --spec spec.md --account TEST::1
      ante fund 1 "0.5 ether" --account TEST::3    # anyone may add to the reward
      ante accept 1 --promise promise.md --by +10d --account TEST::2
      ante submit 1 --deliverable https://example.org/pr/42 --account TEST::2
      ante verdict sign 1 --score 90% --account TEST::5 --out v5.json
      ante settle 1 v5.json v6.json
      ante withdraw --account TEST::2

    A spec, promise or deliverable goes on chain as a URL and a hash: a URL as it is, or a local
    file published with --publish URL (or $ANTE_PUBLISH) to an oracle's document store, so that
    anyone can open it; a local file is never recorded by its path.

    Every command takes --network (any network Ape knows, default ethereum:local:foundry),
    --account (an Ape account alias, or TEST::N for a test account) and --json.
    """


def main():
    cli(prog_name="ante")


if __name__ == "__main__":
    main()
