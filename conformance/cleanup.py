"""`itwin-conformance cleanup`: delete the scratch iTwins that crashed runs left behind.

A run deletes its scratch iTwins itself (`scratch_itwin` in the plugin), but a run that is
killed leaves them on the tenant. This finds them and deletes them, and nothing else: an
iTwin is deleted only if its displayName starts with `itwin-conformance-` (the suite's
prefix, followed by the run id) and its createdDateTime is older than `--older-than`
(default 2h, so a run still in progress keeps its iTwins). The target's shared iTwin is
never deleted. Deleting happens as org_admin, the persona that created them.

Finding them needs the iTwins list (`GET /itwins/`, operation get-my-itwins, which the
mock serves too). A target that does not offer it gets a clear refusal and nothing is
deleted: without a list, there is nothing safe to delete.

Exit codes as for `run`: 0 done (or nothing to do), 1 a deletion failed or the list was not
understood, 2 usage or configuration error (including a target without a list), 3 target
unreachable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .client import ApiClient, ContractViolation, RateLimited, TargetUnreachable, TransportFailure
from .contract import LIST_ITWINS
from .exitcodes import FAILURES, OK, UNREACHABLE, USAGE
from .targets import Target, TargetError, load_target

# The plugin's SCRATCH_PREFIX plus the dash before the run id. Not imported from the
# plugin: the command imports this module before pytest starts, and a plugin imported
# early loses pytest's assertion rewriting (tests/tooling/test_cleanup.py checks they agree).
PREFIX = "itwin-conformance-"
DEFAULT_AGE = "2h"
PAGE_SIZE = 100
MAX_PAGES = 100  # 10,000 iTwins; a tenant with more is not a test tenant
LIST_PATH = "/"  # relative to base_url: GET .../itwins/
REPRESENTATION = {"Prefer": "return=representation"}  # createdDateTime is not in "minimal"
_AGE_PART = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

Say = Callable[[str], None]


class CleanupError(Exception):
    """Cleanup cannot go on; `code` is the exit code, the message says why."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def parse_age(text: str) -> dt.timedelta:
    """`90s`, `30m`, `2h`, `1d` or combinations such as `1h30m`; always more than zero."""
    compact = text.strip().lower()
    parts = _AGE_PART.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an age such as 90s, 30m, 2h, 1d or 1h30m")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the age must be more than zero")
    return dt.timedelta(seconds=seconds)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", metavar="FILE", required=True,
                        help="target TOML file (needs org_admin and destructive = true)")
    parser.add_argument("--older-than", metavar="AGE", type=parse_age,
                        default=parse_age(DEFAULT_AGE),
                        help=f"delete only iTwins created longer ago than AGE (e.g. 90m, 2h, "
                             f"1d; default {DEFAULT_AGE})")
    parser.add_argument("--dry-run", action="store_true",
                        help="list what would be deleted, delete nothing")
    parser.add_argument("--allow-production", action="store_true",
                        help="allow a target on the production host api.bentley.com")


@dataclass(frozen=True)
class Leftover:
    """A scratch iTwin old enough to delete."""

    id: str
    display_name: str
    created: dt.datetime

    def describe(self, now: dt.datetime) -> str:
        age = now - self.created
        hours, rest = divmod(int(age.total_seconds()), 3600)
        return (f"{self.id} {self.display_name!r} (created {self.created.isoformat()}, "
                f"{hours}h{rest // 60:02d}m ago)")


def run(args: argparse.Namespace, *, say: Say = print,
        transport: httpx.BaseTransport | None = None) -> int:
    """The command. `transport` lets tests of the tooling serve the API in-process."""
    try:
        target = checked_target(args)
        with admin_client(target, transport) as client:
            return clean(client, target, args.older_than, args.dry_run, say)
    except CleanupError as exc:
        print(f"itwin-conformance cleanup: {exc}", file=sys.stderr)
        return exc.code
    except TargetUnreachable as exc:
        print(f"itwin-conformance cleanup: target unreachable: {exc}", file=sys.stderr)
        return UNREACHABLE
    except TransportFailure as exc:  # a request cut after connecting: nothing is certain
        print(f"itwin-conformance cleanup: {exc}", file=sys.stderr)
        return FAILURES


def checked_target(args: argparse.Namespace) -> Target:
    """The target, if cleanup may act on it: not production unless allowed, destructive
    unless only listing, with an org_admin persona."""
    try:
        target = load_target(args.target)
    except TargetError as exc:
        raise CleanupError(str(exc), USAGE) from None
    if target.is_production and not args.allow_production:
        raise CleanupError(f"{target.base_url} is the production host; pass "
                           "--allow-production to clean up there", USAGE)
    if not target.destructive and not args.dry_run:
        raise CleanupError(f"target {target.name} is not destructive = true; the suite never "
                           "creates iTwins there, so there is nothing of its own to delete "
                           "(--dry-run only lists)", USAGE)
    if target.persona("org_admin") is None:
        raise CleanupError(f"target {target.name} has no org_admin persona to list and "
                           "delete iTwins as", USAGE)
    return target


def admin_client(target: Target, transport: httpx.BaseTransport | None) -> ApiClient:
    persona = target.persona("org_admin")
    assert persona is not None

    def token() -> str:
        try:
            return persona.access_token()
        except TargetError as exc:
            raise CleanupError(str(exc), USAGE) from None

    return ApiClient(target.base_url, token, persona="org_admin", transport=transport)


def clean(client: ApiClient, target: Target, older_than: dt.timedelta, dry_run: bool,
          say: Say) -> int:
    itwins, now = list_itwins(client, target.base_url)
    chosen, kept = select(itwins, now, older_than, protected=set(target.itwins.values()))
    failures = 0
    for leftover in chosen:
        if dry_run:
            say(f"would delete {leftover.describe(now)}")
            continue
        problem = delete(client, leftover)
        if problem:
            failures += 1
            print(f"could not delete {leftover.describe(now)}: {problem}", file=sys.stderr)
        else:
            say(f"deleted {leftover.describe(now)}")
    say(summary_line(len(chosen), failures, kept, dry_run, older_than))
    return FAILURES if failures else OK


def summary_line(chosen: int, failures: int, kept: Counter[str], dry_run: bool,
                 older_than: dt.timedelta) -> str:
    verb = "would delete" if dry_run else "deleted"
    done = chosen if dry_run else chosen - failures
    head = f"cleanup: {verb} {done} scratch iTwin(s) older than {older_than}"
    if failures:
        head += f", {failures} failed"
    reasons = ", ".join(f"{count} {why}" for why, count in sorted(kept.items()))
    return head + (f"; kept {sum(kept.values())} ({reasons})" if kept else "")


def list_itwins(client: ApiClient, base_url: str) -> tuple[list[dict[str, Any]], dt.datetime]:
    """Every iTwin the list returns (following next links), and the server's time."""
    path: str | None = f"{LIST_PATH}?$search={PREFIX}&$top={PAGE_SIZE}"
    found: list[dict[str, Any]] = []
    now: dt.datetime | None = None
    for _ in range(MAX_PAGES):
        if path is None:
            return found, now or utc_now()
        page = get_page(client, path)
        now = now or server_time(page)
        found += page_items(page)
        path = next_path(page, base_url)
    raise CleanupError(f"the list did not end within {MAX_PAGES} pages", FAILURES)


def get_page(client: ApiClient, path: str) -> httpx.Response:
    try:
        response = client.raw("GET", path, headers=REPRESENTATION, operation_id=LIST_ITWINS)
    except (ContractViolation, RateLimited) as exc:
        raise CleanupError(f"listing iTwins failed: {exc}", FAILURES) from None
    if response.status_code in (404, 405, 501):
        raise CleanupError(
            f"target does not list iTwins (GET {client.base_url}{LIST_PATH} answered "
            f"{response.status_code}); cleanup needs the list to find leftovers, so nothing "
            "was deleted", USAGE)
    if response.status_code != 200:
        raise CleanupError(f"listing iTwins answered {response.status_code}: "
                           f"{response.text[:300]}", FAILURES)
    return response


def page_items(page: httpx.Response) -> list[dict[str, Any]]:
    try:
        items = page.json()["iTwins"]
    except (ValueError, KeyError, TypeError):
        raise CleanupError("the iTwins list has no 'iTwins' array", FAILURES) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CleanupError("the iTwins list's 'iTwins' is not an array of objects", FAILURES)
    return items


def next_path(page: httpx.Response, base_url: str) -> str | None:
    """The next page's path under `base_url`; a link elsewhere is refused (the token would
    go with it)."""
    links = page.json().get("_links") or {}
    href = (links.get("next") or {}).get("href") if isinstance(links, dict) else None
    if not href:
        return None
    if not isinstance(href, str) or not href.startswith(base_url + "/"):
        raise CleanupError(f"the list's next link leaves the API ({href!r})", FAILURES)
    return href[len(base_url):]


def server_time(response: httpx.Response) -> dt.datetime | None:
    """The response's Date: ages are measured on the clock that stamped createdDateTime."""
    try:
        return email.utils.parsedate_to_datetime(response.headers["date"]).astimezone(dt.UTC)
    except (KeyError, TypeError, ValueError):
        return None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_created(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        created = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return created if created.tzinfo else created.replace(tzinfo=dt.UTC)


def select(itwins: list[dict[str, Any]], now: dt.datetime, older_than: dt.timedelta,
           protected: set[str] | frozenset[str] = frozenset()) -> tuple[
               list[Leftover], Counter[str]]:
    """The scratch iTwins old enough to delete, and why each other one is kept."""
    chosen: list[Leftover] = []
    kept: Counter[str] = Counter()
    for itwin in itwins:
        name, itwin_id = itwin.get("displayName"), itwin.get("id")
        created = parse_created(itwin.get("createdDateTime"))
        if not isinstance(name, str) or not name.startswith(PREFIX):
            kept["not scratch iTwins"] += 1
        elif not isinstance(itwin_id, str) or not itwin_id or itwin_id in protected:
            kept["protected or without id"] += 1
        elif created is None:
            kept["without createdDateTime"] += 1
        elif now - created <= older_than:
            kept["too young"] += 1
        else:
            chosen.append(Leftover(itwin_id, name, created))
    return chosen, kept


def delete(client: ApiClient, leftover: Leftover) -> str | None:
    """None when the iTwin is gone (deleted now, or already by someone else)."""
    try:
        response = client.delete_itwin(leftover.id)
    except (ContractViolation, RateLimited) as exc:
        return str(exc).splitlines()[0]
    if response.status_code in (204, 404):
        return None
    return f"answered {response.status_code}: {response.text[:200]}"
