"""EventBridge Scheduler's one-time schedules, for the local stack.

moto keeps the schedules Penny makes (a paid booking's hold timer,
chalicelib/integrations/hold_timers.py) but never runs them. `SchedulePoller` does what
Scheduler would: every half second it lists the schedules in one group, and runs each
`at(...)` schedule whose time has come by the real clock. Penny's only target is
Scheduler's universal target for SNS Publish, so running one is `sns.publish(**Input)`
against the embedded AWS; the topic's subscriptions then push the event to its worker
(local/sns_push.py), as in AWS. A schedule that ran is deleted (`ActionAfterCompletion:
DELETE`, which Penny sets) or, otherwise, never run again.

As Scheduler retries a failing target until its RetryPolicy's event age runs out, a
publish that fails is tried again on the next polls, then given up with a warning.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local.polling import Poller

log = logging.getLogger(__name__)

SNS_PUBLISH = "arn:aws:scheduler:::aws-sdk:sns:publish"
ONE_TIME = re.compile(r"\Aat\((?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)\Z")
# Scheduler's default RetryPolicy, where a schedule sets none.
DEFAULT_MAX_EVENT_AGE = 86400


def due_at(schedule: dict[str, Any]) -> datetime | None:
    """When a one-time schedule is due (None: a rate or cron schedule, not run here)."""
    found = ONE_TIME.match(schedule.get("ScheduleExpression", ""))
    if found is None:
        return None
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return datetime.fromisoformat(found["at"]).replace(tzinfo=zone).astimezone(UTC)


class SchedulePoller(Poller):
    """Scheduler for the one-time schedules in `group`: the "handler" is the schedule's
    SNS Publish target, invoked with the schedule's Input."""

    kind = "scheduler"
    idle_seconds = 0.5

    def __init__(self, *, scheduler: Any, sns: Any, group: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 region: str = "us-east-1") -> None:
        super().__init__(self._publish, function_name=f"schedule-group-{group}",
                         region=region, timeout_seconds=60.0)
        self._scheduler = scheduler
        self._sns = sns
        self.group = group
        self._clock = clock
        self._ran: set[str] = set()   # ran, and kept (ActionAfterCompletion NONE)

    def poll_once(self) -> int:
        ran = 0
        pages = self._scheduler.get_paginator("list_schedules").paginate(GroupName=self.group)
        for page in pages:
            for summary in page["Schedules"]:
                if summary["Arn"] not in self._ran and summary.get("State") != "DISABLED":
                    ran += self._run_if_due(summary["Name"])
        return ran

    def _run_if_due(self, name: str) -> int:
        """1 when the schedule ran (or was given up), else 0."""
        try:
            schedule = self._scheduler.get_schedule(Name=name, GroupName=self.group)
        except self._scheduler.exceptions.ResourceNotFoundException:
            return 0  # deleted since the listing
        due, now = due_at(schedule), self._clock()
        if due is None or due > now:
            return 0
        target = schedule["Target"]
        if target["Arn"] != SNS_PUBLISH:
            log.warning("%s: only SNS Publish targets run locally, not %s", name, target["Arn"])
        else:
            try:
                self.invoke(json.loads(target.get("Input") or "{}"))
            except Exception as exc:
                age = target.get("RetryPolicy", {}).get("MaximumEventAgeInSeconds",
                                                        DEFAULT_MAX_EVENT_AGE)
                if now - due < timedelta(seconds=age):
                    log.warning("%s: publishing failed, trying again: %s", name, exc)
                    return 0  # not done: the next poll, after the idle wait, tries again
                log.warning("%s: publishing failed for %d s; given up: %s", name, age, exc)
        self._complete(schedule)
        return 1

    def _complete(self, schedule: dict[str, Any]) -> None:
        if schedule.get("ActionAfterCompletion") == "DELETE":
            with suppress(self._scheduler.exceptions.ResourceNotFoundException):
                self._scheduler.delete_schedule(Name=schedule["Name"], GroupName=self.group)
        else:
            self._ran.add(schedule["Arn"])

    def _publish(self, event: dict[str, Any], context: Any) -> None:
        self._sns.publish(**event)
