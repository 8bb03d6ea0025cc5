"""A moment as a zone's clocks show it, for the vendors that take a wall time and a zone's
name rather than an instant (Graph's dateTimeTimeZone, Zoom's start_time and timezone)."""

from __future__ import annotations

from datetime import datetime, tzinfo


def wall_time(moment: datetime, zone: tzinfo) -> str | None:
    """`YYYY-MM-DDTHH:MM:SS` as the zone's clocks show the moment; None when they show
    that time twice (the autumn change's repeated hour), where the wall time alone could
    be either moment and the vendor might pick the other."""
    local = moment.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return None
    return local.strftime("%Y-%m-%dT%H:%M:%S")
