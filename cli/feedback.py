"""Feedback from anyone: `ante feedback give`, `list`, `export` and `verify`.

Feedback is an EAS attestation in Ante's feedback schema (see ante/feedback.py): signed off chain and
collected by an oracle (free), or attested on chain through EAS (``--onchain``). Whatever the oracle
answers is checked here again, signature by signature: nothing is shown that does not verify.
"""

from __future__ import annotations

import json
import time

import click

from ante.cli.options import chain_options, offline_options, publish_option, write_options
from ante.cli.params import STANCE, check_writable

ORACLE_HELP = "The oracle that collects feedback, e.g. http://127.0.0.1:8700 (env ANTE_ORACLE_URL)."
BUNDLE_KIND = "ante-feedback-bundle"


@click.group()
def feedback():
    """Give, read, export and verify feedback on a challenge's work.

    Anyone may endorse a deliverable, stay neutral, or object, with a comment. Feedback is an
    attestation of the Ethereum Attestation Service (EAS) in Ante's schema
    (address ante, uint256 challengeId, bytes32 deliverable, int8 stance, string comment,
    bytes32 commentHash): any EAS tool can read and verify it, and feedback given with any EAS tool in
    this schema counts here.

    \b
    Examples:
      ante feedback give 3 --stance endorse --comment review.md --publish http://127.0.0.1:8700 \\
          --post http://127.0.0.1:8700 --account TEST::7
      ante feedback list 3 --oracle http://127.0.0.1:8700
      ante feedback export 0x3C44…93BC --oracle http://127.0.0.1:8700 --out alice.json
      ante feedback verify alice.json
    """


@feedback.command()
@click.argument("challenge_id", type=int)
@click.option("--stance", type=STANCE, required=True, help="endorse, neutral or object.")
@click.option("--comment", required=True,
              help="Your comment: a URL, or a local file with --publish (hashed by its bytes).")
@publish_option
@click.option("--post", "oracle_url", metavar="URL", help="Send the signed attestation to this oracle and print its answer.")
@click.option("--onchain", is_flag=True, help="Attest on chain through EAS (a transaction) instead of signing off chain.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Also write the signed attestation here.")
@chain_options
@write_options
def give(session, challenge_id, stance, comment, publish, oracle_url, onchain, out):
    """Give feedback on a challenge's deliverable, signed with your Ape account.

    Off chain (the default) it costs nothing: the EIP-712 attestation is printed, written with --out,
    or sent to an oracle with --post. With --onchain it is attested through EAS in a transaction.
    Before anything is submitted, feedback is about the challenge as posted.

    \b
    Examples:
      ante feedback give 3 --stance endorse --comment https://example.org/review --post http://127.0.0.1:8700
      ante feedback give 3 --stance object --comment why.md --publish http://127.0.0.1:8700 --onchain
    """
    from ante.feedback import Attestation

    if onchain and oracle_url:
        raise click.UsageError("--onchain attests through EAS on chain; --post sends an off-chain attestation. "
                               "Choose one.")
    check_writable(out)
    client = session.client()
    domain = _domain(client)
    c = client.challenge(challenge_id, session.chronicle())
    given, recipient = compose(client, c, stance, comment, publish)
    account = session.account("feedback is signed: name the reviewer")
    if onchain:
        uid = client.attest_feedback(given, recipient, account)
        result = {"uid": uid, "onchain": True, "signer": account.address, "feedback": given.to_json()}
        session.emit(result, lambda: session.out.print(
            f"Attested {stance} on challenge {challenge_id} on chain as {account.address}: uid {uid}."))
        return
    package = sign_with_account(account, Attestation.of(given, domain, recipient, int(time.time())))
    if out:
        with open(out, "w") as handle:
            handle.write(json.dumps(package, indent=2) + "\n")
    if oracle_url:
        from ante.cli.oracle_api import call

        answer = call(oracle_url, "/feedback", package, refused="refused the feedback")
        session.emit({"attestation": package, "oracle": answer}, lambda: session.out.print(
            f"The oracle took your feedback ({stance}) on challenge {challenge_id} from {account.address}: uid {package['sig']['uid']}."
            + (f" Wrote {out}." if out else "")))
        return
    if out and not session.as_json:
        session.out.print(f"Signed {stance} on challenge {challenge_id} as {account.address}; wrote {out}.")
    else:
        print(json.dumps(package, indent=2))


@feedback.command("list")
@click.argument("challenge_id", type=int)
@click.option("--oracle", "oracle_url", envvar="ANTE_ORACLE_URL", metavar="URL", help=ORACLE_HELP)
@chain_options
def list_feedback(session, challenge_id, oracle_url):
    """List the feedback on a challenge: who said what, in which role, and where it is recorded.

    Off-chain attestations come from the oracle (--oracle) and are verified here again; on-chain
    attestations are read from EAS. Each signer's latest word counts; a revoked one is left out.

    \b
    \b
    JSON (--json): {"challenge_id", "feedback": [{uid, signer, role, stance, comment, comment_hash,
    deliverable, time, onchain}]}.

    \b
    Example:
      ante feedback list 3 --oracle http://127.0.0.1:8700
    """
    client = session.client()
    c = client.challenge(challenge_id, session.chronicle())
    items = current(gather(session, client, oracle_url, challenge_id=challenge_id))
    rows = [feedback_row(item, client, c) for item in items]
    session.emit({"challenge_id": challenge_id, "feedback": rows}, lambda: _show(session, challenge_id, rows))


@feedback.command()
@click.argument("address", required=False)
@click.option("--oracle", "oracle_url", envvar="ANTE_ORACLE_URL", metavar="URL", help=ORACLE_HELP)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the bundle here, not to stdout.")
@chain_options
def export(session, address, oracle_url, out):
    """Export the feedback received by ADDRESS (or all feedback) as a bundle anyone can verify offline.

    The bundle holds every off-chain attestation package as signed, and the EAS domain they are bound
    to; `ante feedback verify BUNDLE` checks it without a node or an oracle.

    \b
    Examples:
      ante feedback export 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC --oracle http://127.0.0.1:8700 --out alice.json
      ante feedback export --oracle http://127.0.0.1:8700 > all-feedback.json
    """
    from ante.terms import to_checksum_address

    check_writable(out)
    client = session.client()
    domain = _domain(client)
    subject = None
    if address is not None:
        try:
            subject = to_checksum_address(address)
        except ValueError:
            raise click.BadParameter(f"{address!r} is not an address.", param_hint="ADDRESS") from None
    items = gather(session, client, oracle_url, recipient=subject)
    latest = current(items)
    offchain = [item["package"] for item in latest if item["package"]]
    onchain = [{"uid": item["uid"], "attester": item["signer"], "challenge_id": item["feedback"].challenge_id,
                "stance": item["feedback"].stance_name} for item in latest if item["onchain"]]
    bundle = {"kind": BUNDLE_KIND, "version": 1, "domain": domain.to_json(), "ante": client.deployment.address,
              "subject": subject, "attestations": offchain, "onchain": onchain}
    text = json.dumps(bundle, indent=2)
    if out:
        with open(out, "w") as handle:
            handle.write(text + "\n")
        if not session.as_json:
            session.out.print(f"Wrote {len(offchain)} attestation(s) to {out}.")
            return
    print(text)


@feedback.command()
@click.argument("bundle", type=click.File("rb"))
@offline_options
def verify(session, bundle):
    """Verify a feedback bundle offline: every signature, UID, schema and binding.

    Exits 0 when every attestation verifies, 1 when any does not (each failure is named).

    \b
    Example:
      ante feedback verify alice.json
    """
    from ante.errors import AnteError, BadInput
    from ante.feedback import EasDomain, FeedbackError, SignedAttestation
    from ante.verdict import parse_document

    document = parse_document(bundle.read(), "the bundle")
    if not isinstance(document, dict) or document.get("kind") != BUNDLE_KIND:
        raise BadInput(f"this is not an Ante feedback bundle (its kind must be {BUNDLE_KIND!r}).")
    try:
        d = document["domain"]
        domain = EasDomain(int(d["chainId"]), d["verifyingContract"], d["version"])
        ante = document["ante"]
        packages = list(document["attestations"])
        onchain = list(document.get("onchain", []))
    except (KeyError, TypeError, ValueError) as error:
        raise BadInput(f"the bundle is incomplete ({error}).") from None
    results, failures = [], 0
    for index, package in enumerate(packages, 1):
        try:
            signed = SignedAttestation.from_json(package, domain)
            given = signed.feedback()
            if given.ante.lower() != str(ante).lower():
                raise FeedbackError(f"it is about the Ante deployment {given.ante}, not {ante}.")
            results.append({"index": index, "uid": signed.uid, "signer": signed.signer, "ok": True,
                            "challenge_id": given.challenge_id, "stance": given.stance_name})
        except FeedbackError as error:
            failures += 1
            results.append({"index": index, "ok": False, "error": str(error)})

    def show():
        for r in results:
            if r["ok"]:
                session.out.print(f"  ✔ {r['uid']}: {r['stance']} on challenge {r['challenge_id']} by {r['signer']}")
            else:
                session.out.print(f"  ✘ attestation {r['index']}: {r['error']}")
        session.out.print(f"{len(results) - failures} of {len(results)} attestation(s) verify.")
        if onchain:
            session.out.print(f"{len(onchain)} on-chain attestation(s) are listed by UID: EAS holds them, so check "
                              "them against the chain (`ante feedback list ID`).")

    session.emit({"verified": len(results) - failures, "failed": failures, "results": results,
                  "onchain_listed": len(onchain)}, show)
    if failures:
        raise AnteError(f"{failures} of {len(results)} attestation(s) in the bundle do not verify.")


@feedback.command()
@click.argument("uid")
@chain_options
@write_options
def revoke(session, uid):
    """Revoke your off-chain feedback UID on EAS (revokeOffchain): a transaction that every reader honours.

    The oracle and `ante feedback list` leave a revoked attestation out; giving new feedback on the same
    challenge also replaces the old one without a transaction.

    \b
    Example:
      ante feedback revoke 0x4283…6cd7 --account TEST::3
    """
    from ante.feedback import FeedbackError, as_bytes32

    try:
        raw = as_bytes32(uid, "the UID")
    except FeedbackError as error:
        raise click.BadParameter(str(error), param_hint="UID") from None
    client = session.client()
    account = session.account("a revocation is a transaction: name the attester")
    receipt = client.revoke_offchain("0x" + raw.hex(), account)
    session.emit({"uid": "0x" + raw.hex(), "revoker": account.address, "tx": str(receipt.txn_hash),
                  "block": receipt.block_number},
                 lambda: session.out.print(f"✔ Revoked 0x{raw.hex()} — tx {receipt.txn_hash}, block {receipt.block_number}"))


# ---------------------------------------------------------------------------- shared steps


def sign_with_account(account, attestation) -> dict:
    """Signs an off-chain attestation with an Ape account (EIP-712, as a wallet would); returns the package,
    checked as anyone will check it."""
    from eth_account.messages import encode_typed_data

    from ante.errors import BadInput
    from ante.feedback import SignedAttestation
    from ante.safes import check_can_sign

    check_can_sign(account, "feedback off chain", "give it on chain instead (--onchain), a transaction from the Safe")
    signature = account.sign_message(encode_typed_data(full_message=attestation.typed_data()))
    if signature is None:
        raise BadInput("the account declined to sign.")
    signed = SignedAttestation(attestation, account.address, signature.encode_rsv())
    return SignedAttestation.from_json(signed.to_json(), attestation.domain).to_json()


def compose(client, c, stance: str, comment: str, publish: str | None):
    """(the feedback, its recipient) on challenge `c`: about its deliverable (zero before one is submitted),
    received by its contributor (zero before anyone accepts); the comment resolved as every document is."""
    from ante.documents import resolve
    from ante.feedback import STANCES, ZERO_ADDRESS, ZERO_HASH, Feedback

    comment_hash, comment_uri = resolve(comment, publish, "--comment")
    given = Feedback(client.deployment.address, c.challenge_id, c.deliverable or ZERO_HASH, STANCES[stance],
                     comment_uri, comment_hash)
    return given, c.contributor or ZERO_ADDRESS


def reasons(client, c, stance: str, comment: str, publish: str | None, account) -> dict:
    """Signed off-chain feedback on challenge `c` (an evaluator's reasons): the attestation's package."""
    from ante.feedback import Attestation

    given, recipient = compose(client, c, stance, comment, publish)
    return sign_with_account(account, Attestation.of(given, _domain(client), recipient, int(time.time())))


def _domain(client):
    from ante.errors import BadInput

    domain = client.eas_domain()
    if domain is None:
        raise BadInput("this Ante deployment has no EAS deployment recorded, so there is nowhere to attest feedback; "
                       "deploy again with `ante deploy` (it sets EAS up).")
    return domain


def gather(session, client, oracle_url, *, challenge_id: int | None = None,
            recipient: str | None = None) -> list[dict]:
    """The feedback on one challenge (or received by `recipient`) from every source, each item verified
    here: off-chain packages from the oracle (left out when their signer revoked them on EAS), on-chain
    attestations from EAS (left out when revoked). An on-chain attestation the oracle lists too is taken
    once, by its UID, from EAS: this read is the one checked against the chain."""
    from urllib.parse import urlencode

    from ante.feedback import FeedbackError, SignedAttestation

    domain = _domain(client)
    items = []
    attestations = client.feedback_attestations()
    onchain_uids = {attested.uid.lower() for attested in attestations}
    if oracle_url:
        from ante.cli.oracle_api import call

        query = {key: value for key, value in (("challenge", challenge_id), ("recipient", recipient)) if value is not None}
        answer = call(oracle_url, "/feedback?" + urlencode(query))
        entries = answer if isinstance(answer, list) else answer.get("feedback", [])
        revoked = {(r.revoker, r.uid.lower()) for r in client.offchain_revocations()}
        for entry in entries:
            if isinstance(entry, dict) and (entry.get("onchain") is True
                                            or str(entry.get("uid", "")).lower() in onchain_uids):
                continue  # read from EAS below (or revoked there): not twice, and not on the oracle's word
            try:
                signed = SignedAttestation.from_json(entry["package"], domain)
                given = signed.feedback()
            except (FeedbackError, KeyError, TypeError) as error:
                session.err.print(f"Left out an attestation from the oracle that does not verify: {error}",
                                  markup=False)
                continue
            if (given.ante != client.deployment.address or (signed.signer, signed.uid.lower()) in revoked
                    or signed.uid.lower() in onchain_uids):
                continue
            items.append({"uid": signed.uid, "signer": signed.signer, "feedback": given,
                          "recipient": signed.attestation.recipient, "time": signed.attestation.time,
                          "onchain": False, "package": signed.to_json()})
    for attested in attestations:
        if attested.feedback is None or attested.revoked:
            continue
        items.append({"uid": attested.uid, "signer": attested.attester, "feedback": attested.feedback,
                      "recipient": attested.recipient, "time": attested.time, "onchain": True, "package": None})
    return [item for item in items
            if (challenge_id is None or item["feedback"].challenge_id == challenge_id)
            and (recipient is None or item["recipient"] == recipient)]


def current(items: list[dict]) -> list[dict]:
    """Each signer's latest feedback per challenge (by time, then uid), oldest first."""
    latest: dict[tuple[str, int], dict] = {}
    for item in items:
        key = (item["signer"], item["feedback"].challenge_id)
        if key not in latest or (item["time"], item["uid"]) > (latest[key]["time"], latest[key]["uid"]):
            latest[key] = item
    return sorted(latest.values(), key=lambda item: (item["time"], item["uid"]))


def feedback_row(item: dict, client, c) -> dict:
    from ante.feedback import role

    members, _ = client.panel(c.terms.panel_id)
    given = item["feedback"]
    return {"uid": item["uid"], "signer": item["signer"],
            "role": role(item["signer"], funder=c.terms.funder, contributor=c.contributor, panel=members,
                         co_funders=tuple(c.contributions)),
            "stance": given.stance_name, "comment": given.comment, "comment_hash": "0x" + given.comment_hash.hex(),
            "deliverable": "0x" + given.deliverable.hex(), "time": item["time"], "onchain": item["onchain"]}


def _show(session, challenge_id: int, rows: list[dict]) -> None:
    from ante.units import format_address

    out = session.out.print
    if not rows:
        out(f"No feedback on challenge {challenge_id} yet.")
        return
    counts = {stance: sum(r["stance"] == stance for r in rows) for stance in ("endorse", "neutral", "object")}
    out(f"[bold]Feedback on challenge {challenge_id}[/]: {counts['endorse']} endorse, {counts['neutral']} neutral, "
        f"{counts['object']} object.")
    for r in rows:
        where = "on chain" if r["onchain"] else "off chain"
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(r["time"]))
        out(f"  {r['stance']:<8} {format_address(r['signer'])} ({r['role']}), {when} UTC, {where}: {r['comment'] or '—'}",
            markup=False)
