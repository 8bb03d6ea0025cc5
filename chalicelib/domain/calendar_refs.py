"""One calendar at one provider (`CalendarRef`), as the host's setup, the cached copy and
a push channel name it, e.g. ``google:ada@example.com``.

calendar_cache.py names it with the rest of the hosts' calendars.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class CalendarRef:
    """One calendar at one provider, e.g. ``google:ada@example.com``."""

    provider: str
    calendar_id: str

    @property
    def key(self) -> str:
        return f"{self.provider}:{self.calendar_id}"

    @classmethod
    def parse(cls, key: str) -> CalendarRef:
        provider, sep, calendar_id = key.partition(":")
        if not sep or not provider or not calendar_id:
            raise ValueError(f"not a calendar reference: {key!r}")
        return cls(provider, calendar_id)
