"""The local stack, started exactly as `make run` starts it, for end-to-end tests.

`python -m local.stack` runs in a subprocess with ports 0 (the stack picks free ones and
reports them on its ready line), and is stopped with SIGINT as a developer's Ctrl-C
would, so shutting down cleanly is part of every e2e run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# ws= came with the WebSocket gateway; a stack without it still parses (ws_url stays "").
READY = re.compile(r"^PENNY_STACK_READY api=(?P<api>\S+) aws=(?P<aws>\S+)(?: ws=(?P<ws>\S+))?$")
# The banner's line for the provider sandbox (fake Google, Microsoft, Zoom, Notion); it is
# printed before the ready line, so it is known by the time the stack is.
SANDBOX = re.compile(r"^\s*Provider sandbox\s+(?P<url>https?://\S+)")
START_TIMEOUT = 90.0
# Bounds a hang only (a stack that ignores Ctrl-C): generous, as a busy machine is slow.
STOP_TIMEOUT = 60.0


@dataclass
class LocalStack:
    """A running `python -m local.stack` and everything it has printed so far."""

    process: subprocess.Popen[str]
    api_url: str = ""
    aws_url: str = ""
    ws_url: str = ""
    sandbox_url: str = ""
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls) -> LocalStack:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "local.stack",
                "--api-port", "0", "--aws-port", "0", "--ws-port", "0", "--sandbox-port", "0",
            ],
            cwd=REPO_ROOT,
            # Not the developer's shell's providers: the stack then sets up the provider
            # sandbox's four (Google, Microsoft, Zoom, Notion), which the tests expect.
            env={**{k: v for k, v in os.environ.items() if k != "PENNY_PROVIDERS"},
                 "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        stack = cls(process)
        ready = threading.Event()
        stack.reader = threading.Thread(target=stack._read_output, args=(ready,), daemon=True)
        stack.reader.start()
        if not ready.wait(START_TIMEOUT) or not stack.api_url:
            process.kill()
            process.wait()
            pytest.fail(f"local stack did not become ready:\n{stack.log}")
        return stack

    def _read_output(self, ready: threading.Event) -> None:
        # Drains the pipe for the whole run, so a chatty stack never blocks on a full pipe.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            sandbox = SANDBOX.match(line)
            if sandbox and not self.sandbox_url:
                self.sandbox_url = sandbox["url"]
            match = READY.match(line.strip())
            if match:
                self.api_url, self.aws_url = match["api"], match["aws"]
                self.ws_url = match["ws"] or ""
                ready.set()
        ready.set()  # the process ended: wake the waiter either way

    @property
    def log(self) -> str:
        return "".join(self.output)

    def interrupt(self) -> int:
        """Ctrl-C the stack; return its exit code (fails the test if it hangs)."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Every thread's stack (local/stack.py registers SIGUSR1): what it waits on.
            self.process.send_signal(signal.SIGUSR1)
            if self.reader is not None:
                self.reader.join(5)
            self.process.kill()
            self.process.wait()
            pytest.fail(f"local stack ignored SIGINT for {STOP_TIMEOUT:.0f} s:\n{self.log}")

    def assert_stops_cleanly(self) -> None:
        lines_before = len(self.output)
        code = self.interrupt()
        if self.reader is not None:
            self.reader.join(STOP_TIMEOUT)  # it ends at the pipe's end: every line is in
        after = "".join(self.output[lines_before:])
        assert code == 0, f"exit code {code}:\n{self.log}"
        assert "Traceback" not in after, after


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    running = LocalStack.start()
    yield running
    running.assert_stops_cleanly()
