"""Suite-like tests for the gate's own tests, marked the way the suite marks its tests: some
only read (the shared iTwin, an unknown iTwin), some write (marked destructive), and one
writes through a scratch iTwin without the mark (the fixture's second guard skips it).

Not collected by the project's own run (the file name does not start with test_); the
tests in tests/tooling/test_gate.py pass this file to `itwin-conformance run`.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest
from PIL import Image

from conformance.client import ApiClient


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 20)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.permissions
@pytest.mark.documented
class TestReads:
    def test_a_member_reads_the_shared_itwin(
            self, client_factory: Callable[[str | None], ApiClient], shared_itwin: str) -> None:
        response = client_factory("member_read").get_itwin(shared_itwin)
        assert response.status_code == 200
        assert response.json()["iTwin"]["id"] == shared_itwin

    def test_an_unknown_itwin_is_not_found(self, admin: ApiClient) -> None:
        assert admin.get_itwin(str(uuid.uuid4())).status_code == 404


@pytest.mark.lifecycle
@pytest.mark.documented
class TestWrites:
    @pytest.mark.destructive
    def test_an_upload_is_created(self, admin: ApiClient, scratch_itwin: str) -> None:
        assert admin.upload_image(scratch_itwin, png(), "image/png").status_code == 201

    @pytest.mark.destructive
    def test_a_delete_without_an_image_is_not_found(self, admin: ApiClient,
                                                    scratch_itwin: str) -> None:
        assert admin.delete_image(scratch_itwin).status_code == 404

    def test_a_write_without_the_mark(self, admin: ApiClient, scratch_itwin: str) -> None:
        assert admin.upload_image(scratch_itwin, png(), "image/png").status_code == 201
