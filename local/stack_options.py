"""`make run`'s command line: the stack's host and ports, each port's option and the
environment variable it defaults from, and which of them cannot be listened on."""

from __future__ import annotations

import argparse
import errno
import os
import socket

# Each port's option and the environment variable `make run` reads it from.
PORTS = (("api_port", "PENNY_API_PORT"), ("aws_port", "PENNY_AWS_PORT"),
         ("ws_port", "PENNY_WS_PORT"), ("sandbox_port", "PENNY_SANDBOX_PORT"))


def taken_ports(args: argparse.Namespace) -> str:
    """Why the asked-for ports cannot be listened on, each named with its settings ("" if
    they all can), and what to do.

    Checked before anything starts: the embedded AWS and the sandbox are werkzeug
    servers, which print their own advice and exit when their port is taken, naming
    neither the option nor the variable (4566 is LocalStack's port too).
    """
    problems, hint = [], ""
    for option, variable in PORTS:
        port = getattr(args, option)
        if port == 0:
            continue
        where = f"port {port} (--{option.replace('_', '-')}, {variable})"
        try:
            family = socket.getaddrinfo(args.host, port, type=socket.SOCK_STREAM)[0][0]
            socket.create_server((args.host, port), family=family).close()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                problems.append(f"{where} is already in use")
                hint = hint or f"e.g. {variable}={_free_port_after(args, port)} make run"
            else:
                problems.append(f"{where} on {args.host}: {exc.strerror or exc}")
    if not problems:
        return ""
    return "; ".join(problems) + (f"; choose others (or 0 for free ones), {hint}"
                                  if hint else "")


def _free_port_after(args: argparse.Namespace, port: int) -> int:
    """The first port above `port` that no other option asks for and that can be listened
    on: port + 1 alone would offer 8001, the WebSocket gateway's own port, when 8000 is
    taken."""
    asked = {getattr(args, option) for option, _ in PORTS}
    for candidate in range(port + 1, 65536):
        if candidate in asked:
            continue
        try:
            family = socket.getaddrinfo(args.host, candidate, type=socket.SOCK_STREAM)[0][0]
            socket.create_server((args.host, candidate), family=family).close()
        except OSError:
            continue
        return candidate
    return 0


def parse_args(argv: list[str] | None, description: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--api-port", type=int, default=int(os.environ.get("PENNY_API_PORT", "8000"))
    )
    parser.add_argument(
        "--aws-port", type=int, default=int(os.environ.get("PENNY_AWS_PORT", "4566"))
    )
    parser.add_argument(
        "--ws-port", type=int, default=int(os.environ.get("PENNY_WS_PORT", "8001"))
    )
    parser.add_argument(
        "--sandbox-port", type=int, default=int(os.environ.get("PENNY_SANDBOX_PORT", "8002"))
    )
    return parser.parse_args(argv)
