"""How the local stack stops: SIGINT or SIGTERM raises Stopped in the main thread, which
sleeps in short naps until one does, and unwinds through the clean-up."""

from __future__ import annotations

import signal
import threading
from types import FrameType


class Stopped(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM, to unwind through the clean-up.

    A BaseException, like KeyboardInterrupt, so no `except Exception` on the way
    (in requests, boto3 or the seed) can swallow it.
    """


def wait_for_signal() -> None:
    """Sleep until SIGINT/SIGTERM raises Stopped (from the handler, in this thread).

    In short naps, never one endless wait: the kernel may deliver the signal to any of
    the stack's threads, and Python then runs the handler only when the main thread next
    executes bytecode; a main thread parked in an untimed lock wait would never do so
    (seen under load: Ctrl-C ignored for good).
    """
    nap = threading.Event()
    while True:
        nap.wait(0.25)


def stop_on(*signals: signal.Signals) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        # Ignore repeats so a second Ctrl-C cannot interrupt the clean-up itself.
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped

    for sig in signals:
        signal.signal(sig, handler)
