"""The image operations the auth and permission tests try on an iTwin, each by the
contract's id, and the short name that test ids give it
(`test_may_or_may_not[member_read-delete-image]`)."""

from __future__ import annotations

import httpx

from conformance.client import ApiClient, HeaderValues
from conformance.contract import DELETE_IMAGE, GET_IMAGE, GET_ITWIN, UPLOAD_IMAGE
from conformance.images import build_bytes, case

from .checks import BASELINE_CASE

# Contract id -> its name in test ids; the one place the two meet.
SHORT_NAMES = {UPLOAD_IMAGE: "upload", GET_IMAGE: "get-image", DELETE_IMAGE: "delete-image",
               GET_ITWIN: "get-itwin"}
WRITES = (UPLOAD_IMAGE, DELETE_IMAGE)


def call(client: ApiClient, operation_id: str, itwin_id: str,
         headers: HeaderValues | None = None, *, auth: bool = True) -> httpx.Response:
    """`operation_id` on the iTwin, with `headers` added; an upload sends the baseline PNG.
    `auth` False sends no Authorization header at all."""
    content = None
    if operation_id == UPLOAD_IMAGE:
        content = build_bytes(case(BASELINE_CASE))
        headers = {"content-type": "image/png", **(headers or {})}
    return client.call(operation_id, {"iTwinId": itwin_id}, headers=headers, content=content,
                       auth=auth)
