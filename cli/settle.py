"""`ante settle`."""

import click

from ante.cli.options import chain_options, write_options


#: A signed verdict is about 1 KiB; a file much larger than that is not one (and is not read whole).
MAX_VERDICT_BYTES = 64 * 1024


@click.command()
@click.argument("challenge_id", type=int)
@click.argument("verdict_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@chain_options
@write_options
def settle(session, challenge_id, verdict_files):
    """Settle a submitted challenge with signed verdicts from a quorum of its panel.

    An appealed challenge (see `ante appeal`) is settled the same way with a quorum of its appeal
    panel's AppealVerdicts, before the appeal panel's deadline: the score moves the payout, and the
    bond goes back to the appellant if the score moved their way (down for the creator, up for the
    contributor), else to the other party. A challenge with an appeal window is not paid on its
    panel's verdict: the verdict is recorded, and `ante finalize` pays it once the window closes
    unused. A review fee is paid to the panel's signers with the verdict.

    Every verdict must give the same score; they are checked here (signature, panel, chain,
    contract, deliverable) before anything is sent. Anyone may relay them. A file is what
    `ante verdict sign` writes, or what a wallet gives for `ante verdict typed-data`'s output:
    {"typedData": ..., "signature": "0x..."} (the signer is recovered), or the typed data with
    its "signature" beside its fields. Signatures with v of 0/1 or a high s are normalised. A
    contract wallet's verdict (a Safe's) names its "signer", and the wallet is asked (ERC-1271)
    whether it accepts the signature, as the contract will ask it.

    \b
    JSON (--json): challenge_id, score, to_contributor and to_funder (what the score pays, as text),
    state (settled, or ruled when the verdict was recorded for an appeal window), tx, gas_used, block.

    \b
    Example:
      ante settle 3 v5.json v6.json --account TEST::4
    """
    from ante.erc1271 import wallet_check
    from ante.errors import BadInput
    from ante.verdict import AppealVerdict, SignedVerdict, Verdict, VerdictError, parse_document

    documents = []
    for path in verdict_files:
        with open(path, "rb") as handle:
            data = handle.read(MAX_VERDICT_BYTES + 1)
        if len(data) > MAX_VERDICT_BYTES:
            raise BadInput(f"{path} is larger than {MAX_VERDICT_BYTES // 1024} KiB; a signed verdict is about 1 KiB.")
        try:
            documents.append((path, parse_document(data, "it")))
        except VerdictError as error:
            raise BadInput(f"{path} is not JSON ({error})." if "not valid JSON" in str(error) else f"{path}: {error}")
    client = session.client()
    wallet = wallet_check(client.node)  # a Safe's verdict is checked by asking the Safe, as the contract will
    verdicts = []
    for path, document in documents:
        try:
            verdicts.append(SignedVerdict.from_json(document, wallet, kinds=(Verdict, AppealVerdict)))
        except VerdictError as error:
            raise BadInput(f"{path}: {error}")
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    panel_id = client.judging_panel(c)
    members, threshold = client.panel(panel_id)
    distinct = {v.signer for v in verdicts}
    if len(distinct) < threshold:
        what = "appeal panel" if panel_id != c.terms.panel_id else "panel"
        raise BadInput(f"{len(distinct)} distinct evaluators signed but {what} {panel_id} needs {threshold}.")
    fmt = client.formatter(c.terms.token)
    from ante.state import State
    from ante.terms import split_payout

    score = verdicts[0].verdict.score
    to_contributor, to_funder = split_payout(c.terms.reward, c.terms.stake_bps, score)
    if not session.as_json:
        pays = f"{fmt(to_contributor)} to the contributor, {fmt(to_funder)} to the funder"
        if c.state == State.SUBMITTED and c.appeal_window:
            from ante.units import format_duration

            pays = (f"recorded, not paid yet: it can be appealed for {format_duration(c.appeal_window)}, and pays "
                    f"{pays} if it stands")
        elif c.state == State.APPEALED:
            by_contributor = c.appellant == c.contributor
            won = score > c.first_score if by_contributor else score < c.first_score
            other = "the funder" if by_contributor else "the contributor"
            bond = fmt(c.bond)
            pays += (f"; the appeal is won, the bond of {bond} goes back to the appellant" if won else
                     f"; the appeal is lost, the bond of {bond} goes to {other}")
        if c.review_fee and c.state == State.SUBMITTED:
            share = c.review_fee // len(distinct)
            pays += f"; the review fee pays {fmt(share)} to each of the {len(distinct)} signers"
        session.out.print(f"Verdict {score / 100:g}%: {pays}.")
    session.confirm(f"Settle challenge {challenge_id}?")
    try:
        receipt = session.transaction(f"Settled challenge {challenge_id}", lambda: client.settle(c, verdicts, account))
    except VerdictError as error:
        raise BadInput(str(error))
    from ante.cli.session import receipt_json

    after = client.challenge(challenge_id, session.chronicle()).state
    session.emit({"challenge_id": challenge_id, "score": score, "to_contributor": str(to_contributor),
                  "to_funder": str(to_funder), "state": after.label, **receipt_json(receipt)})
