"""A sample host of the simulated month, and the month's fixed cast: when the month
starts, the hosts' and their clients' zones, the hosts' password, the priced event type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

MONTH_START = datetime(2026, 12, 1, tzinfo=UTC)
HOST_ZONES = ("America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles",
              "Europe/London")
CLIENT_ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney",
                "America/Los_Angeles", "Europe/Berlin")
PASSWORD = "a long cost-model passphrase"
PAID_EVENT = "session"    # each host's priced event type ("intro" is free)


@dataclass
class Host:
    slug: str
    zone: str
    google_account: str = ""
    host_id: str = ""
    access: str = ""
    refresh: str = ""
    sessions: int = 0
    abandoned: bool = False  # its month's abandoned checkout has run
    # The dashboard's cookie session, as the browser holds it: name -> (value, path).
    jar: dict[str, tuple[str, str]] = field(default_factory=dict)
    csrf: str = ""
