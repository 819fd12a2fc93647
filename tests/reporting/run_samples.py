"""Runs made by hand, for tests of the writers that need no suite run."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

from PIL import Image

from conformance.deviations import Deviation
from conformance.evidence.model import Failure, ImagePair, Preview
from conformance.reporting.records import Run, TestRecord


def data_uri(color: tuple[int, int, int], size: tuple[int, int] = (50, 10)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def record(test_id: str, outcome: str, *, area: str = "images", evidence: str = "documented",
           message: str | None = None, failure: dict[str, Any] | None = None,
           deviation: dict[str, Any] | None = None, **fields: Any) -> TestRecord:
    """A record as the reports get it; `failure` and `deviation` as report.json has them."""
    return TestRecord(
        f"conformance/suite/{test_id}", test_id, outcome=outcome, duration=0.1,
        message=message, area=area, evidence=evidence,
        failure=Failure.from_dict(failure) if failure else None,
        deviation=Deviation(**{**deviation, "expires": dt.date.fromisoformat(
            deviation["expires"])}) if deviation else None, **fields)


def pair(label: str, status: int, thumbnail: bool = True,
         thumbnail_uri: str | None = None) -> ImagePair:
    return ImagePair(
        label, status, "image/png", 945,
        fixture=Preview("1000x200 PNG, 945 bytes", data_uri((200, 60, 30))),
        thumbnail=Preview("400x80 PNG, 351 bytes", thumbnail_uri or data_uri((30, 60, 200)))
        if thumbnail else None)


def sample_run(**overrides: Any) -> Run:
    records = [
        record("test_upload_images.py::TestRatios::test_upload[ratio-1000x200]", "passed",
               images=[pair("ratio-1000x200", 201)], personas=["org_admin"]),
        record("test_upload_images.py::TestRatios::test_upload[ratio-6x1]", "failed",
               message="AssertionError: ratio-6x1: expected 422, got 201",
               rule="6:1: longer than 5:1: expects 422 InvalidiTwinsRequest (documented)",
               images=[pair("ratio-6x1", 201)], personas=["org_admin"],
               failure={"kind": "assertion"}),
        record("test_lifecycle.py::TestAcceptHeader::test_x", "failed", area="lifecycle",
               message="get-itwin -> 500 breaks the contract",
               failure={"kind": "contract", "exchange": "GET /itwins/1 (get-itwin) -> 500",
                        "violations": ["$status: server error 500: a 5xx is never a "
                                       "conforming answer"]}),
        record("test_permissions.py::TestPersonas::test_may_or_may_not[non_member-upload]",
               "skipped", area="permissions", evidence="undetermined",
               message="persona non_member is not in target staging"),
        record("test_permissions.py::TestPersonas::test_may_or_may_not[non_member-delete]",
               "skipped", area="permissions", evidence="undetermined",
               message="persona non_member is not in target staging"),
        record("test_rate_limits.py::TestTooManyRequests::test_y", "skipped", area="ratelimit",
               message="target staging is not a mock (no [mock] control_url)"),
        record("test_auth.py::TestHeader::test_z", "xfailed", area="auth",
               message="known deviation: staging says 400 (https://x.test/1; until 2099-01-01)",
               deviation={"test": "test_auth.py::TestHeader::test_z", "reason": "staging says 400",
                          "link": "https://x.test/1", "expires": "2099-01-01", "target": None}),
        record("test_auth.py::TestHeader::test_w", "xpassed", area="auth",
               deviation={"test": "test_auth.py::TestHeader::test_w", "reason": "fixed now?",
                          "link": "https://x.test/2", "expires": "2099-01-01", "target": None}),
    ]
    values: dict[str, Any] = {
        "records": records, "target_name": "staging",
        "target_url": "https://qa-api.bentley.com/itwins", "run_id": "abcd1234",
        "started": "2025-06-15T10:00:00+00:00", "duration": 12.5, "exit_status": 1,
        "expired": [Deviation("test_old.py::t", "old | issue", "https://x.test/3",
                              dt.date(2025, 1, 1))],
        "unused": [Deviation("test_gone.py::t", "renamed", "https://x.test/4",
                             dt.date(2099, 1, 1))],
    }
    values.update(overrides)
    return Run(**values)
