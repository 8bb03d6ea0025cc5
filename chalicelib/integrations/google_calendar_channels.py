"""Push for Google calendars, for the adapter (google_calendar.py): a watch channel on a
calendar's events started, and stopped."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.providers.calendars import Watch
from chalicelib.integrations.google_calendar_calls import GoogleCalendarCalls


class GoogleCalendarChannels(GoogleCalendarCalls):
    """Held by GoogleCalendar (integrations/google_calendar.py)."""

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        answer = self._call(self._api("events").watch(calendarId=calendar_id, body={
            "id": watch_id, "type": "web_hook", "address": address, "token": token,
            "expiration": str(int(expires_at.timestamp() * 1000))}), "starting a watch")
        expiration = answer.get("expiration")
        # Google may end a channel sooner than asked: its answer is the truth.
        ends = datetime.fromtimestamp(int(expiration) / 1000, UTC) if expiration else expires_at
        return Watch(str(answer.get("id") or watch_id), calendar_id, ends,
                     str(answer.get("resourceId") or ""))

    def stop(self, watch: Watch) -> None:
        self._call(self._api("channels").stop(body={"id": watch.id,
                                                   "resourceId": watch.resource_id}),
                   "stopping a watch", tolerate={404})
