"""What every fake vendor shares: the consent round trip, the token endpoint's skeleton and
the sandbox control page. Each vendor module fills in its wire: paths, parameter names,
client authentication, body encoding, and the shapes of its answers and errors."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import calendar_pages, pages
from sandbox.api_gate import ApiGate
from sandbox.calendar_model import CalendarEvent
from sandbox.calendar_store import CalendarStore
from sandbox.grants import AuthorizationServer
from sandbox.keys import SigningKey
from sandbox.model import AuthRequest, Issued, Policy, Reason, Refusal
from sandbox.notifier import Notifier
from sandbox.wire import basic_credentials, html_response, json_response, redirect_with

# Refusals of the client itself (401 invalid_client at most vendors), not of its grant.
CLIENT_REFUSALS = frozenset({Reason.UNKNOWN_CLIENT, Reason.BAD_CLIENT_SECRET})


class FakeProvider:
    name: ClassVar[str]
    title: ClassVar[str]
    question: ClassVar[str]  # the consent page's heading
    # Where asking for some scopes means a narrower question: (a fragment of the scope,
    # what the user lets Penny do); asking for none of them is signing in (`signing_in`).
    asks: ClassVar[tuple[tuple[str, str], ...]] = ()
    signing_in: ClassVar[str] = ""
    # Granular consent (Google): every scope but these is a tickbox the user may untick,
    # and the grant is then made without it. None: all or nothing (Allow or Deny).
    untickable: ClassVar[frozenset[str] | None] = None
    policy: ClassVar[Policy]
    # True: client credentials only in `Authorization: Basic` (Zoom, Notion).
    basic_auth_only: ClassVar[bool] = False
    # The vendor's calendars, where it has them (Google, Microsoft).
    calendar_store: CalendarStore | None = None

    def __init__(self, server: AuthorizationServer, key: SigningKey, base_url: str) -> None:
        self.server = server
        self.key = key
        self.base_url = base_url
        # Every resource-API call passes the gate (counters, injected faults, delay);
        # push notifications leave through the notifier's thread.
        self.gate = ApiGate()
        self.notifier = Notifier(self.name)
        # Claims the next ID tokens carry instead of the true ones (a test's forgery).
        self._id_token_overrides: list[dict[str, Any]] = []

    def override_next_id_token(self, claims: dict[str, Any]) -> None:
        self._id_token_overrides.append(claims)

    def sign_id_token(self, claims: dict[str, Any]) -> str:
        """Sign an ID token with the sandbox key, with a queued override applied (a value
        of None removes the claim)."""
        if self._id_token_overrides:
            for name, value in self._id_token_overrides.pop(0).items():
                if value is None:
                    claims.pop(name, None)
                else:
                    claims[name] = value
        return self.key.sign(claims)

    def rules(self) -> list[Rule]:
        """The vendor's routes, paths relative to the provider's prefix."""
        raise NotImplementedError

    # -- the vendor's wire, overridden per vendor ----------------------------------------

    def approved(self, request: AuthRequest, code: str) -> dict[str, str]:
        return _with_state({"code": code}, request)

    def denied(self, request: AuthRequest) -> dict[str, str]:
        return _with_state({"error": "access_denied"}, request)

    def token_params(self, request: Request) -> dict[str, str] | None:
        return dict(request.form.items())

    def token_body(self, issued: Issued, params: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def token_error(self, refusal: Refusal) -> Response:
        raise NotImplementedError

    def bad_request(self, message: str) -> Response:
        raise NotImplementedError

    def unavailable(self, status: int) -> Response:
        raise NotImplementedError

    # -- shared behaviour --------------------------------------------------------------

    def page_error(self, message: str) -> Response:
        """An authorize request the vendor refuses before any redirect: an HTML page."""
        return html_response(pages.error(self.title, "Authorization error", message), 400)

    def authorize(self, params: dict[str, str], scopes: tuple[str, ...],
                  extras: dict[str, str]) -> Response:
        try:
            request = self.server.begin(
                params.get("client_id", ""), params.get("redirect_uri", ""), scopes,
                params.get("state"), params.get("nonce"), params.get("code_challenge"),
                params.get("code_challenge_method"), extras)
        except Refusal as refusal:
            # Never redirect to an unverified redirect URI: an error page, as real vendors do.
            return self.page_error(refusal.reason.value)
        tickable = frozenset() if self.untickable is None \
            else frozenset(scopes) - self.untickable
        return html_response(pages.consent(
            self.title, self.question_for(scopes), f"{self.base_url}/_sandbox/consent", request,
            list(self.server.accounts.values()), tickable))

    def question_for(self, scopes: tuple[str, ...]) -> str:
        """The consent page's heading for what is asked (a sign-in asks for no calendar)."""
        if not self.asks:
            return self.question
        wants = list(dict.fromkeys(does for fragment, does in self.asks
                                   if any(fragment in scope for scope in scopes)))
        return f"Allow Penny to {' and '.join(wants)}?" if wants else self.signing_in

    def consent(self, request: Request) -> Response:
        try:
            auth, code = self.server.decide(request.form.get("request", ""),
                                            request.form.get("decision") == "allow",
                                            request.form.get("account", ""),
                                            self.kept_scopes(request))
        except Refusal:
            return html_response(pages.error(
                self.title, "This request is over",
                "It was already answered or never made: start again from Penny."), 400)
        params = self.approved(auth, code) if code else self.denied(auth)
        if auth.extras.get("response_mode") == "form_post":
            # The answer travels as a self-submitting form POST to the redirect URI.
            return html_response(pages.form_post(auth.redirect_uri, params))
        return redirect_with(auth.redirect_uri, params)

    def kept_scopes(self, request: Request) -> frozenset[str] | None:
        """The scopes left ticked (an unticked box sends nothing), with those that are no
        tickbox; None where consent is all or nothing."""
        if self.untickable is None:
            return None
        return self.untickable | frozenset(request.form.getlist("scope"))

    def token(self, request: Request) -> Response:
        failure = self.server.take_failure()
        if failure is not None:
            return self.unavailable(failure)
        params = self.token_params(request)
        if params is None:
            return self.bad_request("the request body is not in the format this endpoint takes")
        credentials = basic_credentials(request)
        if credentials is None and not self.basic_auth_only:
            credentials = (params.get("client_id", ""), params.get("client_secret", ""))
        try:
            client = self.server.authenticate(*(credentials or (None, None)))
            grant_type = params.get("grant_type")
            if grant_type == "authorization_code":
                issued = self.server.exchange_code(
                    client.client_id, params.get("code", ""), params.get("redirect_uri"),
                    params.get("code_verifier"))
            elif grant_type == "refresh_token":
                issued = self.server.refresh(client.client_id, params.get("refresh_token", ""),
                                             tuple(params.get("scope", "").split()))
            else:
                return self.bad_request(f"unsupported grant_type {grant_type!r}")
        except Refusal as refusal:
            return self.token_error(refusal)
        return json_response(self.token_body(issued, params))

    def control(self, request: Request) -> Response:
        if request.method == "POST":
            if request.form.get("action") == "add-event":
                try:
                    start, end = calendar_pages.busy_event_times(request.form)
                except ValueError as exc:
                    return html_response(pages.error(self.title, "Not added", str(exc)), 400)
                self.add_busy_event(request.form.get("account", ""), start, end,
                                    request.form.get("title") or "Busy")
            if request.form.get("action") == "delete-event":
                self.delete_event(request.form.get("calendar", ""), request.form.get("event", ""))
            grant_id = request.form.get("grant", "")
            if grant_id in {grant.id for grant in self.server.grants()}:
                self.server.revoke_grant(grant_id)
            return Response(status=303, headers={"Location": f"{self.base_url}/_sandbox"})
        return html_response(pages.control(
            self.title, self.base_url, self.server.clients, self.server.grants(),
            self.server.events(), self.server.token_requests, f"{self.base_url}/_sandbox",
            self.extra_section(), self.gate.counts()))

    def extra_section(self) -> str:
        """The vendor's resources on the sandbox page (its calendars, meetings)."""
        store = self.calendar_store
        if store is None:
            return ""
        return calendar_pages.calendars(
            [(account, calendar, store.events(calendar.id))
             for account in self.server.accounts.values()
             for calendar in store.calendars(account.id)], f"{self.base_url}/_sandbox")

    def add_busy_event(self, account_id: str, start: datetime, end: datetime,
                       title: str) -> None:
        """What the page's form does: a busy event on the account's primary calendar."""
        store = self.calendar_store
        if store is None or account_id not in self.server.accounts:
            return
        primary = store.calendars(account_id)[0]
        store.insert(CalendarEvent(secrets.token_hex(13), primary.id, title, start, end))

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """What a row's Delete button does: the person deletes the event (Penny's too)."""
        store = self.calendar_store
        event = None if store is None else store.get(calendar_id, event_id)
        if store is None or event is None:
            return
        event.deleted = True
        store.save(event)


def _with_state(params: dict[str, str], request: AuthRequest) -> dict[str, str]:
    return {**params, "state": request.state} if request.state is not None else params

