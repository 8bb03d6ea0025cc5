"""Secret cancel / reschedule links.

The tokens are HMACs of the booking uid, never stored: a leaked table leaks no link,
and a retried booking request (same Idempotency-Key) can hand back the same links.

Two capabilities, nested: the cancel link is the attendee's full link (view, .ics,
reschedule, cancel), the reschedule link a narrower one that can be forwarded (view,
.ics, reschedule). A response only ever carries links for what the caller presented.
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


# What each link lets its holder do, besides viewing the booking and its .ics.
GRANTS: dict[LinkPurpose, frozenset[LinkPurpose]] = {
    LinkPurpose.CANCEL: frozenset({LinkPurpose.CANCEL, LinkPurpose.RESCHEDULE}),
    LinkPurpose.RESCHEDULE: frozenset({LinkPurpose.RESCHEDULE}),
}


@dataclass(frozen=True)
class BookingLinks:
    secret: str
    base_url: str

    def token(self, uid: str, purpose: LinkPurpose) -> str:
        mac = hmac.new(self.secret.encode(), f"{purpose.value}:{uid}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:24]).decode().rstrip("=")

    def purpose_of(self, uid: str, token: str) -> LinkPurpose | None:
        """Which link `token` is for this booking, if any."""
        # Compared as bytes: compare_digest refuses non-ASCII str (a TypeError, not a no).
        given = token.encode("utf-8", "surrogatepass")
        return next((p for p in LinkPurpose
                     if hmac.compare_digest(self.token(uid, p).encode(), given)), None)

    def allows(self, uid: str, token: str, *purposes: LinkPurpose) -> bool:
        return self.purpose_of(uid, token) in purposes

    def urls(self, uid: str, presented: LinkPurpose = LinkPurpose.CANCEL) -> dict[str, str]:
        """The links the holder of the `presented` link may have: pages and the .ics."""
        grants = GRANTS[presented]
        own = self.token(uid, presented)
        page = f"{self.base_url}/booking/{uid}"
        urls = {"view": f"{page}?token={own}",
                "ics": f"{self.base_url}/bookings/{uid}/invite.ics?token={own}"}
        if LinkPurpose.CANCEL in grants:
            urls["cancel"] = f"{page}/cancel?token={self.token(uid, LinkPurpose.CANCEL)}"
        if LinkPurpose.RESCHEDULE in grants:
            move = self.token(uid, LinkPurpose.RESCHEDULE)
            urls["reschedule"] = f"{page}/reschedule?token={move}"
        return urls

    def tokens(self, uid: str, presented: LinkPurpose = LinkPurpose.CANCEL) -> dict[str, str]:
        """`{purpose}_token` for each capability the `presented` link grants."""
        return {f"{p.value}_token": self.token(uid, p) for p in sorted(GRANTS[presented])}
