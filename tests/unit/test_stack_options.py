"""`make run`'s advice when a port is taken."""

from __future__ import annotations

import socket

from local.stack_options import parse_args, taken_ports


def test_a_taken_api_port_suggests_a_port_no_other_server_of_the_stack_asks_for() -> None:
    # GIVEN the API's port taken, and the WebSocket gateway asking for the port after it
    with socket.create_server(("127.0.0.1", 0)) as holder:
        taken = holder.getsockname()[1]
        args = parse_args(["--api-port", str(taken), "--ws-port", str(taken + 1),
                           "--aws-port", "0", "--sandbox-port", "0"], None)
        # WHEN the ports are checked
        advice = taken_ports(args)
    # THEN the advice names the taken port and suggests neither it nor the gateway's
    assert f"port {taken} (--api-port, PENNY_API_PORT) is already in use" in advice
    suggested = int(advice.rsplit("PENNY_API_PORT=", 1)[1].split()[0])
    assert suggested not in (taken, taken + 1)
    assert suggested > taken
