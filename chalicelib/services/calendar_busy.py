"""The hosts' own calendars as the booking path's external busy time.

One host calendar (a CalendarProvider, per host) serves both sides of the seam: its busy
ranges keep slots off the booking page and refuse a booking at write time (through the
ExternalBusy port of services/ports.py), and the calendar job writes each confirmed
booking into it (services/calendar_sync.py). A host with no calendar connected is busy
nowhere outside Penny. A calendar that cannot be read raises ProviderUnavailableError:
unknown is never free.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.timerange import TimeRange
from chalicelib.services.ports import Calendars


@dataclass(frozen=True)
class CalendarBusy:
    calendars: Calendars

    def busy(self, host_id: str, window: TimeRange) -> list[TimeRange]:
        calendar = self.calendars.for_host(host_id)
        return [] if calendar is None else calendar.busy(window)
