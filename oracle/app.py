"""The oracle's HTTP API (FastAPI): verdicts in; challenges, records, health and metrics out.

``create_app(service)`` wraps an :class:`ante.oracle.service.OracleService`. The OpenAPI description
is at ``/openapi.json`` (browsable at ``/docs``). Every error is ``{"detail": "One plain sentence."}``
with a 4xx status (503 while the oracle has not read the chain yet, or cannot reach it to look up a
challenge it has not seen).

- ``POST /verdicts``: a signed verdict as ``ante verdict sign`` writes it (``{typedData, signer,
  signature}``, from any EIP-712 wallet too). The body is limited (16 KiB by default) before it is
  parsed (413 beyond). 202 ``{status: stored|unchanged|replaced, challenge_id, signer, score,
  quorum: {threshold, score, agreeing, missing, reached}, settlement}`` only once the verdict is
  committed to disk; 400 (not JSON), 422 (not a valid signed verdict, bad signature, another chain or
  deployment, not a panel member), 404 (no such challenge), 409 (not submitted, review window closed,
  another deliverable) otherwise, with nothing stored.
- ``GET /challenges[?state=submitted]``: every challenge (``ChallengeHistory.to_json(full=False)``)
  with its number of stored ``verdicts``.
- ``GET /challenges/{id}``: ``{challenge, verdicts, quorum: {threshold, score, agreeing, missing,
  reached, members, not_signed, by_score}, attempts, transactions}``; ``transactions`` are the oracle's
  own for the challenge, each a nonce with its state and every version sent (hash and fees).
- ``GET /records/{address}``: ``ante.records`` for that address in every role.
- ``GET /health``: ``{ok, chain_id, contract, account, head, indexed, final_block, lag, chain_time,
  synced_at, keeper, confirmations, in_flight, retrying, last_error}``; 200 when ok, else 503.
- ``GET /audit``: ``ante audit``'s report of the latest snapshot; 503 when the chain does not answer in time.
- ``GET /metrics``: Prometheus text format.

The dashboard (:mod:`ante.oracle.dashboard`) serves HTML pages beside the API: the board at ``/``, and
``/ui/challenges/{id}``, ``/ui/people/{address}``, ``/ui/rankings`` and ``/ui/audit``.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ante.oracle.dashboard import REFRESH as DASHBOARD_REFRESH
from ante.oracle.dashboard import mount as mount_dashboard
from ante.oracle.documents import mount as mount_documents
from ante.oracle.readmodel import AuditUnavailable, await_audit
from ante.oracle.service import NotReady, OracleService, Rejected
from ante.state import State

#: The largest verdict body accepted; a signed verdict is about 1 KiB.
MAX_BODY = 16 * 1024

#: Worker threads checking and storing verdicts at once. Checking is CPU work under the GIL, so more
#: threads only queue for it; a few suffice to fill each group commit of the store.
VERDICT_THREADS = 8

STATES = [s.label for s in State if s != State.NONE]


class Problem(BaseModel):
    detail: str = Field(description="One plain sentence saying what is wrong.")


class QuorumBrief(BaseModel):
    threshold: int
    score: int | None
    agreeing: int
    missing: int
    reached: bool


class VerdictAccepted(BaseModel):
    status: str = Field(description="stored (new), replaced (the signer's earlier verdict) or unchanged (identical).")
    challenge_id: int
    signer: str
    score: int
    quorum: QuorumBrief
    settlement: str | None = Field(description="queued when this verdict completes a quorum.")


SIGNED_VERDICT_SCHEMA = {
    "type": "object",
    "required": ["typedData", "signer", "signature"],
    "properties": {
        "typedData": {"type": "object", "description": "EIP-712 typed data of Verdict(challengeId,deliverable,score), "
                                                       "as for eth_signTypedData_v4 (`ante verdict typed-data`)."},
        "signer": {"type": "string", "description": "The evaluator's address."},
        "signature": {"type": "string", "description": "65-byte signature, 0x-hex (r, s, v)."},
    },
}


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    if not text:
        return "Bad request."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def _problem(status: int, text: str) -> JSONResponse:
    return JSONResponse({"detail": _sentence(text)}, status_code=status)


def create_app(service: OracleService, *, max_body: int = MAX_BODY, refresh: int = DASHBOARD_REFRESH) -> FastAPI:
    """The HTTP API over `service`, and its dashboard (pages reloading every `refresh` seconds)."""
    app = FastAPI(
        title="Ante oracle",
        version="1",
        description="Collects evaluators' signed verdicts, settles a challenge on-chain as soon as a quorum "
                    "agrees, and lapses challenges past their deadlines. It cannot forge a verdict: it only "
                    "relays what evaluators signed.",
    )
    limiter: list = []  # created with the first verdict, inside the server's event loop
    errors = {400: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}, 413: {"model": Problem},
              422: {"model": Problem}, 503: {"model": Problem}}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("path", "query", "body"))
        return _problem(422, f"{where or 'the request'}: {first.get('msg', 'is invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        return _problem(error.status_code, str(error.detail))

    @app.exception_handler(NotReady)
    async def _not_ready(request: Request, error: NotReady):
        return _problem(503, str(error))

    @app.post("/verdicts", status_code=202, response_model=None, summary="Submit a signed verdict",
              responses={202: {"model": VerdictAccepted}, **errors},
              openapi_extra={"requestBody": {"required": True,
                                             "content": {"application/json": {"schema": SIGNED_VERDICT_SCHEMA}}}})
    async def post_verdict(request: Request):
        """Verifies a signed verdict and stores it durably; 202 only once it is on disk. When it
        completes a quorum, the settlement is submitted at once."""
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

    @app.get("/challenges", summary="List challenges", responses={422: {"model": Problem}, 503: {"model": Problem}})
    def list_challenges(state: str | None = None) -> list[dict[str, Any]]:
        """Every challenge by id, optionally only those in `state`, with how many verdicts are stored."""
        if state is not None and state not in STATES:
            return _problem(422, f"there is no state {state!r}; use one of {', '.join(STATES)}.")
        return service.challenges(state)

    @app.get("/challenges/{challenge_id}", summary="One challenge and its verdicts",
             responses={404: {"model": Problem}, 503: {"model": Problem}})
    def get_challenge(challenge_id: int) -> dict[str, Any]:
        """The challenge's history, its stored verdicts grouped by score, what is missing for a quorum,
        the oracle's settlement and lapse attempts, and its transactions for them."""
        view = service.challenge(challenge_id)
        if view is None:
            return _problem(404, f"there is no challenge {challenge_id} on this deployment.")
        return view

    @app.get("/records/{address}", summary="Records of one address",
             responses={422: {"model": Problem}, 503: {"model": Problem}})
    def get_records(address: str) -> dict[str, Any]:
        """The address's records as contributor, evaluator and funder (null for a role never played)."""
        try:
            return service.records(address)
        except ValueError as error:
            return _problem(422, str(error))

    @app.get("/health", summary="Health", responses={503: {"description": "Not connected or not in sync."}})
    def health() -> dict[str, Any]:
        """Connected and in sync? The chain head, the indexed block, the lag and the last chain error."""
        report = service.health()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    @app.get("/audit", summary="Audit of the books", responses={503: {"model": Problem}})
    async def get_audit() -> dict[str, Any]:
        """``ante audit``'s report of the latest snapshot against the contract; 503 when the chain does not
        answer within a few seconds (the audit is computed once per snapshot, and no request waits longer)."""
        try:
            return (await await_audit(service)).to_json()
        except AuditUnavailable as error:
            return _problem(503, str(error))

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def metrics():
        """Counters and gauges in the Prometheus text exposition format."""
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(service.metrics.text(), media_type=CONTENT_TYPE_LATEST)

    mount_documents(app, service)
    mount_dashboard(app, service, refresh=refresh)
    return app
