"""The oracle's API description against the server: what ``/openapi.json`` says is what the server does.

- every status each operation documents is reached by a real request, every status a request gets is
  documented, and every answer's body validates against the schema documented for its status (JSON
  Schema 2020-12, the dialect of OpenAPI 3.1), 405s with an ``Allow`` that names exactly the path's methods;
- the description's details: challenge states, address and signature patterns, the signed verdict's two
  forms (a wallet's ``{typedData, signature}`` without a signer, and typed data with the signature beside
  it), each accepted by the server and by the documented schema;
- ``/docs`` and every file it references load from the oracle itself, and without Swagger UI's files
  ``/docs`` is a plain 503 sentence saying how to install them; ReDoc is not served.

The app is the in-process one (FastAPI's TestClient) over the test session's deployment.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from html.parser import HTMLParser

import jsonschema_rs
import pytest
from eth_account import Account

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from appeal_support import appeal_panel  # noqa: F401
from oracle_support import document, oracle, oracle_client, sign, store, store_path  # noqa: F401

from ante.feedback import ZERO_ADDRESS, ZERO_HASH, EasDomain, Feedback, sign_feedback
from ante.oracle.app import create_app
from ante.oracle.feedback import FeedbackPolicy
from ante.oracle.service import OracleService
from ante.state import State
from ante.verdict import TYPES

METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


@pytest.fixture
def api(oracle):
    with TestClient(create_app(oracle)) as client:
        yield client


@pytest.fixture
def spec(api) -> dict:
    return api.get("/openapi.json").json()


def body_schema(spec: dict, method: str, path: str, status: int, media: str = "application/json") -> dict | None:
    """The documented schema of `status`'s answer to `method` `path` (None if it documents no body)."""
    response = spec["paths"][path][method]["responses"][str(status)]
    content = response.get("content", {})
    return content[media].get("schema") if media in content else None


def validate(spec: dict, schema: dict, value) -> None:
    """Fails the test unless `value` validates against `schema` (with the description's components)."""
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
    value = json.loads(json.dumps(value))  # as it goes over the wire (plain ints, not the chain's own int types)
    errors = [f"{e.message} at {list(e.instance_path)}" for e in validator.iter_errors(value)]
    assert not errors, errors[:5]


def check(spec: dict, method: str, path: str, response) -> None:
    """The answer's status is documented for the operation, and its body is as documented."""
    documented = spec["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, (method, path, response.status_code, response.text)
    schema = body_schema(spec, method, path, response.status_code)
    if schema is not None:
        assert response.headers["content-type"].startswith("application/json"), response.headers
        validate(spec, schema, response.json())


def post_json(api, body, path="/verdicts"):
    return api.post(path, content=body if isinstance(body, bytes) else json.dumps(body),
                    headers={"Content-Type": "application/json"})


#: Feedback signers (eth_account keys) who are nobody on the test's challenges.
REVIEWERS = [Account.from_key(bytes.fromhex(f"{i:064x}")) for i in range(950, 956)]


def feedback(bounties, domain, reviewer, challenge_id, deliverable=ZERO_HASH, *, at=None, stance=1) -> dict:
    """`reviewer`'s EAS package of feedback on `challenge_id` (a made-up EAS deployment: only the signature counts)."""
    data = Feedback(bounties.ante.address, challenge_id, bytes(deliverable), stance, "https://example.org/review")
    return sign_feedback(reviewer.key, data, domain, ZERO_ADDRESS, int(time.time()) if at is None else at).to_json()


# ------------------------------------------------------------------------------------------ statuses


def requests_by_status(api, oracle, bounties, evaluators, monkeypatch):
    """For every operation of the oracle's own API, one real request per status it can answer."""
    settled, settled_record = bounties.submitted_challenge()
    for evaluator in evaluators[:2]:
        assert post_json(api, document(bounties, settled, settled_record, evaluator)).status_code == 202
    oracle.run_once()
    submitted, record = bounties.submitted_challenge()
    accepted, accepted_record, _ = bounties.create()
    bounties.accept(accepted, accepted_record)
    oracle.run_once()
    stranger = bounties.contributor.address
    domain = EasDomain(oracle.chain_id, "0x4200000000000000000000000000000000000021", "1.4.0")
    oracle.eas = domain
    kept = feedback(bounties, domain, REVIEWERS[0], settled, settled_record.deliverable)
    assert oracle.accept_feedback(kept)[0] == 201
    fresh = feedback(bounties, domain, REVIEWERS[1], accepted)

    def with_policy(policy, *bodies):
        oracle.feedback_policy = policy
        try:
            return [post_json(api, body, "/feedback") for body in bodies][-1]
        finally:
            oracle.feedback_policy = FeedbackPolicy()

    def down_audit():
        import ante.audit

        def refuse(*args, **kwargs):
            raise ConnectionRefusedError("connection refused")

        monkeypatch.setattr(ante.audit, "ape_chain_view", refuse)
        oracle.current()._cache.pop("audit", None)
        try:
            return api.get("/audit")
        finally:
            monkeypatch.undo()

    return {
        ("post", "/verdicts"): {
            202: lambda: post_json(api, document(bounties, submitted, record, evaluators[0])),
            400: lambda: post_json(api, b'{"typedData": '),
            404: lambda: post_json(api, sign(bounties, submitted + 50, record.deliverable, evaluators[0], 9000).to_json()),
            409: lambda: post_json(api, sign(bounties, accepted, record.deliverable, evaluators[0], 9000).to_json()),
            413: lambda: post_json(api, b"[" * 20_000),
            422: lambda: post_json(api, {"typedData": {}, "signature": "0x"}),
            503: lambda: unready(api, oracle).post("/verdicts", json=document(bounties, submitted, record, evaluators[1])),
        },
        ("post", "/feedback"): {
            201: lambda: post_json(api, fresh, "/feedback"),
            200: lambda: post_json(api, fresh, "/feedback"),
            400: lambda: post_json(api, b'{"sig": ', "/feedback"),
            403: lambda: with_policy(FeedbackPolicy(addresses=[REVIEWERS[0].address]),
                                     feedback(bounties, domain, REVIEWERS[2], accepted)),
            404: lambda: post_json(api, feedback(bounties, domain, REVIEWERS[2], submitted + 50), "/feedback"),
            409: lambda: post_json(api, feedback(bounties, domain, REVIEWERS[2], submitted), "/feedback"),
            413: lambda: post_json(api, b"[" * 20_000, "/feedback"),
            422: lambda: post_json(api, {"sig": {}, "signer": "0x"}, "/feedback"),
            429: lambda: with_policy(FeedbackPolicy(rate=1), *(feedback(bounties, domain, REVIEWERS[3], accepted, at=at)
                                                               for at in (int(time.time()) - 5, int(time.time())))),
            503: lambda: unready(api, oracle).post("/feedback", json=feedback(bounties, domain, REVIEWERS[4], accepted)),
        },
        ("get", "/feedback"): {
            200: lambda: api.get("/feedback", params={"challenge": settled}),
            404: lambda: api.get("/feedback", params={"challenge": submitted + 50}),
            422: lambda: api.get("/feedback", params={"recipient": "0x1234"}),
            503: lambda: unready(api, oracle).get("/feedback"),
        },
        ("get", "/feedback/{uid}"): {
            200: lambda: api.get(f"/feedback/{kept['sig']['uid']}"),
            404: lambda: api.get("/feedback/0x" + "ab" * 32),
            422: lambda: api.get("/feedback/0x1234"),
        },
        ("get", "/challenges"): {
            200: lambda: api.get("/challenges"),
            422: lambda: api.get("/challenges", params={"state": "finished"}),
            503: lambda: unready(api, oracle).get("/challenges"),
        },
        ("get", "/challenges/{challenge_id}"): {
            200: lambda: api.get(f"/challenges/{settled}"),
            404: lambda: api.get(f"/challenges/{submitted + 50}"),
            422: lambda: api.get("/challenges/-1"),
            503: lambda: unready(api, oracle).get(f"/challenges/{settled}"),
        },
        ("get", "/records/{address}"): {
            200: lambda: api.get(f"/records/{stranger}"),
            422: lambda: api.get("/records/0x1234"),
            503: lambda: unready(api, oracle).get(f"/records/{stranger}"),
        },
        ("get", "/health"): {
            200: lambda: api.get("/health"),
            503: lambda: unready(api, oracle).get("/health"),
        },
        ("get", "/audit"): {
            200: lambda: api.get("/audit"),
            503: down_audit,
        },
        ("get", "/metrics"): {
            200: lambda: api.get("/metrics"),
        },
    }


_unready: dict = {}


def unready(api, oracle):
    """A client of another app over the same deployment whose oracle has not read the chain yet."""
    if "client" not in _unready:
        service = OracleService(oracle.client, oracle.account, oracle.store, poll=0.2, sync_wait=5)
        service.snapshots.fresh = lambda timeout=None: (None, False)  # and cannot: the node does not answer
        _unready["client"] = TestClient(create_app(service))
    return _unready["client"]


@pytest.fixture
def by_status(api, oracle, bounties, evaluators, monkeypatch):
    _unready.clear()
    yield requests_by_status(api, oracle, bounties, evaluators, monkeypatch)
    if "client" in _unready:
        _unready.pop("client").close()


def test_every_documented_status_is_reached_and_every_answer_is_as_documented(api, spec, by_status):
    for (method, path), requests in by_status.items():
        documented = {int(s) for s in spec["paths"][path][method]["responses"]}
        assert documented == set(requests) | {405}, (method, path)
        for status, request in requests.items():
            response = request()
            assert response.status_code == status, (method, path, status, response.text)
            check(spec, method, path, response)


def test_the_description_covers_every_operation_of_the_api(spec, by_status):
    described = {(m, p) for p, item in spec["paths"].items() for m in item if m in METHODS}
    # The document routes (ante.oracle.documents) are checked by their own tests and by the fuzzer.
    assert {(m, p) for m, p in described if not p.startswith("/documents/")} == set(by_status)


def test_a_method_a_path_does_not_take_is_405_with_allow_naming_its_methods(api, spec):
    for path, item in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        taken = {m.upper() for m in item if m in METHODS}
        response = api.request("DELETE" if "DELETE" not in taken else "PATCH", concrete)
        assert response.status_code == 405, (path, response.text)
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed - {"HEAD"} == taken, (path, allowed)
        assert response.json()["detail"] == "Method Not Allowed."
        for method in taken:
            documented = item[method.lower()]["responses"]["405"]
            assert "Allow" in documented["headers"]
        check(spec, next(iter(m for m in item if m in METHODS)), path, response)


# ------------------------------------------------------------------------------------------ details


def test_every_error_is_a_problem_with_one_sentence(spec):
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["Problem"]["required"] == ["detail"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and (path, status) != ("/health", "503"):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}, \
                        (method, path, status)


def test_states_and_patterns_are_described(spec, oracle):
    schemas = spec["components"]["schemas"]
    (state,) = spec["paths"]["/challenges"]["get"]["parameters"]
    assert state["schema"]["enum"] == [s.label for s in State if s != State.NONE] == schemas["ChallengeState"]["enum"]
    (address,) = spec["paths"]["/records/{address}"]["get"]["parameters"]
    assert address["schema"]["pattern"] == "^0x[0-9a-fA-F]{40}$"
    (challenge_id,) = spec["paths"]["/challenges/{challenge_id}"]["get"]["parameters"]
    assert challenge_id["schema"]["type"] == "integer" and challenge_id["schema"]["minimum"] == 0
    assert schemas["TermsOut"]["properties"]["funder"]["pattern"] == "^0x[0-9a-fA-F]{40}$"
    signed = schemas["SignedVerdict"]
    assert signed["required"] == ["typedData", "signature"]  # the signer is recovered
    assert signed["properties"]["signature"]["pattern"] == "^0x([0-9a-fA-F]{2})*$"  # a key's 65 bytes, or a Safe's
    typed = schemas["VerdictTypedData"]["properties"]
    assert typed["types"]["properties"] == {"EIP712Domain": {"const": TYPES["EIP712Domain"]},
                                            "Verdict": {"const": TYPES["Verdict"]}}
    assert typed["domain"]["properties"]["chainId"]["const"] == oracle.chain_id
    assert oracle.contract in typed["domain"]["properties"]["verifyingContract"]["description"]
    events = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["ChallengeFull"]["properties"]["events"]["items"]["oneOf"]}
    assert events == {"ChallengeCreatedEvent", "ChallengeAcceptedEvent", "ChallengeSubmittedEvent",
                      "ChallengeSettledEvent", "ChallengeLapsedEvent", "ChallengeCancelledEvent",
                      "ChallengeAbandonedEvent", "ChallengeFundedEvent", "FundersSharedEvent", "FunderClaimedEvent",
                      "ChallengeOptionsSetEvent", "ChallengeRuledEvent", "ChallengeAppealedEvent",
                      "AppealDecidedEvent", "ReviewFeePaidEvent", "ReviewFeeReturnedEvent"}
    brief = schemas["ChallengeFull"]["properties"]["unreviewed_bps"]
    assert (brief["minimum"], brief["maximum"]) == (0, 10_000) and "Unreviewed" in brief["description"]


def wallet_forms(bounties, cid, record, evaluator) -> list[dict]:
    """The same verdict as `ante verdict sign` writes it, as a wallet gives it (no signer), and as typed
    data with the bare signature beside it."""
    written = document(bounties, cid, record, evaluator, 9000)
    wallet = {"typedData": written["typedData"], "signature": written["signature"]}
    beside = {**written["typedData"], "signature": written["signature"]}
    return [written, wallet, beside]


def test_each_form_of_a_signed_verdict_is_described_and_accepted(api, spec, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    schema = spec["paths"]["/verdicts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    # Each form from another member of the panel, so that each is stored anew.
    for form_index, evaluator in enumerate(evaluators[:3]):
        form = wallet_forms(bounties, cid, record, evaluator)[form_index]
        validate(spec, schema, form)
        response = post_json(api, form)
        assert response.status_code == 202, response.text
        assert response.json()["signer"] == evaluator.address
        check(spec, "post", "/verdicts", response)


def test_a_verdict_the_description_refuses_is_refused(api, spec, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    schema = spec["paths"]["/verdicts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
    written = document(bounties, cid, record, evaluators[0], 9000)
    bad = [
        {**written, "signature": written["signature"][:-1]},
        {**written, "signer": "0x1234"},
        {"typedData": {**written["typedData"], "primaryType": "Other"}, "signature": written["signature"]},
        {"typedData": {**written["typedData"], "message": {**written["typedData"]["message"], "score": 10_001}},
         "signature": written["signature"]},
        {"signature": written["signature"]},
    ]
    for body in bad:
        assert not validator.is_valid(json.loads(json.dumps(body))), body
        response = post_json(api, body)
        assert response.status_code == 422, (body, response.text)
        check(spec, "post", "/verdicts", response)


def test_an_appeal_verdict_is_described_and_accepted_and_the_challenge_view_shows_it(api, spec, bounties, evaluators,
                                                                                  appeal_panel):
    from appeal_support import appeal, appeal_options
    from test_oracle_appeal import appeal_document

    options = appeal_options(appeal_panel)
    cid, record = bounties.submitted_challenge(options=options)
    bounties.settle(cid, record, 6_000)
    appeal(bounties, cid, record, options, bounties.contributor)
    schema = spec["paths"]["/verdicts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    written = appeal_document(bounties, cid, record, evaluators[3], 8_000)
    beside = {**written["typedData"], "signature": written["signature"]}  # without a kind: its primary type says
    for form in (written, beside):
        validate(spec, schema, form)
        response = post_json(api, form)
        assert response.status_code == 202, response.text
        assert response.json()["kind"] == "appeal"
        check(spec, "post", "/verdicts", response)
    response = api.get(f"/challenges/{cid}")
    check(spec, "get", "/challenges/{challenge_id}", response)
    view = response.json()
    assert [v["signer"] for v in view["appeal_verdicts"]] == [evaluators[3].address]
    assert view["appeal_quorum"]["missing"] == 1
    wrong = post_json(api, {**written, "kind": "verdict"})  # the kind disagrees with the typed data
    assert wrong.status_code == 422
    check(spec, "post", "/verdicts", wrong)


# ------------------------------------------------------------------------------------------ /docs


class References(HTMLParser):
    """Every URL a page references: src and href attributes, and the url a script passes to Swagger UI."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)

    def handle_data(self, data):
        if self.lasttag == "script":
            self.scripts.append(data)
            self.urls += re.findall(r"""\burl:\s*['"]([^'"]+)['"]""", data)


def test_docs_and_everything_they_reference_load_from_the_oracle(api):
    response = api.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = References()
    page.feed(response.text)
    assert len(page.urls) == 4, page.urls  # the script, the style sheet, the icon and the description
    assert "/openapi.json" in page.urls
    for url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url  # this origin, nowhere else
        asset = api.get(url)
        assert asset.status_code == 200 and asset.content, url
    assert not re.search(r"https?://|//cdn", response.text), "the page names another origin"
    assert any("validatorUrl" in script and "null" in script for script in page.scripts)  # no badge from swagger.io
    assert api.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith("text/javascript")
    assert api.get("/docs/assets/package.json").status_code == 404  # only the files /docs uses
    assert api.get("/redoc").status_code == 404


def test_docs_without_swagger_ui_say_how_to_install_it(oracle, tmp_path, monkeypatch):
    import ante.oracle.openapi

    monkeypatch.setattr(ante.oracle.openapi, "SWAGGER_UI", tmp_path / "node_modules" / "swagger-ui-dist")
    with TestClient(create_app(oracle)) as client:
        response = client.get("/docs")
        assert response.status_code == 503 and response.headers["content-type"].startswith("text/plain")
        assert "npm ci" in response.text and "swagger-ui-dist" in response.text
        assert "<" not in response.text and "http" not in response.text
        assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 404
        assert client.get("/openapi.json").status_code == 200


DOCS_PORT = 19141


def test_docs_render_in_a_browser_with_every_request_to_the_oracle(oracle, spec):
    """Swagger UI in headless Chromium (as the dashboard's browser tests drive it): every operation of the
    description is shown, and every request the page makes goes to the oracle; nothing else is asked for."""
    import threading
    import time
    from pathlib import Path

    import uvicorn
    from playwright.sync_api import sync_playwright

    from test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS

    assert Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}: `make test` installs Debian's chromium"
    server = uvicorn.Server(uvicorn.Config(create_app(oracle), host="127.0.0.1", port=DOCS_PORT, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{DOCS_PORT}"
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        operations = sum(1 for item in spec["paths"].values() for m in item if m in METHODS)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
            try:
                page = browser.new_page()
                page.set_default_timeout(15_000)
                requested: list[str] = []
                page.on("request", lambda request: requested.append(request.url))
                page.goto(origin + "/docs")
                page.wait_for_function(f"document.querySelectorAll('.opblock').length == {operations}")
                assert page.locator(".opblock-summary-path", has_text="/challenges/{challenge_id}").count() == 1
            finally:
                browser.close()
        assert requested and all(url.startswith(origin + "/") or url.startswith("data:") for url in requested), requested
        assert origin + "/openapi.json" in requested
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_feedback_package_the_oracle_gives_back_is_one_its_description_takes(api, spec, oracle, bounties):
    domain = EasDomain(oracle.chain_id, "0x4200000000000000000000000000000000000021", "1.4.0")
    oracle.eas = domain
    cid, _, _ = bounties.create()
    oracle.run_once()
    body = spec["paths"]["/feedback"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    package = feedback(bounties, domain, REVIEWERS[0], cid)
    validate(spec, body, package)
    response = post_json(api, package, "/feedback")
    assert response.status_code == 201, response.text
    check(spec, "post", "/feedback", response)
    given = api.get(f"/feedback/{package['sig']['uid']}")
    check(spec, "get", "/feedback/{uid}", given)
    validate(spec, body, given.json())
    validator = jsonschema_rs.Draft202012Validator({**body, "components": spec["components"]})
    for bad in ({"signer": package["signer"]}, {**package, "sig": {**package["sig"], "primaryType": "Verdict"}},
                {**package, "signer": "0x1234"}):
        assert not validator.is_valid(bad), bad
        refused = post_json(api, bad, "/feedback")
        assert refused.status_code == 422, refused.text
        check(spec, "post", "/feedback", refused)
    assert spec["components"]["schemas"]["AttestMessage"]["properties"]["schema"]["pattern"] == "^0x[0-9a-f]{64}$"
    assert spec["components"]["schemas"]["FeedbackItem"]["properties"]["role"]["enum"] == \
        ["funder", "contributor", "panel", "community"]
