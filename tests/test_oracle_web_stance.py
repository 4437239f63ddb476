"""The oracle's stance towards other web origins, as its responses show it.

- The dashboard's pages, problem pages and stylesheet carry the Content-Security-Policy and the headers
  beside it (``ante.oracle.dashboard.PAGE_HEADERS``); the JSON API's responses do not need them.
- No CORS: no response carries ``Access-Control-Allow-Origin``, so a page on another origin cannot read
  the oracle's answers; a preflight is refused (405), so it cannot send JSON with a script either.
- No CSRF to guard against: the oracle sets no cookie and keeps no session, so a request from another
  site carries no authority. A write is authorised by the signature inside its body (a verdict's EIP-712
  signature, a feedback attestation's), checked whoever sends it, so a cross-site form posting a signed
  verdict does only what its signer could do directly.
"""

from fastapi.testclient import TestClient

from dashboard_support import synthetic_oracle

from ante.oracle.app import create_app
from ante.oracle.dashboard import CONTENT_SECURITY_POLICY, PAGE_HEADERS

ELSEWHERE = {"Origin": "https://elsewhere.example"}


def client(tmp_path):
    service = synthetic_oracle(tmp_path, ["open", "submitted", "settled"])
    return service, TestClient(create_app(service))


def test_pages_carry_the_policy_and_the_api_does_not(tmp_path):
    service, web = client(tmp_path)
    try:
        for path, status in (("/", 200), ("/?state=open", 200), ("/ui/challenges/2", 200), ("/ui/rankings", 200),
                             ("/ui/challenges/99", 404), ("/ui/nowhere", 404), ("/?page=0", 422),
                             ("/ui/static/dashboard.css", 200)):
            response = web.get(path)
            assert response.status_code == status, path
            for name, value in PAGE_HEADERS.items():
                assert response.headers.get(name) == value, (path, name)
        assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        for path in ("/challenges", "/challenges/2", "/health"):
            response = web.get(path)
            assert response.headers["content-type"].startswith("application/json"), path
            assert "content-security-policy" not in response.headers, path
    finally:
        service.store.close()


def test_no_origin_is_allowed_to_read_and_no_cookie_is_set(tmp_path):
    service, web = client(tmp_path)
    try:
        for path in ("/", "/challenges", "/challenges/2", "/health", "/feedback", "/openapi.json", "/ui/rankings"):
            response = web.get(path, headers=ELSEWHERE)
            assert response.status_code < 500, path
            assert not any(name.startswith("access-control-") for name in response.headers), path
            assert "set-cookie" not in response.headers, path
        for path in ("/verdicts", "/feedback"):
            preflight = web.options(path, headers={**ELSEWHERE, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
            assert preflight.status_code == 405 and "POST" in preflight.headers["allow"], path
            assert "access-control-allow-origin" not in preflight.headers, path
    finally:
        service.store.close()


def test_a_cross_site_post_carries_no_authority_of_its_own(tmp_path):
    """A form on another site can post text to /verdicts; what it posts is judged by its signature alone, so an
    unsigned or wrongly signed body is refused with nothing stored, as from anyone."""
    service, web = client(tmp_path)
    try:
        forged = b'{"typedData": {"domain": {}, "message": {"challengeId": 2}}, "signature": "0x' + b"00" * 65 + b'"}'
        response = web.post("/verdicts", content=forged, headers={**ELSEWHERE, "Content-Type": "text/plain"})
        assert response.status_code == 422
        assert "access-control-allow-origin" not in response.headers and "set-cookie" not in response.headers
        assert web.get("/challenges/2").json()["verdicts"] == []
    finally:
        service.store.close()
