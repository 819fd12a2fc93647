"""`itwin-conformance mock`: serve the mock until Ctrl-C, optionally writing its target.

It listens on loopback only unless told otherwise: it speaks plain HTTP, the target file
holds every persona's credentials and the control secret, and whoever has them can act as
any persona, mint tokens and wipe data. `--allow-remote` says so on stderr.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from .app import create_app
from .breaks import BREAKS
from .breaks import describe as describe_breaks
from .server import bind, origin_of, uvicorn_server
from .settings import READINGS, MockSettings
from .target_file import render_target, write_target_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0: a free one)")
    parser.add_argument("--write-target", metavar="FILE",
                        help="write a complete target file for this mock to FILE")
    parser.add_argument("--no-control", action="store_true",
                        help="serve no control API under /__mock__/")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a non-loopback --host (plain HTTP; prints what it "
                             "exposes)")
    parser.add_argument("--public-url", help="origin clients use, if not http://HOST:PORT")
    defaults = MockSettings()
    parser.add_argument("--max-image-bytes", type=int, default=defaults.max_image_bytes,
                        metavar="N", help="largest accepted upload (default: %(default)s)")
    parser.add_argument("--max-ratio", type=int, default=defaults.max_ratio, metavar="N",
                        help="longest side at most N times the shortest (default: %(default)s)")
    parser.add_argument("--max-pixels", type=int, default=defaults.max_pixels, metavar="N",
                        help="pixel cap, checked before decoding (default: %(default)s)")
    readings = parser.add_argument_group(
        "readings", "how the mock answers where the contract is open; every choice is one a "
                    "faithful server may make (docs/mock.md)")
    for name, choices in READINGS.items():
        _add_reading(readings, name, choices, READING_HELP[name])
    parser.add_argument("--rate-limit", type=int, default=0, metavar="N",
                        help="answer 429 with Retry-After past N API requests a second "
                             "(default: no limit)")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="MS",
                        help="wait MS milliseconds before every answer, as a distant target "
                             "does (default: none)")
    parser.add_argument("--break", dest="breaks", action="append", default=[],
                        choices=sorted(BREAKS), metavar="NAME",
                        help="break one rule of the contract on purpose, to see a gate fail "
                             "(repeatable): " + ", ".join(sorted(BREAKS)))
    parser.add_argument("--read-timeout", type=int, default=defaults.read_timeout_seconds,
                        metavar="SECONDS",
                        help="time a request's headers, and then its body, may take to "
                             "arrive; 408 after it (default: %(default)s)")


READING_HELP = {
    "oversize_status": "status of an oversize upload",
    "non_member_status": "what a caller who is not a member gets",
    "foreign_type_status": "status of an upload whose Content-Type is not PNG or JPEG",
    "empty_body_status": "status of an empty upload",
    "malformed_id_status": "status for an iTwin id that is not a GUID",
    "admin_reads_without_membership": "may an Organization Administrator who is not a member "
                                      "read",
    "sniff_ambiguous_types": "store a PNG sent as image/jpeg (or the reverse), or one sent "
                             "without Content-Type, as what its bytes are",
    "reupload_keeps_names": "uploading the same bytes again keeps the image's names",
    "thumbnail_shape": "fit: within the box, aspect kept; square: a centred square crop",
    "thumbnail_format": "the thumbnail's format (same: the upload's)",
    "blob_content_type": "Content-Type of blob downloads (image: the blob's image type)",
    "json_media_type": "media type of JSON answers",
    "single_space_messages": "one space after 'too big.' in the oversize detail",
}


def _add_reading(group: argparse._ArgumentGroup, name: str, choices: tuple[object, ...],
                 help_text: str) -> None:
    option = "--" + name.replace("_", "-")
    default = choices[0]
    if isinstance(default, bool):
        group.add_argument(option, type=_yes_no, choices=choices, default=default,
                           metavar="yes|no",
                           help=f"{help_text} (default: {'yes' if default else 'no'})")
    else:
        group.add_argument(option, type=type(default), choices=choices, default=default,
                           help=f"{help_text} (default: %(default)s)")


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "true", "1"):
        return True
    if text.lower() in ("no", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, got {text!r}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remote_warning(host: str, control: bool) -> str:
    """What listening on a non-loopback `host` exposes, said before the mock starts."""
    lines = [
        f"warning: --allow-remote: the mock listens on {host}, reachable from other "
        "machines, over plain HTTP: nothing it sends or receives is encrypted.",
        "  Anyone who can reach it and read the target file (or the traffic) can get a "
        "token for every persona from /connect/token, and read every uploaded image "
        "through its blob links.",
    ]
    if control:
        lines.append("  With the control secret (in the target file, and in clear in every "
                     "control request) they can also mint any token, inject faults and "
                     "wipe all data through /__mock__/; add --no-control if you do not "
                     "need it.")
    lines.append("  Use it only on a network you trust.")
    return "\n".join(lines)


def settings_from(args: argparse.Namespace) -> MockSettings:
    return MockSettings(
        max_image_bytes=args.max_image_bytes, max_ratio=args.max_ratio,
        max_pixels=args.max_pixels, control=not args.no_control,
        rate_limit_per_second=args.rate_limit, latency_ms=args.latency_ms,
        breaks=frozenset(args.breaks),
        read_timeout_seconds=args.read_timeout,
        **{name: getattr(args, name) for name in READINGS})


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; 0 on a clean stop, 2 on bad options, 1 if it cannot bind."""
    if not (is_loopback(args.host) or args.allow_remote):
        print(f"refusing to listen on {args.host}: the control API and the target file give "
              "anyone every persona. Use --allow-remote if you mean it.", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
    except (TypeError, ValueError) as exc:
        print(f"invalid setting: {exc}", file=sys.stderr)
        return 2
    host = "127.0.0.1" if args.host == "localhost" else args.host
    if not is_loopback(host):
        print(remote_warning(host, settings.control), file=sys.stderr, flush=True)
    try:
        sock = bind(host, args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    origin = (args.public_url or origin_of(sock)).rstrip("/")
    app = create_app(settings, public_url=origin)
    print(f"iTwins image API mock listening on {origin}/itwins", flush=True)
    for line in describe_breaks(settings.breaks):
        print(f"NOT FAITHFUL, broken on purpose: {line}", flush=True)
    if settings.control:
        print(f"control API: {origin}/__mock__", flush=True)
    if args.write_target:
        path = write_target_file(args.write_target, render_target(app.state.mock, origin))
        print(f"target file: {path}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        uvicorn_server(app, settings.read_timeout_seconds).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("mock stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="itwin-conformance mock",
                                     description="Serve the iTwins image API mock.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
