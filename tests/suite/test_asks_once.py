"""Within a test the suite asks each question once.

An API read (GET) is not repeated, by the same persona, unless a write (any PUT, POST or
DELETE, taken or refused) came between, since only a write can change its answer. Read from
report.json's calls of a whole run against the mock. A 429 or a 5xx is no answer (the mock
injects them on purpose): the read after it asks again.

A blob link is fetched once per test until the request under test (`Reader`, below). A
whole run cannot show that from report.json: a call records a link's path without its
query (the SAS signature is a secret), and a target may sign the same blob anew in every
answer, which makes it a new link the suite must fetch. The fuzz tests are left out too:
their requests are generated and differ in headers and query.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.client import DOWNLOAD
from conformance.mock import serve_in_thread
from conformance.suite.stored import Reader
from conformance.targets import Profile

from .suite_runs import FAITHFUL, run_pytest, target_text

GENERATED = "fuzz"


def repeated_reads(calls: list[dict[str, Any]]) -> list[str]:
    """Each read of `calls` that repeats one made since the last write."""
    asked: set[tuple[Any, str]] = set()
    repeats = []
    for call in calls:
        if call["operation"] == DOWNLOAD:
            continue
        if call["method"] != "GET":
            asked.clear()
            continue
        if call["status"] == 429 or call["status"] >= 500:
            continue
        question = (call["persona"], call["path"])
        if question in asked:
            repeats.append(f"{call['persona']} GET {call['path']}")
        asked.add(question)
    return repeats


def call(method: str, path: str, persona: str | None = "org_admin", status: int = 200,
         operation: str = "get-itwin-image") -> dict[str, Any]:
    return {"method": method, "path": path, "persona": persona, "status": status,
            "operation": operation}


class TestRepeatedReads:
    def test_a_read_asked_again_is_a_repeat(self) -> None:
        calls = [call("GET", "/itwins/a/image"), call("GET", "/itwins/a"),
                 call("GET", "/itwins/a/image")]
        assert repeated_reads(calls) == ["org_admin GET /itwins/a/image"]

    def test_a_link_fetched_again_may_be_a_new_signature(self) -> None:
        calls = [call("GET", "/blobs/s.png", operation=DOWNLOAD)] * 2
        assert repeated_reads(calls) == []

    def test_a_write_between_makes_it_a_new_question(self) -> None:
        calls = [call("GET", "/itwins/a/image"), call("PUT", "/itwins/a/image", status=422),
                 call("GET", "/itwins/a/image")]
        assert repeated_reads(calls) == []

    def test_another_persona_asks_another_question(self) -> None:
        calls = [call("GET", "/itwins/a"), call("GET", "/itwins/a", persona="reader"),
                 call("GET", "/itwins/a", persona=None)]
        assert repeated_reads(calls) == []

    @pytest.mark.parametrize("status", [429, 503])
    def test_the_read_after_no_answer_is_no_repeat(self, status: int) -> None:
        calls = [call("GET", "/itwins/a", status=status), call("GET", "/itwins/a")]
        assert repeated_reads(calls) == []


class Downloads:
    """A client that only downloads, one after another, counting what it fetched."""

    def __init__(self) -> None:
        self.fetched: list[str] = []

    def concurrently(self, *calls: Callable[[], Any]) -> list[Any]:
        return [call() for call in calls]

    def download(self, url: str) -> httpx.Response:
        self.fetched.append(url)
        return httpx.Response(200, content=PNG_BYTES, headers={"content-type": "image/png"})


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(24)
CARRIER = httpx.Response(201)


class TestReaderFetchesALinkOnce:
    def test_until_the_request_under_test(self) -> None:
        client = Downloads()
        reader = Reader(client, Profile())  # type: ignore[arg-type]
        links = [("https://blob/s.png?sig=1", CARRIER, "small image"),
                 ("https://blob/l.png?sig=1", CARRIER, "large image")]
        reader.fetch_all(*links)
        reader.fetch(links[0][0], CARRIER, "small image")
        reader.fetch_all(*links)
        assert sorted(client.fetched) == sorted(url for url, _, _ in links)
        reader.forget()  # the request under test may have changed what they serve
        reader.fetch(links[0][0], CARRIER, "small image")
        assert len(client.fetched) == 3

    def test_a_link_signed_anew_is_a_new_link(self) -> None:
        client = Downloads()
        reader = Reader(client, Profile())  # type: ignore[arg-type]
        for signature in ("1", "2"):
            reader.fetch(f"https://blob/s.png?sig={signature}", CARRIER, "small image")
        assert len(client.fetched) == 2


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """report.json of a whole serial run of the suite against the faithful mock."""
    directory = tmp_path_factory.mktemp("asks-once")
    mock = serve_in_thread(FAITHFUL)
    try:
        target = directory / "target.toml"
        target.write_text(target_text(mock, FAITHFUL))
        run = run_pytest([""], "--report", str(directory / "report"),
                         junit=directory / "junit.xml", target=target)
    finally:
        mock.stop()
    assert run.returncode == 0, str(run)
    loaded: dict[str, Any] = json.loads((directory / "report" / "report.json").read_text())
    return loaded


class TestTheSuite:
    def test_asks_no_question_twice_within_a_test(self, report: dict[str, Any]) -> None:
        tests = [t for t in report["tests"] if t["area"] != GENERATED]
        assert all(t["calls_total"] == len(t["calls"]) for t in tests), "calls were cut"
        repeats = {t["id"]: found for t in tests if (found := repeated_reads(t["calls"]))}
        assert not repeats, "\n".join(f"{test}: asked again {', '.join(reads)}"
                                        for test, reads in repeats.items())

    def test_reads_what_it_checks(self, report: dict[str, Any]) -> None:
        # The check above reads something: every accepted upload is followed by reads.
        uploads = [t for t in report["tests"] if t["area"] == "images"]
        assert uploads and all(any(c["method"] == "GET" for c in t["calls"]) for t in uploads)
