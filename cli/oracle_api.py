"""Talking to an Ante oracle over HTTP from the command line: one request, its JSON answer or one sentence."""

from __future__ import annotations

import json


def call(url: str, path: str, body: dict | None = None, refused: str = "refused the request") -> dict:
    """GET (or, with `body`, POST as JSON) `path` on the oracle at `url`; its JSON answer, or one sentence.

    `refused` says what a 4xx/5xx answer to a POST means ("refused the verdict", "refused the feedback")."""
    import urllib.error
    import urllib.request

    from ante.errors import AnteError, BadInput

    base = url.rstrip("/")
    for suffix in ("/verdicts", "/feedback"):
        base = base.removesuffix(suffix)
    if not base.startswith(("http://", "https://")):
        raise BadInput(f"{url!r} is not an oracle URL; give one like http://127.0.0.1:8700.")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read()).get("detail")
        except Exception:
            detail = None
        detail = str(detail or error.reason).rstrip(".")
        what = refused if body is not None else "answered"
        raise AnteError(f"the oracle at {base} {what} (HTTP {error.code}): {detail}.") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise AnteError(f"cannot reach the oracle at {base} ({reason}).") from None
