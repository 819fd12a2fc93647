"""The pytest plugin: target selection, persona clients, scratch iTwins, evidence markers.

With `--target FILE` the suite runs against that target. Without it the embedded mock is
started once per run on a free loopback port, in the controlling process (under xdist the
workers get the target file it wrote), and the suite reaches it over HTTP like any other
target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .client import ApiClient, RateLimited, TargetUnreachable
from .contract import EVIDENCE_LEVELS
from .targets import PERSONAS, Target, TargetError, load_target

SUITE_DIR = Path(__file__).resolve().parent / "suite"
AREAS = {
    "images": "uploads of every fixture case",
    "auth": "authentication failures",
    "permissions": "what each persona may do",
    "lifecycle": "upload, read, replace and delete",
    "fuzz": "generated requests and property tests",
    "ratelimit": "429 handling",
}
OTHER_MARKERS = {
    "mock_only": "steers the mock through its control API; skipped on other targets",
    "destructive": "creates or deletes; runs only where the target says destructive = true",
}
EVIDENCE_HELP = {
    "documented": "asserts what Bentley's API reference states",
    "observed": "asserts what the real service was seen to do",
    "undetermined": "asserts only the envelope any sane answer meets; exact answer from profile",
}
SCRATCH_PREFIX = "itwin-conformance"
# pytest.exit code for an unreachable target; the command maps it to its exit code 3.
UNREACHABLE_RETURNCODE = 13
_TARGET_KEY = "conformance_target"
_RUN_ID_KEY = "conformance_run_id"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "iTwins image API conformance")
    group.addoption("--target", metavar="FILE", default=None,
                    help="target TOML file; without it the embedded mock is started")
    group.addoption("--allow-production", action="store_true", default=False,
                    help="allow a target on the production host api.bentley.com")
    group.addoption("--request-timeout", type=float, default=60.0,
                    help="seconds before one HTTP request times out (default 60)")
    group.addoption("--max-retries", type=int, default=3,
                    help="retries after a 429, each after Retry-After (default 3)")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**EVIDENCE_HELP, **OTHER_MARKERS, **AREAS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        config.stash[_target_path] = workerinput[_TARGET_KEY]
        config.stash[_run_id] = workerinput[_RUN_ID_KEY]
        return
    config.stash[_run_id] = uuid.uuid4().hex[:8]
    config.stash[_target_path] = config.getoption("--target")


_target_path = pytest.StashKey[str | None]()
_run_id = pytest.StashKey[str]()
_embedded = pytest.StashKey[Any]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand each worker the controller's target file and run id."""
    config = node.config
    node.workerinput[_TARGET_KEY] = _ensure_target_file(config)
    node.workerinput[_RUN_ID_KEY] = config.stash[_run_id]


def _ensure_target_file(config: pytest.Config) -> str:
    """The target file in use; starts the embedded mock the first time if none was given."""
    path = config.stash.get(_target_path, None)
    if path:
        return path
    from .mock import serve_in_thread  # the embedded mock, reached over HTTP only

    running = serve_in_thread()
    config.stash[_embedded] = running
    handle, name = tempfile.mkstemp(prefix="itwin-mock-", suffix=".toml")
    os.close(handle)
    running.write_target(name)
    config.stash[_target_path] = name
    config.add_cleanup(lambda: _stop_embedded(running, name))
    return name


def _stop_embedded(running: Any, target_file: str) -> None:
    running.stop()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target_file)


def _is_suite_item(item: pytest.Item) -> bool:
    return SUITE_DIR in Path(str(item.path)).parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every suite test states its evidence with exactly one marker; collection fails if not."""
    wrong = []
    for item in items:
        if not _is_suite_item(item):
            continue
        levels = [level for level in EVIDENCE_LEVELS if item.get_closest_marker(level)]
        if len(levels) != 1:
            wrong.append(f"{item.nodeid}: {len(levels)} evidence markers {levels}")
    if wrong:
        raise pytest.UsageError(
            "each suite test needs exactly one of @documented, @observed, @undetermined:\n  "
            + "\n  ".join(wrong))


# Fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    """The target under test, checked to be usable and reachable."""
    try:
        loaded = load_target(_ensure_target_file(pytestconfig))
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None
    if loaded.is_production and not pytestconfig.getoption("--allow-production"):
        raise pytest.UsageError(
            f"{loaded.base_url} is the production host; pass --allow-production to run there")
    return loaded


@pytest.fixture(scope="session")
def run_id(pytestconfig: pytest.Config) -> str:
    """Short id of this run; scratch iTwins carry it so cleanup can find leftovers."""
    return pytestconfig.stash[_run_id]


@pytest.fixture(scope="session")
def client_factory(target: Target, pytestconfig: pytest.Config) -> Iterator[
        Callable[[str | None], ApiClient]]:
    """`make(persona)` gives that persona's client (None: no token); skips if not in target."""
    made: dict[str | None, ApiClient] = {}

    def make(name: str | None) -> ApiClient:
        if name not in made:
            token = None
            if name is not None:
                persona = target.persona(name)
                if persona is None:
                    pytest.skip(f"persona {name} is not in target {target.name}")
                token = persona.access_token
            made[name] = ApiClient(
                target.base_url, token, persona=name,
                timeout=pytestconfig.getoption("--request-timeout"),
                max_retries=pytestconfig.getoption("--max-retries"))
        return made[name]

    yield make
    for client in made.values():
        client.close()


@pytest.fixture(scope="session")
def admin(client_factory: Callable[[str | None], ApiClient]) -> ApiClient:
    """The org_admin persona: Organization Administrator of the test iTwins' owner."""
    return client_factory("org_admin")


@pytest.fixture(scope="session")
def anonymous(client_factory: Callable[[str | None], ApiClient]) -> ApiClient:
    """A client that sends no Authorization header unless a test gives one."""
    return client_factory(None)


@pytest.fixture(scope="session")
def shared_itwin(target: Target) -> str:
    """The pre-provisioned iTwin where member_modify and member_read are members."""
    if "shared" not in target.itwins:
        pytest.skip(f"target {target.name} names no [itwins] shared")
    return target.itwins["shared"]


def require_destructive(target: Target) -> None:
    if not target.destructive:
        pytest.skip(f"target {target.name} is not destructive = true")


@pytest.fixture(scope="module")
def scratch_itwin(target: Target, admin: ApiClient, run_id: str,
                  request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh iTwin owned by org_admin's organization, deleted afterwards even on failure."""
    require_destructive(target)
    module = request.module.__name__.rsplit(".", 1)[-1]
    response = admin.create_itwin(f"{SCRATCH_PREFIX}-{run_id}-{module}",
                                  number=f"{SCRATCH_PREFIX}-{run_id}-{uuid.uuid4().hex[:12]}")
    assert response.status_code == 201, f"could not create a scratch iTwin: {response.text}"
    itwin_id = str(response.json()["iTwin"]["id"])
    yield itwin_id
    admin.delete_itwin(itwin_id)


# Reporting -------------------------------------------------------------------------


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.excinfo is not None and call.excinfo.errisinstance(TargetUnreachable):
        pytest.exit(f"target unreachable: {call.excinfo.value}",
                    returncode=UNREACHABLE_RETURNCODE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A 429 that never ends is reported as rate limiting, not as a contract failure."""
    try:
        return (yield)
    except RateLimited as exc:
        pytest.skip(f"rate limited: {exc}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            level = next((lv for lv in EVIDENCE_LEVELS if lv in report.keywords), None)
            if level:
                counts[(level, outcome)] += 1
    if not counts:
        return
    terminalreporter.section("conformance by evidence level")
    for level in EVIDENCE_LEVELS:
        row = ", ".join(f"{counts[(level, o)]} {o}" for o in ("passed", "failed", "skipped"))
        terminalreporter.write_line(f"{level:>13}: {row}")
