"""Small HTTP helpers every fake provider speaks through (werkzeug requests and responses)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Request, Response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Token responses must not be cached (RFC 6749 5.1); harmless elsewhere.
    response = Response(json.dumps(body), status=status, mimetype="application/json",
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    response.headers.update(headers or {})
    return response


def html_response(page: str, status: int = 200) -> Response:
    return Response(page, status=status, mimetype="text/html")


def redirect_with(url: str, params: dict[str, str]) -> Response:
    """302 to `url` with `params` added to its query (the authorization response)."""
    parts = urlsplit(url)
    extra = urlencode(params, quote_via=quote)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client id and secret from `Authorization: Basic`, form-decoded as RFC 6749 2.3.1 says."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or auth.username is None:
        return None
    return unquote_plus(auth.username), unquote_plus(auth.password or "")


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def form_params(request: Request) -> dict[str, str]:
    """Form body parameters, falling back to the query string (Zoom accepts both)."""
    params = dict(request.args.items())
    params.update(request.form.items())
    return params


def json_params(request: Request) -> dict[str, str] | None:
    """A JSON object body as strings, or None when the body is not a JSON object."""
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    return {key: value for key, value in body.items() if isinstance(value, str)}
