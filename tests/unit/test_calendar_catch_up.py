"""A reconnect's calendar catch-up is paced: CATCH_UP_AT_ONCE calendar jobs at once, each
one that ends asking for the next (services/calendar_catch_up.py), through the real
calendar job on fake bookings and a fake Google."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.errors import ProviderRejectedError, ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind, booking_events
from chalicelib.services.calendar_catch_up import CATCH_UP_AT_ONCE, catch_up
from tests.unit.test_calendar_sync import HOST, NOW, World, a_booking


@pytest.fixture
def world() -> World:
    return World()


def bookings(world: World, n: int) -> list[str]:
    """`n` upcoming bookings made while the calendar was broken (no event, no link)."""
    uids = [f"b-{i}" for i in range(n)]
    for i, uid in enumerate(uids):
        first = a_booking()
        world.bookings.now(replace(first, uid=uid, start=first.start + timedelta(hours=i),
                                   end=first.end + timedelta(hours=i)))
    return uids


def asked(world: World) -> list[str]:
    """The bookings asked of the calendar worker (`calendar.requested`) by the catch-up."""
    return [b.uid for b in world.bookings.for_host(HOST, limit=500)
            if b.calendar_requested_at == NOW]


def requested(uid: str) -> Event:
    return Event(EventKind.CALENDAR_REQUESTED, f"e-{uid}", NOW, HOST, {"uid": uid})


def test_a_reconnect_runs_two_calendar_jobs_at_once_each_finished_one_asking_the_next(
        world: World) -> None:
    # GIVEN five upcoming bookings the calendar never got
    uids = bookings(world, 5)

    # WHEN the host reconnects, and the worker runs each job asked for as it comes
    assert catch_up(world.bookings, world.refs, HOST, NOW) == 5
    running = asked(world)
    assert running == uids[:CATCH_UP_AT_ONCE]  # the soonest first; the others wait
    done: list[str] = []
    while running:
        uid = running.pop(0)
        world.job.run(requested(uid))
        done.append(uid)
        running += [u for u in asked(world) if u not in done and u not in running]
        # THEN never more than CATCH_UP_AT_ONCE are asked and not yet run
        assert len(running) <= CATCH_UP_AT_ONCE

    # and every booking reached the calendar, each asked once
    assert done == uids
    assert sorted(e.key for e in world.written(world.google)) == uids


def test_a_job_the_calendar_refuses_for_good_still_asks_for_the_next(world: World) -> None:
    uids = bookings(world, 3)
    catch_up(world.bookings, world.refs, HOST, NOW)
    world.google.faults.fail_next("create_event", ProviderRejectedError("google", "HTTP 400"))

    with pytest.raises(ProviderRejectedError):  # no retry comes
        world.job.run(requested(uids[0]))

    assert asked(world) == uids  # the third one goes on in its place


def test_a_job_to_be_retried_asks_for_no_other_until_its_retry_ends(world: World) -> None:
    uids = bookings(world, 3)
    catch_up(world.bookings, world.refs, HOST, NOW)
    world.google.faults.fail_next("create_event", ProviderUnavailableError("google", "429"))

    with pytest.raises(ProviderUnavailableError):
        world.job.run(requested(uids[0]))
    assert asked(world) == uids[:2]  # its retry still counts among the two

    world.job.run(requested(uids[0]))  # the retry
    assert asked(world) == uids


def test_a_booking_waiting_in_the_catch_up_wakes_no_worker_until_asked(
        world: World) -> None:
    uids = bookings(world, 3)
    before = world.bookings.bookings[uids[2]]

    catch_up(world.bookings, world.refs, HOST, NOW)

    waiting = world.bookings.bookings[uids[2]]
    assert booking_events(before, waiting, "change-1", NOW) == []
    world.job.run(requested(uids[0]))
    (asked_now,) = booking_events(waiting, world.bookings.bookings[uids[2]], "change-2", NOW)
    assert asked_now.type is EventKind.CALENDAR_REQUESTED
