"""Runs of the real command (`itwin-conformance run`, in a subprocess) against targets made
for the gate's and the preflight's tests: a mock started here, with its target file
rewritten (read-only, an expired token), a plain web server, a server that cuts every
request, and and an address where nothing listens (port 9, discard).

The suite-like test files in `samples/` are run through the command beside the suite:
`python_files` names only the sample, so the suite's own modules are not even collected
(the run still has the suite in scope, as every run of the command does).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.control_client import MockControl
from conformance.mock import serve_in_thread
from tests.suite import suite_runs

SAMPLES = Path(__file__).resolve().parent / "samples"
TIMEOUT = 300  # only a hang gets near this


@dataclass
class Result:
    """What one run of the command left: its exit code, its output, its report folder."""

    returncode: int
    stdout: str
    stderr: str
    out: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def summary(self) -> str:
        return (self.out / "summary.md").read_text(encoding="utf-8")

    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.out / "report.json").read_text())
        return loaded

    def not_run_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines()
                if line.startswith("itwin-conformance: not run: ")]


def run_command(workdir: Path, target: Path | None, *args: str,
                env: dict[str, str] | None = None) -> Result:
    """`itwin-conformance run [--target T] --report out ARGS` in `workdir`."""
    given = ["--target", str(target)] if target is not None else []
    done = suite_runs.run_command("run", "--report", "out", *given, *args, cwd=workdir,
                                  timeout=TIMEOUT, env=env)
    return Result(done.returncode, done.stdout, done.stderr, workdir / "out")


def sample(name: str) -> list[str]:
    """pytest arguments that run the sample module `name` (and no suite module)."""
    return ["--", str(SAMPLES), "-o", f"python_files={name}.py", "-p", "no:randomly"]


@contextlib.contextmanager
def mock_target(workdir: Path, **changes: Any) -> Iterator[Path]:
    """A running mock and its target file, with top-level keys changed (`destructive=False`)
    or personas given a token minted by the mock (`tokens={"org_admin": {"expires_in":
    -600}}`)."""
    tokens = changes.pop("tokens", {})
    with serve_in_thread() as mock:
        text = mock.target_toml()
        data = tomllib.loads(text)
        for key, value in changes.items():
            text = text.replace(f"{key} = {json.dumps(data[key])}",
                                f"{key} = {json.dumps(value)}")
        control = MockControl(mock.control_url, mock.control_secret)
        try:
            for persona, claims in tokens.items():
                token = control.mint_token(persona, **claims)
                text = _replace_persona(text, persona, f'token = "{token}"')
        finally:
            control.close()
        path = workdir / "target.toml"
        path.write_text(text)
        assert tomllib.loads(text)["destructive"] == changes.get("destructive", True)
        yield path


def _replace_persona(text: str, persona: str, body: str) -> str:
    """The target text with the table [personas.`persona`] holding only `body`."""
    head = f"[personas.{persona}]"
    start = text.index(head)
    end = text.find("\n[", start + len(head))
    end = len(text) if end < 0 else end
    return text[:start] + f"{head}\n{body}\n" + text[end:]


def write_target(workdir: Path, base_url: str, extra: str = "") -> Path:
    path = workdir / "target.toml"
    path.write_text(f'name = "made"\nbase_url = "{base_url}"\ndestructive = true\n'
                    f'[personas.org_admin]\ntoken = "static-token-for-tests"\n{extra}')
    return path


@contextlib.contextmanager
def web_server(directory: Path) -> Iterator[str]:
    """A plain web server on loopback (Python's http.server): not the iTwins API."""
    handler = _quiet_handler(directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _quiet_handler(directory: Path) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass
    return Handler


@contextlib.contextmanager
def cutting_server() -> Iterator[str]:
    """A loopback server that accepts each connection, reads the request and closes the
    connection unanswered: the connection was made, then the request failed."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopped = threading.Event()

    def serve() -> None:
        while not stopped.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/itwins"
    finally:
        stopped.set()
        thread.join(5)
        listener.close()

