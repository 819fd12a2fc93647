"""The CI wiring in .github/workflows: this project's checks, and the example staging gate
(whose target-file step is run here for real)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.targets import load_target

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
SECRETS = {"ITWINS_ORG_ADMIN_CLIENT_ID": "admin-id", "ITWINS_ORG_ADMIN_CLIENT_SECRET": "a-sec",
           "ITWINS_MEMBER_MODIFY_CLIENT_ID": "mod-id",
           "ITWINS_MEMBER_MODIFY_CLIENT_SECRET": "m-sec",
           "ITWINS_MEMBER_READ_CLIENT_ID": "read-id", "ITWINS_MEMBER_READ_CLIENT_SECRET": "r-sec",
           # what GitHub passes for a secret that is not set: an empty string
           "ITWINS_NON_MEMBER_CLIENT_ID": "", "ITWINS_NON_MEMBER_CLIENT_SECRET": ""}
VARIABLES = {"ITWINS_BASE_URL": "https://qa-api.bentley.com/itwins",
             "ITWINS_TOKEN_URL": "https://qa-ims.bentley.com/connect/token",
             "ITWINS_SHARED_ITWIN": "5e1e5f2c-0000-4000-8000-000000000001", "TENANT": "staging"}


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("name") == name)


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


class TestChecks:
    @pytest.fixture(scope="class")
    @classmethod
    def jobs(cls) -> dict[str, Any]:
        return dict(workflow("checks.yml")["jobs"])

    def test_lint_types_and_tests(self, jobs: dict[str, Any]) -> None:
        assert "ruff check" in runs(jobs["lint"])
        assert "mypy" in runs(jobs["types"])
        assert "python -m pytest -n 2" in runs(jobs["tests"])

    def test_ci_docs_and_the_workflow_run_the_same_mypy_command(
            self, jobs: dict[str, Any]) -> None:
        in_workflow = re.findall(r"mypy [\w ./-]*\w", runs(jobs["types"]))
        in_ci = re.findall(r"(?m)^mypy [\w ./-]*\w", (REPO / ".ci" / "run").read_text())
        in_docs = re.findall(r"`(mypy [\w ./-]*\w)`", (REPO / "docs" / "ci.md").read_text())
        assert in_workflow == in_ci == ["mypy conformance"]
        assert set(in_docs) == {"mypy conformance"}  # which CI's own step proves clean

    def test_the_browser_test_cannot_be_skipped_in_ci(self, jobs: dict[str, Any]) -> None:
        assert jobs["tests"]["env"]["CONFORMANCE_REQUIRE_BROWSER"] == "1"

    def test_runs_on_pushes_and_pull_requests(self) -> None:
        loaded = workflow("checks.yml")
        # YAML 1.1 reads the key `on` as true
        triggers = next(value for key, value in loaded.items() if key in ("on", True))
        assert {"push", "pull_request"} <= set(triggers)


class TestStagingGate:
    @pytest.fixture(scope="class")
    @classmethod
    def gate(cls) -> dict[str, Any]:
        return workflow("staging-gate.yml")

    def test_one_run_at_a_time_per_tenant_never_cancelled(self, gate: dict[str, Any]) -> None:
        concurrency = gate["concurrency"]
        assert "inputs.tenant" in concurrency["group"]
        assert concurrency["cancel-in-progress"] is False

    def test_secrets_come_from_the_store_only(self, gate: dict[str, Any]) -> None:
        env = gate["jobs"]["conformance"]["env"]
        secret_names = [k for k in env if k.endswith(("_CLIENT_ID", "_CLIENT_SECRET"))]
        assert len(secret_names) == 10
        for name in secret_names:
            assert env[name] == f"${{{{ secrets.{name} }}}}"

    def test_the_report_is_published_and_uploaded_even_on_failure(self,
                                                                  gate: dict[str, Any]) -> None:
        job = gate["jobs"]["conformance"]
        summary = step(job, "publish the summary")
        upload = step(job, "upload the report")
        assert summary["if"] == upload["if"] == "always()"
        assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
        assert "summary.md" in summary["run"]
        assert upload["uses"].startswith("actions/upload-artifact@")
        assert upload["with"]["path"] == "${{ env.REPORT_DIR }}/"

    def test_the_run_uses_the_report_and_known_deviations(self, gate: dict[str, Any]) -> None:
        command = step(gate["jobs"]["conformance"], "run the conformance suite")["run"]
        assert '--report "$REPORT_DIR"' in command and "--known-deviations" in command
        assert "itwin-conformance run" in command
        assert "--require-area images,auth,permissions,lifecycle" in command

    def test_cleanup_runs_first_with_the_default_age(self, gate: dict[str, Any]) -> None:
        names = [s.get("name") for s in gate["jobs"]["conformance"]["steps"]]
        assert names.index("clean up scratch iTwins of crashed runs") < names.index(
            "run the conformance suite")
        cleanup = step(gate["jobs"]["conformance"], "clean up scratch iTwins of crashed runs")
        assert "itwin-conformance cleanup --target target.toml --older-than 2h" in cleanup["run"]


class TestStagingTargetFile:
    """The gate's 'write the target file' step, run in bash with the CI's variables."""

    @pytest.fixture
    def written(self, tmp_path: Path) -> Path:
        script = step(workflow("staging-gate.yml")["jobs"]["conformance"],
                      "write the target file")["run"]
        env = {"PATH": os.environ["PATH"], **SECRETS, **VARIABLES}
        subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                       check=True, timeout=30)
        return tmp_path / "target.toml"

    def test_the_file_loads_with_the_personas_that_have_secrets(self, written: Path) -> None:
        target = load_target(written, environ={**SECRETS, **VARIABLES})
        assert set(target.personas) == {"org_admin", "member_modify", "member_read"}
        assert target.base_url == VARIABLES["ITWINS_BASE_URL"]
        assert target.itwins == {"shared": VARIABLES["ITWINS_SHARED_ITWIN"]}
        assert target.destructive and not target.is_production
        assert target.secrets() == ["a-sec", "m-sec", "r-sec"]

    def test_the_file_holds_no_secret_value(self, written: Path) -> None:
        text = written.read_text()
        assert "${ITWINS_ORG_ADMIN_CLIENT_SECRET}" in text
        for value in SECRETS.values():
            if value:
                assert value not in text

    def test_a_tenant_profile_is_appended(self, tmp_path: Path) -> None:
        (tmp_path / "conformance").mkdir()
        (tmp_path / "conformance" / "profile-staging.toml").write_text(
            "\n[profile]\noversize_status = 413\n")
        script = step(workflow("staging-gate.yml")["jobs"]["conformance"],
                      "write the target file")["run"]
        subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, check=True,
                       env={"PATH": os.environ["PATH"], **SECRETS, **VARIABLES}, timeout=30)
        target = load_target(tmp_path / "target.toml", environ={**SECRETS, **VARIABLES})
        assert target.profile.oversize_status == 413
