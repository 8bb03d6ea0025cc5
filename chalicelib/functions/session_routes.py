"""The /auth/session routes: log in and sign up (opening a session: its cookies and
CSRF token), refresh and log out, each refresh cookie sent that could be a token tried
in turn, up to MAX_SAME_NAME (a sibling subdomain may plant some of the same name ahead
of the real one)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from chalice import Response

from chalicelib.domain.errors import (
    AuthenticationError,
    CsrfTokenError,
    UnknownRefreshTokenError,
)
from chalicelib.functions.cross_site_checks import CSRF_HEADER, check_origin
from chalicelib.functions.errors import from_exception
from chalicelib.functions.http import source_ip
from chalicelib.functions.session_cookies import (
    REFRESH,
    CookiePolicy,
    cookie_values,
    policy,
    session_cookies,
)
from chalicelib.functions.session_services import SessionServices
from chalicelib.services.accounts import could_be_refresh_token

# Refresh cookies of one name tried, at most: each costs a read. A sibling subdomain can
# send at most 3 ahead of the host's own per parent domain level (two with a longer Path,
# one with the same Path set earlier: RFC 6265 5.4), so 10 covers a host three levels
# below its registrable domain. Values that cannot be a token are passed over free and
# do not count, nor does a value sent twice.
MAX_SAME_NAME = 10
T = TypeVar("T")


def _with_each(tokens: list[str], act: Callable[[str], T]) -> T:
    """`act` on the first token whose login the presented CSRF token is for: a token of
    another login is refused by its CSRF check before it is used, a token no login holds
    (made up, or a login gone) says nothing about whose it is, and either way the next is
    tried. A CSRF refusal wins over an unknown token: a forged request clears nothing."""
    refused: CsrfTokenError | None = None
    unknown: UnknownRefreshTokenError | None = None
    shaped = dict.fromkeys(t for t in tokens if could_be_refresh_token(t))
    for token in list(shaped)[:MAX_SAME_NAME]:
        try:
            return act(token)
        except CsrfTokenError as exc:
            refused = refused or exc
        except UnknownRefreshTokenError as exc:
            unknown = unknown or exc
    if refused is not None:
        raise refused
    if unknown is not None:
        raise unknown
    if tokens:  # none of them could be a token: no login holds any
        raise UnknownRefreshTokenError("refresh token is invalid or expired; log in again")
    raise AuthenticationError("no session to refresh; log in again")


def log_in(services: SessionServices, request: Any, body: Any) -> Response:
    check_origin(request, services.public_base_url)  # no login CSRF
    return _opened(services, policy(request),
                   services.sessions.log_in(body.email, body.password, source_ip(request)))


def sign_up(services: SessionServices, request: Any, body: Any) -> Response:
    from chalicelib.functions.views import profile_out

    check_origin(request, services.public_base_url)
    profile, browser = services.sessions.sign_up(body.email, body.password, body.slug,
                                                 body.display_name, body.timezone,
                                                 source_ip(request))
    return _opened(services, policy(request), browser, status=201,
                   extra={"host": profile_out(profile).model_dump(mode="json")})


def refresh(services: SessionServices, request: Any,
            ticket: Callable[[str, str | None], dict[str, Any]] | None = None) -> Response:
    """`ticket`: also answer with the new session's WebSocket ticket (as `realtime`)."""
    check_origin(request, services.public_base_url)
    cookie_policy = policy(request)
    tokens = cookie_values(request.headers, cookie_policy.name(REFRESH))
    csrf = request.headers.get(CSRF_HEADER)
    try:
        browser = _with_each(tokens, lambda token: services.sessions.refresh(token, csrf))
    except AuthenticationError as exc:  # the session is over: say so, and forget it
        response = from_exception(exc)
        response.headers["Set-Cookie"] = cookie_policy.clear()
        return response
    session = browser.session
    extra = None if ticket is None else {"realtime": ticket(session.host_id, session.session_id)}
    return _opened(services, cookie_policy, browser, extra=extra)


def log_out(services: SessionServices, request: Any) -> Response:
    check_origin(request, services.public_base_url)
    cookie_policy = policy(request)
    tokens = cookie_values(request.headers, cookie_policy.name(REFRESH))
    csrf = request.headers.get(CSRF_HEADER)
    # No live login holds any of them: nothing to end, and the cookies go all the same.
    with suppress(UnknownRefreshTokenError):
        if tokens:
            _with_each(tokens, lambda token: services.sessions.log_out(token, csrf))
    return Response(body="", status_code=204, headers={
        "Set-Cookie": cookie_policy.clear(), "Cache-Control": "no-store"})


def _opened(services: SessionServices, cookie_policy: CookiePolicy, browser: Any, status: int = 200,
            extra: dict[str, Any] | None = None) -> Response:
    import json

    session = browser.session
    lifetime = services.refresh_ttl_seconds
    body = {"host_id": session.host_id, "csrf_token": browser.csrf_token,
            "expires_in": session.expires_in, **(extra or {})}
    return Response(body=json.dumps(body), status_code=status, headers={
        "Content-Type": "application/json", "Cache-Control": "no-store",
        "Set-Cookie": session_cookies(cookie_policy, browser, lifetime)})
