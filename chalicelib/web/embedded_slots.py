"""The booking page's first month of free slots, sent with the page.

The server does not know the visitor's zone (the browser does), so the page carries the
slots of whole UTC days from the day before the current UTC month to the day after it:
the month as any zone (UTC-12 to UTC+14) sees it lies inside. The picker shows them with
no slots request, so a view is one invocation instead of two and the first paint has
times. The slots are the config and event type the page already read, so they cost the
ledger read alone. They are a speed-up and nothing more: if they cannot be made, the page
goes without them and the picker asks, as it does for every other month.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import NotFoundError

if TYPE_CHECKING:
    from chalicelib.domain.event_types import EventType
    from chalicelib.domain.hosts import HostConfig
    from chalicelib.services.public import PublicService

log = logging.getLogger("penny.pages")


def month_window(today: date) -> tuple[date, date]:
    """The UTC days from the day before `today`'s month to the day after it."""
    first = today.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return first - timedelta(days=1), after


def utc_instant(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def embedded_slots(public: PublicService, config: HostConfig, et: EventType, now: datetime
                   ) -> dict[str, Any] | None:
    """`{"first", "last", "starts", "stale"}` for the page data, or None if the slots
    could not be made (the picker then asks for them)."""
    first, last = month_window(now.astimezone(UTC).date())
    try:
        result = public.slots_for(config, et, first, last, "UTC")
    except NotFoundError:
        raise
    except Exception:  # a provider or the table failing must not cost the page
        log.exception("slots not embedded", extra={"host_id": config.profile.host_id,
                                                    "event_type_id": et.id})
        return None
    return {"first": first.isoformat(), "last": last.isoformat(),
            "starts": [utc_instant(t) for day in result.slots.values() for t in day],
            "stale": result.stale}
