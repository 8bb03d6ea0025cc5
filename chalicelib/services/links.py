"""Secret cancel / reschedule links.

The tokens are HMACs of the booking uid, never stored: a leaked table leaks no link,
and a retried booking request (same Idempotency-Key) can hand back the same links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum


class LinkPurpose(StrEnum):
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"


@dataclass(frozen=True)
class BookingLinks:
    secret: str
    base_url: str

    def token(self, uid: str, purpose: LinkPurpose) -> str:
        mac = hmac.new(self.secret.encode(), f"{purpose.value}:{uid}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:24]).decode().rstrip("=")

    def allows(self, uid: str, token: str, *purposes: LinkPurpose) -> bool:
        return any(hmac.compare_digest(self.token(uid, p), token) for p in purposes)

    def urls(self, uid: str) -> dict[str, str]:
        """The attendee's links: pages (/booking/...) and the .ics file from the API."""
        cancel, move = self.token(uid, LinkPurpose.CANCEL), self.token(uid, LinkPurpose.RESCHEDULE)
        page = f"{self.base_url}/booking/{uid}"
        return {
            "view": f"{page}?token={cancel}",
            "cancel": f"{page}/cancel?token={cancel}",
            "reschedule": f"{page}/reschedule?token={move}",
            "ics": f"{self.base_url}/bookings/{uid}/invite.ics?token={cancel}",
        }
