"""Domain objects -> response models. The only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.event_types import (
    EventType,
    LocationKind,
    Price,
    Question,
    QuestionType,
)
from chalicelib.domain.events import disputes_summary, payment_summary
from chalicelib.domain.hosts import HostConfig, Link, Profile
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.providers.calendars import CalendarInfo
from chalicelib.domain.slots import BookingDates
from chalicelib.functions import schemas as s
from chalicelib.services.connections import ProviderView
from chalicelib.services.links import BookingLinks, LinkPurpose
from chalicelib.store.codecs import ranges_to_json


def profile_out(p: Profile) -> s.ProfileOut:
    return s.ProfileOut(id=p.host_id, slug=p.slug, display_name=p.display_name,
                        description=p.description, timezone=p.timezone,
                        links=[s.LinkOut(label=link.label, url=link.url) for link in p.links],
                        contact_email=p.contact_email, version=p.version)


def profile_in(body: s.ProfileIn) -> Profile:
    return Profile(host_id="", slug=body.slug, display_name=body.display_name.strip(),
                   timezone=body.timezone, description=body.description,
                   links=tuple(Link(link.label, link.url) for link in body.links),
                   contact_email=body.contact_email)


def _ranges(ranges: list[s.RangeModel]) -> tuple[LocalRange, ...]:
    return tuple(LocalRange.parse(r.start, r.end) for r in ranges)


def schedule_in(body: s.ScheduleIn) -> Schedule:
    weekly = {i: _ranges(getattr(body.weekly, day)) for i, day in enumerate(s.WEEKDAYS)}
    return Schedule(timezone="UTC", weekly={d: r for d, r in weekly.items() if r},
                    overrides={o.date: _ranges(o.ranges) for o in body.overrides})


def _ranges_out(ranges: tuple[LocalRange, ...]) -> list[s.RangeOut]:
    return [s.RangeOut(start=a, end=b) for a, b in ranges_to_json(ranges)]


def schedule_out(schedule: Schedule) -> s.ScheduleOut:
    weekly = s.WeeklyOut(**{day: _ranges_out(schedule.weekly.get(i, ()))
                            for i, day in enumerate(s.WEEKDAYS)})
    overrides = [s.OverrideOut(date=d, ranges=_ranges_out(r))
                 for d, r in sorted(schedule.overrides.items())]
    return s.ScheduleOut(timezone=schedule.timezone, weekly=weekly, overrides=overrides,
                         saved=schedule.saved, version=schedule.version)


def event_type_in(body: s.EventTypeIn) -> EventType:
    return EventType(
        id="", host_id="", slug=body.slug, title=body.title.strip(),
        description=body.description, duration_minutes=body.duration_minutes,
        location_kind=LocationKind(body.location.kind), location_details=body.location.details,
        price=None if body.price is None else Price(body.price.amount_minor, body.price.currency),
        buffer_before_minutes=body.buffer_before_minutes,
        buffer_after_minutes=body.buffer_after_minutes,
        minimum_notice_minutes=body.minimum_notice_minutes,
        slot_interval_minutes=body.slot_interval_minutes,
        booking_window_days=body.booking_window_days, daily_limit=body.daily_limit,
        booking_window_dates=None if body.booking_window_dates is None else BookingDates(
            body.booking_window_dates.start, body.booking_window_dates.end),
        questions=tuple(Question(q.id, q.label, QuestionType(q.type), q.required,
                                 tuple(q.options)) for q in body.questions),
        hidden=body.hidden, active=body.active, refund_hours_before=body.refund_hours_before,
    )


def _price(p: Price | None) -> s.PriceOut | None:
    return None if p is None else s.PriceOut(amount_minor=p.amount_minor, currency=p.currency)


def event_type_out(et: EventType) -> s.EventTypeOut:
    return s.EventTypeOut(
        id=et.id, slug=et.slug, title=et.title, description=et.description,
        duration_minutes=et.duration_minutes,
        location=s.LocationOut(kind=et.location_kind.value, details=et.location_details),
        price=_price(et.price), buffer_before_minutes=et.buffer_before_minutes,
        buffer_after_minutes=et.buffer_after_minutes,
        minimum_notice_minutes=et.minimum_notice_minutes,
        slot_interval_minutes=et.slot_interval_minutes,
        booking_window_days=et.booking_window_days, daily_limit=et.daily_limit,
        booking_window_dates=None if et.booking_window_dates is None else s.BookingDatesOut(
            start=et.booking_window_dates.start, end=et.booking_window_dates.end),
        questions=[s.QuestionOut(id=q.id, label=q.label, type=q.type.value,
                                 required=q.required, options=list(q.options))
                   for q in et.questions],
        hidden=et.hidden, active=et.active, refund_hours_before=et.refund_hours_before,
        version=et.version,
    )


def event_type_order_out(order: EventTypeOrder) -> s.EventTypeOrderOut:
    return s.EventTypeOrderOut(ids=list(order.ids), version=order.version)


def event_type_list(config: HostConfig) -> dict[str, Any]:
    """The host's event types in their order, and the order's version."""
    return s.EventTypeList(event_types=[event_type_out(et) for et in config.event_types],
                           order_version=config.event_order.version).model_dump(mode="json")


def current_out(current: EventType | EventTypeOrder | Profile | Schedule, public: bool = False
                ) -> dict[str, Any]:
    """What a save refused as changed elsewhere carries: the object as it now stands
    (`public`: an event type as its booking page reads it, for a refused booking)."""
    if public and isinstance(current, EventType):
        return public_event_type(current).model_dump(mode="json")
    if isinstance(current, Schedule):
        return schedule_out(current).model_dump(mode="json")
    if isinstance(current, EventTypeOrder):
        return event_type_order_out(current).model_dump(mode="json")
    shown = event_type_out(current) if isinstance(current, EventType) else profile_out(current)
    return shown.model_dump(mode="json")


def public_event_type(et: EventType) -> s.PublicEventType:
    return s.PublicEventType(
        slug=et.slug, title=et.title, description=et.description,
        duration_minutes=et.duration_minutes, location_kind=et.location_kind.value,
        price=_price(et.price),
        questions=[s.PublicQuestion(id=q.id, label=q.label, type=q.type.value,
                                    required=q.required, options=list(q.options))
                   for q in et.booking_questions],
        refund_hours_before=et.refund_hours_before if et.is_paid else None,
        version=et.version)


def public_profile(config: HostConfig) -> s.PublicProfile:
    p = config.profile
    return s.PublicProfile(
        slug=p.slug, display_name=p.display_name, description=p.description,
        links=[s.LinkOut(label=link.label, url=link.url) for link in p.links],
        timezone=p.timezone,
        event_types=[public_event_type(et) for et in config.event_types
                     if et.active and not et.hidden])


def slots_out(et: EventType, zone: str, slots: dict[date, list[datetime]],
              stale: bool = False, minutes: int | None = None) -> s.SlotsOut:
    """`minutes`: the slots' length when not the event type's (a move keeps its own)."""
    minutes = et.duration_minutes if minutes is None else minutes
    duration = timedelta(minutes=minutes)
    tz = ZoneInfo(zone)
    return s.SlotsOut(
        event=et.slug, duration_minutes=minutes, time_zone=zone,
        # The end is start + duration in UTC, then shown in the zone: wall-clock
        # arithmetic in the zone would be wrong across its clock change.
        slots={d.isoformat(): [s.SlotOut(start=t.isoformat(),
                                         end=(t.astimezone(UTC) + duration).astimezone(tz)
                                         .isoformat())
                               for t in starts] for d, starts in slots.items()},
        stale=stale)


def booking_out(b: Booking, links: BookingLinks | None = None,
                presented: LinkPurpose = LinkPurpose.CANCEL) -> s.BookingOut:
    """`links` only for what the `presented` link grants (the booker holds the cancel one)."""
    link_block = None
    if links is not None:
        link_block = s.BookingLinks(**links.urls(b.uid, presented),
                                    **links.tokens(b.uid, presented))
    return s.BookingOut(
        uid=b.uid, status=b.status.value, event_title=b.event_title,
        start=b.start.isoformat(), end=b.end.isoformat(),
        attendee=s.AttendeeOut(name=b.attendee.name, email=b.attendee.email,
                               timezone=b.attendee.timezone),
        answers=b.answers, location_kind=b.location_kind, phone=b.phone, sequence=b.sequence,
        history=[s.HistoryOut(start=h.start.isoformat(), end=h.end.isoformat(),
                              changed_at=h.changed_at.isoformat()) for h in b.history],
        created_at=b.created_at.isoformat(),
        cancelled_at=None if b.cancelled_at is None else b.cancelled_at.isoformat(),
        cancel_reason=b.cancel_reason,
        price=None if b.price_minor is None or b.currency is None
        else s.PriceOut(amount_minor=b.price_minor, currency=b.currency),
        links=link_block, video_url=b.video_url, video_note=b.video_note,
        payment=None if b.payment is None else payment_out(b),
    )


def host_booking_out(b: Booking) -> s.HostBookingOut:
    """The host's view of a booking: the attendee's, with the notes and the brief."""
    brief = b.brief
    return s.HostBookingOut(
        **dict(booking_out(b)), notes_url=b.notes_url, brief_note=b.brief_note,
        calendar_event_removed_at=None if b.calendar_event_removed_at is None
        else b.calendar_event_removed_at.isoformat(), version=b.version,
        out_of_date=list(b.out_of_date),
        brief=None if brief is None else s.BriefOut(
            who=brief.who, wants=brief.wants, prepare=list(brief.prepare),
            questions=list(brief.questions)))


def payment_out(b: Booking) -> s.PaymentOut:
    p = b.payment
    assert p is not None
    summary = payment_summary(b)
    awaiting = summary["state"] == "awaiting"
    return s.PaymentOut(
        provider=p.provider,  # type: ignore[arg-type]
        state=summary["state"], amount_minor=summary["amount_minor"], currency=b.currency,
        hold_until=b.hold_until.isoformat() if awaiting and b.hold_until else None,
        checkout_url=p.checkout_url if awaiting else None,
        order_id=p.checkout_id if awaiting and p.provider == "razorpay" else None,
        key_id=p.public_key if awaiting else None,
        refunded_minor=p.refunded_minor, refund_reason=p.refund_reason,
        refund_refused=p.refund_refused,
        refund_refused_reason=summary.get("refund_refused_reason"),
        refund_hours_before=p.refund_hours_before, refund_held=b.refund_held,
        dispute=None if "dispute" not in summary else s.DisputeOut(**summary["dispute"]),
        disputes=[s.DisputeRecordOut(**d) for d in summary.get("disputes", [])],
        second_payments=[s.SecondPaymentOut(amount_minor=second.amount_minor,
                                             refunded=second.refund_id is not None,
                                             refund_failed=second.refund_failed_at is not None,
                                             refund_refused=second.refund_refused_at is not None,
                                             refund_held=second.refund_held,
                                             disputes=[s.DisputeRecordOut(**d) for d in
                                                       disputes_summary(second.disputes)])
                         for second in p.second_payments],
        released=None if p.released_payment_id is None else s.ReleasedPaymentOut(
            amount_minor=p.released_minor, reason=p.released_reason))


def notes_out(choices: NotesChoices) -> s.NotesOut:
    def place(d: NotesDestination) -> s.NotesPlaceOut:
        return s.NotesPlaceOut(provider=d.provider,  # type: ignore[arg-type]
                               database_id=d.database_id, data_source_id=d.data_source_id,
                               title=d.title)

    d = choices.destination
    return s.NotesOut(destination=None if d is None else place(d),
                      databases=[place(p) for p in choices.places],
                      unreachable=choices.unreachable)


def connection_out(view: ProviderView) -> s.ConnectionOut:
    c = view.connection
    return s.ConnectionOut(
        provider=view.provider, status=view.status,  # type: ignore[arg-type]
        account=c.account_label if c else None, scopes=list(c.scopes) if c else [],
        connected_at=c.connected_at if c else None,
        broken_reason=c.broken_reason if c else None, broken_at=c.broken_at if c else None)



def calendar_list(setup: CalendarSetup, listed: Mapping[str, list[CalendarInfo]],
                  unreachable: list[str], now: datetime) -> s.CalendarList:
    out = []
    for provider, calendars in listed.items():
        for c in calendars:
            ref = CalendarRef(provider, c.id)
            state = setup.state(ref)
            out.append(s.CalendarOut(
                key=ref.key, provider=provider, name=c.name, primary=c.primary,
                writable=c.writable, conflicts=state is not None,
                destination=setup.destination == ref,
                synced_at=state.synced_at if state else None,
                push=bool(state and state.watching(now)),
                failure=state.failure if state else removed_because(setup, ref)))
    names = {CalendarRef(p, c.id): c.name for p, found in listed.items() for c in found}
    return s.CalendarList(calendars=out, unreachable=unreachable, removed=[
        s.RemovedCalendarOut(key=r.ref.key, provider=r.ref.provider, name=names.get(r.ref),
                             reason=r.reason, removed_at=r.removed_at,
                             was_destination=r.was_destination)
        for r in setup.removed])


def removed_because(setup: CalendarSetup, ref: CalendarRef) -> str | None:
    """Why Penny took a calendar the provider still lists out of the host's choice."""
    gone = next((r for r in setup.removed if r.ref == ref), None)
    return None if gone is None else f"calendar_gone: Penny took it out of your calendars: " \
        f"{gone.reason}"


if TYPE_CHECKING:  # the notes settings load only on the notes routes
    from chalicelib.services.notes_settings import NotesChoices
