"""The oracle's HTTP API (FastAPI): verdicts in; challenges, records, health and metrics out.

``create_app(service)`` wraps an :class:`ante.oracle.service.OracleService`. The OpenAPI description at
``/openapi.json`` says exactly what the server does (:mod:`ante.oracle.openapi`: every status each
operation answers, every body's schema, closed objects, the states, address and signature patterns, the
signed verdict's typed data in this oracle's domain); ``/docs`` browses it with Swagger UI served from
the npm package swagger-ui-dist, never from a CDN (503 with a sentence saying how to install it when the
files are absent); there is no ReDoc. Every error is ``{"detail": "One plain sentence."}`` with a 4xx
status (503 while the oracle has not read the chain yet), and a method a path does not take is 405 with
``Allow`` naming every method it does take.

- ``POST /verdicts``: a signed verdict as ``ante verdict sign`` writes it (``{typedData, signature,
  signer?}``), as a wallet gives it (``{typedData, signature}``: the signer is recovered), or typed data
  with the signature beside its fields. The body is limited (16 KiB by default) before it is parsed (413
  beyond). 202 ``{status: stored|unchanged|replaced, challenge_id, signer, score, quorum: {threshold,
  score, agreeing, missing, reached}, settlement}`` only once the verdict is committed to disk; 400 (not
  JSON), 422 (not a valid signed verdict, bad signature, another chain or deployment, not a panel
  member), 404 (no such challenge), 409 (not submitted, review window closed, another deliverable)
  otherwise, with nothing stored. A challenge the snapshot does not show as submitted is looked up
  again, but only while the node answers: behind a node that hangs, the answer comes at once from the
  last snapshot, naming its block. An appeal panel's ``AppealVerdict`` comes in the same way (told apart
  by its primary type, and by an optional ``kind``: ``verdict`` or ``appeal``), and is checked against
  the appeal round: 409 unless the challenge is appealed and its rule-by deadline has not passed, 422
  for a signer not on its appeal panel; the answer's ``kind`` says which round it counted in.
- ``GET /challenges[?state=submitted]``: every challenge (``ChallengeHistory.to_json(full=False)``)
  with its number of stored ``verdicts``; 422 for a state that does not exist.
- ``GET /challenges/{id}``: ``{challenge, verdicts, quorum: {threshold, score, agreeing, missing,
  reached, members, not_signed, by_score}, appeal_verdicts, appeal_quorum, attempts, transactions}``
  (``appeal_quorum`` null unless appealed); ``transactions`` are the oracle's
  own for the challenge, each a nonce with its state and every version sent (hash and fees). Read from
  the last snapshot, never waiting on the node: 404 naming the snapshot's block when it has no such
  challenge.
- ``POST /feedback``: an EAS off-chain attestation package in Ante's feedback schema (``{sig, signer}``,
  as EAS's SDK shares it; :mod:`ante.oracle.feedback`). 201 ``{status: stored|replaced, uid,
  challenge_id, signer, stance, role, time}`` once it is on disk, 200 (``unchanged``) for the current one
  again; 400 (not JSON), 422 (not an attestation in Ante's schema, a bad signature, another EAS domain or
  Ante deployment, a time ahead of the clock), 404 (no such challenge), 409 (another deliverable or
  recipient, expired, revoked, or older than the signer's current feedback), 403 (the policy does not
  take this signer), 413, 429 (the signer's hourly rate is used up) and 503 (no EAS configured, or the
  chain not read yet) otherwise, with nothing stored.
- ``GET /feedback[?challenge=ID][&signer=ADDRESS][&recipient=ADDRESS]``: current feedback, off chain (as
  posted) and on chain (read by the chain worker from EAS's events, up to the final block), each with its
  signer's role on the challenge (funder, contributor, panel or community), where it is from
  (``onchain``, with the ``transaction_hash`` of an on-chain one, else null) and its package (null on
  chain); 404 for a challenge that does not exist. ``GET /feedback/{uid}``: one current off-chain
  attestation's package (404 for an on-chain one, which has none).
- ``GET /records/{address}``: ``ante.records`` for that address (0x and 40 hex digits) in every role.
- ``GET /health``: ``{ok, chain_id, contract, account, head, indexed, final_block, lag, chain_time,
  synced_at, keeper, confirmations, in_flight, retrying, last_error}``; 200 when ok, else 503.
- ``GET /audit``: ``ante audit``'s report of the latest snapshot; 503 when the chain does not answer in time.
- ``GET /metrics``: Prometheus text format.
- ``PUT/GET /documents/0x<hash>``: the document store (:mod:`ante.oracle.documents`).

The dashboard (:mod:`ante.oracle.dashboard`) serves HTML pages beside the API: the board at ``/``, and
``/ui/challenges/{id}``, ``/ui/people/{address}``, ``/ui/rankings`` and ``/ui/audit``.
"""

from __future__ import annotations

import re

import anyio.to_thread
from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ante.oracle.dashboard import REFRESH as DASHBOARD_REFRESH
from ante.oracle.dashboard import mount as mount_dashboard
from ante.oracle.documents import mount as mount_documents
from ante.oracle.openapi import (ADDRESS, BYTES32, FEEDBACK_BODY, STATES, VERDICT_BODY, Audit, ChallengeListed,
                                 ChallengeView, FeedbackAccepted, FeedbackItem, FeedbackPackage, Health, Problem, RecordsOut,
                                 VerdictAccepted, describe, mount_docs, problems)
from ante.oracle.readmodel import AuditUnavailable, await_audit
from ante.oracle.service import NotReady, OracleService, Rejected

__all__ = ["MAX_BODY", "Problem", "STATES", "create_app"]

#: The largest verdict body accepted; a signed verdict is about 1 KiB.
MAX_BODY = 16 * 1024

#: Worker threads checking and storing verdicts at once. Checking is CPU work under the GIL, so more
#: threads only queue for it; a few suffice to fill each group commit of the store.
VERDICT_THREADS = 8


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    if not text:
        return "Bad request."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def _allowed(app: FastAPI, scope) -> list[str]:
    """Every method some route of `app` takes at the request's path. Starlette's 405 names only the first
    route's, which is wrong where one path has a route per method (GET and PUT /documents/{name})."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        if getattr(route, "methods", None) and route.matches(scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


def _problem(status: int, text: str) -> JSONResponse:
    return JSONResponse({"detail": _sentence(text)}, status_code=status)


def create_app(service: OracleService, *, max_body: int = MAX_BODY, refresh: int = DASHBOARD_REFRESH) -> FastAPI:
    """The HTTP API over `service`, and its dashboard (pages reloading every `refresh` seconds)."""
    app = FastAPI(
        title="Ante oracle",
        version="1",
        description="Collects evaluators' signed verdicts, settles a challenge on-chain as soon as a quorum "
                    "agrees, and lapses challenges past their deadlines. It cannot forge a verdict: it only "
                    "relays what evaluators signed. Every error is `{\"detail\": \"One plain sentence.\"}`.",
        docs_url=None,
        redoc_url=None,
    )
    describe(app, service)
    limiter: list = []  # created with the first verdict, inside the server's event loop

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        location, *where = [str(part) for part in first.get("loc", ())] or ["request"]
        message = str(first.get("msg", "is invalid"))
        if where:
            place = {"path": "in the path", "query": "in the query", "body": "in the body"}.get(location, location)
            return _problem(422, f"the {'.'.join(where)} {place}: {message[:1].lower()}{message[1:]}")
        return _problem(422, f"the request: {message[:1].lower()}{message[1:]}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        response = _problem(error.status_code, str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed(app, request.scope))
        return response

    @app.exception_handler(NotReady)
    async def _not_ready(request: Request, error: NotReady):
        return _problem(503, str(error))

    @app.post("/verdicts", status_code=202, response_model=None, summary="Submit a signed verdict",
              responses={202: {"model": VerdictAccepted, "description": "Stored (committed to disk)."},
                         **problems(400, 404, 409, 413, 422, 503,
                                    s404="There is no such challenge (as of the block the sentence names).",
                                    s409="The challenge is not submitted (an appeal verdict: not appealed), its "
                                         "review window (its appeal's rule-by) closed, or it was submitted with "
                                         "another deliverable.",
                                    s422="Not a signed verdict, a bad signature, another chain or deployment, or "
                                         "a signer not on the challenge's panel (an appeal verdict: its appeal "
                                         "panel).",
                                    s503="The oracle has not read the chain yet.")},
              openapi_extra={"requestBody": VERDICT_BODY})
    async def post_verdict(request: Request):
        """Verifies a signed verdict and stores it durably; 202 only once it is on disk. When it
        completes a quorum, the settlement is submitted at once. Nothing is stored otherwise."""
        too_large = Rejected("too_large", f"the body is larger than {max_body} bytes; a signed verdict is about 1 KiB.")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            service.metrics.verdicts_rejected.labels(too_large.reason).inc()
            return _problem(too_large.status, too_large.message)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                service.metrics.verdicts_rejected.labels(too_large.reason).inc()
                return _problem(too_large.status, too_large.message)
        try:
            if not limiter:
                limiter.append(anyio.CapacityLimiter(VERDICT_THREADS))
            result = await anyio.to_thread.run_sync(service.accept_verdict, bytes(body), limiter=limiter[0])
        except Rejected as rejection:
            return _problem(rejection.status, rejection.message)
        return JSONResponse(result, status_code=202)

    async def read_body(request: Request, what: str) -> bytes | JSONResponse:
        """The request's body, or the 413 answer once it is larger than `max_body`."""
        length = request.headers.get("content-length")
        too_large = _problem(413, f"the body is larger than {max_body} bytes; {what}.")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            return too_large
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                return too_large
        return bytes(body)

    @app.post("/feedback", status_code=201, response_model=None, summary="Give feedback on a challenge",
              responses={201: {"model": FeedbackAccepted, "description": "Kept (committed to disk): new, or newer "
                                                                         "than the signer's feedback it replaces."},
                         200: {"model": FeedbackAccepted, "description": "This attestation is already the current one."},
                         **problems(400, 403, 404, 409, 413, 422, 429, 503,
                                    s403="This oracle's policy does not take feedback from this signer.",
                                    s404="There is no such challenge (as of the block the sentence names).",
                                    s409="Another deliverable or recipient than the challenge's, expired, revoked, "
                                         "or not newer than the signer's current feedback on the challenge.",
                                    s422="Not an EAS off-chain attestation in Ante's feedback schema, a bad signature, "
                                         "another EAS domain or Ante deployment, or a time ahead of the clock.",
                                    s429="The signer has used up this oracle's hourly rate of feedback.",
                                    s503="This oracle takes no feedback (no EAS deployment configured), or it has "
                                         "not read the chain yet.")},
              openapi_extra={"requestBody": FEEDBACK_BODY})
    async def post_feedback(request: Request):
        """Verifies an EAS off-chain attestation of feedback (endorse, neutral or object, with a comment
        document) and keeps it, whole, as its signer's current feedback on the challenge: a later
        attestation replaces it. Feedback is advisory: it never moves money."""
        body = await read_body(request, "an attestation package is a few KiB")
        if isinstance(body, JSONResponse):
            return body
        try:
            status, answer = await anyio.to_thread.run_sync(service.accept_feedback, body)
        except Rejected as rejection:
            return _problem(rejection.status, rejection.message)
        return JSONResponse(answer, status_code=status)

    @app.get("/feedback", response_model=None, summary="List feedback",
             responses={200: {"model": list[FeedbackItem], "description": "Current feedback, by challenge, newest first."},
                        **problems(404, 422, 503, s404="There is no such challenge (as of the oracle's latest view).",
                                   s422="A challenge id that is not a whole number, or an address that is not one.",
                                   s503="The oracle has not read the chain yet.")})
    def list_feedback(challenge: int = Query(None, ge=0, description="Only the feedback on this challenge."),
                      signer: str = Query(None, json_schema_extra={"pattern": ADDRESS},
                                          description="Only the feedback this address gave."),
                      recipient: str = Query(None, json_schema_extra={"pattern": ADDRESS},
                                             description="Only the feedback on this contributor's challenges.")):
        """Every signer's current feedback, filtered by challenge, signer and recipient (the contributor of
        the challenge it is about), each with the signer's role on the challenge and the package as
        signed, so that anyone can verify it."""
        for name, value in (("signer", signer), ("recipient", recipient)):
            if value is not None and not re.fullmatch(ADDRESS, value):
                return _problem(422, f"the {name} {value[:60]!r} is not an address: use 0x and 40 hex digits.")
        items = service.feedback.listing(challenge=challenge, signer=signer, recipient=recipient)
        if items is None:
            return _problem(404, f"there is no challenge {challenge} on this deployment as of block "
                                 f"{service.current().head}, the oracle's latest view of the chain.")
        return JSONResponse(items)

    @app.get("/feedback/{uid}", response_model=None, summary="One feedback attestation",
             responses={200: {"model": FeedbackPackage, "description": "The attestation package (EAS's form)."},
                        **problems(404, 422, s404="No current off-chain feedback has this UID (an on-chain "
                                                  "attestation has no package: EAS holds it).", s422="Not a UID.")})
    def get_feedback(uid: str = Path(json_schema_extra={"pattern": BYTES32},
                                     description="The attestation's off-chain UID: 0x and 64 hex digits.")):
        """A current off-chain attestation's package, exactly as it was posted (re-verifiable with any EAS
        tool). An on-chain attestation has none: EAS holds it, under its UID."""
        if not re.fullmatch(BYTES32, uid):
            return _problem(422, f"{uid[:80]!r} is not an attestation UID: use 0x and 64 hex digits.")
        found = service.feedback.one(uid)
        if found is None:
            return _problem(404, f"no current feedback has the UID {uid.lower()}.")
        if found.package is None:
            return _problem(404, f"the feedback {found.uid} is an on-chain attestation (transaction "
                                 f"{found.transaction_hash}): it has no package; EAS holds it under its UID.")
        return JSONResponse(found.package)

    @app.get("/challenges", response_model=None, summary="List challenges",
             responses={200: {"model": list[ChallengeListed], "description": "Every challenge, by id."},
                        **problems(422, 503, s422="There is no such state.", s503="The oracle has not read the chain yet.")})
    def list_challenges(state: str = Query(None, json_schema_extra={"enum": STATES},
                                           description="Only the challenges in this state.")):
        """Every challenge by id, optionally only those in `state`, with how many verdicts are stored."""
        if state is not None and state not in STATES:
            return _problem(422, f"there is no state {state[:40]!r}; use one of {', '.join(STATES)}.")
        return JSONResponse(service.challenges(state))

    @app.get("/challenges/{challenge_id}", response_model=None, summary="One challenge and its verdicts",
             responses={200: {"model": ChallengeView, "description": "The challenge as the latest snapshot shows it."},
                        **problems(404, 422, 503, s404="The oracle's latest view of the chain (at the block the "
                                                       "sentence names) has no such challenge.",
                                   s422="The id is not a whole number, or it is negative.",
                                   s503="The oracle has not read the chain yet.")})
    def get_challenge(challenge_id: int = Path(ge=0, description="A uint256; ids run from 1.")):
        """The challenge's history, its stored verdicts grouped by score, what is missing for a quorum,
        the oracle's settlement and lapse attempts, and its transactions for them. Read from the oracle's
        latest snapshot of the chain: it never waits on the node."""
        view = service.challenge(challenge_id)
        if view is None:
            block = service.current().head
            return _problem(404, f"there is no challenge {challenge_id} on this deployment as of block {block}, "
                                 f"the oracle's latest view of the chain.")
        return JSONResponse(view)

    @app.get("/records/{address}", response_model=None, summary="Records of one address",
             responses={200: {"model": RecordsOut, "description": "Null for a role never played."},
                        **problems(422, 503, s422="Not an address.", s503="The oracle has not read the chain yet.")})
    def get_records(address: str = Path(json_schema_extra={"pattern": ADDRESS},
                                        description="0x and 40 hex digits, in any case.")):
        """The address's records as contributor, evaluator and funder (null for a role never played)."""
        if not re.fullmatch(ADDRESS, address):
            return _problem(422, f"{address[:60]!r} is not an address: use 0x and 40 hex digits.")
        return JSONResponse(service.records(address))

    @app.get("/health", response_model=None, summary="Health",
             responses={200: {"model": Health, "description": "Connected and in sync."},
                        503: {"model": Health, "description": "Not connected, or not in sync: last_error says why."}})
    def health():
        """Connected and in sync? The chain head, the indexed block, the lag and the last chain error."""
        report = service.health()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    @app.get("/audit", response_model=None, summary="Audit of the books",
             responses={200: {"model": Audit, "description": "The report of the latest snapshot."},
                        **problems(503, s503="The chain did not answer in time, or the oracle has not read it yet.")})
    async def get_audit():
        """``ante audit``'s report of the latest snapshot against the contract; 503 when the chain does not
        answer within a few seconds (the audit is computed once per snapshot, and no request waits longer)."""
        try:
            return JSONResponse((await await_audit(service)).to_json())
        except AuditUnavailable as error:
            return _problem(503, str(error))

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response,
             responses={200: {"description": "The Prometheus text exposition format.",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}})
    def metrics():
        """Counters and gauges in the Prometheus text exposition format."""
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(service.metrics.text(), media_type=CONTENT_TYPE_LATEST)

    mount_docs(app)
    mount_documents(app, service)
    mount_dashboard(app, service, refresh=refresh)
    return app
