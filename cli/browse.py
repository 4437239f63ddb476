"""`ante list` and `ante show`."""

import click

from ante.cli.options import chain_options

STATUSES = ["open", "accepted", "submitted", "ruled", "appealed", "settled", "cancelled", "expired", "defaulted",
            "unreviewed", "lapsed", "live"]
GROUPS = {"lapsed": {"expired", "defaulted", "unreviewed"}, "live": {"open", "accepted", "submitted", "ruled", "appealed"}}


@click.command("list")
@click.option("--status", "statuses", type=click.Choice(STATUSES), multiple=True,
              help="Only challenges in this state (repeatable); lapsed = expired, defaulted or unreviewed; "
                   "live = open, accepted, submitted, ruled (a verdict waiting out its appeal window) or appealed.")
@click.option("--mine", is_flag=True, help="Only challenges the --account posted or accepted.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many, newest first.")
@chain_options
def list_challenges(session, statuses, mine, limit):
    """List challenges, newest first.

    A state reached in a block that is not final yet is marked unconfirmed: a
    reorganisation could still undo it (see `ante show --help` for when a block is final).

    \b
    JSON (--json): a list of challenges, each as `ante show --json` prints it but without its
    seal and events, with "confirmed": false when its latest event is not final yet, else true.

    \b
    Examples:
      ante list --status open
      ante list --mine --account TEST::2 --json
    """
    wanted = set()
    for status in statuses:
        wanted |= GROUPS.get(status, {status})
    me = session.account("--mine needs to know who you are: name yourself").address if mine else None
    chronicle = session.chronicle()
    client = session.client()
    now = client.now()
    rows = []
    for challenge in sorted(chronicle.challenges.values(), key=lambda c: -c.challenge_id):
        if wanted and challenge.state.label not in wanted:
            continue
        if me and me not in (challenge.terms.funder, challenge.contributor):
            continue
        rows.append(challenge)
        if limit and len(rows) >= limit:
            break
    final = client.final_block

    def confirmed(c) -> bool:
        return final is None or not c.events or c.events[-1].block_number <= final

    def human():
        from rich.table import Table

        from ante.state import State
        from ante.units import format_address, format_duration

        if not rows:
            session.out.print("No challenges match.")
            return
        table = Table(box=None, header_style="bold")
        for column in ("id", "state", "reward", "stake", "funder", "funders", "contributor", "next deadline"):
            table.add_column(column)
        for c in rows:
            fmt = client.formatter(c.terms.token)
            left = c.time_left(now)
            after = "can finalize" if c.state in (State.RULED, State.APPEALED) else "can lapse"
            deadline = "—" if left is None else (f"in {format_duration(left)}" if left > 0 else f"passed: {after}")
            state = c.state.label if confirmed(c) else f"{c.state.label} [yellow](unconfirmed)[/]"
            table.add_row(str(c.challenge_id), state, fmt(c.terms.reward), fmt(c.terms.stake),
                          format_address(c.terms.funder), funders_cell(c, fmt), format_address(c.contributor),
                          deadline)
        session.out.print(table)

    session.emit([{**c.to_json(full=False), "confirmed": confirmed(c)} for c in rows], human)


def funders_cell(c, fmt) -> str:
    """`ante list`'s funders column: how many put money in and, in a co-funded pool, what it holds unclaimed."""
    count = 1 + len(c.contributions)
    if not c.co_funded:
        return str(count)
    held = c.unclaimed()
    return f"{count}, {fmt(held)} pooled" if held else str(count)


def funder_lines(c, fmt) -> list[str]:
    """`ante show`'s funders: each one's part of the reward and, once closed, their share and whether it is
    claimed; then what the pool holds."""
    lines = []
    for i, entry in enumerate(c.funders()):
        who = entry["funder"] + (" (creator)" if i == 0 else "")
        line = f"{who}  {fmt(int(entry['amount']))}"
        if entry["share"] is not None:
            share = fmt(int(entry["share"]))
            if i == 0:
                line += f"; share {share}, credited"
            elif entry["claimed"] is None:
                line += f"; share {share}, unclaimed (`ante claim {c.challenge_id} --funder {entry['funder']}`)"
            else:
                line += f"; share {share}, claimed"
        lines.append(line)
    if c.co_funded:
        if c.to_creator is None:
            lines.append(f"pool: {fmt(c.shared)} gone back to the funders so far, shared when the challenge closes")
        else:
            lines.append(f"pool: {fmt(c.shared)} shared, {fmt(c.unclaimed())} not yet claimed")
    return lines


def unreviewed_term(c, fmt) -> str:
    """`ante show`'s Unreviewed term: what each side gets if nobody reviews the deliverable in time."""
    from ante.units import format_time

    to_contributor, to_funder = c.unreviewed_payout()
    when = f"by {format_time(c.review_by)}" if c.review_by is not None else "in time"
    side = "the funders" if c.co_funded else "the funder"
    return (f"if nobody reviews {when}: the contributor gets {fmt(to_contributor)} (the stake back and "
            f"{c.unreviewed_bps / 100:g}% of the reward), {side} {fmt(to_funder)}")


@click.command()
@click.argument("challenge_id", type=int)
@chain_options
def show(session, challenge_id):
    """Show one challenge: terms, promise, deliverable, verdict and a timeline of its events.

    Among the terms, what an Unreviewed lapse pays: if the deliverable is submitted and nobody
    reviews it by the review deadline, the contributor gets the stake back and the challenge's
    Unreviewed share of the reward (100% unless posted with --unreviewed-share), the funder the
    rest. That payout is no verdict: it carries no score.

    Events in blocks that are not final yet are marked unconfirmed: a
    reorganisation could still remove them. A block is final once the node
    calls it finalized (or safe), else 64 blocks deep, and at once on a local
    development chain; ANTE_FINALITY_DEPTH=N makes it N blocks deep everywhere.

    \b
    JSON (--json): the challenge's fields (amounts as decimal strings, hashes as 0x-hex, times as
    unix seconds, state as a word, unreviewed_bps the Unreviewed share in basis points; the appeal
    round's options appeal_window, appeal_panel_id, appeal_bond_bps and review_fee, and "appeal":
    null until a verdict is recorded for it, then {first_score, first_signers, ruled_at, appellant,
    bond, appealed_at, appeal_score, appeal_signers, appellant_won, bond_to}; review_fee_paid
    {share, signers} and review_fee_returned, null until then), its seal and its events, each
    with "confirmed": false when its block is not final yet, else true.

    A challenge posted with an appeal window is ruled once its panel's verdict is recorded (appeal
    it with `ante appeal` before the window closes, or `ante finalize` it after), and appealed
    while its appeal panel decides.

    \b
    Example:
      ante show 1
    """
    chronicle = session.chronicle()
    client = session.client()
    c = client.challenge(challenge_id, chronicle)
    final = client.final_block

    def confirmed(event) -> bool:
        return final is None or event.block_number <= final

    def human():
        from ante.state import State
        from ante.units import format_duration, format_time

        fmt = client.formatter(c.terms.token)
        t = c.terms
        out = session.out.print
        out(f"[bold]Challenge {c.challenge_id}[/] — {c.state.label}")
        out(f"  funder          {t.funder}")
        out(f"  reward          {fmt(t.reward)}; stake {fmt(t.stake)} ({t.stake_bps / 100:g}%)")
        out(f"  panel           {t.panel_id}")
        out(f"  spec            {c.spec_uri} (0x{t.spec_hash.hex()})")
        out(f"  accept by       {format_time(t.accept_by)}")
        out(f"  deliver within  {format_duration(t.deliver_within)}; review within {format_duration(t.review_within)}")
        if int(t.designated, 16):
            out(f"  only for        {t.designated}")
        out(f"  if unreviewed   {unreviewed_term(c, fmt)}")
        if c.appeal_window:
            out(f"  appeal          within {format_duration(c.appeal_window)} of the verdict, to panel "
                f"{c.appeal_panel_id}, for a bond of {fmt(c.options.bond(t.reward))} ({c.appeal_bond_bps / 100:g}%)")
        if c.review_fee:
            out(f"  review fee      {fmt(c.review_fee)}, shared by the verdict's signers")
        if c.contributor:
            out(f"  contributor     {c.contributor}")
            out(f"  promise         {c.promise_uri} (0x{c.promise_hash.hex()}), by {format_time(c.promised_by)}")
            stated = "not stated" if c.confidence_bps is None else f"{c.confidence_bps / 100:g}% chance of success"
            out(f"  confidence      {stated}")
            out(f"  deliver by      {format_time(c.deliver_by)}")
        if c.deliverable:
            out(f"  deliverable     {c.deliverable_uri} (0x{c.deliverable.hex()})")
            out(f"  review by       {format_time(c.review_by)}")
        if c.first_score is not None:
            if c.state == State.RULED:
                out(f"  verdict         {c.first_score / 100:g}% recorded, appealable until {format_time(c.deadline)}, "
                    f"by {', '.join(c.first_signers)}")
            else:
                out(f"  first verdict   {c.first_score / 100:g}% by {', '.join(c.first_signers)}")
        if c.appellant is not None:
            decided = ("" if c.bond_to is None else
                       f"; {'won' if c.appellant_won else 'lost'}, the bond to {c.bond_to}")
            pending = f", appeal panel {c.appeal_panel_id} decides by {format_time(c.deadline)}" \
                if c.state == State.APPEALED else ""
            out(f"  appeal          by {c.appellant}, bond {fmt(c.bond)}{pending}{decided}")
        if c.fee_share is not None:
            out(f"  review fee paid {fmt(c.fee_share)} to each of {len(c.fee_signers)} signers")
        elif c.fee_returned is not None:
            out(f"  review fee      {fmt(c.fee_returned)} returned to the funder (no verdict)")
        if c.score is not None:
            by = ', '.join(c.signers) if c.signers else "nobody (finalized: the recorded verdict stood)"
            out(f"  verdict         {c.score / 100:g}% by {by}")
            side = "the funders" if c.co_funded else "the funder"
            out(f"  paid            {fmt(c.to_contributor)} to the contributor, {fmt(c.to_funder)} to {side}")
        elif c.state == State.UNREVIEWED:
            side = "the funders" if c.co_funded else "the funder"
            out(f"  paid            {fmt(c.to_contributor)} to the contributor, {fmt(c.to_funder)} to {side} "
                "(unreviewed: paid by the terms, not judged)")
        if c.co_funded or c.added:
            out("[bold]Funders[/]")
            for line in funder_lines(c, fmt):
                out(f"  {line}")
        out("[bold]Timeline[/]")
        for event in c.events:
            mark = "" if confirmed(event) else " [yellow](unconfirmed)[/]"
            out(f"  {format_time(event.timestamp)}  {type(event).__name__:<20} block {event.block_number}, "
                f"tx {event.transaction_hash}{mark}")

    data = c.to_json()
    for entry, event in zip(data["events"], c.events):
        entry["confirmed"] = confirmed(event)
    session.emit(data, human)
