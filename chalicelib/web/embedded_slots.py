"""The booking page's first two months of free slots, sent with the page.

The server does not know the visitor's zone (the browser does), so the page carries the
slots of whole UTC days from the day before the current UTC month to the day after the
next one: this month and the next as any zone (UTC-12 to UTC+14) sees them lie inside.
The picker shows them with no slots request, so a view is one invocation, the first paint
has times, and going on to the next month asks nothing either. The slots are the config
and event type the page already read, so they cost the ledger read alone. They are a
speed-up and nothing more: if they cannot be made, the page goes without them and the
picker asks, as it does for every later month.

Each start is sent as the minutes after the one before it (the first: after `first`,
00:00 UTC): a slot grid is a few repeated gaps, which gzip to almost nothing, where two
months of ISO instants would be about 1.5 KB on the wire.
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


def month_window(today: date, months: int = 2) -> tuple[date, date]:
    """The UTC days from the day before `today`'s month to the day after the `months`th
    month from it (this one included)."""
    first = today.replace(day=1)
    after = first
    for _ in range(months):
        after = (after + timedelta(days=32)).replace(day=1)
    return first - timedelta(days=1), after


def gaps(first: date, starts: list[datetime]) -> list[int]:
    """Each start as the minutes after the one before it (the first: after `first`)."""
    at = datetime.combine(first, datetime.min.time(), UTC)
    out: list[int] = []
    for start in starts:
        out.append(int((start - at).total_seconds()) // 60)
        at = start
    return out


def sent_starts(slots: dict[str, Any]) -> list[str]:
    """The starts of embedded slots as UTC instants (the picker's reading, for the tests
    and the cost model)."""
    at = datetime.combine(date.fromisoformat(slots["first"]), datetime.min.time(), UTC)
    out: list[str] = []
    for gap in slots["minutes"]:
        at += timedelta(minutes=gap)
        out.append(utc_instant(at))
    return out


def utc_instant(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def embedded_slots(public: PublicService, config: HostConfig, et: EventType, now: datetime
                   ) -> dict[str, Any] | None:
    """`{"first", "last", "minutes", "stale"}` for the page data, or None if the slots
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
    starts = sorted(t for day in result.slots.values() for t in day)
    return {"first": first.isoformat(), "last": last.isoformat(),
            "minutes": gaps(first, starts), "stale": result.stale}
