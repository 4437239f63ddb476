"""`ante post`."""

import click

from ante.cli.options import chain_options, publish_option, write_options
from ante.cli.params import ADDRESS, BOND, DURATION, SHARE, STAKE

#: The appeal bond when --appeal-window is given without --appeal-bond: as the default stake, 10% of the reward.
DEFAULT_APPEAL_BOND_BPS = 1_000


@click.command()
@click.option("--reward", required=True, help='The reward: "1.5 ether", "250 gwei", or a token amount with --token.')
@click.option("--token", type=ADDRESS, help="Pay the reward in this ERC-20 token instead of ether.")
@click.option("--stake", type=STAKE, default="10%", show_default=True,
              help="The accepter's stake, as a share of the reward (10%) or basis points (1000).")
@click.option("--panel", "panel_id", type=click.IntRange(1, 2**32 - 1), required=True,
              help="The id of the panel that will judge.")
@click.option("--accept-by", required=True, help="Last time to accept: a date (2026-12-31), a time, or +14d.")
@click.option("--deliver-within", type=DURATION, required=True, help="Time from acceptance to delivery: 36h, 14d.")
@click.option("--review-within", type=DURATION, required=True, help="Time the panel has to judge: 3d.")
@click.option("--spec", required=True,
              help="The specification: a URL, or a local file with --publish (hashed by its bytes).")
@click.option("--for", "designated", type=ADDRESS, help="Only this address may accept.")
@click.option("--unreviewed-share", "unreviewed_bps", type=SHARE, metavar="SHARE",
              help="What the contributor is paid, beside the stake back, if the work is submitted and the panel "
                   "gives no verdict by the review deadline (the challenge lapses Unreviewed): a share of the "
                   "reward (50%) or basis points (5000); the funder gets the rest. Default: 100%.")
@click.option("--appeal-window", type=DURATION, metavar="DURATION",
              help="Add an appeal round: the panel's verdict is recorded, not paid, and for this long (1d, 36h) "
                   "the creator or the contributor may appeal it to --appeal-panel. Default: none, the verdict "
                   "pays at once.")
@click.option("--appeal-panel", "appeal_panel_id", type=click.IntRange(1, 2**32 - 1), metavar="ID",
              help="The panel that decides an appeal, with its own threshold; another panel than --panel, without "
                   "you on it. Required with --appeal-window.")
@click.option("--appeal-bond", "appeal_bond_bps", type=BOND, metavar="PERCENT",
              help="What an appellant posts, as a share of the reward (10%) or basis points (1000): back to them if "
                   "the appeal panel's score moves their way, else to the other party. With --appeal-window; "
                   "default 10%.")
@click.option("--review-fee", metavar="AMOUNT",
              help='Pay the evaluators for their review: escrowed beside the reward ("0.01 ether", or a token '
                   "amount with --token), shared equally by the signers of the panel's verdict, and back to you "
                   "if no verdict comes (cancelled, expired, defaulted or unreviewed). Default: none.")
@publish_option
@chain_options
@write_options
def post(session, reward, token, stake, panel_id, accept_by, deliver_within, review_within, spec, designated,
         unreviewed_bps, appeal_window, appeal_panel_id, appeal_bond_bps, review_fee, publish):
    """Post a challenge and escrow its reward.

    The terms can never change once posted. A token reward is approved for the contract first
    when needed.

    If the deliverable is submitted and the panel lets the review window pass with no verdict, the
    challenge lapses Unreviewed: the contributor gets the stake back and the Unreviewed share of
    the reward, the funder the rest. By default the share is 100%: silence must not pay the
    funder, since the work was delivered and published (as escrow services release payment when
    a client does not review in time), and a panel that stays away would otherwise hand the
    funder back the reward. A lower --unreviewed-share is a term like any other, fixed at posting
    and shown to contributors before they stake. Such a payout is no verdict: records count it as
    unreviewed (no score), the panel's record shows the missed review, and anyone can object to
    the deliverable in feedback. 100% posts with the contract's plain `create`; any other share
    with `createWithOptions`.

    An appeal round (--appeal-window, --appeal-panel, --appeal-bond) lets the creator or the
    contributor contest the panel's verdict: the verdict is recorded, not paid, and within the
    window either of them may appeal it with `ante appeal`, posting the bond. The appeal panel then
    has the review window to decide (its AppealVerdicts, `ante settle`); if it does not, the first
    verdict stands. A verdict nobody appeals pays once the window closes (`ante finalize`). A
    review fee (--review-fee) pays the evaluators who sign the verdict, in equal shares. Any of
    these posts with `createWithOptions`.

    The spec goes on chain as a URL and a hash. A URL is recorded as it is (hashed by its text).
    A local file must be published, so that anyone can open it: with --publish URL it is uploaded
    to that oracle's document store, and the store's URL is recorded with the hash of the file's
    bytes. Nothing is sent to the chain if the upload fails.

    \b
    Examples:
      ante post --reward "1 ether" --stake 10% --panel 1 --accept-by +7d \\
                --deliver-within 14d --review-within 3d --spec spec.md \\
                --publish http://127.0.0.1:8700 --account TEST::1
      ante post --reward "1 ether" --panel 1 --accept-by +7d --deliver-within 14d \\
                --review-within 3d --spec https://example.org/spec.md \\
                --unreviewed-share 50% --account TEST::1
      ante post --reward "1 ether" --panel 1 --accept-by +7d --deliver-within 14d \\
                --review-within 3d --spec https://example.org/spec.md \\
                --appeal-window 2d --appeal-panel 2 --appeal-bond 20% \\
                --review-fee "0.01 ether" --account TEST::1

    \b
    JSON (--json): challenge_id, reward and stake (in the token's smallest unit, as text),
    unreviewed_bps (the Unreviewed share in basis points), appeal_window (seconds, 0 for none),
    appeal_panel_id, appeal_bond_bps, review_fee (as text), tx, gas_used, block.
    """
    from dataclasses import replace

    from ante.documents import resolve
    from ante.terms import DEFAULT_UNREVIEWED_BPS, ZERO_ADDRESS, Options, Terms
    from ante.units import InputError, format_duration, format_time, parse_amount, parse_time

    client = session.client()
    account = session.account()
    token = token or ZERO_ADDRESS
    symbol, decimals = client.token_info(token)
    try:
        amount = parse_amount(reward, decimals, symbol=None if token == ZERO_ADDRESS else symbol)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--reward")
    if amount <= 0:
        raise click.BadParameter("the reward must be more than zero.", param_hint="--reward")
    now = client.now()
    try:
        deadline = parse_time(accept_by, now)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--accept-by")
    members, threshold = client.panel(panel_id)
    terms = Terms(account.address, token, amount, stake, panel_id, deadline, deliver_within, review_within,
                  designated or ZERO_ADDRESS)
    terms.check_fits()
    if appeal_window is None and (appeal_panel_id is not None or appeal_bond_bps is not None):
        raise click.BadParameter("an appeal panel and bond need an appeal window: give --appeal-window too.",
                                 param_hint="--appeal-panel" if appeal_panel_id is not None else "--appeal-bond")
    if appeal_window is not None and appeal_panel_id is None:
        raise click.BadParameter("an appeal round needs the panel that decides appeals: give --appeal-panel.",
                                 param_hint="--appeal-window")
    fee = 0
    if review_fee is not None:
        try:
            fee = parse_amount(review_fee, decimals, symbol=None if token == ZERO_ADDRESS else symbol)
        except InputError as error:
            raise click.BadParameter(str(error), param_hint="--review-fee")
    options = None
    if appeal_window is not None or fee:
        bond_bps = DEFAULT_APPEAL_BOND_BPS if appeal_bond_bps is None else appeal_bond_bps
        options = Options(DEFAULT_UNREVIEWED_BPS if unreviewed_bps is None else unreviewed_bps,
                          appeal_window or 0, appeal_panel_id or 0, bond_bps if appeal_window else 0, fee)
        options.check_fits()
    elif unreviewed_bps == DEFAULT_UNREVIEWED_BPS:
        unreviewed_bps = None  # the contract's default: plain `create`
    chosen = options or Options(DEFAULT_UNREVIEWED_BPS if unreviewed_bps is None else unreviewed_bps)
    share = chosen.unreviewed_bps
    # Refusals a read can predict, before anything is shown.
    client.check_post(terms, account.address, None if options else unreviewed_bps, options=options)
    spec_hash, spec_uri = resolve(spec, publish, "--spec")
    terms = replace(terms, spec_hash=spec_hash)
    fmt = client.formatter(token)

    if not session.as_json:
        session.out.print("[bold]Terms[/]")
        rows = [
            ("reward", fmt(amount)),
            ("stake", f"{fmt(terms.stake)} ({stake / 100:g}% of the reward)"),
            ("panel", f"{panel_id}: {threshold} of {len(members)} evaluators"),
            ("accept by", format_time(deadline)),
            ("deliver within", format_duration(deliver_within)),
            ("review within", format_duration(review_within)),
            ("spec", f"{spec_uri} (hash 0x{spec_hash.hex()})"),
            ("only for", designated or "anyone"),
            ("if unreviewed", unreviewed_row(terms, share, fmt)),
        ]
        if chosen.appeal_window:
            appeal_members, appeal_threshold = client.panel(chosen.appeal_panel_id)
            rows.append(("appeal", f"within {format_duration(chosen.appeal_window)} of the verdict, to panel "
                                   f"{chosen.appeal_panel_id} ({appeal_threshold} of {len(appeal_members)} "
                                   f"evaluators), for a bond of {fmt(chosen.bond(amount))} "
                                   f"({chosen.appeal_bond_bps / 100:g}% of the reward)"))
        if chosen.review_fee:
            rows.append(("review fee", f"{fmt(chosen.review_fee)}, shared by the verdict's signers; back to you "
                                       "if no verdict comes"))
        for name, value in rows:
            session.out.print(f"  {name:<15}{value}")
    session.confirm(f"Post this challenge and escrow {fmt(amount + chosen.review_fee)} from {account.address}?")
    challenge_id, receipt = session.transaction(
        "Posted", lambda: client.post(terms, spec_uri, account, None if options else unreviewed_bps, options=options))
    from ante.cli.session import receipt_json

    session.emit(
        {"challenge_id": challenge_id, "reward": str(amount), "stake": str(terms.stake), "unreviewed_bps": share,
         "appeal_window": chosen.appeal_window, "appeal_panel_id": chosen.appeal_panel_id,
         "appeal_bond_bps": chosen.appeal_bond_bps, "review_fee": str(chosen.review_fee), **receipt_json(receipt)},
        lambda: session.out.print(f"Challenge {challenge_id} is open until {format_time(deadline)}."),
    )


def unreviewed_row(terms, share: int, fmt) -> str:
    """The preview's Unreviewed term: what each side gets if the panel gives no verdict in time."""
    from ante.terms import unreviewed_payout

    to_contributor, to_funder = unreviewed_payout(terms.reward, terms.stake, share)
    return (f"the stake back and {share / 100:g}% of the reward to the contributor ({fmt(to_contributor)}), "
            f"{fmt(to_funder)} to the funder, if the panel gives no verdict in time")
