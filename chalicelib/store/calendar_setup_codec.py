"""The host's calendar setup as it rides on the profile item: `CalendarSetup`, each
calendar's `SyncState` and the calendars Penny took out (`removed`) as one JSON
attribute (`calendars`), its instants ISO in UTC.

CalendarCacheRepository (calendar_cache.py) rewrites it; host_config_reads.py reads it
with the rest of the host's config.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.calendar_cache import (
    CalendarRef,
    CalendarSetup,
    RemovedCalendar,
    SyncState,
)


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def setup_to_json(setup: CalendarSetup) -> str:
    return json.dumps({
        "destination": None if setup.destination is None else setup.destination.key,
        "conflicts": [{
            "ref": s.ref.key, "synced_at": _iso(s.synced_at),
            "covered_until": _iso(s.covered_until), "cursor": s.cursor,
            "changed_at": _iso(s.changed_at), "watch_id": s.watch_id,
            "watch_expires_at": _iso(s.watch_expires_at), "watch_resource": s.watch_resource,
            "failure": s.failure,
            # Only while a watch is asked: a setup with none reads (and compares) as before.
            **({"watch_asked_at": _iso(s.watch_asked_at)} if s.watch_asked_at else {}),
            # Only once a listing placed events by the host's zone (Outlook's all-day).
            **({"placed_in": s.placed_in} if s.placed_in else {})}
            for s in setup.conflicts],
        # Left out while empty: a setup with none reads as before.
        **({"removed": [{"ref": r.ref.key, "reason": r.reason, "at": _iso(r.removed_at),
                         "destination": r.was_destination} for r in setup.removed]}
           if setup.removed else {})}, sort_keys=True)


def setup_from_json(raw: str | None) -> CalendarSetup:
    if not raw:
        return CalendarSetup()
    data: dict[str, Any] = json.loads(raw)
    destination = data.get("destination")
    return CalendarSetup(
        conflicts=tuple(SyncState(
            ref=CalendarRef.parse(c["ref"]), synced_at=_when(c.get("synced_at")),
            covered_until=_when(c.get("covered_until")), cursor=c.get("cursor"),
            changed_at=_when(c.get("changed_at")), watch_id=c.get("watch_id"),
            watch_expires_at=_when(c.get("watch_expires_at")),
            watch_resource=c.get("watch_resource") or "", failure=c.get("failure"),
            watch_asked_at=_when(c.get("watch_asked_at")), placed_in=c.get("placed_in"))
            for c in data.get("conflicts", [])),
        destination=None if destination is None else CalendarRef.parse(destination),
        removed=tuple(RemovedCalendar(CalendarRef.parse(r["ref"]), str(r.get("reason") or ""),
                                      datetime.fromisoformat(r["at"]),
                                      r.get("destination") is True)
                      for r in data.get("removed", [])))
