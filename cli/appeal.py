"""`ante appeal` and `ante finalize`: the appeal round of a challenge posted with `ante post --appeal-window`."""

import click

from ante.cli.options import chain_options, write_options


@click.command()
@click.argument("challenge_id", type=int)
@chain_options
@write_options
def appeal(session, challenge_id):
    """Appeal a challenge's recorded verdict, posting the appeal bond.

    A challenge posted with --appeal-window is not paid on its panel's verdict: the verdict is
    recorded (the challenge is ruled) and, until the window closes, its creator or its contributor
    may appeal it. The appellant posts the bond the terms fixed (--appeal-bond, a share of the
    reward; in a token, approved first), and the appeal panel then has the challenge's review
    window to decide with its own quorum (`ante verdict sign`, `ante settle`). If its score moves
    the appellant's way (down for the creator, up for the contributor) the bond comes back; else it
    goes to the other party. If the appeal panel does not decide in time, the first verdict stands
    and the bond comes back (`ante finalize`).

    Refused before anything is sent: a challenge that is not ruled, a closed window, and an
    account that is neither the creator nor the contributor.

    \b
    JSON (--json): challenge_id, appellant, bond (in the token's smallest unit, as text), rule_by
    (unix seconds), tx, gas_used, block.

    \b
    Example:
      ante appeal 3 --account TEST::2
    """
    from ante.units import format_time

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    client.check_appeal(c, account.address, client.now())  # refusals a read can predict, before anything is shown
    fmt = client.formatter(c.terms.token)
    bond = c.options.bond(c.terms.reward)
    if not session.as_json:
        session.out.print(f"Challenge {challenge_id}'s verdict is {c.first_score / 100:g}%, appealable until "
                          f"{format_time(c.deadline)}. The bond is {fmt(bond)}.")
    session.confirm(f"Appeal challenge {challenge_id}?")
    receipt = session.transaction(f"Appealed challenge {challenge_id}", lambda: client.appeal(c, account))
    after = client.challenge(challenge_id, session.chronicle())
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, "appellant": account.address, "bond": str(bond),
                  "rule_by": after.deadline, **receipt_json(receipt)},
                 lambda: session.out.print(f"Challenge {challenge_id} is appealed; appeal panel "
                                           f"{c.appeal_panel_id} has until {format_time(after.deadline)} to decide."))


@click.command()
@click.argument("challenge_id", type=int)
@chain_options
@write_options
def finalize(session, challenge_id):
    """Pay a recorded verdict that can no longer change. Anyone may do it.

    A ruled challenge whose appeal window closed unused, or an appealed one whose appeal panel did
    not decide by its deadline: the panel's first verdict pays as a settlement would, and an
    appellant's bond goes back to them.

    \b
    JSON (--json): challenge_id, score, to_contributor, to_funder (amounts as text), tx, gas_used, block.

    \b
    Example:
      ante finalize 3 --account TEST::4
    """
    from ante.terms import split_payout

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    client.check_finalize(c, client.now())
    to_contributor, to_funder = split_payout(c.terms.reward, c.terms.stake_bps, c.first_score)
    receipt = session.transaction(f"Finalized challenge {challenge_id}", lambda: client.finalize(c, account))
    from ante.cli.session import receipt_json

    fmt = client.formatter(c.terms.token)
    session.emit({"challenge_id": challenge_id, "score": c.first_score, "to_contributor": str(to_contributor),
                  "to_funder": str(to_funder), **receipt_json(receipt)},
                 lambda: session.out.print(f"Challenge {challenge_id} is settled at {c.first_score / 100:g}%: "
                                           f"{fmt(to_contributor)} to the contributor, {fmt(to_funder)} to the "
                                           "funder."))
