"""The contributor's commands: `ante accept`, `ante submit`, `ante abandon`."""

import click

from ante.cli.options import chain_options, publish_option, write_options
from ante.cli.params import PROBABILITY


@click.command()
@click.argument("challenge_id", type=int)
@click.option("--promise", required=True,
              help="Your promise, saying what, by when, with what: a URL, or a local file with --publish.")
@click.option("--by", "promised_by", required=True, help="When you promise to deliver: a date, a time or +10d.")
@click.option("--p", "belief", type=PROBABILITY,
              help="Your honest chance of success (70% or 0.7): stated on chain with the acceptance (to the "
                   "nearest basis point) and used for the Kelly view.")
@click.option("--keep-p-private", is_flag=True,
              help="Use --p for the Kelly view only: the chain records no stated confidence.")
@click.option("--bankroll", help='What you could stake in all, e.g. "5 ether", for the Kelly view.')
@publish_option
@chain_options
@write_options
def accept(session, challenge_id, promise, promised_by, belief, keep_p_private, bankroll, publish):
    """Accept a challenge: stake exactly the stake and commit a promise.

    Shows the stake, your promised date beside the contract's deadline, what you get if you deliver
    and nobody reviews it in time (the stake back and the challenge's Unreviewed share of the
    reward: no verdict, no score) and, with --p, whether Kelly says the bet is worth it, then asks
    to confirm. --p is also stated on chain in the acceptance's
    event, so that your records can score how well your stated chances foretell the verdicts
    (calibration); --keep-p-private keeps it off the chain. 0% cannot be stated (0 means none). The promise date must fall no later than the
    delivery deadline. What the contract would refuse (a challenge not open or past its accept-by,
    reserved for someone else, accepted by its funder or an evaluator, a stake you do not hold) is
    refused before anything is shown.

    The promise is a URL, or a local file published with --publish URL to that oracle's document
    store (see `ante post --help`).

    \b
    Example:
      ante accept 3 --promise promise.md --publish http://127.0.0.1:8700 --by +10d --p 80% \\
                  --account TEST::2
    """
    from ante.documents import resolve
    from ante.kelly import kelly
    from ante.units import InputError, format_time, parse_amount, parse_time

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    now = client.now()
    confidence = 0 if belief is None or keep_p_private else stated_bps(belief)
    client.check_accept(c, account.address, now, confidence)  # refusals a read can predict, before anything is shown
    try:
        by = parse_time(promised_by, now)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--by")
    latest = now + c.terms.deliver_within
    if by > latest:
        raise click.BadParameter(
            f"{format_time(by)} is after the delivery deadline if you accept now ({format_time(latest)}).",
            param_hint="--by",
        )
    fmt = client.formatter(c.terms.token)
    symbol, decimals = client.token_info(c.terms.token)
    try:
        roll = parse_amount(bankroll, decimals, symbol=None if c.terms.is_ether else symbol) if bankroll else None
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--bankroll")
    promise_hash, promise_uri = resolve(promise, publish, "--promise")
    if not session.as_json:
        session.out.print(f"Stake: {fmt(c.terms.stake)} to win {fmt(c.terms.reward)}; you promise delivery by "
                          f"{format_time(by)}; the contract's deadline if you accept now: {format_time(latest)}.")
        session.out.print(f"Promise: {promise_uri} (hash 0x{promise_hash.hex()})")
        to_you, _ = c.unreviewed_payout()
        session.out.print(f"If you deliver and nobody reviews it in time, the challenge lapses Unreviewed: you get "
                          f"{fmt(to_you)}, the stake back and {c.unreviewed_bps / 100:g}% of the reward (no verdict, "
                          "no score).")
        if belief is not None:
            for line in kelly(belief, c.terms.reward, c.terms.stake, roll).explain(fmt):
                session.out.print(f"  {line}")
            if confidence:
                session.out.print(f"Stated on chain: your chance of success, {confidence / 100:g}% "
                                  "(--keep-p-private keeps it off the chain).")
            elif keep_p_private:
                session.out.print("Your chance of success stays private: the chain records none.")
            else:
                session.out.print("A 0% chance cannot be stated (0 means none): the chain records none.")
    session.confirm(f"Stake {fmt(c.terms.stake)} and promise delivery by {format_time(by)}?")
    receipt = session.transaction(f"Accepted challenge {challenge_id}",
                                  lambda: client.accept(c, promise_hash, by, promise_uri, account, confidence))
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, "stake": str(c.terms.stake), "promised_by": by,
                  "confidence_bps": confidence, **receipt_json(receipt)})


def stated_bps(belief: float) -> int:
    """A chance of success in whole basis points, to the nearest (halves to even); at least 1 when above 0,
    since 0 on chain means "not stated"."""
    from fractions import Fraction

    bps = round(Fraction(repr(float(belief))) * 10_000)
    return max(bps, 1) if belief > 0 else 0


@click.command()
@click.argument("challenge_id", type=int)
@click.option("--deliverable", required=True, help="What you delivered: a URL, or a local file with --publish.")
@publish_option
@chain_options
@write_options
def submit(session, challenge_id, deliverable, publish):
    """Submit the deliverable; the panel's review window starts now.

    The deliverable is a URL (recorded as it is), or a local file published with --publish URL to
    that oracle's document store (see `ante post --help`).

    \b
    Examples:
      ante submit 3 --deliverable https://example.org/pull/42 --account TEST::2
      ante submit 3 --deliverable report.pdf --publish http://127.0.0.1:8700 --account TEST::2
    """
    from ante.documents import resolve

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    digest, uri = resolve(deliverable, publish, "--deliverable")
    session.confirm(f"Submit {uri} for challenge {challenge_id}? It can be submitted only once.")
    receipt = session.transaction(f"Submitted challenge {challenge_id}", lambda: client.submit(c, digest, uri, account))
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, "deliverable": "0x" + digest.hex(), "uri": uri, **receipt_json(receipt)})


@click.command()
@click.argument("challenge_id", type=int)
@chain_options
@write_options
def abandon(session, challenge_id):
    """Give up an accepted challenge: your stake goes to the funder.

    The challenge opens again for others if its accept-by date has not passed.

    \b
    Example:
      ante abandon 3 --account TEST::2
    """
    from ante.errors import AnteError
    from ante.state import State

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    if c.state != State.ACCEPTED:
        raise AnteError(f"challenge {challenge_id} is {c.state.label}; only an accepted challenge can be abandoned.")
    fmt = client.formatter(c.terms.token)
    session.confirm(f"Abandon challenge {challenge_id} and forfeit your stake of {fmt(c.stake)}?")
    receipt = session.transaction(f"Abandoned challenge {challenge_id}", lambda: client.abandon(c, account))
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, "forfeited": str(c.stake), **receipt_json(receipt)})
