"""Provider ports: what Penny asks of calendars, video, payments, notes and AI, in its terms.

One module per kind of provider: calendars.py, video.py, payments.py, notes.py,
briefs.py, oauth.py (connecting one), and refs.py (what a job made at any of them).
An importer that uses one kind names its module; this package re-exports every name,
for what wires the whole seam at once (the composition root, the in-memory fakes).

The rules every port keeps:

One adapter per vendor (integrations/) implements a port and is built per host
connection, so no method takes a host. Adapters turn vendor errors into the provider
errors of domain/errors.py (`raise ... from exc`): ProviderUnavailableError (retry),
ConnectionBrokenError (the host must reconnect), ProviderRejectedError (as it stands,
never). Nothing here names a vendor type; every value is a frozen dataclass.

Creating calls take a `key`, stable for what they make (a booking uid): the adapter
hands it to the vendor as its idempotency key (Google's client-chosen event id, Graph's
transactionId, Stripe's Idempotency-Key), so a retry after a timeout finds what the
first attempt made instead of making a second.
"""

from __future__ import annotations

from chalicelib.domain.providers.briefs import BookingFacts, Brief, Briefs, PastBooking
from chalicelib.domain.providers.calendars import (
    CalendarChanges,
    CalendarEvent,
    CalendarInfo,
    CalendarProvider,
    EventChange,
    TaggedEvent,
    Watch,
    WrittenEvent,
)
from chalicelib.domain.providers.notes import (
    BookingNotes,
    NotesDatabase,
    NotesPage,
    NotesProvider,
)
from chalicelib.domain.providers.oauth import (
    AuthorizationRequest,
    Feature,
    Grant,
    Identity,
    OAuthProvider,
)
from chalicelib.domain.providers.payments import (
    Checkout,
    CheckoutRequest,
    PaymentAccount,
    PaymentEvent,
    PaymentEventKind,
    PaymentProvider,
    Refund,
)
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.domain.providers.video import Meeting, MeetingRequest, VideoProvider

__all__ = [
    "AuthorizationRequest", "BookingFacts", "BookingNotes", "Brief", "Briefs",
    "CalendarChanges", "CalendarEvent", "CalendarInfo", "CalendarProvider", "Checkout",
    "CheckoutRequest", "EventChange", "Feature", "Grant", "Identity", "Meeting",
    "MeetingRequest", "NotesDatabase", "NotesPage", "NotesProvider", "OAuthProvider",
    "PastBooking", "PaymentAccount", "PaymentEvent", "PaymentEventKind", "PaymentProvider",
    "ProviderRef", "Refund", "TaggedEvent", "VideoProvider", "Watch", "WrittenEvent",
]
