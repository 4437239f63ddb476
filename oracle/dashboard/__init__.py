"""The oracle's read-only dashboard: HTML pages over the same snapshot the JSON API serves.

``mount(app, service)`` adds the pages (see :mod:`ante.oracle.dashboard.views` for the routes) and
their stylesheet at ``/ui/static/``. No JavaScript and nothing fetched from elsewhere: the pages work
offline, with scripts off, and on a phone.
"""

from __future__ import annotations

from pathlib import Path

#: Seconds between a page's automatic reloads.
REFRESH = 15

STATIC = Path(__file__).parent / "static"


def mount(app, service, *, refresh: int = REFRESH) -> None:
    """Adds the dashboard's pages and stylesheet to `app` (a FastAPI app over `service`)."""
    from starlette.staticfiles import StaticFiles

    from ante.oracle.dashboard.views import router

    # The stylesheet first: the pages' router ends with a catch-all for unknown /ui/ paths.
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="dashboard-static")
    app.include_router(router(service, refresh))
