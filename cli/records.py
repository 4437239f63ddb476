"""`ante records`."""

import click

from ante.cli.options import chain_options
from ante.cli.params import ADDRESS


@click.command()
@click.argument("address", type=ADDRESS, required=False)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Leaderboard length.")
@click.option("--oracle", "oracle_url", envvar="ANTE_ORACLE_URL", metavar="URL",
              help="With ADDRESS, also the off-chain feedback this oracle holds on their work (env ANTE_ORACLE_URL).")
@chain_options
def records(session, address, limit, oracle_url):
    """Records of contributors, evaluators and funders, recomputed from the chain's events.

    With ADDRESS: that address's records in every role it has played. Without: the contributors'
    leaderboard (by promises kept, then challenges settled, then mean score) and the evaluators.
    The formulas are documented in the `ante.records` module.

    \b
    JSON (--json): with ADDRESS, {address, contributor, evaluator, funder} (null for a role never
    played); without, the whole record set: {events, last_position, contributors, evaluators,
    funders, leaderboard}. A contributor's promise closeness is its "closeness": {delivered,
    on_time, undelivered (abandoned or defaulted), on_time_share (on_time / (delivered +
    undelivered), or null), median_lateness, worst_lateness (seconds, null without deliveries),
    deliveries: [{challenge_id, promised_by, submitted_at, lateness, on_time, score}]}; lateness
    is submitted_at - promised_by in seconds, negative when early; score is null until settled.
    Its calibration is "calibration": {stated (settled acceptances with a stated confidence), brier
    (mean of (confidence - score)**2 as probabilities, or null), kelly_brier (the same with the Kelly
    break-even stake / (reward + stake) in place of the confidence, or null)}.
    The appeal round: a contributor's and a funder's "appeals" are {made, won} (the recorded
    verdicts they appealed, and those the appeal panel decided their way); an evaluator's
    "verdicts_overturned" counts the first verdicts they signed that an appeal panel scored
    otherwise, and "review_fees" ({token: amount}) what review fees paid them.
    With ADDRESS, "feedback" is the feedback their work received (EAS attestations, each verified
    here; the oracle's off-chain ones with --oracle): {signers: {endorse, neutral, object} counted
    by distinct signers, items: [{challenge_id, uid, signer, role, stance, comment, onchain}]}, or
    null when the deployment has no EAS.

    \b
    Examples:
      ante records
      ante records 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC --json
      ante records 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC --oracle http://127.0.0.1:8700
    """
    from ante.records import Records

    client = session.client()
    with session.status("Reading the chain…"):
        result = Records.from_events(client.events())
    if address:
        mine = result.for_address(address)
        received = _feedback_received(session, client, address, oracle_url)
        session.emit({**mine.to_json(), "feedback": received},
                     lambda: _show_address(session, client, mine, received))
        return
    session.emit(result.to_json(), lambda: _leaderboard(session, client, result, limit))


def _amounts(client, per_token: dict) -> str:
    parts = [client.formatter(token)(amount) for token, amount in sorted(per_token.items()) if amount]
    return ", ".join(parts) or "0"


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _feedback_received(session, client, address: str, oracle_url: str | None) -> dict | None:
    """The feedback on `address`'s work, each attestation verified (None when there is no EAS to read)."""
    if not client.deployment.eas:
        return None
    from ante.cli.feedback import gather, feedback_row, current
    from ante.feedback import tally

    chronicle = session.chronicle()
    rows = []
    for item in current(gather(session, client, oracle_url, recipient=address)):
        c = chronicle.challenges.get(item["feedback"].challenge_id)
        if c is not None:
            rows.append({"challenge_id": c.challenge_id, **feedback_row(item, client, c)})
    return {"signers": tally(rows), "items": rows}


def _show_address(session, client, mine, received=None):
    from ante.records import calibration_words, closeness_words, lateness_words

    out = session.out.print
    out(f"[bold]{mine.address}[/]")
    c, e, f = mine.contributor, mine.evaluator, mine.funder
    if c:
        score = "—" if c.mean_score is None else f"{c.mean_score / 100:.1f}%"
        out(f"  as contributor: accepted {c.accepted}, delivered {c.delivered}, settled {c.settled}, mean score {score}")
        out(f"    promises kept {c.promises_kept} of {c.promises_made}; "
            f"abandoned {c.abandoned}, defaulted {c.defaulted}; reliability {_percent(c.reliability)}")
        out(f"    earned {_amounts(client, c.earned)}; forfeited {_amounts(client, c.forfeited)}")
        closeness = closeness_words(c)
        if closeness:
            out(f"    {closeness}")
        for d in c.deliveries:
            score = "not scored" if d.score is None else f"scored {d.score / 100:.1f}%"
            out(f"      challenge {d.challenge_id}: {lateness_words(d.lateness)}, {score}")
        calibration = calibration_words(c)
        out(f"    calibration: {calibration or 'no stated confidence has a verdict yet'}")
        for forecast in c.forecasts:
            out(f"      challenge {forecast.challenge_id}: stated {forecast.confidence_bps / 100:g}%, "
                f"scored {forecast.score / 100:g}% (Kelly break-even {float(forecast.break_even) * 100:.3g}%)")
        if c.appeals_made:
            out(f"    appeals made {c.appeals_made}, won {c.appeals_won}")
    if e:
        out(f"  as evaluator: verdicts signed {e.verdicts_signed}, reviews missed {e.reviews_missed} of {e.reviews_due} due")
        if e.verdicts_overturned or e.review_fees:
            out(f"    verdicts overturned on appeal {e.verdicts_overturned}; review fees earned "
                f"{_amounts(client, e.review_fees)}")
    if f:
        if f.posted:
            out(f"  as funder: posted {f.posted}, paid out {f.paid_out}, cancelled {f.cancelled}, active {f.active}")
            if f.appeals_made:
                out(f"    appeals made {f.appeals_made}, won {f.appeals_won}")
        if f.co_funded:
            contributed = {t: a.contributed for t, a in f.amounts.items() if a.contributed}
            claimed = {t: a.claimed for t, a in f.amounts.items() if a.claimed}
            out(f"  as co-funder: added to {f.co_funded} challenge{'s' if f.co_funded != 1 else ''} others posted, "
                f"{_amounts(client, contributed)} in all; claimed {_amounts(client, claimed)}")
    if not (c or e or f):
        out("  no record: this address has not taken part.")
    if received and received["items"]:
        n = received["signers"]
        out(f"  feedback on their work: {n['endorse']} endorse, {n['neutral']} neutral, {n['object']} object "
            "(distinct signers)")
        for r in received["items"]:
            where = "on chain" if r["onchain"] else "off chain"
            out(f"      challenge {r['challenge_id']}: {r['stance']} by {r['signer']} ({r['role']}), {where}, "
                f"{r['comment'] or 'no comment'} [{r['uid']}]", markup=False)


def _leaderboard(session, client, result, limit):
    from rich.table import Table

    board = result.leaderboard(limit)
    if not board:
        session.out.print("Nobody has accepted a challenge yet.")
    else:
        table = Table(title="Contributors", box=None, header_style="bold", title_justify="left")
        for column in ("#", "address", "promises kept", "reliability", "settled", "mean score", "earned"):
            table.add_column(column)
        for rank, c in enumerate(board, 1):
            score = "—" if c.mean_score is None else f"{c.mean_score / 100:.1f}%"
            table.add_row(str(rank), c.address, f"{c.promises_kept} of {c.promises_made}", _percent(c.reliability),
                          str(c.settled), score, _amounts(client, c.earned))
        session.out.print(table)
    evaluators = result.to_json()["evaluators"]
    if evaluators:
        table = Table(title="Evaluators", box=None, header_style="bold", title_justify="left")
        for column in ("address", "verdicts signed", "reviews missed", "reviews due"):
            table.add_column(column)
        for address, e in evaluators.items():
            table.add_row(address, str(e["verdicts_signed"]), str(e["reviews_missed"]), str(e["reviews_due"]))
        session.out.print(table)
