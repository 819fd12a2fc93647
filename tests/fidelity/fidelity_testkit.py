"""Shared helpers of the fidelity tests: exchanges made by hand, and part of the suite run
against a mock in a subprocess with --record or --compare, as a team would run it.

The e2e tests start mocks in this process (so they can alter or patch them) and reach
them from the subprocess over HTTP, like tests/suite/test_catches_broken_mocks.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.client import Exchange
from conformance.mock import RunningMock
from tests.mock.mock_testkit import StartMock  # noqa: F401 (re-exported)
from tests.suite.suite_runs import REPO, SUITE, SuiteRun, run_command, run_pytest

__all__ = ["REPO", "SUITE", "SuiteRun", "run_command"]  # for the fidelity tests

DOCUMENTED = REPO / "fidelity" / "baselines" / "documented"
ITWIN_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
IMAGE_ID = "9b2d1c3e-1111-4a7e-8c55-5d6f7a8b9c0d"
ORIGIN = "http://127.0.0.1:8080"
ACCEPT = "application/vnd.bentley.itwin-platform.v1+json"

# A quick selection of the suite: an accepted upload and two oversize ones, delete and get
# round trips, and a 401 for each operation.
OVERSIZE = "test_upload_images.py::TestSizes::test_upload[size-png-5242881]"
SELECTION = (
    "test_upload_images.py::TestSizes::test_upload[size-png-4999999]",
    OVERSIZE,
    "test_upload_images.py::TestSizes::test_upload[size-jpeg-6291456]",
    "test_lifecycle.py::TestDelete",
    "test_lifecycle.py::TestUpload::test_get_returns_the_uploaded_image",
    "test_auth.py::TestHeader::test_missing_is_header_not_found",
)


def sas_url(container: str, name: str, sig: str = "c2lnbmF0dXJl", origin: str = ORIGIN) -> str:
    return (f"{origin}/blobs/{container}/{name}?sv=2022-11-02&sr=b&sig={sig}"
            f"&se=2026-11-27T20%3A35%3A26Z&sp=r")


def image_json(image_id: str = IMAGE_ID, ext: str = "png", sig: str = "c2lnbmF0dXJl") -> bytes:
    return json.dumps({"image": {
        "id": image_id,
        "smallImageName": f"small_{image_id}.{ext}",
        "smallImageUrl": sas_url("context-thumbnails", f"small_{image_id}.{ext}", sig),
        "largeImageName": f"large_{image_id}.{ext}",
        "largeImageUrl": sas_url("context-images", f"large_{image_id}.{ext}", sig),
    }}).encode()


def error_json(code: str, message: str, **extra: Any) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, **extra}}).encode()


def exchange(**fields: Any) -> Exchange:
    """An upload answered 201, with any field replaced."""
    values: dict[str, Any] = {
        "operation": "upload-itwin-image", "method": "PUT",
        "path": f"/itwins/{ITWIN_ID}/image",
        "request_headers": {"accept": ACCEPT, "content-type": "image/png",
                            "content-length": "4"},
        "request_size": 4, "request_sha256": "ab" * 32, "status": 201,
        "response_headers": {"content-type": "application/json", "date": "Fri, 27 Nov 2026 "
                             "18:35:25 GMT", "server": "uvicorn"},
        "response_body": image_json(), "persona": "org_admin"}
    values.update(fields)
    return Exchange(**values)


def get_image(body: bytes | None = None, status: int = 200, **fields: Any) -> Exchange:
    """A GET of the image answered `status` with `body` (default: the image)."""
    values: dict[str, Any] = {
        "operation": "get-itwin-image", "method": "GET", "request_headers": {"accept": ACCEPT},
        "request_size": 0, "request_sha256": None, "status": status,
        "response_body": image_json() if body is None else body}
    return exchange(**{**values, **fields})


def run_suite(target: Path | None, selection: Sequence[str], *options: str,
              workers: int | None = None, junit: Path) -> SuiteRun:
    """Run the selected suite tests (paths relative to the suite) with pytest options."""
    return run_pytest(selection, *options, junit=junit, target=target, workers=workers,
                      timeout=600)


@dataclass
class Recorded:
    """A default mock and the recording of the quick selection made from it."""

    mock: RunningMock
    target: Path
    directory: Path
    run: SuiteRun



WriteTarget = Callable[..., Path]


def target_text(mock: RunningMock, *, as_real: bool = False) -> str:
    """The mock's target file; `as_real` drops its [mock] table, so it is not a mock."""
    text = mock.target_toml()
    if as_real:
        text = "\n\n".join(t for t in text.split("\n\n") if not t.startswith("[mock]"))
    return text


def read_tree(directory: Path) -> dict[str, str]:
    """Every file under `directory`, by relative path, as text."""
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8")
            for p in sorted(directory.rglob("*")) if p.is_file()}


def load_module(directory: Path, module: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / module).read_text(encoding="utf-8"))
    return data
