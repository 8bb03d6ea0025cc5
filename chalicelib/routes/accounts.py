"""Accounts and sessions: sign up, log in, refresh, log out; the dashboard's cookie session."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.routes.routing import api, browser_session, services, ticket_out, views

bp = Blueprint(__name__)
route = api(bp)


def _session(session: Any) -> dict[str, Any]:
    return {"host_id": session.host_id, "access_token": session.access_token,
            "refresh_token": session.refresh_token, "token_type": "Bearer",
            "expires_in": session.expires_in}


@route("/auth/signup", "POST", "sign_up", "Create a host account", "auth", status=201,
       body="SignupRequest", response="SignupOut", errors=(400, 409, 429), no_store=True)
def sign_up(body: Any) -> dict[str, Any]:
    from chalicelib.functions.http import source_ip

    profile, session = services().accounts.sign_up(
        body.email, body.password, body.slug, body.display_name, body.timezone,
        source=source_ip(bp.current_request))
    return {**_session(session), "host": views().profile_out(profile).model_dump(mode="json")}


@route("/auth/login", "POST", "log_in", "Log in with email and password", "auth",
       body="LoginRequest", response="SessionOut", errors=(400, 401, 429), no_store=True)
def log_in(body: Any) -> dict[str, Any]:
    from chalicelib.functions.http import source_ip

    return _session(services().accounts.log_in(body.email, body.password,
                                               source=source_ip(bp.current_request)))


@route("/auth/refresh", "POST", "refresh", "Rotate a refresh token for a new session", "auth",
       body="RefreshRequest", response="SessionOut", errors=(400, 401), no_store=True)
def refresh(body: Any) -> dict[str, Any]:
    return _session(services().accounts.refresh(body.refresh_token))


@route("/auth/logout", "POST", "log_out", "Revoke the session's refresh tokens", "auth",
       status=204, body="RefreshRequest", errors=(400,), no_store=True)
def log_out(body: Any) -> None:
    services().accounts.log_out(body.refresh_token)


# The dashboard's session: the same accounts, kept in httpOnly cookies with a CSRF token
# (chalicelib/functions/browser_session.py says how and why).
@route("/auth/session", "POST", "open_session",
       "Log in for the dashboard: sets httpOnly session cookies", "auth",
       body="LoginRequest", response="BrowserSessionOut", errors=(400, 401, 403, 429),
       no_store=True)
def open_session(body: Any) -> Response:
    return browser_session().log_in(services().browser, bp.current_request, body)  # type: ignore[no-any-return]


@route("/auth/session/signup", "POST", "open_session_with_signup",
       "Create a host account and log in for the dashboard (httpOnly cookies)", "auth",
       status=201, body="SignupRequest", response="BrowserSignupOut",
       errors=(400, 403, 409, 429), no_store=True)
def open_session_with_signup(body: Any) -> Response:
    return browser_session().sign_up(services().browser, bp.current_request, body)  # type: ignore[no-any-return]


@route("/auth/session/refresh", "POST", "refresh_session",
       "Rotate the dashboard's session cookies", "auth", query="RefreshSessionQuery",
       response="BrowserSessionOut", errors=(400, 401, 403),
       security=("refreshCookie", "csrfToken"), no_store=True)
def refresh_session(query: Any) -> Response:
    # ?realtime=true: the new session's WebSocket ticket comes with it, so a dashboard
    # coming back to a hidden tab reconnects with one request, not two.
    return browser_session().refresh(  # type: ignore[no-any-return]
        services().browser, bp.current_request, ticket_out if query.realtime else None)


@route("/auth/session", "DELETE", "close_session",
       "Log out of the dashboard: revoke the session and clear its cookies", "auth",
       status=204, errors=(403,), security=("refreshCookie", "csrfToken"), no_store=True)
def close_session() -> Response:
    return browser_session().log_out(services().browser, bp.current_request)  # type: ignore[no-any-return]


# A forgotten password (services/password_resets.py): the same 202 whether or not an
# account has the e-mail; the link's token is spent by the second route.
@route("/auth/password-reset", "POST", "request_password_reset",
       "E-mail a link to reset a forgotten password", "auth", status=202,
       body="PasswordResetIn", response="PasswordResetOut", errors=(400, 409, 429),
       no_store=True)
def request_password_reset(body: Any) -> dict[str, Any]:
    from chalicelib.functions.http import source_ip
    from chalicelib.services.password_resets import RESET_LIFETIME

    services().password_resets.request(body.email, source_ip(bp.current_request))
    return {"message": "If an account uses this e-mail, a link to reset its password is on "
                       "its way. Check your inbox (and spam folder).",
            "link_expires_in": int(RESET_LIFETIME.total_seconds())}


@route("/auth/password-reset/confirm", "POST", "confirm_password_reset",
       "Set a new password with the e-mailed link; every login of the account ends",
       "auth", body="PasswordResetConfirmIn", response="PasswordResetConfirmOut",
       errors=(400, 409, 410), no_store=True)
def confirm_password_reset(body: Any) -> dict[str, Any]:
    return {"logins_ended": services().password_resets.confirm(body.token, body.new_password)}
