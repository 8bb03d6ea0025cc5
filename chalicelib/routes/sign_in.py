"""Sign in with Google or Microsoft (OpenID Connect; services/sign_in.py), the
identities a host can sign in with, and the password (services/passwords.py).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.routes.routing import AUTH_ERRORS, api, services

bp = Blueprint(__name__)
route = api(bp)


@route("/auth/oidc/{provider}", "POST", "sign_in_with_provider",
       "Sign in (or sign up) with Google or Microsoft: answers the consent page to open",
       "auth", body="OidcStartIn", response="ConnectOut", errors=(400, 403, 404, 409),
       no_store=True)
def sign_in_with_provider(provider: str, body: Any) -> Response:
    from chalicelib.functions.browser_session import check_origin
    from chalicelib.functions.connections import started

    request = bp.current_request
    check_origin(request, services().settings.public_base_url)  # no login CSRF
    view = f"/app/{body.view}" if body.view else "/app/bookings"
    result = services().connections.start_sign_in(provider, body.timezone or "", view)
    return started(request, result)


@route("/me/identities", "GET", "list_identities",
       "The Google and Microsoft accounts you can sign in with", "host", auth=True,
       response="IdentityList", errors=AUTH_ERRORS)
def list_identities(host_id: str) -> dict[str, Any]:
    found = services().sign_in.identities.for_host(host_id)
    return {"identities": [{"provider": i.provider, "email": i.email,
                            "linked_at": i.linked_at.isoformat()} for i in found],
            "has_password": services().passwords.has_password(host_id)}


@route("/me/password", "PUT", "set_password",
       "Change your password (the current one required), or set a first one after a "
       "recent sign-in with Google or Microsoft; every other login is ended", "host",
       auth=True, session=True, body="PasswordIn", response="PasswordOut",
       errors=(*AUTH_ERRORS, 403, 409, 429), no_store=True)
def set_password(host_id: str, session_id: str | None, body: Any) -> dict[str, Any]:
    from chalicelib.functions.http import source_ip

    done = services().passwords.change(host_id, session_id, body.current_password,
                                       body.new_password, source_ip(bp.current_request))
    return {"first": done.first, "other_logins_ended": done.other_logins_ended}


@route("/me/identities/{provider}", "POST", "link_identity",
       "Sign in with Google or Microsoft from now on: answers the consent page to open",
       "host", auth=True, session=True, response="ConnectOut",
       errors=(*AUTH_ERRORS, 403, 409), no_store=True)
def link_identity(host_id: str, session_id: str | None, provider: str) -> Response:
    from chalicelib.functions.connections import started

    request = bp.current_request
    result = services().connections.start_link(host_id, session_id, provider, "/app/profile")
    return started(request, result)


@route("/me/identities/{provider}", "DELETE", "unlink_identity",
       "Stop signing in with that provider's account", "host", auth=True, status=204,
       errors=(*AUTH_ERRORS, 403))
def unlink_identity(host_id: str, provider: str) -> None:
    services().sign_in.unlink(host_id, provider)
