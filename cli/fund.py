"""`ante fund` and `ante claim`: several funders behind one challenge."""

import click

from ante.cli.options import chain_options, write_options
from ante.cli.params import ADDRESS


@click.command()
@click.argument("challenge_id", type=int)
@click.argument("amount")
@chain_options
@write_options
def fund(session, challenge_id, amount):
    """Add AMOUNT to an open challenge's reward: co-fund it.

    AMOUNT is written as `ante post --reward` takes it: "0.5 ether", "250 gwei", or, for a challenge
    paid in a token, a number of whole tokens ("250" or "250 TST"). It is paid in the challenge's own
    token (a token is approved for the contract first when needed).

    A challenge can be funded while it is open, before anyone has ever accepted it, and up to its
    accept-by time; from the first acceptance on its reward is fixed. Anyone may fund it except the
    panel's evaluators and the contributor it is reserved for. The reward becomes the new total, so
    whoever accepts stakes on the total and wins it all.

    There is no way to take a contribution back: only the creator can cancel, and nobody can
    withdraw a contribution from a running challenge.

    Co-funding: when anyone but the creator funds a challenge, whatever goes back to the funders'
    side (a cancel's or an expiry's refund, a default's reward and stake, the funders' part of a
    verdict, what an unreviewed challenge's Unreviewed share leaves of the reward, stakes forfeited
    by contributors who abandon) is shared by contribution, each funder's share being that total
    times what they put in, divided by the reward (rounded down; the creator receives the rounding
    remainders). It is held by the contract until the challenge closes. Then the creator's share is
    credited at once, and each co-funder's waits for `ante claim`; both are drawn with `ante
    withdraw`. A co-funder may not accept the challenge. The creator funding more only raises the
    reward.

    \b
    JSON (--json): challenge_id, funder, amount and reward (the new total), both in the token's
    smallest unit as text, co_funded (true once anyone but the creator funded), tx, gas_used, block.

    \b
    Examples:
      ante fund 4 "0.5 ether" --account TEST::3
      ante fund 7 250 --account TEST::5        # a challenge paid in a token
    """
    from ante.terms import ZERO_ADDRESS
    from ante.units import InputError, format_time, parse_amount

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    token = c.terms.token
    symbol, decimals = client.token_info(token)
    try:
        value = parse_amount(amount, decimals, symbol=None if token == ZERO_ADDRESS else symbol)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="'AMOUNT'")
    client.check_fund(c, account.address, value, client.now())  # refusals a read can predict, before anything is shown
    fmt = client.formatter(token)
    creator = int(account.address, 16) == int(c.terms.funder, 16)
    total = c.terms.reward + value
    if not session.as_json:
        session.out.print(f"Reward of challenge {challenge_id}: {fmt(c.terms.reward)} now, {fmt(total)} with your "
                          f"{fmt(value)}; open for acceptance until {format_time(c.terms.accept_by)}.")
        if creator:
            session.out.print("You posted it: this only raises the reward.")
        else:
            mine = c.contributions.get(account.address, 0) + value
            session.out.print(f"As a co-funder you will be owed {fmt(mine)} in {fmt(total)} ({mine * 100 / total:.4g}%) "
                              "of whatever goes back to its funders when it closes (claim it with `ante claim`), and "
                              "you may not accept it.")
    session.confirm(f"Add {fmt(value)} to challenge {challenge_id}? A contribution cannot be taken back.")
    receipt = session.transaction(f"Funded challenge {challenge_id}", lambda: client.fund(c, value, account))
    from ante.cli.session import receipt_json

    session.emit(
        {"challenge_id": challenge_id, "funder": account.address, "amount": str(value), "reward": str(total),
         "co_funded": c.co_funded or not creator, **receipt_json(receipt)},
        lambda: session.out.print(f"Challenge {challenge_id}'s reward is now {fmt(total)}."),
    )


@click.command()
@click.argument("challenge_id", type=int)
@click.option("--funder", type=ADDRESS,
              help="The co-funder whose share to claim [default: the sender]. Anyone may claim a share; it is "
                   "always credited to its co-funder.")
@chain_options
@write_options
def claim(session, challenge_id, funder):
    """Credit a co-funder's share of a closed, co-funded challenge.

    When a co-funded challenge closes (settled, cancelled, expired, defaulted or unreviewed), the
    creator's share of what went back to its funders is credited at once; each co-funder's share
    (that total times their contribution, divided by the reward, rounded down) waits for this
    command. It credits the share to the co-funder (draw it with `ante withdraw`), and any rounding
    remainder it completes (one wei at most) to the creator. Each share is claimed once.

    \b
    JSON (--json): challenge_id, funder, amount (credited to the funder) and remainder (credited
    to the creator), in the token's smallest unit as text, tx, gas_used, block.

    \b
    Examples:
      ante claim 4 --account TEST::3
      ante claim 4 --funder 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --account TEST::4
    """
    client = session.client()
    account = session.account()
    who = funder or account.address
    c = client.challenge(challenge_id, session.chronicle())
    client.check_claim(c, who)
    fmt = client.formatter(c.terms.token)
    share = c.share(next(f for f in c.contributions if int(f, 16) == int(who, 16)))
    if not session.as_json and share is not None:
        session.out.print(f"{who}'s share of challenge {challenge_id}: {fmt(share)}.")
    session.confirm(f"Claim {who}'s share of challenge {challenge_id}?")
    receipt = session.transaction(f"Claimed {who}'s share of challenge {challenge_id}",
                                  lambda: client.claim(c, who, account))
    [claimed] = receipt.events.filter(client.contract.FunderClaimed)
    amount, remainder = int(claimed.amount), int(claimed.remainder)
    from ante.cli.session import receipt_json

    session.emit(
        {"challenge_id": challenge_id, "funder": who, "amount": str(amount), "remainder": str(remainder),
         **receipt_json(receipt)},
        lambda: session.out.print(f"Credited {fmt(amount)} to {who}" + (
            f" and {fmt(remainder)} of rounding to the creator" if remainder else "") + "; draw it with `ante withdraw`."),
    )
