"""The suite fails, naming the right tests, against mocks that break the contract.

Each test starts the mock in this process, altered through its settings or patched, and
runs part of the suite against it in a subprocess over HTTP, as against any target. The
target file claims the faithful profile: the mock breaks the contract, the target does not.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jwt
import pytest

from conformance.contract import ERRORS
from conformance.images import CASES
from conformance.mock import MockSettings
from conformance.mock import auth as mock_auth
from conformance.mock import errors as mock_errors
from conformance.mock import uploads as mock_uploads
from conformance.mock.world import ITwin

pytest_plugins = ["tests.mock.mock_fixtures"]  # start_mock

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "conformance" / "suite"
FAITHFUL = MockSettings()
FAITHFUL_MAX_BYTES = FAITHFUL.max_image_bytes


def faithful_target(text: str) -> str:
    """The mock's own target file with its [profile] replaced by the faithful mock's."""
    tables = [t for t in text.split("\n\n") if not t.startswith("[profile]")]
    tables.append(f"[profile]\nmax_image_bytes = {FAITHFUL.max_image_bytes}\n"
                  f"oversize_status = {FAITHFUL.oversize_status}\n"
                  f"non_member_status = {FAITHFUL.non_member_status}\n")
    return "\n\n".join(tables)


def run_suite(mock: Any, tmp_path: Path, *selection: str) -> tuple[set[str], set[str]]:
    """Run the selected suite tests against `mock`; (failed, passed) test names."""
    target = tmp_path / "target.toml"
    target.write_text(faithful_target(mock.target_toml()))
    junit = tmp_path / "junit.xml"
    paths = [str(SUITE / part) for part in selection]
    subprocess.run([sys.executable, "-m", "pytest", *paths, "-p", "conformance.plugin",
                    "--target", str(target), "-q", "-p", "no:cacheprovider",
                    f"--junitxml={junit}", "-o", "junit_family=xunit2"],
                   cwd=REPO, capture_output=True, text=True, timeout=600)
    failed, passed = set(), set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        bad = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        if bad:
            failed.add(name)
        elif not skipped:
            passed.add(name)
    return failed, passed


def upload_test(case_name: str) -> str:
    return f"test_upload[{case_name}]"


class TestSettingsBreaks:
    def test_ratio_limit_of_six(self, start_mock: Any, tmp_path: Path) -> None:
        failed, passed = run_suite(start_mock(max_ratio=6), tmp_path,
                                   "test_upload_images.py::TestRatios")
        # Every case the contract rejects for its ratio but a 6:1 limit lets through.
        expected = {upload_test(c.name) for c in CASES if c.group == "ratios"
                    and c.expectation.accepted is False and c.width and c.height
                    and max(c.width, c.height) <= 6 * min(c.width, c.height)}
        assert expected, "the catalogue has ratio cases between 5:1 and 6:1"
        assert failed == expected
        assert upload_test("ratio-1000x200") in passed  # the exact 5:1 edge still passes

    def test_size_limit_one_byte_lower(self, start_mock: Any, tmp_path: Path) -> None:
        failed, _ = run_suite(start_mock(max_image_bytes=FAITHFUL_MAX_BYTES - 1), tmp_path,
                              "test_upload_images.py::TestSizes")
        expected = {upload_test(c.name) for c in CASES
                    if c.group == "sizes" and c.size == FAITHFUL_MAX_BYTES and c.decodes}
        assert expected and failed == expected

    def test_oversize_answered_422_where_the_profile_says_413(self, start_mock: Any,
                                                              tmp_path: Path) -> None:
        failed, _ = run_suite(start_mock(oversize_status=422), tmp_path,
                              "test_upload_images.py::TestSizes")
        expected = {upload_test(c.name) for c in CASES if c.group == "sizes" and c.decodes
                    and c.size is not None and c.size > FAITHFUL_MAX_BYTES}
        assert expected and failed == expected


class TestPatchedBreaks:
    def test_thumbnail_not_resized(self, start_mock: Any, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(mock_uploads, "thumbnail", lambda data, header, settings: data)
        failed, passed = run_suite(start_mock(), tmp_path, "test_lifecycle.py::TestUpload")
        assert failed == {"test_small_url_serves_a_thumbnail_of_the_same_shape[png]",
                          "test_small_url_serves_a_thumbnail_of_the_same_shape[jpeg]"}
        assert "test_large_url_serves_the_exact_bytes_without_a_token[png]" in passed

    def test_permission_check_skipped(self, start_mock: Any, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(ITwin, "may", lambda self, user, action: True)
        failed, passed = run_suite(start_mock(), tmp_path, "test_permissions.py")
        refused = {f"test_may_or_may_not[{persona}-{op}]"
                   for persona in ("non_member", "other_org_admin")
                   for op in ("upload", "delete", "get-image", "get-itwin")}
        refused |= {"test_may_or_may_not[member_read-upload]",
                    "test_may_or_may_not[member_read-delete]"}
        assert failed == refused
        assert "test_may_or_may_not[member_modify-upload]" in passed

    def test_wrong_error_code(self, start_mock: Any, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
        real = mock_errors.error_body

        def renamed(code: str, **kwargs: Any) -> dict[str, Any]:
            body = real(code, **kwargs)
            if code == "ImageNotFound":
                body["error"]["code"] = "ImageMissing"
            return body

        monkeypatch.setattr(mock_errors, "error_body", renamed)
        failed, _ = run_suite(start_mock(), tmp_path, "test_lifecycle.py::TestDelete")
        # Both tests that read ImageNotFound fail; the one that reads the iTwin does not.
        assert failed == {"test_delete_then_get_is_404", "test_delete_is_not_idempotent"}
        assert ERRORS["ImageNotFound"].code == "ImageNotFound"  # the shared data is untouched


AUTH_OPERATIONS = ("delete-image", "get-image", "get-itwin", "upload")


class TestAuthBreaks:
    def test_expiry_not_checked(self, start_mock: Any, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
        def lax(issuer_self: Any, token: str, issuer: str) -> dict[str, Any]:
            return dict(jwt.decode(token, issuer_self._public, algorithms=["RS256"],
                                   audience=mock_auth.AUDIENCE, issuer=issuer,
                                   options={"verify_exp": False}))

        monkeypatch.setattr(mock_auth.TokenIssuer, "verify", lax)
        failed, passed = run_suite(start_mock(), tmp_path, "test_auth.py")
        assert failed == {f"test_is_refused_with_its_code[{op}-expired]"
                          for op in AUTH_OPERATIONS}
        assert "test_is_refused_with_its_code[get-image-no-scope]" in passed

    def test_scope_not_checked(self, start_mock: Any, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(mock_auth, "has_scope", lambda claims: True)
        failed, _ = run_suite(start_mock(), tmp_path, "test_auth.py")
        assert failed == {f"test_is_refused_with_its_code[{op}-no-scope]"
                          for op in AUTH_OPERATIONS}
