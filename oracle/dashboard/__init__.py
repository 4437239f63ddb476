"""The oracle's read-only dashboard: HTML pages over the same snapshot the JSON API serves.

``mount(app, service)`` adds the pages (see :mod:`ante.oracle.dashboard.views` for the routes) and
their stylesheet at ``/ui/static/``. No JavaScript and nothing fetched from elsewhere: the pages work
offline, with scripts off, and on a phone; each is sent with a Content-Security-Policy that holds them to
that (``PAGE_HEADERS``).
"""

from __future__ import annotations

from pathlib import Path

#: Seconds between a page's automatic reloads.
REFRESH = 15

STATIC = Path(__file__).parent / "static"

#: What a page may load, sent with every dashboard page: the oracle's own stylesheet and images, no script at all
#: (the pages have none), no frames around them, forms sent only to the oracle. Style attributes stay allowed: the
#: server writes colours into them (a score's, a chart's swatches); nothing a visitor or a challenge wrote reaches
#: one, as every value a page shows is escaped.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

#: Sent with the pages beside the policy: no guessing of a response's type, and no page address sent to the sites
#: that the pages link to (a challenge's spec, promise and deliverable are anyone's links).
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class PageHeaders:
    """ASGI middleware: adds PAGE_HEADERS to every response under ``/`` and ``/ui/`` (pages, problem pages and
    the stylesheet), and leaves the JSON API's responses as they are."""

    def __init__(self, app):
        self.app = app
        self.headers = [(name.lower().encode(), value.encode()) for name, value in PAGE_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/" or path.startswith("/ui/")):
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        await self.app(scope, receive, with_headers)


def mount(app, service, *, refresh: int = REFRESH) -> None:
    """Adds the dashboard's pages and stylesheet to `app` (a FastAPI app over `service`)."""
    from starlette.staticfiles import StaticFiles

    from ante.oracle.dashboard.views import router

    app.add_middleware(PageHeaders)
    # The stylesheet first: the pages' router ends with a catch-all for unknown /ui/ paths.
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="dashboard-static")
    app.include_router(router(service, refresh))
