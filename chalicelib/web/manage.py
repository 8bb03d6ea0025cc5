"""What the attendee's manage page shows: the booking in both zones, its video link, and
what they may do."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.event_types import LocationKind
from chalicelib.domain.reservations import event_type_of
from chalicelib.web import labels
from chalicelib.web.pages import Markup
from chalicelib.web.payment_status import PayLinks, PaymentState, payment_block, payment_state

if TYPE_CHECKING:
    from chalicelib.domain.hosts import HostConfig

STATUS = {BookingStatus.CONFIRMED: ("Confirmed", "ok"),
          BookingStatus.PENDING_PAYMENT: ("Awaiting payment", "warn"),
          BookingStatus.CANCELLED: ("Cancelled", "off"),
          BookingStatus.EXPIRED: ("Expired", "off")}


def status_badge(booking: Booking, state: PaymentState) -> tuple[str, str]:
    """The badge's words and class: a paid booking says it was paid."""
    if state is PaymentState.EXPIRED:
        return STATUS[BookingStatus.EXPIRED]
    if booking.status is BookingStatus.CONFIRMED and state is PaymentState.PAID:
        return ("Paid · Confirmed", "ok")
    return STATUS[booking.status]


def _location_details(booking: Booking, config: HostConfig) -> str:
    details = config.location_details(booking)
    if not details:
        return ""
    return f'<p class="location-details">{escape(details)}</p>'


def _when(booking: Booking, zone: str) -> str:
    label = labels.when_label(booking.start, booking.end, zone)
    return labels.time_element(label, booking.start, zone, booking.end)


def join_url(url: str | None) -> str | None:
    """The link if it is one a browser can open safely (http or https), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def video_line(booking: Booking, waiting: bool) -> str:
    """The meeting's join link, or the note saying who sends it. The calendar job writes
    either some seconds after booking; until then a video meeting that has not started
    says the link is on its way, and video.js asks for the booking until it comes."""
    if booking.status is not BookingStatus.CONFIRMED:
        return ""
    kind = LocationKind(booking.location_kind)
    url = join_url(booking.video_url)
    if url:
        link = escape(url)
        return (f'<p class="video" id="video">Join with {escape(kind.label)}: '
                f'<a href="{link}" rel="noopener noreferrer">{link}</a></p>')
    if booking.video_note:
        return f'<p class="video" id="video">{escape(booking.video_note)}</p>'
    if not (kind.is_video and waiting):
        return ""
    return (f'<p class="video" id="video" role="status" data-uid="{escape(booking.uid)}" '
            f'data-label="{escape(kind.label)}">Your meeting link is on its way.</p>')


def _cancelled(booking: Booking) -> str:
    if booking.status is not BookingStatus.CANCELLED or booking.cancelled_at is None:
        return ""
    by = {"host": " by the host", "attendee": " by you"}.get(booking.cancelled_by or "", "")
    reason = f": “{escape(booking.cancel_reason)}”" if booking.cancel_reason else ""
    zone = booking.attendee.timezone
    when = labels.time_element(labels.day_label(booking.cancelled_at, zone),
                               booking.cancelled_at, zone)
    return f'<p class="notice">Cancelled{by} on {when}{reason}.</p>'


def pay_links(base: str, booking: Booking, config: HostConfig, token: str) -> PayLinks:
    """Where a waiting booking is paid, and where its event is booked again."""
    payment = booking.payment
    pay = None
    if payment is not None and payment.provider == "razorpay":
        pay = f"{base}/booking/{booking.uid}/pay?token={token}"
    elif payment is not None:
        pay = join_url(payment.checkout_url)
    et = event_type_of(booking, config.event_types)
    again = f"{base}/{config.profile.slug}" + (f"/{et.slug}" if et is not None else "")
    return PayLinks(pay, again)


def _closed_note(started: bool, fixed: bool, may_cancel: bool) -> str:
    """Why the booking offers no Reschedule: it has started, or (still to come) its event
    type was deleted or turned off, which the reschedule page refuses."""
    if started:
        return ('<p class="notice">This booking has started or is over, so it can no longer '
                "be changed.</p>")
    if not fixed:
        return ""
    rest = "; you can still cancel it below" if may_cancel else ""
    return ('<p class="notice" id="fixed-note">This event type no longer takes bookings, '
            f"so this booking cannot be moved{rest}.</p>")


def manage_context(base: str, booking: Booking, config: HostConfig, token: str,
                   move_token: str, now: datetime, cancel: bool,
                   may_cancel: bool = True) -> dict[str, Any]:
    uid, host = booking.uid, config.profile
    state = payment_state(booking, now)
    status, status_class = status_badge(booking, state)
    # Nothing to add to a calendar or move until it is paid for; once its hold has ended,
    # nothing to change at all.
    waiting = state in (PaymentState.AWAITING, PaymentState.EXPIRED)
    movable = booking.movable(now) and state is not PaymentState.EXPIRED
    # A deleted or turned-off event type takes no moves: its reschedule page is a 409.
    fixed = movable and not waiting and event_type_of(booking, config.event_types) is None
    reschedule = (f'<a class="button" id="reschedule-link" href="{escape(base)}/booking/'
                  f'{escape(uid)}/reschedule?token={escape(move_token)}">Reschedule</a>'
                  if movable and not waiting and not fixed else "")
    # A cancelled booking's .ics is a CANCEL: opening it takes the event off a calendar.
    ics_label = ("Update your calendar (.ics)" if booking.status is BookingStatus.CANCELLED
                 else "Add to calendar (.ics)")
    ics = "" if waiting else (
        f'<a class="button primary" id="ics-link" href="{escape(base)}/bookings/{escape(uid)}'
        f'/invite.ics?token={escape(token)}" download>{ics_label}</a>')
    started = not movable and booking.status is BookingStatus.CONFIRMED
    return {
        "uid": uid, "status": status, "status_class": status_class,
        "event_title": booking.event_title, "host_name": host.display_name,
        "host_url": f"{base}/{host.slug}",
        "attendee_name": booking.attendee.name, "attendee_email": booking.attendee.email,
        "when_yours": Markup(_when(booking, booking.attendee.timezone)),
        "when_host": Markup(_when(booking, host.timezone)),
        "location": labels.location_note(LocationKind(booking.location_kind),
                                         config.location_details(booking),
                                         phone=booking.phone),
        "location_details": Markup(_location_details(booking, config)),
        "cancelled": Markup(_cancelled(booking)),
        "payment": Markup(payment_block(booking, now, pay_links(base, booking, config, token))),
        "video": Markup(video_line(booking, waiting=movable)),
        "ics": Markup(ics),
        "reschedule": Markup(reschedule),
        "cancel_hidden": Markup("" if movable and may_cancel else " hidden"),
        "cancel_open": "true" if cancel and movable and may_cancel else "false",
        # The reschedule link's page (it may have been forwarded) says where cancelling is.
        "cancel_elsewhere": Markup(
            '<p id="cancel-elsewhere">This link cannot cancel the booking. To cancel it, '
            "use the link you were given when you booked.</p>"
            if movable and not may_cancel else ""),
        "closed_note": Markup(_closed_note(started, fixed, may_cancel)),
    }
