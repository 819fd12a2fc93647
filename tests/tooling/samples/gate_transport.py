"""Suite-like tests that meet transport failures, for tests/tooling/test_gate.py.

`GATE_SAMPLE_CUT_URL` is a server that accepts connections and closes them unanswered (the
connection is made, then the request fails: `RequestFailed`). `GATE_SAMPLE_CUTS` tests
send their request there; `GATE_SAMPLE_ANSWERED` others read the target and pass.
"""

from __future__ import annotations

import os
import uuid

import pytest

from conformance.client import ApiClient

CUTS = int(os.environ.get("GATE_SAMPLE_CUTS", "0"))
ANSWERED = int(os.environ.get("GATE_SAMPLE_ANSWERED", "0"))


@pytest.mark.documented
class TestTransport:
    @pytest.mark.parametrize("n", range(CUTS))
    def test_cut(self, n: int) -> None:
        with ApiClient(os.environ["GATE_SAMPLE_CUT_URL"], persona="org_admin") as cut:
            cut.get_itwin(str(uuid.uuid4()))

    @pytest.mark.parametrize("n", range(ANSWERED))
    def test_answered(self, n: int, admin: ApiClient) -> None:
        assert admin.get_itwin(str(uuid.uuid4())).status_code == 404
