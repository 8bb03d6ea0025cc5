"""Metering on and off in the harness: what runs unmetered (set-up, warm-up), what an
invocation stands for (its part of the month and its weight), the calibration that
scales the CPU of what follows, and a dashboard's connection minutes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bench.costing import calibrate
from bench.costing.counting_sender import CountingSender
from bench.costing.lambdas import Invocations
from bench.costing.meter import AwsMeter


class MeteringSwitch:
    """Turns the meter, the invocations and the sender's counting on and off together."""

    meter: AwsMeter
    invocations: Invocations
    sender: CountingSender
    connection_minutes: dict[str, float]
    loop_ms: list[float]
    _metering: bool

    def set_metering(self, on: bool) -> None:
        self.meter.enabled = self.invocations.enabled = self.sender.enabled = on
        self._metering = on

    @contextmanager
    def unmetered(self) -> Iterator[None]:
        was = self._metering
        self.set_metering(False)
        try:
            yield
        finally:
            self.set_metering(was)

    @contextmanager
    def weighted(self, part: str, weight: float) -> Iterator[None]:
        """The invocations inside stand for `weight` identical ones, in `part`."""
        saved = self.invocations.part, self.invocations.weight
        self.invocations.part, self.invocations.weight = part, weight
        try:
            yield
        finally:
            self.invocations.part, self.invocations.weight = saved

    def calibrate(self) -> None:
        """Time the calibration loop now: the CPU of what follows is scaled by it."""
        measured = calibrate.loop_ms()
        self.loop_ms.append(measured)
        self.invocations.cpu_factor = calibrate.factor(measured)

    def add_connection_minutes(self, part: str, minutes: float) -> None:
        if self._metering:
            self.connection_minutes[part] = self.connection_minutes.get(part, 0.0) + minutes
