"""Serve a checkout's mock with a request counter (and, optionally, a delay) around its app.

    cd CHECKOUT && PYTHONPATH=CHECKOUT python .../benchmarks/checkout_mock.py \
        --counts FILE [--delay-ms MS] -- MOCK-ARGS...

Runs the checkout's own `conformance.mock.command.main(MOCK-ARGS)` (this one's, or an
earlier commit's), with its `create_app` wrapped: every request but the control API's is
counted by method and kind of path (`KINDS`), with its declared body bytes, and held
`--delay-ms` before it is answered, for a mock that has no latency setting of its own. The
counts are written to FILE as JSON when the mock stops (SIGTERM, as Ctrl-C): "METHOD kind"
request counts and "bytes". Imports only the checkout's package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.mock import command

ASGI = Callable[..., Any]
# Kinds of path, the API's first: GET on one iTwin, its image, the list; then the rest.
API_KINDS = ("itwin", "image", "itwins")
KINDS = (*API_KINDS, "blob", "identity")


def kind_of(path: str) -> str:
    if path.startswith("/blobs/"):
        return "blob"
    if not path.startswith("/itwins"):
        return "identity"  # the token endpoint and its keys
    if path.rstrip("/") == "/itwins":
        return "itwins"
    return "image" if path.rstrip("/").endswith("/image") else "itwin"


class Counted:
    """Counts requests by kind and their declared body bytes; delays them if asked."""

    def __init__(self, app: ASGI, counts: Counter[str], delay: float) -> None:
        self.app, self.counts, self.delay = app, counts, delay

    async def __call__(self, scope: dict[str, Any], receive: ASGI, send: ASGI) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and not path.startswith("/__mock__"):
            self.counts[f"{scope['method']} {kind_of(path)}"] += 1
            self.counts["bytes"] += next((int(value) for name, value in scope["headers"]
                                          if name == b"content-length"), 0)
            if self.delay:
                await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def stop(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=Path, required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    args, mock_args = parser.parse_known_args()
    counts: Counter[str] = Counter()
    create_app = command.create_app

    def counted_app(*given: Any, **named: Any) -> Any:
        app = create_app(*given, **named)
        app.add_middleware(Counted, counts=counts, delay=args.delay_ms / 1000)
        return app

    command.create_app = counted_app
    # uvicorn shuts down on SIGTERM, then raises it again: let that end main(), not the process.
    signal.signal(signal.SIGTERM, stop)
    try:
        return command.main([a for a in mock_args if a != "--"])
    except KeyboardInterrupt:
        return 0
    finally:
        args.counts.write_text(json.dumps(counts))


if __name__ == "__main__":
    sys.exit(main())
