"""Push for Outlook calendars: a Graph subscription on a calendar's events, made and
deleted, for the Outlook adapter (graph_calendar.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.providers.calendars import Watch
from chalicelib.integrations.graph_calendar_wire import answered_id, instant, segment, stamp
from chalicelib.integrations.graph_client import API, GraphClient

# Graph ends an Outlook event subscription after 4,230 minutes at most; a minute less
# leaves room for the clocks to disagree.
LONGEST_WATCH = timedelta(minutes=4230 - 1)


class GraphSubscriptions(GraphClient):
    """Held by GraphCalendar (integrations/graph_calendar.py), which has the fields."""

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        # Graph names the subscription itself: `watch_id` goes nowhere; the Watch's id is
        # Graph's, and notifications carry it as `subscriptionId`.
        expires = min(expires_at, datetime.now(UTC) + LONGEST_WATCH)
        made = self._call("POST", f"{API}/subscriptions", body={
            "changeType": "created,updated,deleted", "notificationUrl": address,
            # Without it Graph sends no `subscriptionRemoved` nor `missed`: a subscription
            # it ended early (a password reset, access revoked) would pass for live.
            "lifecycleNotificationUrl": address,
            "resource": f"me/calendars/{calendar_id}/events",
            "expirationDateTime": stamp(expires), "clientState": token})
        granted = made.get("expirationDateTime")
        return Watch(answered_id(made), calendar_id, instant(str(granted)) if granted else expires)

    def stop(self, watch: Watch) -> None:
        self._call("DELETE", f"{API}/subscriptions/{segment(watch.id)}", gone_ok=True)
