"""The calendar half of the sandbox's control surface for tests (ProviderSandbox mixes it
in): seed, move and delete events (Google's and Outlook's, notifying as the vendor's own app
does), delete a calendar, make a calendar fail, read what Penny created, queue 429/5xx,
lose an answer after its work, slow the API down, count calls, force or read push
notifications, answer Graph's validation requests, age an event."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sandbox.api_gate import ApiGate
from sandbox.calendar_model import Calendar, CalendarEvent, midnight
from sandbox.calendar_store import CalendarStore, Watch
from sandbox.google import GoogleProvider
from sandbox.graph_subscriptions import Validator
from sandbox.microsoft import MicrosoftProvider
from sandbox.notifier import Delivery
from sandbox.provider import FakeProvider
from sandbox.zoom import ZoomProvider


class CalendarControl:
    providers: dict[str, FakeProvider]

    def _store(self, provider: str) -> CalendarStore:
        store = self.providers[provider].calendar_store
        if store is None:
            raise ValueError(f"{provider} has no calendars in the sandbox")
        return store

    def _account_id(self, provider: str, account: str | None) -> str:
        accounts = self.providers[provider].server.accounts
        if account is None:
            return next(iter(accounts))
        return next(a.id for a in accounts.values() if account in (a.id, a.email))

    def calendars(self, provider: str, account: str | None = None) -> list[Calendar]:
        """The account's calendars (default: the first seeded account), primary first."""
        return self._store(provider).calendars(self._account_id(provider, account))

    def add_event(self, provider: str, title: str, start: datetime, end: datetime, *,
                  account: str | None = None, calendar: str | None = None,
                  all_day: bool = False, show_as: str = "busy", declined: bool = False,
                  cancelled: bool = False, weekly: int | None = None,
                  body: dict[str, Any] | None = None) -> CalendarEvent:
        """An event as if the person made it at the vendor (primary calendar unless named);
        `show_as="free"` is Google's transparency transparent; `weekly=N` repeats N times
        (0: no end). An all-day one runs from `start`'s date to `end`'s, midnight to
        midnight in the calendar's zone (`calendar_zone`; UTC unless named), as the
        vendor's own app makes it. Push channels on that calendar are notified."""
        calendars = self.calendars(provider, account)
        target = calendars[0] if calendar is None else \
            next(c for c in calendars if c.id == calendar)
        if all_day:
            start, end = midnight(start.date(), target.zone), midnight(end.date(), target.zone)
        event = CalendarEvent(secrets.token_hex(13), target.id, title, start, end,
                              all_day=all_day, show_as=show_as, declined=declined,
                              cancelled=cancelled, weekly=weekly, body=dict(body or {}),
                              zone=target.zone)
        stored = self._store(provider).insert(event)
        assert stored is not None
        return stored

    def calendar_zone(self, provider: str, zone: str, account: str | None = None,
                      calendar: str | None = None) -> None:
        """The calendar's zone from now on (primary unless named; an IANA name): Google's
        calendar time zone, which its listings name; Outlook's mailbox zone, the one its
        app makes all-day events in. Either places the all-day events made there
        (sandbox/calendar_model.py)."""
        calendars = self.calendars(provider, account)
        target = calendars[0] if calendar is None else \
            next(c for c in calendars if c.id == calendar)
        self._store(provider).set_zone(target.id, zone)

    def events(self, provider: str, account: str | None = None,
               calendar: str | None = None) -> list[CalendarEvent]:
        """Live events on one calendar (default: the primary), Penny's marked
        `created_by_app`, each with its conference `link`."""
        calendars = self.calendars(provider, account)
        target = calendars[0] if calendar is None else \
            next(c for c in calendars if c.id == calendar)
        return sorted(self._store(provider).events(target.id), key=lambda e: e.start)

    def delete_event(self, provider: str, event_id: str, account: str | None = None,
                     calendar: str | None = None) -> None:
        """The person deletes an event (Penny's too) in the vendor's own app (primary
        calendar unless named); push channels on that calendar are notified, and Google's
        incremental listing gives it as `cancelled`."""
        calendars = self.calendars(provider, account)
        target = calendars[0] if calendar is None else \
            next(c for c in calendars if c.id == calendar)
        if self._store(provider).get(target.id, event_id) is None:
            raise ValueError(f"no event {event_id} on {target.id}")
        self.providers[provider].delete_event(target.id, event_id)

    def move_event(self, provider: str, event_id: str, to: str, account: str | None = None,
                   calendar: str | None = None) -> CalendarEvent:
        """The person moves an event (Penny's too) to another of their calendars in the
        vendor's own app (from the primary unless named), as Google's "move to calendar"
        (events.move) does: the id stays, and the calendar it left lists it `cancelled`."""
        calendars = self.calendars(provider, account)
        source = calendars[0] if calendar is None else \
            next(c for c in calendars if c.id == calendar)
        event = self._store(provider).get(source.id, event_id)
        if event is None:
            raise ValueError(f"no event {event_id} on {source.id}")
        moved = self._store(provider).move(event, next(c.id for c in calendars if c.id == to))
        assert moved is not None
        return moved

    def delete_calendar(self, provider: str, calendar_id: str,
                        account: str | None = None) -> None:
        """The person deletes one of their calendars (not the primary, which Google and
        Outlook keep) in the vendor's own app, its events with it: listing it, or reading,
        changing or deleting one of its events, answers 404 (Graph's
        `ErrorItemNotFound`)."""
        target = next(c for c in self.calendars(provider, account) if c.id == calendar_id)
        if target.primary:
            raise ValueError(f"{calendar_id} is the primary calendar: it cannot be deleted")
        self._store(provider).remove_calendar(target.id)

    def fail_calendar(self, provider: str, calendar_id: str, failing: bool = True,
                      status: int = 503) -> None:
        """The calendar cannot be read: Google's freebusy gives it `errors` inside the 200,
        Graph's getSchedule an error item; listing it answers `status` (503; 403 for a
        shared calendar its owner stopped sharing)."""
        self._store(provider).fail(calendar_id, failing, status)

    def age_event(self, provider: str, event_id: str, by: timedelta) -> None:
        """The event as if made `by` earlier (its createdDateTime): one a run long gone
        left behind."""
        store = self._store(provider)
        event = store.find(lambda e: e.id == event_id and not e.deleted)
        assert event is not None, event_id
        store.save(replace(event, created=event.created - by))

    def expire_sync_tokens(self, provider: str = "google") -> None:
        """Every sync token issued so far answers 410 Gone (a full resync is needed)."""
        store = self._store(provider)
        store.sync_floor = store.sequence + 1

    def meet_pending(self, reads: int) -> None:
        """Google Meet conferences asked for from now on are made asynchronously, as
        Google may: the write answers the createRequest `pending` with no link, as do the
        next `reads` reads of the event (0: ready at once, the default)."""
        api = self.providers["google"]
        assert isinstance(api, GoogleProvider)
        api.calendar.meet_pending_reads = reads

    def teams_pending(self, reads: int) -> None:
        """Teams meetings asked for from now on are set up after Graph answers, as it may:
        the create answers `onlineMeeting: null`, as do the next `reads` reads of the event
        (0: in the create's answer, the default). An account without Teams never gets one:
        a `reads` larger than any client reads."""
        api = self.providers["microsoft"]
        assert isinstance(api, MicrosoftProvider)
        api.calendar.teams_pending_reads = reads

    def refuse_time_zone(self, name: str) -> None:
        """Graph refuses events in the Windows zone `name` from now on
        (`TimeZoneNotSupportedException`), as a mailbox server that does not know a name
        newer than it does."""
        api = self.providers["microsoft"]
        assert isinstance(api, MicrosoftProvider)
        api.calendar.refused_zones |= {name}

    def set_page_size(self, size: int) -> None:
        """Graph's page size (calendarView, a calendar's events) when the request has no
        `$top` (default 10)."""
        api = self.providers["microsoft"]
        assert isinstance(api, MicrosoftProvider)
        api.calendar.page_size = size

    def meetings(self) -> list[dict[str, Any]]:
        """Zoom's meetings, as `GET /v2/meetings/{id}` answers them."""
        api = self.providers["zoom"]
        assert isinstance(api, ZoomProvider)
        return api.meetings.meetings()

    def zoom_fields(self, meeting_id: int) -> dict[str, Any]:
        """A Zoom meeting's fields as Penny wrote them (`start_time` as sent)."""
        api = self.providers["zoom"]
        assert isinstance(api, ZoomProvider)
        return api.meetings.fields(meeting_id)

    def zoom_unlisted_zone(self, zone: str, refuse: bool) -> None:
        """Zoom does not list `zone` from now on: a meeting written in it is refused (300)
        when `refuse`, else taken for the account's zone (UTC), its wall time read there."""
        api = self.providers["zoom"]
        assert isinstance(api, ZoomProvider)
        api.meetings.unlisted[zone] = refuse

    def delete_meeting(self, meeting_id: str) -> None:
        """The host deletes a meeting in Zoom's own app."""
        api = self.providers["zoom"]
        assert isinstance(api, ZoomProvider)
        api.meetings.delete(int(meeting_id))

    # -- faults and counters -------------------------------------------------------------

    def _gate(self, provider: str) -> ApiGate:
        return self.providers[provider].gate

    def fail_next_api_calls(self, provider: str, status: int = 429, times: int = 1,
                            retry_after: int | None = 1, endpoint: str | None = None) -> None:
        """The next `times` API calls (not token requests) answer `status` in the vendor's
        shape, with `Retry-After` unless None; only calls to `endpoint` (such as
        `files.update`) when it is given, the others answering as usual."""
        self._gate(provider).fail_next(status, times, retry_after, endpoint)

    def lose_next_answers(self, provider: str, endpoint: str, times: int = 1) -> None:
        """The next `times` calls to `endpoint` (only `events.create` and
        `subscriptions.create` of Graph) do their work and answer 504, as a gateway that
        timed out after the write was made."""
        self._gate(provider).lose_next(endpoint, times)

    def set_api_delay(self, provider: str, seconds: float) -> None:
        """Every API call waits this long before it answers (0: no delay)."""
        self._gate(provider).delay = seconds

    def api_calls(self, provider: str, endpoint: str | None = None) -> int:
        """API calls that passed authentication (all, or one endpoint such as
        `freebusy.query`, `calendarView`, `meetings.create`); refused ones count under
        `"<endpoint> (refused)"`."""
        return self._gate(provider).calls(endpoint)

    def api_call_counts(self, provider: str) -> dict[str, int]:
        return self._gate(provider).counts()

    def reset_api_calls(self, provider: str) -> None:
        self._gate(provider).reset()

    # -- push --------------------------------------------------------------------------

    def watches(self, provider: str) -> list[Watch]:
        """Live push channels: Google watch channels, Graph subscriptions."""
        return self._store(provider).watches()

    def notify(self, provider: str, calendar_id: str | None = None) -> int:
        """Send a change notification on every live channel (of one calendar) now, as if
        something changed; returns how many were queued."""
        api = self.providers[provider]
        if isinstance(api, MicrosoftProvider):
            return api.subscriptions.notify(calendar_id)
        if isinstance(api, GoogleProvider):
            return api.calendar.notify(calendar_id)
        raise ValueError(f"{provider} sends no calendar notifications")

    def answer_validations(self, answer: Validator | None) -> None:
        """Graph's subscription validation requests go to `answer(url, token)`, which
        gives the receiver's (status, Content-Type, body), instead of over HTTP (None:
        over HTTP again): a test whose Penny serves no port answers with Penny's own
        handler, and the subscription is made."""
        api = self.providers["microsoft"]
        assert isinstance(api, MicrosoftProvider)
        api.subscriptions.answer = answer

    def notifications(self, provider: str) -> list[Delivery]:
        """Notifications delivered (or attempted) so far, oldest first."""
        return self.providers[provider].notifier.deliveries()
