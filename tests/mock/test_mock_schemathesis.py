"""Schemathesis over schemas/openapi.json against the mock: no 5xx, every answer conforms.

Two bounded runs of the `st` command: one with generated iTwin ids (mostly 404s, every
operation including delete-itwin), one with the shared iTwin's id fixed so that uploads,
gets and deletes reach the image logic. The checks are those about responses; the ones
about which requests should be accepted are left out, because the mock is stricter than
the request schema in documented places (class/subClass pairs) and laxer in others
(an Accept header it does not know is served, as Bentley's own client sends none).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mock.mock_testkit import Api, png

pytest_plugins = ["tests.mock.mock_fixtures"]

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance,unsupported_method,"
          "allow_header_conformance,ignored_auth")
MAX_EXAMPLES = "25"


def st_command() -> list[str]:
    beside = Path(sys.executable).with_name("st")
    found = str(beside) if beside.exists() else shutil.which("st")
    if found is None:
        pytest.skip("the schemathesis command `st` is not installed")
    return [found]


def run_st(api: Api, tmp_path: Path, config: str, *extra: str) -> subprocess.CompletedProcess[str]:
    # The token travels in the environment, never on a command line that `ps` shows.
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text('headers = { Authorization = "Bearer ${ST_TEST_TOKEN}" }\n' + config)
    command = [*st_command(), "--config-file", str(config_file), "--no-color", "run",
               f"{api.mock.origin}/openapi.json", "--url", api.mock.base_url,
               "--checks", CHECKS, "--max-examples", MAX_EXAMPLES, "--seed", "7",
               "--workers", "1", "--generation-database", "none", *extra]
    environ = {**os.environ, "ST_TEST_TOKEN": api.token("org_admin")}
    return subprocess.run(command, capture_output=True, text=True, timeout=240,
                          cwd=tmp_path, env=environ)


class TestSchemathesis:
    def test_generated_ids(self, api: Api, tmp_path: Path) -> None:
        result = run_st(api, tmp_path, "")
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]

    def test_shared_itwin(self, api: Api, tmp_path: Path) -> None:
        assert api.upload(api.shared, png()).status_code == 201  # so GET/DELETE reach it
        config = f'[parameters]\n"path.iTwinId" = "{api.shared}"\n'
        result = run_st(api, tmp_path, config, "--exclude-operation-id", "delete-itwin")
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
        assert api.get_itwin(api.shared).status_code == 200
