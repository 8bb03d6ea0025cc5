"""Sign in with Google or Microsoft (OpenID Connect; services/sign_in.py), and the
identities a host can sign in with.
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
    result = services().connections.start_sign_in(provider, body.timezone or "", "/app")
    return started(request, result)


@route("/me/identities", "GET", "list_identities",
       "The Google and Microsoft accounts you can sign in with", "host", auth=True,
       response="IdentityList", errors=AUTH_ERRORS)
def list_identities(host_id: str) -> dict[str, Any]:
    found = services().sign_in.identities.for_host(host_id)
    return {"identities": [{"provider": i.provider, "email": i.email,
                            "linked_at": i.linked_at.isoformat()} for i in found]}


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
