"""The pytest plugin: its options, fixtures (the target, persona clients, scratch iTwins)
and markers (areas, evidence levels: `conformance.markers`).

With `--target FILE` the suite runs against that target, after a preflight (see
`conformance.preflight`). Without it the embedded mock is started once per run on a free
loopback port, in the controlling process (under xdist the workers get the target file it
wrote), and the suite reaches it over HTTP like any other target. What decides whether a
run may pass (stops, "nothing tested", --require-area) is in `conformance.gate`; what the
run knows per process (target, run id, clients) in `conformance.session`; what each test did,
and every output made of it, in `conformance.evidence`.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import gate, session
from .client import DEFAULT_TIMEOUT, ApiClient, RateLimited
from .contract import Evidence
from .control_client import MockControl
from .files import file_lock
from .markers import AREAS, EVIDENCE_HELP, OTHER_MARKERS, SUITE_DIR, in_suite
from .pacing import Pacer
from .preflight import preflight
from .session import get_target
from .targets import Profile, Target

__all__ = ["AREAS", "SUITE_DIR", "get_target"]  # for the project's own tests
SCRATCH_PREFIX = "itwin-conformance"
# Plugins of the suite's features, loaded wherever this plugin is, none of which imports
# this module: the run's secrets kept out of the terminal and junit.xml
# (conformance/run_secrets.py); the evidence of each test and its consumers
# (conformance/evidence: the collector, the terminal summary); recording and comparing
# exchanges (--record, --compare: conformance/fidelity); reports and known deviations
# (--report, --known-deviations: conformance/reporting).
pytest_plugins = ["conformance.run_secrets", "conformance.evidence.collector",
                  "conformance.evidence.terminal", "conformance.fidelity.plugin",
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
    session.configure(config)
    if session.is_worker(config):
        return
    run_gate = gate.install(config, AREAS, SUITE_DIR, get_target)
    if session.target_given(config):
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


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand each worker the controller's target file and run id."""
    session.configure_node(node)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every suite test states its evidence with exactly one marker; collection fails if not."""
    wrong = []
    for item in items:
        if not in_suite(item):
            continue
        levels = [level.value for level in Evidence if item.get_closest_marker(level)]
        if len(levels) != 1:
            wrong.append(f"{item.nodeid}: {len(levels)} evidence markers {levels}")
    if wrong:
        raise pytest.UsageError(
            "each suite test needs exactly one of @documented, @observed, @undetermined:\n  "
            + "\n  ".join(wrong))


# Fixtures --------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)  # before fixtures are set up, which may write
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests that create or delete run only where the target allows it."""
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


@pytest.fixture(scope="session")
def run_id(pytestconfig: pytest.Config) -> str:
    """Short id of this run; scratch iTwins carry it so cleanup can find leftovers."""
    return str(session.run_id_of(pytestconfig))


@pytest.fixture(scope="session")
def client_factory(target: Target, pytestconfig: pytest.Config) -> Iterator[
        Callable[[str | None], ApiClient]]:
    """`make(persona)` gives that persona's client (None: no token); skips if not in target.
    With `[profile] requests_per_minute`, every client of every worker keeps to that rate."""
    from .evidence.collector import collector_of  # loaded by pytest_plugins before use

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
                observers=[collector_of(pytestconfig).observe])
            session.add_client(pytestconfig, made[name])
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


# Running ---------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A 429 that outlasts every retry fails the test (a throttled target has not shown it
    conforms)."""
    try:
        return (yield)
    except RateLimited as exc:
        pytest.fail(f"throttled: {exc}", pytrace=False)
