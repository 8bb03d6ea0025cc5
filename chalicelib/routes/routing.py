"""How a blueprint declares its routes, and the lazy services every route calls.

`api(bp)` gives a blueprint its `route(...)`: a JSON API operation, parsed and described
in /openapi.json (functions/http.py). `pages(bp)` gives it `page(...)`: an HTML or static
route, kept out of that document. Services, views and the browser session load on the
first request that needs them, never at `import app`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from chalice import Blueprint, Chalice

from chalicelib import bootstrap
from chalicelib.functions.http import Operation, api_route

AUTH_ERRORS = (400, 401, 404)
# Page routes are not in /openapi.json; tests compare the document with app.routes minus these.
PAGE_PATHS: set[str] = set()

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def services() -> bootstrap.ApiServices:
    return bootstrap.services()


def views() -> ModuleType:
    from chalicelib.functions import views as module

    return module


def browser_session() -> ModuleType:
    from chalicelib.functions import browser_session as module

    return module


def api(bp: Blueprint | Chalice) -> Callable[..., Decorator]:
    """`route(path, method, name, summary, tag, **options)` on `bp` (Operation's fields)."""

    def route(path: str, method: str, name: str, summary: str, tag: str,
              **options: Any) -> Decorator:
        return api_route(bp,
                         lambda request: browser_session().authenticate(services().browser,
                                                                         request),
                         lambda: services().settings.max_body_bytes,
                         Operation(path, method, name, summary, tag, **options))

    return route


def pages(bp: Blueprint) -> Callable[..., Decorator]:
    """`page(path, name, methods=("GET",))` on `bp`, its path noted in PAGE_PATHS."""

    def page(path: str, name: str, methods: tuple[str, ...] = ("GET",)) -> Decorator:
        PAGE_PATHS.add(path)
        return bp.route(path, methods=list(methods), name=name)

    return page


def ticket_out(host_id: str, session_id: str | None) -> dict[str, Any]:
    """A realtime ticket for the API's answer (the host's routes and the session refresh)."""
    # The ticket names the login, so that logging out closes the socket it opens.
    ticket = services().tickets.issue(host_id, session_id)
    return {"ticket": ticket.token, "expires_in": ticket.expires_in, "protocol": "penny.ticket",
            "url": services().settings.public_websocket_url}
