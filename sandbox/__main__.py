"""Run the provider sandbox by hand: `python -m sandbox [--port N] [--redirect-uri URI ...]`.

Prints the PENNY_PROVIDERS JSON that points Penny at it, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import json
import threading

from sandbox.server import DEFAULT_REDIRECT_URIS, start_sandbox


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redirect-uri", action="append", dest="redirect_uris",
                        help='Penny\'s callback URL; "{provider}" becomes the provider name '
                             f"(default: {DEFAULT_REDIRECT_URIS[0]})")
    args = parser.parse_args()
    sandbox = start_sandbox(args.host, args.port,
                            tuple(args.redirect_uris or DEFAULT_REDIRECT_URIS))
    print(f"Provider sandbox on {sandbox.url}/")
    print(f"PENNY_PROVIDERS={json.dumps(sandbox.penny_providers())}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
