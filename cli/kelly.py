"""`ante kelly`."""

import click

from ante.cli.options import offline_options
from ante.cli.params import PROBABILITY


@click.command()
@click.option("--p", "belief", type=PROBABILITY, required=True, help="Your chance of success: 70% or 0.7.")
@click.option("--reward", required=True, help='The reward: "1 ether", "250 gwei".')
@click.option("--stake", required=True, help='The stake: a share of the reward (10%) or an amount ("0.1 ether").')
@click.option("--bankroll", help='What you could stake in all: "5 ether".')
@offline_options
def kelly(session, belief, reward, stake, bankroll):
    """Should you accept? The Kelly view of staking on your own success.

    You risk the stake to win the reward, odds b = reward / stake. Believing you succeed with
    probability p, Kelly's fraction of your bankroll is f* = p - (1 - p) / b; accept when the
    stake is at most f* x bankroll. Needs no chain.

    \b
    Example:
      ante kelly --p 0.7 --reward "1 ether" --stake 10% --bankroll "5 ether"
    """
    from ante.kelly import kelly as kelly_view
    from ante.terms import stake_for
    from ante.units import InputError, format_amount, parse_amount, parse_stake

    def amount(text, option):
        try:
            return parse_amount(text)
        except InputError as error:
            raise click.BadParameter(str(error), param_hint=option)

    reward_wei = amount(reward, "--reward")
    if stake.strip().endswith("%") or stake.strip().isdigit() or stake.strip().endswith("bps"):
        try:
            stake_wei = stake_for(reward_wei, parse_stake(stake))
        except InputError as error:
            raise click.BadParameter(str(error), param_hint="--stake")
    else:
        stake_wei = amount(stake, "--stake")
    roll = amount(bankroll, "--bankroll") if bankroll else None
    try:
        view = kelly_view(belief, reward_wei, stake_wei, roll)
    except InputError as error:
        raise click.UsageError(str(error))
    fmt = format_amount

    session.emit(
        {
            "p": belief, "reward": str(reward_wei), "stake": str(stake_wei), "odds": None if view.odds == float("inf") else view.odds,
            "kelly_fraction": float(view.fraction), "break_even_p": float(view.break_even_p),
            "expected_value": float(view.expected_value), "max_stake": None if view.max_stake is None else str(view.max_stake),
            "accept": bool(view.should_accept),
        },
        lambda: [session.out.print(line) for line in view.explain(fmt)],
    )
