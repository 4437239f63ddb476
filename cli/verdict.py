"""The evaluator's commands: `ante verdict sign`, `ante verdict typed-data` and `ante verdict status`."""

import json

import click

from ante.cli.options import chain_options, offline_options, publish_option
from ante.cli.params import SCORE, STANCE, check_writable


@click.group()
def verdict():
    """Sign a verdict as an evaluator, or print it for any wallet to sign.

    A verdict is the EIP-712 message Verdict(challengeId, deliverable, score) in the domain
    {name: "Ante", version: "1", chainId, verifyingContract}: it cannot be replayed on another
    challenge, deliverable, chain or deployment.

    \b
    Examples:
      ante verdict sign 3 --score 90% --account TEST::5 --out v5.json
      ante verdict typed-data 3 --score 90% > verdict-3.json
    """


@verdict.command()
@click.argument("challenge_id", type=int)
@click.option("--score", type=SCORE, required=True, help="80%, 8000 (basis points), pass or fail.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the signed verdict here, not to stdout.")
@click.option("--post", "oracle_url", metavar="URL",
              help="Send the signed verdict to the oracle at URL (e.g. http://127.0.0.1:8700) and print its answer.")
@click.option("--comment", metavar="FILE|URL",
              help="Your reasons: also sign a feedback attestation (EAS) carrying them. A URL, or a local file "
                   "with --publish.")
@click.option("--stance", type=STANCE,
              help="The stance of the reasons [default: endorse for a score of 50% or more, else object].")
@publish_option
@chain_options
def sign(session, challenge_id, score, out, oracle_url, comment, stance, publish):
    """Sign a verdict with your Ape account; prints (or writes) the signed verdict as JSON.

    Give the files of a quorum of evaluators to `ante settle`, or send the verdict straight to a
    running oracle with --post: it settles as soon as a quorum agrees.

    For an appealed challenge (see `ante appeal`) the appeal panel's evaluators sign instead, and
    what they sign is an AppealVerdict: the same fields as a Verdict under another EIP-712 type, so
    that no first-round signature can decide an appeal.

    A Safe on the panel signs as Safes do (ERC-1271): with --account SAFE, as many of its owners as its
    threshold sign the verdict's digest as a SafeMessage, each from an account here (imported, or a
    keyfile account), and the file holds their signatures together as the Safe's.

    With --comment, your reasons go with it: a feedback attestation signed by the same account (see
    `ante feedback --help`), kept in the document under "reasons" and sent to the oracle with --post.
    A verdict without reasons is just as valid.

    \b
    Examples:
      ante verdict sign 3 --score 90% --account TEST::5 --out v5.json
      ante verdict sign 3 --score 90% --account TEST::5 --post http://127.0.0.1:8700
      ante verdict sign 3 --score 60% --comment why.md --publish http://127.0.0.1:8700 \\
          --post http://127.0.0.1:8700 --account TEST::5
    """
    from eth_account.messages import encode_typed_data

    from ante.errors import BadInput
    from ante.verdict import SignedVerdict

    check_writable(out)
    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    unsigned = client.verdict(c, score)
    panel_id = client.judging_panel(c)
    members, _ = client.panel(panel_id)
    if account.address not in members:
        what = f"appeal panel {panel_id}" if panel_id != c.terms.panel_id else f"panel {panel_id}"
        raise BadInput(f"{account.address} is not an evaluator on {what}, so its verdict would not count.")
    from ante.safes import is_safe

    if is_safe(account):
        from ante.safes import sign_digest

        if comment is not None:
            raise BadInput(f"{account.address} is a Safe, and a Safe cannot sign reasons off chain (EAS's off-chain "
                           "attestations are signed by keys); sign the verdict without --comment and give the "
                           "reasons on chain with `ante feedback give --onchain --account SAFE`.")
        signed = SignedVerdict(unsigned, account.address, sign_digest(account, unsigned.digest(), unsigned.chain_id))
    else:
        signature = account.sign_message(encode_typed_data(full_message=unsigned.typed_data()))
        if signature is None:
            raise BadInput("the account declined to sign.")
        signed = SignedVerdict(unsigned, account.address, signature.encode_rsv())
    package = None
    if comment is not None:
        from ante.cli.feedback import reasons

        package = reasons(client, c, stance or ("endorse" if score >= 5000 else "object"), comment, publish, account)
    whole = {**signed.to_json(), **({"reasons": package} if package else {})}
    document = json.dumps(whole, indent=2)
    if oracle_url:
        if out:
            with open(out, "w") as handle:
                handle.write(document + "\n")
        answer = _oracle(oracle_url, "/verdicts", signed.to_json())
        result = {"verdict": signed.to_json(), "oracle": answer}
        if package:
            from ante.cli.oracle_api import call

            result["reasons"] = call(oracle_url, "/feedback", package, refused="refused the reasons")
        session.emit(result, lambda: _show_answer(session, answer, out, package))
        return
    if out:
        with open(out, "w") as handle:
            handle.write(document + "\n")
        if not session.as_json:
            session.out.print(f"Signed {score / 100:g}% for challenge {challenge_id} as {account.address}; wrote {out}.")
        else:
            print(document)
    else:
        print(document)


@verdict.command("typed-data")
@click.argument("challenge_id", type=int)
@click.option("--score", type=SCORE, required=True, help="80%, 8000 (basis points), pass or fail.")
@chain_options
def typed_data(session, challenge_id, score):
    """Print the verdict's EIP-712 typed data, for eth_signTypedData_v4 in any wallet.

    Save the wallet's signature as {"typedData": <this>, "signer": <address>, "signature": <0x...>}
    and give the file to `ante settle`.

    \b
    Example:
      ante verdict typed-data 3 --score 80% > verdict-3.json
    """
    client = session.client()
    c = client.challenge(challenge_id, session.chronicle())
    print(json.dumps(client.verdict(c, score).typed_data(), indent=2))


@verdict.command()
@click.argument("challenge_id", type=int)
@click.option("--oracle", "oracle_url", envvar="ANTE_ORACLE_URL", required=True, metavar="URL",
              help="The oracle, e.g. http://127.0.0.1:8700 (env ANTE_ORACLE_URL).")
@offline_options
def status(session, challenge_id, oracle_url):
    """Show the verdicts an oracle holds for a challenge and what a quorum still needs.

    \b
    JSON (--json): the oracle's GET /challenges/ID answer: {challenge, verdicts, quorum: {threshold,
    score, agreeing, missing, reached, members, not_signed, by_score}, attempts}.

    \b
    Example:
      ante verdict status 3 --oracle http://127.0.0.1:8700
    """
    view = _oracle(oracle_url, f"/challenges/{challenge_id}")
    session.emit(view, lambda: _show_status(session, view))


# ---------------------------------------------------------------------------- talking to the oracle


def _oracle(url: str, path: str, body: dict | None = None) -> dict:
    from ante.cli.oracle_api import call

    return call(url, path, body, refused="refused the verdict")


def _percent(score) -> str:
    return "—" if score is None else f"{score / 100:g}%"


def _show_answer(session, answer: dict, out, reasons: dict | None = None) -> None:
    q = answer["quorum"]
    done = {"stored": "stored", "replaced": "replaced your earlier verdict with", "unchanged": "already had"}
    line = (f"The oracle {done.get(answer['status'], answer['status'])} {_percent(answer['score'])} for challenge "
            f"{answer['challenge_id']} from {answer['signer']}: {q['agreeing']} of {q['threshold']} needed agree")
    if q["reached"]:
        line += "; the quorum is reached and the settlement is on its way."
    else:
        line += f"; {q['missing']} more needed."
    if out:
        session.out.print(f"Wrote {out}.")
    session.out.print(line)
    if reasons:
        session.out.print(f"Your reasons went with it: attestation {reasons['sig']['uid']}.")


def _show_status(session, view: dict) -> None:
    c, q = view["challenge"], view["quorum"]
    out = session.out.print
    out(f"[bold]Challenge {c['challenge_id']}[/] is {c['state']}.")
    if q is None:
        out("  Nothing has been submitted yet, so there is nothing to judge.")
    else:
        if not q["by_score"]:
            out(f"  No verdicts yet; a quorum is {q['threshold']} of {len(q['members'])} evaluators.")
        for group in q["by_score"]:
            out(f"  {_percent(group['score'])}: {group['count']} — {', '.join(group['signers'])}")
        if q["reached"]:
            out(f"  Quorum reached at {_percent(q['score'])} ({q['agreeing']} of {q['threshold']} needed).")
        elif q["by_score"]:
            out(f"  {q['missing']} more agreeing verdict(s) needed for {_percent(q['score'])} "
                f"({q['agreeing']} of {q['threshold']}).")
        if q["not_signed"] and c["state"] == "submitted":
            out(f"  Not signed yet: {', '.join(q['not_signed'])}")
    for attempt in view["attempts"]:
        tail = f" tx {attempt['tx_hash']}" if attempt["tx_hash"] else ""
        reason = f" ({attempt['reason']})" if attempt["reason"] else ""
        out(f"  The oracle's {attempt['action']}: {attempt['outcome']}{tail}{reason}")
