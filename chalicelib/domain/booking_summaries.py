"""A booking as a booking event carries it: what a dashboard needs to update its list,
and the money side of it (its payment, refunds, disputes and second payments)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.bookings import Booking, BookingStatus, Dispute


def booking_summary(b: Booking) -> dict[str, Any]:
    """What a dashboard needs to update its list; never the attendee's answers."""
    return {"uid": b.uid, "status": b.status.value, "event_title": b.event_title,
            "start": b.start.isoformat(), "end": b.end.isoformat(),
            "attendee_name": b.attendee.name, "attendee_timezone": b.attendee.timezone,
            "sequence": b.sequence, "video_url": b.video_url, "video_note": b.video_note,
            # The item's version, counted by every write: a dashboard keeps the later of
            # what an event and the list say (absent on a booking not read from the table).
            **({} if b.version is None else {"version": b.version}),
            # Only while its event is deleted in the host's calendar: absent, it is there.
            **({} if b.calendar_event_removed_at is None
               else {"calendar_event_removed_at": b.calendar_event_removed_at.isoformat()}),
            # Only while a provider still has its meeting or event as it was (moved or
            # cancelled while the connection was broken): absent, all is up to date.
            **({"out_of_date": list(b.out_of_date)} if b.out_of_date else {}),
            **({} if b.payment is None else {"payment": payment_summary(b)})}


def payment_summary(b: Booking) -> dict[str, Any]:
    """The money side of a booking, as a dashboard shows it: "paid", "refunded"..."""
    p = b.payment
    assert p is not None
    # A refund refused at every ask is the host's to make, as one that came back is.
    state = ("refund_failed" if p.refund_failed or p.refund_refused
             else "refund_owed" if b.refund_owed
             else "refunded" if p.refunded else "paid" if p.paid
             else "expired" if b.status is BookingStatus.EXPIRED else "awaiting")
    summary: dict[str, Any] = {"provider": p.provider, "state": state, "amount_minor": p.paid_minor
               if p.paid_minor is not None else b.price_minor, "currency": b.currency,
               "refunded_minor": p.refunded_minor}
    if p.refund_reason is not None:
        # Why it is owed, was given back or is held (cancelled, taken, late, provider): the
        # row says it live in the list's words. Absent until one is.
        summary["refund_reason"] = p.refund_reason
    if p.refund_refused:
        # Not made: the provider refused it at every ask, and Penny asks no more; why:
        # "refused", or "not_connected" (the host removed the provider in Penny).
        summary["refund_refused"] = True
        summary["refund_refused_reason"] = p.refund_refused_reason or "refused"
    if p.disputes:
        # Shown beside the state: a disputed payment is still paid until the bank decides.
        # `dispute` is the latest (what clients from before the list read), `disputes` all.
        latest = p.disputes[-1]
        summary["dispute"] = {"reason": latest.reason, "amount_minor": latest.amount_minor,
                              "outcome": latest.outcome}
        summary["disputes"] = disputes_summary(p.disputes)
    if b.refund_held:
        # Cancelled inside the policy while the payment is disputed: no refund, the bank's
        # dispute decides the money (made if the host wins it, never if they lose it).
        summary["refund_held"] = True
    if p.second_payments:
        # Paid again (two tabs): each given back in full, apart from the booking's state.
        summary["second_payments"] = [{"amount_minor": s.amount_minor,
                                       "refunded": s.refund_id is not None,
                                       "refund_failed": s.refund_failed_at is not None,
                                       **({} if s.refund_refused_at is None
                                          else {"refund_refused": True}),
                                       # Its own dispute open or lost: no refund while
                                       # the bank decides (made if won, never if lost).
                                       **({} if not s.refund_held
                                          else {"refund_held": True}),
                                       **({} if not s.disputes
                                          else {"disputes": disputes_summary(s.disputes)})}
                                      for s in p.second_payments]
    if p.released_payment_id is not None:
        # An authorized payment left uncaptured (Razorpay, manual capture): it lapses back
        # to the client by itself, so the host has nothing to refund, only to know of it.
        summary["released"] = {"amount_minor": p.released_minor, "reason": p.released_reason}
    return summary


def disputes_summary(disputes: tuple[Dispute, ...]) -> list[dict[str, Any]]:
    """Each dispute as the dashboard and the API show it (`id` None: known only from a
    refund the provider refused as disputed, until its webhook)."""
    return [{"id": d.id, "reason": d.reason, "amount_minor": d.amount_minor,
             "outcome": d.outcome, "opened_at": None if d.opened_at is None
             else d.opened_at.isoformat(),
             "closed_at": None if d.closed_at is None else d.closed_at.isoformat()}
            for d in disputes]
