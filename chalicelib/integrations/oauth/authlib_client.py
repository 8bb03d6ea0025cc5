"""The shared shape of the providers Penny drives with authlib (Google, Zoom, Notion):
an authorization URL, the code exchange, refresh and revocation, each over a fresh
`OAuth2Session` (it holds a token once used: one per call keeps hosts apart), with a
timeout on every request and no retries. Each provider fills in its endpoints, its
client authentication and what a grant's account is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import requests
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.requests_client import OAuth2Session  # type: ignore[import-untyped]

from chalicelib.domain.connections import Tokens
from chalicelib.domain.errors import ConnectionBrokenError, ProviderUnavailableError
from chalicelib.domain.providers.oauth import AuthorizationRequest, Feature, Grant
from chalicelib.integrations.oauth.scopes import scopes_for
from chalicelib.integrations.oauth.token_answers import tokens_from, utc_now
from chalicelib.integrations.oauth.vendor_errors import Step, refused, unreachable
from chalicelib.provider_settings import OAuthApp

# A revocation answered with these: the token was unknown or revoked already.
GONE = frozenset({"invalid_token", "invalid_grant"})


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    token: str
    revoke: str | None


class AuthlibProvider:
    name: str
    title: ClassVar[str]
    uses_pkce: bool = True
    token_auth: ClassVar[str] = "client_secret_basic"
    revoke_auth: ClassVar[str] = "client_secret_basic"
    # Which token the revocation endpoint is documented to take: Google's revokes the
    # whole grant from the refresh token (an expired access token would be refused);
    # Zoom's and Notion's name the access token.
    revokes_refresh_token: ClassVar[bool] = False
    rotates_refresh_tokens = True  # the safe guess: refreshes single-flight

    def __init__(self, app: OAuthApp, timeout: float,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.app = app
        self.timeout = timeout
        self.now = now
        self.endpoints = self.endpoints_under(app.base_url)

    # -- what each provider fills in ---------------------------------------------------

    def endpoints_under(self, base_url: str | None) -> Endpoints:
        raise NotImplementedError

    def authorize_params(self, request: AuthorizationRequest) -> dict[str, str]:
        """Vendor parameters of the authorization URL (scope included, where it has one)."""
        return {}

    def grant(self, token: Mapping[str, Any], request: AuthorizationRequest) -> Grant:
        raise NotImplementedError

    def account(self, access_token: str) -> str:
        """The account label the token acts for, asked of the provider now."""
        raise NotImplementedError

    def prepare(self, session: OAuth2Session) -> None:
        """Hooks on a new session (Notion's JSON bodies and error shape)."""

    def client_auth(self) -> Any:
        """The `auth` for token and revocation requests; None: authlib's, per method."""
        return None

    # -- the port --------------------------------------------------------------------

    def scopes(self, features: frozenset[Feature]) -> tuple[str, ...]:
        return scopes_for(self.name, features)

    def authorization_url(self, request: AuthorizationRequest) -> str:
        with self.session(request.redirect_uri) as session:
            url, _ = session.create_authorization_url(
                self.endpoints.authorize, state=request.state,
                code_verifier=request.code_verifier if self.uses_pkce else None,
                **self.authorize_params(request))
        return str(url)

    def exchange(self, code: str, request: AuthorizationRequest) -> Grant:
        extra = {"code_verifier": request.code_verifier} if (
            self.uses_pkce and request.code_verifier) else {}
        with self.session(request.redirect_uri) as session, self.translated("exchange"):
            token = session.fetch_token(self.endpoints.token, grant_type="authorization_code",
                                        code=code, auth=self.client_auth(), **extra)
        return self.grant(token, request)

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise ConnectionBrokenError(
                self.name, f"{self.title} gave Penny no refresh token; reconnect it")
        with self.session() as session, self.translated("refresh"):
            token = session.refresh_token(self.endpoints.token,
                                          refresh_token=tokens.refresh_token,
                                          auth=self.client_auth())
        # A provider that keeps its refresh token (Google) sends none back.
        return self.tokens(token, keep_refresh=tokens.refresh_token)

    def revoke(self, tokens: Tokens) -> bool:
        if self.endpoints.revoke is None:
            return False
        token = (tokens.refresh_token if self.revokes_refresh_token else None) \
            or tokens.access_token
        with self.session() as session, self.translated("revoke"):
            answer = session.revoke_token(self.endpoints.revoke, token=token,
                                          auth=self.client_auth())
        code = _error_code(answer)
        if answer.status_code < 300 or (answer.status_code == 400 and code in GONE):
            return True  # revoked now, or unknown / revoked before: nothing is left
        raise refused(self.name, self.title, "revoke", code, answer.status_code)

    # -- shared machinery -------------------------------------------------------------

    @contextmanager
    def session(self, redirect_uri: str | None = None) -> Iterator[OAuth2Session]:
        session = OAuth2Session(
            self.app.client_id, self.app.client_secret, redirect_uri=redirect_uri,
            code_challenge_method="S256" if self.uses_pkce else None,
            token_endpoint_auth_method=self.token_auth,
            revocation_endpoint_auth_method=self.revoke_auth,
            default_timeout=self.timeout)
        for hook in ("access_token_response", "refresh_token_response"):
            session.register_compliance_hook(hook, raise_when_unavailable)
        self.prepare(session)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def translated(self, step: Step) -> Iterator[None]:
        """Vendor and transport errors inside become Penny's provider errors."""
        try:
            yield
        except OAuthError as exc:
            raise refused(self.name, self.title, step, exc.error) from exc
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise refused(self.name, self.title, step, None, status) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise unreachable(self.name, self.title, step) from exc
        except (requests.RequestException, ValueError) as exc:
            # A body that is not a token answer (a gateway's error page).
            raise ProviderUnavailableError(
                self.name, f"{self.title} answered something that is not OAuth; "
                "try again later") from exc

    def tokens(self, token: Mapping[str, Any], keep_refresh: str | None = None) -> Tokens:
        return tokens_from(token, self.now(), self.name, self.title, keep_refresh)

    def account_json(self, url: str, access_token: str, step: Step = "account",
                     headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET a JSON account resource with an access token (`step`: "exchange" while
        finishing a connection, where a refusal rejects it rather than breaking it)."""
        with self.translated(step):
            answer = requests.get(url, timeout=self.timeout, headers={
                "Authorization": f"Bearer {access_token}", **(headers or {})})
            if answer.status_code >= 400:
                raise refused(self.name, self.title, step, _error_code(answer),
                              answer.status_code)
            body = answer.json()
        if not isinstance(body, dict):
            raise refused(self.name, self.title, step, None, answer.status_code)
        return body


def raise_when_unavailable(response: requests.Response) -> requests.Response:
    """A 5xx or 429 from a token endpoint as requests' HTTPError, whatever its body says,
    so it reads as "later" (authlib would raise only the body's OAuth error code)."""
    if response.status_code >= 500 or response.status_code == 429:
        response.raise_for_status()
    return response


def _error_code(answer: requests.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code = body.get("error") if isinstance(body.get("error"), str) else body.get("code")
    return code if isinstance(code, str) else None
