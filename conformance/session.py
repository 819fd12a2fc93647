"""What each process of a run knows about the run: its role under xdist, the target, the
run id, and the persona clients it has made.

Under xdist the controller owns the run: it starts the embedded mock (when no target was
given), writes its target file, picks the run id, and hands both to each worker
(`configure_node`). Every process loads the target once, from that file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from typing import Any

import pytest

from .client import ApiClient
from .targets import Target, TargetError, load_target

_TARGET_KEY = "conformance_target"
_RUN_ID_KEY = "conformance_run_id"
_target_path = pytest.StashKey[str | None]()
_run_id = pytest.StashKey[str]()
_embedded = pytest.StashKey[Any]()
_target = pytest.StashKey[Target]()
_clients = pytest.StashKey[list[ApiClient]]()


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker (it runs tests; the controller reports)."""
    return hasattr(config, "workerinput")


def worker_id(config: pytest.Config) -> str | None:
    """The xdist name of this worker (`gw0`), None for the controller or a serial run."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput and "workerid" in workerinput else None


def configure(config: pytest.Config) -> None:
    """A worker takes the controller's target file and run id; the controller picks both."""
    if is_worker(config):
        workerinput: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]
        config.stash[_target_path] = workerinput[_TARGET_KEY]
        config.stash[_run_id] = workerinput[_RUN_ID_KEY]
        return
    config.stash[_run_id] = uuid.uuid4().hex[:8]
    config.stash[_target_path] = config.getoption("--target")


def target_given(config: pytest.Config) -> bool:
    return bool(config.stash.get(_target_path, None))


def configure_node(node: Any) -> None:
    """xdist: hand a worker the controller's target file and run id."""
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


def add_client(config: pytest.Config, client: ApiClient) -> None:
    config.stash.setdefault(_clients, []).append(client)


def persona_clients(config: pytest.Config) -> list[ApiClient]:
    """The persona clients this process has made (their tokens are secrets of the run,
    their stats what the run spent)."""
    clients: list[ApiClient] = config.stash.get(_clients, [])
    return clients[:]
