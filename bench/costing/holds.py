"""EventBridge Scheduler in the simulated month: the paid bookings' hold timers.

The API function makes one one-time schedule per paid booking's hold
(chalicelib/integrations/hold_timers.py) with the scheduler client it builds itself from
boto3's default session; `meter_default_session` hooks the meter onto that session, so
the CreateSchedule is counted in the invocation that made it, as the DynamoDB and SNS
requests are. At the hold's end Scheduler, not a Lambda, publishes `payment.hold_expired`
to the topic: `HoldTimers.fire` runs the due schedules with the local stack's
SchedulePoller (by the month's clock) and records each run with the SNS units of its
publish, which the account pays like any publish, and the scheduled invocation itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from bench.costing.meter import SNS_UNIT, AwsMeter, sns_size
from bench.costing.units import chunks


@dataclass(frozen=True)
class ScheduleRun:
    """One scheduled invocation (a schedule firing), as the sample measured it."""

    sns_units: int              # 64 KB units of the publish it made
    part: str = "bookings"      # which part of the month it belongs to
    weight: float = 1.0         # how many identical runs it stands for
    host: int = -1              # the sample host it belongs to


def meter_default_session(meter: AwsMeter) -> Any:
    """Count the requests of every client made later from boto3's default session (the
    API's scheduler client) on `meter`; what to give `observe_calls` for it."""
    import boto3

    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    events = boto3.DEFAULT_SESSION.events  # clients copy the session's hooks when made
    events.register_first("before-send", meter.aws_begins)
    events.register_last("before-send", meter.aws_answered)
    return SimpleNamespace(meta=SimpleNamespace(events=events))


@dataclass
class _CountingPublisher:
    """Scheduler's SNS Publish target: publishes, and says how many units it was."""

    sns: Any
    units: list[int] = field(default_factory=list)

    def publish(self, **params: Any) -> Any:
        self.units.append(chunks(sns_size(params), SNS_UNIT))
        return self.sns.publish(**params)


class HoldTimers:
    """The schedule group Penny's hold timers go in, and Scheduler running them."""

    def __init__(self, scheduler: Any, sns: Any, group: str, clock: Any) -> None:
        from local.schedule_poller import SchedulePoller

        self.group = group
        self.runs: list[ScheduleRun] = []
        self._scheduler = scheduler
        self._publisher = _CountingPublisher(sns)
        self._poller = SchedulePoller(scheduler=scheduler, sns=self._publisher, group=group,
                                      clock=clock.now)

    def fire(self, part: str, weight: float, host: int, metered: bool) -> int:
        """Run the schedules due by the month's clock; how many ran."""
        ran = self._poller.poll_once()
        if metered:
            self.runs += [ScheduleRun(units, part, weight, host)
                          for units in self._publisher.units]
        self._publisher.units.clear()
        return ran

    def forget(self) -> None:
        """Delete every schedule still pending (a host's month is over)."""
        pages = self._scheduler.get_paginator("list_schedules").paginate(GroupName=self.group)
        for page in pages:
            for summary in page["Schedules"]:
                self._scheduler.delete_schedule(Name=summary["Name"], GroupName=self.group)
