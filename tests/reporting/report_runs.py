"""End-to-end runs for the reporting tests (fixtures in report_fixtures.py).

The end-to-end run: the suite, part of it, against a mock that breaks one documented rule
(it accepts 6:1 images), through the command (`itwin-conformance run --report out`) under
xdist, in a subprocess, as CI would run it. The mock runs in this process so that every
token it mints and every blob link it signs is recorded: those are the values no report
file may contain.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conformance import contract
from conformance.control_client import MockControl
from conformance.mock import MockSettings, serve_in_thread
from tests.suite.suite_runs import REPO, run_command, run_pytest

# Accepts 6:1 and 1:6, which the documented rule refuses: test_upload[ratio-6x1] fails.
BROKEN = {"max_ratio": 6}
FAILING = "test_upload_images.py::TestRatios::test_upload[ratio-6x1]"
SKIPPED_PERSONA = "non_member"
SELECTION = " or ".join([
    "ratio-6x1", "ratio-1000x200", "ratio-jpeg-1000x200", "type-gif", "corrupt-png-truncated",
    "TestForgedTokens", "TestMintedTokens", "waited_out", "member_read", "non_member-upload",
    "small_url",
])
PERSONAS = tuple(name for name in contract.PERSONAS if name != SKIPPED_PERSONA)
FAITHFUL_PROFILE = ("[profile]\nmax_image_bytes = 5242880\noversize_status = 413\n"
                    "non_member_status = 404\nadmin_reads_without_membership = true\n")


@dataclass
class ReportRun:
    """What a run left, and the secrets it had."""

    out: Path
    returncode: int
    stdout: str
    stderr: str
    secrets: list[str]
    signatures: int  # SAS signatures the mock issued during the run
    tokens: int  # tokens it minted (target file, control API, token endpoint)

    def read(self, name: str) -> str:
        return (self.out / name).read_text(encoding="utf-8")

    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.read("report.json"))
        return loaded

    def record(self, test_id: str) -> dict[str, Any]:
        return next(t for t in self.json()["tests"] if t["id"] == test_id)


class Recorder:
    """Every token the mock mints and every signature it puts in a blob link."""

    def __init__(self, mock: Any) -> None:
        self.tokens: set[str] = set()
        self.signatures: set[str] = set()
        sas, issuer = mock.state.sas, mock.state.tokens
        sign, mint = sas.url, issuer.mint

        def signed(*args: Any, **kwargs: Any) -> str:
            url: str = sign(*args, **kwargs)
            self.signatures.update(parse_qs(urlsplit(url).query).get("sig", []))
            return url

        def minted(*args: Any, **kwargs: Any) -> str:
            token: str = mint(*args, **kwargs)
            self.tokens.add(token)
            return token

        sas.url, issuer.mint = signed, minted


def static_target(mock: Any, personas: tuple[str, ...] = PERSONAS) -> str:
    """A target file whose personas hold tokens minted now (so all of them are known), with
    the faithful profile: the mock is broken, the target file does not say so."""
    own = tomllib.loads(mock.target_toml())
    control = MockControl(mock.control_url, mock.control_secret)
    try:
        tokens = {name: control.mint_token(name) for name in personas}
        tokens["expired"] = control.mint_token("org_admin", expires_in=-600)
        tokens["no_scope"] = control.mint_token("org_admin", scope="openid profile")
    finally:
        control.close()
    lines = ['name = "broken-mock"', f'base_url = "{own["base_url"]}"', "destructive = true",
             f'[itwins]\nshared = "{own["itwins"]["shared"]}"']
    lines += [f'[personas.{name}]\ntoken = "{token}"' for name, token in tokens.items()]
    lines += [FAITHFUL_PROFILE, f'[mock]\ncontrol_url = "{mock.control_url}"\n'
                                f'control_secret = "{mock.control_secret}"']
    return "\n".join(lines) + "\n"


def client_secrets(mock: Any) -> list[str]:
    own = tomllib.loads(mock.target_toml())
    return [p["client_secret"] for p in own["personas"].values() if "client_secret" in p]


def run_report(workdir: Path, extra: list[str], settings: dict[str, Any] | None = None,
               paths: list[str] | None = None) -> ReportRun:
    """Run the suite with `--report` into `workdir`/out against a recording mock.

    Through the command by default (`itwin-conformance run`, in `workdir`); with `paths`,
    through pytest in the repository instead, so that files outside the suite can join
    (its output is all in `stdout`).
    """
    mock = serve_in_thread(MockSettings(**(settings if settings is not None else BROKEN)))
    try:
        recorder = Recorder(mock)
        target = workdir / "target.toml"
        target.write_text(static_target(mock))
        recorder.tokens.update(tomllib.loads(target.read_text())["personas"][p]["token"]
                               for p in ("org_admin", "expired", "no_scope"))
        if paths is None:
            result = run_command("run", "--target", str(target), "--report", "out", *extra,
                                 cwd=workdir, timeout=600)
        else:
            out = workdir / "out"
            run = run_pytest([str(REPO / path) for path in paths], "--report", str(out),
                             *extra, junit=out / "junit.xml", target=target, timeout=600)
            result = subprocess.CompletedProcess([], run.returncode, run.output, "")
        secrets = sorted(recorder.tokens | recorder.signatures | set(client_secrets(mock)))
        return ReportRun(workdir / "out", result.returncode, result.stdout, result.stderr,
                         secrets, len(recorder.signatures), len(recorder.tokens))
    finally:
        mock.stop()
