"""What the process running a test gathers about it, condensed for the report writer.

Under xdist the controller that writes the reports never sees a test's fixtures or its
exchanges; only the test report crosses back. So here, next to the test, the exchanges are
reduced to a compact summary (calls, redacted exchange views, image previews, the rule the
test checks, how it failed) that travels as one JSON string in the teardown report's
`user_properties`. Every text in it is redacted before it leaves this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ..client import DOWNLOAD, ContractViolation, Exchange, TransportFailure
from ..contract import DETAILS, UPLOAD_IMAGE, Evidence
from ..plugin import AREAS, SUITE_DIR
from ..redact import Redactor
from .images import preview

SUMMARY_PROPERTY = "conformance-report"
MAX_EXCHANGE_VIEWS = 40  # per test, in the HTML
MAX_CALLS = 200  # per test, in the JSON (the fuzz tests make hundreds)
MAX_IMAGE_PAIRS = 4  # per test
MAX_BODY_TEXT = 2000  # characters of a response body shown
MAX_FETCH_BYTES = 4 * 1024 * 1024  # a thumbnail the report fetches itself
FETCH_TIMEOUT = 10.0
DROPPED_RESPONSE_HEADERS = ("set-cookie",)
TEXT_MEDIA = ("application/json", "text/", "application/problem+json")
CONTRACT_RULE = ("Every response matches the contract for its operation and status "
                 "(schemas/openapi.json: documented statuses, schema-valid bodies, never a 5xx)")


class ExchangeLog:
    """The exchange listener: each test's exchanges, kept until its teardown report."""

    def __init__(self) -> None:
        self._by_test: dict[str, list[Exchange]] = defaultdict(list)

    def __call__(self, nodeid: str, exchange: Exchange) -> None:
        self._by_test[nodeid].append(exchange)

    def take(self, nodeid: str) -> list[Exchange]:
        return self._by_test.pop(nodeid, [])

    def peek(self, nodeid: str) -> list[Exchange]:
        return list(self._by_test.get(nodeid, []))


def suite_test_id(item: pytest.Item) -> str:
    """The id relative to the suite directory, the same however the suite was started."""
    path = Path(str(item.path))
    names = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else item.name
    if SUITE_DIR in path.parents:
        return f"{path.relative_to(SUITE_DIR).as_posix()}::{names}"
    return item.nodeid


def marker_in(item: pytest.Item, names: Any) -> str | None:
    return next((m.name for m in item.iter_markers() if m.name in names), None)


def case_of(item: pytest.Item) -> Any:
    """The image fixture case a test is parametrized with, if any."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("case") if callspec is not None else None


def rule_of(item: pytest.Item) -> str | None:
    """The contract rule a test checks: its case's expectation, else the nearest docstring."""
    expectation = getattr(case_of(item), "expectation", None)
    if expectation is not None:
        return case_rule(expectation)
    for owner in (getattr(item, "obj", None), getattr(item, "cls", None),
                  getattr(item, "module", None)):
        doc = inspect.getdoc(owner) if owner is not None else None
        if doc:
            return " ".join(doc.split("\n\n", 1)[0].split())
    return None


def case_rule(expectation: Any) -> str:
    """A fixture case's rule as the catalogue states it: why, and which answer it expects
    (the target's profile may narrow an undetermined one)."""
    if expectation.accepted is True:
        expected = "201"
    else:
        expected = " ".join(filter(None, ["/".join(map(str, expectation.statuses)) or "a 4xx",
                                          expectation.code]))
        if expectation.accepted is None:
            expected = f"201 or {expected}"
    rule = f"{expectation.reason}: expects {expected}"
    detail = DETAILS.get(expectation.detail_code or "")
    if detail is not None:
        rule += f" with detail {detail.code} \"{detail.message}\""
    return f"{rule} ({expectation.evidence})"


def failure_of(excinfo: pytest.ExceptionInfo[BaseException]) -> dict[str, Any]:
    """How a phase failed: a contract violation (with its list), an assertion, no HTTP
    answer (a transport failure), or a crash."""
    error = excinfo.value
    if isinstance(error, ContractViolation):
        return {"kind": "contract", "exchange": error.exchange.describe(),
                "violations": [f"{v.path}: {v.message}" for v in error.violations]}
    if isinstance(error, AssertionError):
        return {"kind": "assertion"}
    if isinstance(error, TransportFailure):  # no HTTP answer: which kind says where it broke
        return {"kind": "transport", "type": type(error).__name__}
    return {"kind": "error", "type": type(error).__name__}


def summarise(item: pytest.Item, exchanges: list[Exchange], failure: dict[str, Any] | None,
              deviation: dict[str, Any] | None, redactor: Redactor,
              fetched: dict[str, dict[str, str | None]] | None = None) -> dict[str, Any]:
    """The test's summary for the report writer, redacted, as plain JSON data."""
    api = [e for e in exchanges if e.operation != DOWNLOAD]
    failed_rule = CONTRACT_RULE if failure and failure["kind"] == "contract" else None
    summary = {
        "id": suite_test_id(item),
        "worker": os.environ.get("PYTEST_XDIST_WORKER"),  # which process ran it, under xdist
        "evidence": marker_in(item, tuple(Evidence)),
        "area": marker_in(item, AREAS),
        "rule": failed_rule or rule_of(item),
        "personas": _distinct(e.persona for e in api if e.persona),
        "operations": _distinct(e.operation or f"{e.method} (unrouted)" for e in api),
        "statuses": _distinct(e.status for e in api),
        "retries": sum(1 for e in exchanges if e.retries > 0),
        "calls": [_call(e) for e in exchanges[:MAX_CALLS]],
        "exchanges": [exchange_view(e, redactor) for e in exchanges[:MAX_EXCHANGE_VIEWS]],
        "exchanges_total": len(exchanges),
        "images": image_pairs(item, exchanges, fetched or {}),
        "failure": failure,
        "deviation": deviation,
    }
    cleaned: dict[str, Any] = _redacted(summary, redactor)
    return cleaned


def encode(summary: dict[str, Any]) -> str:
    return json.dumps(summary, separators=(",", ":"))


def _distinct(values: Any) -> list[Any]:
    return list(dict.fromkeys(values))


def _call(exchange: Exchange) -> dict[str, Any]:
    return {"persona": exchange.persona, "operation": exchange.operation,
            "method": exchange.method, "path": exchange.path, "status": exchange.status,
            "retries": exchange.retries}


def exchange_view(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """One exchange as the HTML shows it. The client keeps no Authorization header and
    paths carry no query, so only the headers and the body excerpt need redaction."""
    headers = {k: v for k, v in exchange.response_headers.items()
               if k.lower() not in DROPPED_RESPONSE_HEADERS}
    return {
        "method": exchange.method, "path": exchange.path, "operation": exchange.operation,
        "persona": exchange.persona, "status": exchange.status, "retries": exchange.retries,
        "elapsed_ms": round(exchange.elapsed * 1000, 1),
        "request": {"headers": dict(exchange.request_headers), "size": exchange.request_size,
                    "sha256": exchange.request_sha256},
        "response": {"headers": headers, "body": body_text(exchange)},
    }


def body_text(exchange: Exchange) -> str:
    """A JSON or text body as text (bounded), anything else as its size and type."""
    body = exchange.response_body
    if not body:
        return ""
    media = next((v for k, v in exchange.response_headers.items()
                  if k.lower() == "content-type"), "")
    if not any(media.lower().startswith(kind) or kind in media.lower() for kind in TEXT_MEDIA):
        return f"({len(body):,} bytes of {media or 'unknown type'})"
    text = body[:MAX_BODY_TEXT * 2].decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(body), indent=1)
    if len(text) > MAX_BODY_TEXT:
        text = text[:MAX_BODY_TEXT] + f"... ({len(body):,} bytes)"
    return text


def image_pairs(item: pytest.Item, exchanges: list[Exchange],
                fetched: dict[str, dict[str, str | None]]) -> list[dict[str, Any]]:
    """Uploads worth seeing: the fixture sent beside the thumbnail the target made.

    An upload is shown when it sent the test's own fixture case (accepted or refused), or
    when the test fetched its thumbnail; baseline uploads and auth probes are left to the
    exchange list. The bytes sent are the case's fixture file (or the catalogue file, or the
    large-image download) with the upload's hash. `fetched` holds thumbnails the report
    fetched itself, by the small image's path (see `unfetched_thumbnails`).
    """
    downloads = [e for e in exchanges if e.operation == DOWNLOAD and e.status == 200]
    case_bytes = _case_file(item, case_of(item))
    pairs = []
    for upload in (e for e in exchanges if e.operation == UPLOAD_IMAGE):
        pair = _pair(item, upload, downloads, case_bytes, fetched)
        if pair is not None:
            pairs.append(pair)
    return pairs[:MAX_IMAGE_PAIRS]


def _pair(item: pytest.Item, upload: Exchange, downloads: list[Exchange],
          case_bytes: bytes | None,
          fetched: dict[str, dict[str, str | None]]) -> dict[str, Any] | None:
    digest = upload.request_sha256
    is_case = case_bytes is not None and digest == _sha256(case_bytes)
    small = _small_url(upload)
    small_path = urlsplit(small).path if small else None
    thumb = next((d for d in downloads if small_path and d.path == small_path), None)
    if not (is_case or thumb):
        return None
    if is_case:
        label, sent = str(case_of(item).name), case_bytes
    else:
        label, sent = _catalogue_file(item, upload)
        sent = sent or next((d.response_body for d in downloads
                             if digest == _sha256(d.response_body)), None)
    return {
        "label": label,
        "status": upload.status,
        "content_type": upload.request_headers.get("content-type"),
        "size": upload.request_size,
        "fixture": (preview(sent).as_dict() if sent is not None else
                    {"description": f"{upload.request_size:,} bytes (not kept)",
                     "data_uri": None}),
        "thumbnail": (preview(thumb.response_body).as_dict() if thumb is not None
                      else fetched.get(small_path or "")),
    }


def unfetched_thumbnails(item: pytest.Item, exchanges: list[Exchange]) -> dict[
        str, dict[str, str | None]]:
    """Thumbnails of the test's own fixture that the target accepted but the test never
    fetched (it failed first, typically): a failing case is the one worth seeing. Called
    when the test body ends, before its fixtures are torn down and the image with them."""
    case_bytes = _case_file(item, case_of(item))
    if case_bytes is None:
        return {}
    digest = _sha256(case_bytes)
    downloaded = {d.path for d in exchanges if d.operation == DOWNLOAD}
    found = {}
    for upload in exchanges:
        small = _small_url(upload) if upload.operation == UPLOAD_IMAGE else None
        path = urlsplit(small).path if small else None
        if small and path and upload.request_sha256 == digest and path not in downloaded:
            found[path] = fetched_thumbnail(small)
    return found


def fetched_thumbnail(url: str) -> dict[str, str | None]:
    """The small image at `url`, fetched by the report. A SAS link needs no token; the
    answer is capped in size; nothing of it is kept but the preview."""
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=False) as http, \
                http.stream("GET", url) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FETCH_BYTES:
                    return {"description": "over the size a thumbnail may have; not shown",
                            "data_uri": None}
    except httpx.HTTPError as exc:
        return {"description": f"could not be fetched for the report ({type(exc).__name__})",
                "data_uri": None}
    if response.status_code != 200:
        return {"description": f"no longer there (fetched after the test: "
                               f"{response.status_code})", "data_uri": None}
    shown = preview(body).as_dict()
    shown["description"] = f"{shown['description']} (fetched for the report)"
    return shown


def _catalogue_file(item: pytest.Item, upload: Exchange) -> tuple[str, bytes | None]:
    """The catalogue fixture an upload sent, found by size and hash (tests that build a
    case's bytes themselves keep no copy); ("upload", None) if it was none of them."""
    from ..images import case, default_fixture_dir, fixture_path, load_manifest

    folder = (getattr(item, "funcargs", None) or {}).get("fixture_dir") or default_fixture_dir()
    try:
        records = load_manifest()["files"]
    except (OSError, ValueError, KeyError):
        return "upload", None
    for record in records:
        if record.get("bytes") != upload.request_size:
            continue
        try:
            data = fixture_path(case(record["case"]), folder).read_bytes()
        except (OSError, KeyError):
            continue
        if _sha256(data) == upload.request_sha256:
            return str(record["case"]), data
    return "upload", None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _case_file(item: pytest.Item, case: Any) -> bytes | None:
    """The fixture file of `case`, from the directory the test itself used."""
    funcargs = getattr(item, "funcargs", None) or {}
    folder = funcargs.get("fixture_dir")
    if case is None or folder is None:
        return None
    from ..images import fixture_path

    try:
        return fixture_path(case, folder).read_bytes()
    except OSError:
        return None


def _small_url(upload: Exchange) -> str | None:
    """The small image's link in an accepted upload's answer."""
    if upload.status != 201:
        return None
    try:
        url = json.loads(upload.response_body)["image"]["smallImageUrl"]
    except (ValueError, KeyError, TypeError):
        return None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def _redacted(data: Any, redactor: Redactor) -> Any:
    """Every string in `data` redacted, except image data URIs (bytes, not traffic text)."""
    if isinstance(data, str):
        return data if data.startswith("data:image/") else redactor.text(data)
    if isinstance(data, dict):
        return {key: _redacted(value, redactor) for key, value in data.items()}
    if isinstance(data, list):
        return [_redacted(value, redactor) for value in data]
    return data
