"""The pytest plugin: target selection, persona clients, scratch iTwins, evidence markers.

With `--target FILE` the suite runs against that target, after a preflight (see
`conformance.preflight`). Without it the embedded mock is started once per run on a free
loopback port, in the controlling process (under xdist the workers get the target file it
wrote), and the suite reaches it over HTTP like any other target. What decides whether a
run may pass (stops, "nothing tested", --require-area) is in `conformance.gate`.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import gate
from .client import DEFAULT_TIMEOUT, ApiClient, Exchange, RateLimited
from .contract import Evidence
from .control_client import MockControl
from .pacing import Pacer
from .preflight import preflight
from .targets import Profile, Target, TargetError, load_target

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
_TARGET_KEY = "conformance_target"
_RUN_ID_KEY = "conformance_run_id"
# Plugins of the suite's features, loaded wherever this plugin is: the run's secrets kept
# out of the terminal and junit.xml (conformance/run_secrets.py; first, since the others
# import it); recording and comparing exchanges (--record, --compare: conformance/fidelity);
# reports and known deviations (--report, --known-deviations: conformance/reporting).
pytest_plugins = ["conformance.run_secrets", "conformance.fidelity.plugin",
                  "conformance.reporting.plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "iTwins image API conformance")
    group.addoption("--target", metavar="FILE", default=None,
                    help="target TOML file; without it the embedded mock is started")
    group.addoption("--allow-production", action="store_true", default=False,
                    help="allow a target on the production host api.bentley.com")
    group.addoption("--request-timeout", type=float, default=DEFAULT_TIMEOUT,
                    help="seconds one HTTP request may take in all: sending it, and its "
                         f"answer's headers and whole body (default {DEFAULT_TIMEOUT:g})")
    group.addoption("--max-retries", type=int, default=3,
                    help="retries after a 429, each after Retry-After (default 3)")
    group.addoption("--max-failures", metavar="N", type=int, default=None,
                    help="stop after N failures (pytest's --maxfail); the run still exits 1")
    group.addoption("--require-area", metavar="AREA", action="append", default=[],
                    help="fail the run as 'nothing tested' unless a test of AREA executed "
                         f"(repeatable, or comma-separated; {', '.join(AREAS)})")


# Option groups of the suite's plugins: a mistype of one of their options is ours to report.
OUR_OPTION_GROUPS = ("conformance", "conformance-reports", "fidelity")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> None:
    """A mistyped option of ours (`--targte`) is a one-line usage error naming the option
    meant, not pytest's usage text. Unknown options close to none of ours are left to
    pytest, which knows its own."""
    ours = [name for group in OUR_OPTION_GROUPS for option in parser.getgroup(group).options
            for name in option.names() if name.startswith("--")]
    _, unknown = parser.parse_known_and_unknown_args(list(args))
    for token in unknown:
        name = token.split("=", 1)[0]
        close = difflib.get_close_matches(name, ours, n=1, cutoff=0.75)
        if name.startswith("--") and close:
            raise pytest.UsageError(f"unknown option {name} (did you mean {close[0]}?)")


@pytest.hookimpl(tryfirst=True)  # before xdist's, which must see a stopped run's settings
def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**EVIDENCE_HELP, **OTHER_MARKERS, **AREAS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if config.getoption("--max-failures"):
        config.option.maxfail = config.getoption("--max-failures")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        config.stash[_target_path] = workerinput[_TARGET_KEY]
        config.stash[_run_id] = workerinput[_RUN_ID_KEY]
        return
    config.stash[_run_id] = uuid.uuid4().hex[:8]
    config.stash[_target_path] = config.getoption("--target")
    run_gate = gate.install(config, AREAS, SUITE_DIR, get_target)
    if config.stash[_target_path]:
        _check_target(config, run_gate)


def _check_target(config: pytest.Config, run_gate: gate.Gate) -> None:
    """The given target, loaded and preflighted before anything runs; a problem stops the
    run there (reports still say why)."""
    try:
        target = get_target(config)
    except pytest.UsageError as exc:
        run_gate.stop_before_start("configuration", pytest.ExitCode.USAGE_ERROR, [str(exc)])
        return
    run_gate.target = target
    if config.getoption("collectonly") or config.getoption("help"):
        return
    run_gate.checked(preflight(target))


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
        levels = [level.value for level in Evidence if item.get_closest_marker(level)]
        if len(levels) != 1:
            wrong.append(f"{item.nodeid}: {len(levels)} evidence markers {levels}")
    if wrong:
        raise pytest.UsageError(
            "each suite test needs exactly one of @documented, @observed, @undetermined:\n  "
            + "\n  ".join(wrong))


# Fixtures --------------------------------------------------------------------------


_target = pytest.StashKey[Target]()


def loaded_target(config: pytest.Config) -> Target | None:
    """The target if this process knows its file, never starting the embedded mock (for
    reports written after the run)."""
    if _target in config.stash:
        return config.stash[_target]
    if not config.stash.get(_target_path, None):
        return None
    try:
        return get_target(config)
    except pytest.UsageError:
        return None


def run_id_of(config: pytest.Config) -> str | None:
    """The short id of this run, which scratch iTwin names carry."""
    return config.stash.get(_run_id, None)


def get_target(config: pytest.Config) -> Target:
    """The target under test, loaded once per process and checked to be allowed."""
    if _target not in config.stash:
        try:
            loaded = load_target(_ensure_target_file(config))
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from None
        if loaded.is_production and not config.getoption("--allow-production"):
            raise pytest.UsageError(
                f"{loaded.base_url} is the production host; pass --allow-production to run "
                "there")
        from .suite.expectations import profile_problems  # the suite's reading of the catalogue

        problems = profile_problems(loaded.profile)
        if problems:
            raise pytest.UsageError(f"{loaded.source or loaded.name}: " + "\n  ".join(problems))
        config.stash[_target] = loaded
    return config.stash[_target]


@pytest.hookimpl(tryfirst=True)  # before fixtures are set up: their traffic counts too
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests that create or delete run only where the target allows it."""
    item.stash[_traffic_at_start] = _totals(item.config)
    if item.get_closest_marker("destructive") or item.get_closest_marker("mock_only"):
        target = get_target(item.config)
        if item.get_closest_marker("destructive") and not target.destructive:
            pytest.skip(f"target {target.name} is not destructive = true (the test writes)")
        if item.get_closest_marker("mock_only") and not target.is_mock:
            pytest.skip(f"target {target.name} is not a mock (no [mock] control_url)")


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    """The target under test."""
    return get_target(pytestconfig)


@pytest.fixture(scope="session")
def profile(target: Target) -> Profile:
    """The target's pins of what the contract leaves undetermined."""
    return target.profile


@pytest.fixture(scope="session")
def mock_control(target: Target) -> Iterator[MockControl]:
    """The mock's control API; only for tests marked mock_only."""
    if target.control_url is None:
        pytest.skip(f"target {target.name} is not a mock (no [mock] control_url)")
    control = MockControl.of(target)
    yield control
    control.close()


@pytest.fixture(scope="session")
def fixture_dir() -> Path:
    """The image fixtures, built once per run (a lock keeps xdist workers from racing)."""
    from .images import ensure_fixtures

    return ensure_fixtures()


@pytest.fixture(scope="session")
def shared_lock(target: Target) -> Callable[[], contextlib.AbstractContextManager[None]]:
    """A cross-process lock for changes to the shared iTwin, so `-n 2` stays correct."""
    key = hashlib.sha256(f"{target.base_url} {target.itwins.get('shared')}".encode()).hexdigest()
    path = Path(tempfile.gettempdir()) / f"itwin-conformance-shared-{key[:16]}.lock"
    return lambda: file_lock(path)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on this machine (xdist workers), held for the
    block."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def run_id(pytestconfig: pytest.Config) -> str:
    """Short id of this run; scratch iTwins carry it so cleanup can find leftovers."""
    return pytestconfig.stash[_run_id]


ExchangeListener = Callable[[str, Exchange], None]
_clients = pytest.StashKey[list[ApiClient]]()
_listeners = pytest.StashKey[list[ExchangeListener]]()
_current_test = pytest.StashKey[str]()


def persona_clients(config: pytest.Config) -> list[ApiClient]:
    """The persona clients this process has made (their tokens are secrets of the run)."""
    clients: list[ApiClient] = config.stash.get(_clients, [])
    return clients[:]


def add_exchange_listener(config: pytest.Config, listener: ExchangeListener) -> None:
    """Call `listener(test node id, exchange)` for every request any persona's client makes.

    This is how recording (fidelity) and reports see the traffic without touching tests.
    """
    config.stash.setdefault(_listeners, []).append(listener)


def _forward_to_listeners(config: pytest.Config) -> Callable[[Exchange], None]:
    def observe(exchange: Exchange) -> None:
        nodeid = config.stash.get(_current_test, "")
        for listener in config.stash.get(_listeners, []):
            listener(nodeid, exchange)
    return observe


def pytest_runtest_protocol(item: pytest.Item) -> None:
    item.config.stash[_current_test] = item.nodeid


@pytest.fixture(scope="session")
def client_factory(target: Target, pytestconfig: pytest.Config) -> Iterator[
        Callable[[str | None], ApiClient]]:
    """`make(persona)` gives that persona's client (None: no token); skips if not in target.
    With `[profile] requests_per_minute`, every client of every worker keeps to that rate."""
    made: dict[str | None, ApiClient] = {}
    per_minute = target.profile.requests_per_minute
    pace = Pacer.for_target(per_minute, target.base_url).wait if per_minute else None

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
                max_retries=pytestconfig.getoption("--max-retries"), pace=pace,
                observers=[_forward_to_listeners(pytestconfig)])
            pytestconfig.stash.setdefault(_clients, []).append(made[name])
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


@pytest.fixture(scope="module")
def readable_itwin(target: Target, request: pytest.FixtureRequest) -> str:
    """An iTwin that tests which only read may use: the module's scratch iTwin where the
    target is destructive (no other worker touches it), else the shared one."""
    if target.destructive:
        return str(request.getfixturevalue("scratch_itwin"))
    if "shared" not in target.itwins:
        pytest.skip(f"target {target.name} is read-only and names no [itwins] shared")
    return target.itwins["shared"]


@pytest.fixture(scope="module")
def scratch_itwin(target: Target, admin: ApiClient, run_id: str,
                  request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh iTwin owned by org_admin's organization, deleted afterwards even on failure."""
    if not target.destructive:  # a second guard, for a test that writes but is not marked
        pytest.skip(f"target {target.name} is not destructive = true (the test needs a "
                    "scratch iTwin)")
    module = request.module.__name__.rsplit(".", 1)[-1]
    response = admin.create_itwin(f"{SCRATCH_PREFIX}-{run_id}-{module}",
                                  number=f"{SCRATCH_PREFIX}-{run_id}-{uuid.uuid4().hex[:12]}")
    assert response.status_code == 201, f"could not create a scratch iTwin: {response.text}"
    itwin_id = str(response.json()["iTwin"]["id"])
    yield itwin_id
    admin.delete_itwin(itwin_id)


# Reporting -------------------------------------------------------------------------


# What each test spent, as user properties: requests sent (retries included), bytes sent
# in request bodies, 429 retries, seconds waited for Retry-After and for the target's pace.
TRAFFIC_KEYS = ("requests", "bytes_sent", "retries", "retry_wait", "pace_wait")


def _totals(config: pytest.Config) -> tuple[float, ...]:
    clients = config.stash.get(_clients, [])
    return tuple(sum(getattr(client.stats, key) for client in clients) for key in TRAFFIC_KEYS)


_traffic_at_start = pytest.StashKey[tuple[float, ...]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A 429 that outlasts every retry fails the test (a throttled target has not shown it
    conforms)."""
    try:
        return (yield)
    except RateLimited as exc:
        pytest.fail(f"throttled: {exc}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[
        None, pytest.TestReport, pytest.TestReport]:
    """The teardown report carries what the test spent, its fixtures' set-up and teardown
    included: requests, bytes sent, 429 retries and the seconds waited for them."""
    report: pytest.TestReport = yield
    start = item.stash.get(_traffic_at_start, None)
    if call.when == "teardown" and start is not None:
        for key, before, now in zip(TRAFFIC_KEYS, start, _totals(item.config), strict=True):
            if now - before:
                report.user_properties.append((key, round(now - before, 3)))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            level = next((lv for lv in Evidence if lv in report.keywords), None)
            if level:
                counts[(level, outcome)] += 1
    if not counts:
        return
    terminalreporter.section("conformance by evidence level")
    for level in Evidence:
        row = ", ".join(f"{counts[(level, o)]} {o}" for o in ("passed", "failed", "skipped"))
        terminalreporter.write_line(f"{level:>13}: {row}")
    _write_traffic(terminalreporter)


def traffic_by_area(reports: list[Any]) -> dict[str, Counter[str]]:
    """What the tests of each area spent (TRAFFIC_KEYS), and "all"."""
    spent: dict[str, Counter[str]] = {}
    for report in reports:
        area = next((name for name in AREAS if name in report.keywords), "other")
        for key, value in getattr(report, "user_properties", []):
            if key in TRAFFIC_KEYS:
                for name in (area, "all"):
                    spent.setdefault(name, Counter())[key] += value
    return spent


def _write_traffic(terminalreporter: Any) -> None:
    reports = [r for outcome in ("passed", "failed", "error", "skipped", "")
               for r in terminalreporter.stats.get(outcome, [])
               if getattr(r, "when", "") in ("call", "teardown")]
    spent = traffic_by_area([r for r in reports if r.when == "teardown"])
    if not spent:
        return
    terminalreporter.section("conformance traffic")
    for area, row in sorted(spent.items(), key=lambda item: item[0] == "all"):
        line = (f"{area:>13}: {int(row['requests'])} requests, "
                f"{row['bytes_sent'] / 1e6:.1f} MB sent")
        if row["retries"]:
            line += f", 429s waited out: {int(row['retries'])} ({row['retry_wait']:.1f} s)"
        if row["pace_wait"]:
            line += f", paced: {row['pace_wait']:.1f} s waited"
        terminalreporter.write_line(line)
    throttled = [r.nodeid for r in reports if r.failed and "throttled: " in str(r.longrepr)]
    if throttled:
        terminalreporter.write_line(f"throttled (429 past every retry): {len(throttled)} "
                                    "tests failed", red=True)
