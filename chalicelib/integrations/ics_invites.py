"""The .ics invite for a booking (RFC 5545 / iTIP via the icalendar library).

The UID is the booking's and never changes; SEQUENCE rises with every change a calendar
app may have seen (`invite_sequence`), so it updates the event in place; a cancelled
booking, or a paid one whose hold lapsed unpaid (expired), is sent as METHOD:CANCEL, and
one still waiting for its payment as STATUS:TENTATIVE: a calendar never shows as
confirmed a time that is not. icalendar is imported on first use: only the invite route
pays for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.event_types import LocationKind, call_note, meeting_place
from chalicelib.domain.hosts import HostConfig


def ical_uid(booking: Booking) -> str:
    return f"{booking.uid}@penny"


def invite_sequence(booking: Booking) -> int:
    """The invite's SEQUENCE: higher after every change an attendee's calendar may have
    applied (RFC 5546 2.1.5: a lower or equal one is ignored as stale). A paid booking's
    invite went TENTATIVE at the booking's sequence, and, if its hold lapsed before the
    payment came, CANCEL one above: once paid it is CONFIRMED two above, whichever way it
    came (the booking does not keep whether its hold had lapsed, and it need not). The
    booking's own `sequence` counts its moves and is not bumped for this: its rise is what
    announces a move (booking.rescheduled) to the workers and the notes."""
    paid = 2 if booking.payment is not None and booking.payment.paid else 0
    cancelled = booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED)
    return booking.sequence + paid + (1 if cancelled else 0)


def render_invite(booking: Booking, host: HostConfig, now: datetime, manage_url: str,
                  cancels: bool = True) -> bytes:
    """`cancels`: whether `manage_url` can cancel (the cancel link's page). The reschedule
    link's cannot, so its invite says how to cancel rather than promise it there."""
    from icalendar import Calendar, Event, vCalAddress, vText

    cancelled = booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED)
    pending = booking.status is BookingStatus.PENDING_PAYMENT
    cal = Calendar()
    cal.add("prodid", "-//Penny//Booking//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", ical_uid(booking))
    event.add("sequence", invite_sequence(booking))
    event.add("dtstamp", now)
    # In UTC ("Z"): a booking moved before moves were kept in UTC, or a hold ending at a
    # start the client sent, holds the client's offset, which icalendar would write as a
    # TZID with no VTIMEZONE, read by calendar apps as floating local time.
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    # Off, said in the event too: an app that imports the file rather than acting on
    # METHOD:CANCEL (an import may) would otherwise show it as a live meeting to join.
    event.add("summary", ("Cancelled: " if cancelled else "")
              + f"{booking.event_title} with {host.profile.display_name}")
    joining = booking.video_url or booking.video_note
    waiting = ("\n\nNot confirmed yet: this time is held until it is paid "
               f"({booking.hold_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC)."
               if pending and booking.hold_until else "")
    ended = ("\n\nThis time was not paid for before its hold ended, so it is not booked."
             if booking.status is BookingStatus.EXPIRED else "")
    manage = (f"Manage or cancel: {manage_url}" if cancels else
              f"View or reschedule: {manage_url}\nTo cancel, use the link you were given "
              "when you booked.")
    # A phone call the host gave no number for: the client's own, that they are called at.
    call = (f"\n\n{call_note(booking.phone)}" if booking.phone
            and not host.location_details(booking) else "")
    event.add("description", f"Cancelled: this booking no longer stands. See it: "
                             f"{manage_url}{ended}" if cancelled else
                             f"Booked with Penny. {manage}"
                             + (f"\n\nJoin: {joining}" if joining else "") + call + waiting)
    # The join link where calendars look for it (LOCATION, URL), once the meeting exists
    # and while it stands; elsewhere the place with the host's details (an address),
    # escaped by icalendar.
    link = None if cancelled else booking.video_url
    event.add("location", link or meeting_place(
        LocationKind(booking.location_kind), host.location_details(booking)))
    if link:
        event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "TENTATIVE" if pending else "CONFIRMED")

    organizer = vCalAddress(f"mailto:{host.organizer_email}")
    organizer.params["cn"] = vText(host.profile.display_name)
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{booking.attendee.email}")
    attendee.params["cn"] = vText(booking.attendee.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("DECLINED" if cancelled
                                        else "TENTATIVE" if pending else "ACCEPTED")
    event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    return bytes(cal.to_ical())
