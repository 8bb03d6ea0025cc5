"""What a job made at a provider for a booking, whichever the provider (a calendar
event, a meeting, a notes page); store/provider_refs.py keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ProviderRef:
    """The id of what a job made for a booking at a provider (a calendar event), and the
    booking's sequence it was last written for, so a reschedule or cancel finds it."""

    job: str
    booking_uid: str
    external_id: str
    sequence: int
    keep_until: datetime           # no booking changes after its meeting: TTL then
