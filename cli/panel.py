"""`ante panel create` and `ante panel show`."""

import click

from ante.cli.options import chain_options, write_options
from ante.cli.params import ADDRESS


@click.group()
def panel():
    """Create or show a panel of evaluators.

    A panel is an immutable set of 1 to 32 evaluators and a threshold m, a strict majority
    (n/2 < m <= n). Create it once and reuse its id for many challenges.

    \b
    Examples:
      ante panel create --evaluator 0xA.. --evaluator 0xB.. --evaluator 0xC.. --threshold 2 --account TEST::0
      ante panel show 1
    """


def unanimity_warning(n: int) -> str:
    """The warning for an m = n panel."""
    every = "its only evaluator" if n == 1 else f"all {n} of its evaluators"
    room = f"A threshold below {n}" if n > 2 else "Three or more evaluators with a threshold below their number"
    return (f"Warning: this panel needs {every} to sign every verdict: one who stays away blocks every "
            f"settlement, and the challenge lapses Unreviewed. {room} leaves room for absence.")


@panel.command()
@click.option("--evaluator", "evaluators", type=ADDRESS, multiple=True, required=True,
              help="An evaluator's address; repeat for each member.")
@click.option("--threshold", type=int, required=True, help="How many evaluators must sign a verdict.")
@chain_options
@write_options
def create(session, evaluators, threshold):
    """Create a panel.

    A panel that needs every member (m = n) is allowed but warned about: one evaluator who
    stays away blocks every settlement, and the challenge lapses Unreviewed.

    \b
    Example:
      ante panel create --evaluator 0x9965... --evaluator 0x976E... \\
                        --evaluator 0x14dC... --threshold 2 --account TEST::0
    """
    n = len(evaluators)
    if len(set(evaluators)) != n:
        raise click.BadParameter("an evaluator is listed twice.", param_hint="--evaluator")
    if n > 32:
        raise click.BadParameter(f"a panel has at most 32 evaluators, not {n}.", param_hint="--evaluator")
    if not (n / 2 < threshold <= n):
        raise click.BadParameter(
            f"{threshold} of {n} is not a strict majority: use more than {n // 2} and at most {n}.",
            param_hint="--threshold",
        )
    if threshold == n:
        session.notice(unanimity_warning(n))
    client = session.client()
    codes = client.node.batch([("eth_getCode", [e, "latest"]) for e in evaluators])  # one round trip
    contracts = [e for e, code in zip(evaluators, codes) if code not in (None, "", "0x")]
    if contracts:
        named = ", ".join(contracts)
        which = f"{named} is a contract" if len(contracts) == 1 else f"{named} are contracts"
        session.notice(f"Note: {which} (a Safe or another smart account), so its verdicts count only if it answers "
                       "ERC-1271 isValidSignature: a Safe does through Safe's fallback handler, which Safe's own apps "
                       "set (and `ante dev safe` too), and its owners sign with `ante verdict sign --account SAFE`.")
    account = session.account()
    session.confirm(f"Create a {threshold}-of-{n} panel from {account.address}?")
    panel_id, receipt = session.transaction(
        f"Created a {threshold}-of-{n} panel", lambda: client.create_panel(list(evaluators), threshold, account)
    )
    from ante.cli.session import receipt_json

    session.emit(
        {"panel_id": panel_id, "members": list(evaluators), "threshold": threshold, **receipt_json(receipt)},
        lambda: session.out.print(f"Panel {panel_id}: {threshold} of {n} evaluators."),
    )


@panel.command()
@click.argument("panel_id", type=click.IntRange(1, 2**32 - 1))
@chain_options
def show(session, panel_id):
    """Show a panel's evaluators and threshold.

    \b
    Example:
      ante panel show 1 --json
    """
    members, threshold = session.client().panel(panel_id)

    def human():
        session.out.print(f"Panel {panel_id}: {threshold} of {len(members)} must sign.")
        for member in members:
            session.out.print(f"  {member}")

    session.emit({"panel_id": panel_id, "members": members, "threshold": threshold}, human)
