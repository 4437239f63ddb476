"""`ante cancel`, `ante lapse` and `ante withdraw`."""

import click

from ante.cli.options import chain_options, write_options
from ante.cli.params import ADDRESS


@click.command()
@click.argument("challenge_id", type=int)
@chain_options
@write_options
def cancel(session, challenge_id):
    """Cancel an open challenge you posted; the reward is credited back to you (see `ante withdraw`).

    Only while nobody has accepted it. If others co-funded it (`ante fund`), the refund is shared by
    contribution: your share is credited now, each co-funder's waits for `ante claim`.

    \b
    Example:
      ante cancel 4 --account TEST::1
    """
    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    session.confirm(f"Cancel challenge {challenge_id}?")
    receipt = session.transaction(f"Cancelled challenge {challenge_id}", lambda: client.cancel(c, account))
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, **receipt_json(receipt)})


@click.command()
@click.argument("challenge_id", type=int)
@chain_options
@write_options
def lapse(session, challenge_id):
    """Close a challenge whose deadline has passed. Anyone may do it.

    Open past accept-by: expired, the reward goes back to the funder. Accepted past the delivery
    deadline: defaulted, reward and stake go to the funder. Submitted past the review window:
    unreviewed, the contributor gets the stake back and the challenge's Unreviewed share of the
    reward (all of it unless posted with `ante post --unreviewed-share`), the funder the rest:
    silence does not pay the funder for delivered work. In a co-funded challenge (`ante fund`)
    what goes to the funder is shared by contribution (see `ante claim`).

    \b
    Example:
      ante lapse 3 --account TEST::4
    """
    from ante.state import State

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    receipt = session.transaction(f"Lapsed challenge {challenge_id}", lambda: client.lapse(c, account))
    after = client.challenge(challenge_id, session.chronicle()).state
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, "state": State(after).label, **receipt_json(receipt)},
                 lambda: session.out.print(f"Challenge {challenge_id} is now {State(after).label}."))


@click.command()
@click.option("--token", type=ADDRESS, help="Withdraw this ERC-20 token instead of ether.")
@click.option("--to", "to", type=ADDRESS,
              help="Send it to this address instead of yours: for an account the token blocklists, or a "
                   "contract that cannot take ether. The credit is still yours to draw; only the payment goes there.")
@chain_options
@write_options
def withdraw(session, token, to):
    """Withdraw everything Ante owes you in ether (or in --token).

    Payouts, refunds and forfeited stakes are credited to you; nothing is sent until you withdraw.

    \b
    JSON (--json): account, token, amount (in the token's smallest unit, as text), to (who was
    paid), tx, gas_used, block.

    \b
    Examples:
      ante withdraw --account TEST::2
      ante withdraw --token 0x5FbDB2315678afecb367f032d93F642f64180aa3 --account TEST::2
      ante withdraw --to 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --account TEST::2
    """
    from ante.errors import AnteError
    from ante.terms import ZERO_ADDRESS

    client = session.client()
    account = session.account()
    token = token or ZERO_ADDRESS
    owed = client.credit(token, account.address)
    fmt = client.formatter(token)
    if owed == 0:
        raise AnteError(f"Ante owes {account.address} nothing in {client.token_info(token)[0]}.")
    payee = to or account.address
    where = "" if to is None else f" to {to}"
    receipt = session.transaction(f"Withdrew {fmt(owed)}{where}", lambda: client.withdraw(token, account, to=to))
    from ante.cli.session import receipt_json

    session.emit({"account": account.address, "token": token, "amount": str(owed), "to": payee,
                  **receipt_json(receipt)})
