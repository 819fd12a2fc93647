"""The collector: what it records of a test where the test runs, and the one way it goes to
the controller."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.client import ContractViolation, Exchange, RequestFailed, TargetUnreachable
from conformance.contract import GET_IMAGE
from conformance.contract.validate import Violation
from conformance.deviations import Deviation
from conformance.evidence.collector import (
    CONTRACT_RULE,
    WIRE,
    Collector,
    Consumer,
    failure_of,
    junit_properties,
    redacted,
    rule_of,
)
from conformance.evidence.model import (
    Failure,
    ImagePair,
    Phase,
    Preview,
    TestEvidence,
    Traffic,
    traffic_by_area,
)
from conformance.images import case
from conformance.markers import SUITE_DIR
from conformance.redact import REDACTED, Redactor

SIG = "AbC%2Bdef%2F123%3D"
SMALL = f"http://127.0.0.1:1/blobs/context-thumbnails/small_1.png?sv=1&sr=b&sig={SIG}&sp=r"


def exchange(body: bytes = b"", headers: dict[str, str] | None = None,
             path: str = "/itwins/1/image") -> Exchange:
    return Exchange(operation=GET_IMAGE, method="GET", path=path,
                    request_headers={"accept": "application/json"}, request_size=0,
                    request_sha256=None, status=200,
                    response_headers=headers or {"content-type": "application/json"},
                    response_body=body, persona="org_admin")


def evidence(**fields: Any) -> TestEvidence:
    return TestEvidence("conformance/suite/test_x.py::T::t", "test_x.py::T::t", **fields)


class TestRedactedOnce:
    def test_signatures_in_text_bodies_and_headers_are_redacted(self) -> None:
        seen = redacted(exchange(json.dumps({"url": SMALL}).encode(),
                                 {"content-type": "application/json", "location": SMALL}),
                        Redactor())
        assert SIG not in seen.response_body.decode() and SIG not in seen.response_headers[
            "location"]
        assert f"sig={REDACTED}" in seen.response_body.decode()

    def test_the_run_secrets_are_redacted_in_the_path_too(self) -> None:
        seen = redacted(exchange(path="/itwins/secret-value-1/image"),
                        Redactor.of(["secret-value-1"]))
        assert seen.path == f"/itwins/{REDACTED}/image"

    def test_a_binary_body_is_kept_as_it_came(self) -> None:
        image = b"\x89PNG" + b"sig=" + bytes(100)  # bytes that look like text are not text
        seen = redacted(exchange(image, {"content-type": "image/png"}), Redactor())
        assert seen.response_body == image


class TestFailure:
    def test_a_contract_violation_keeps_its_exchange_and_violations(self) -> None:
        error = ContractViolation(exchange(), [Violation("$status", "server error 503")])
        assert failure_of(error) == Failure("contract", exchange=exchange().describe(),
                                            violations=("$status: server error 503",))

    @pytest.mark.parametrize(("error", "expected"), [
        (AssertionError("x"), Failure("assertion")),
        (TargetUnreachable("x"), Failure("transport", type="TargetUnreachable")),
        (RequestFailed("x"), Failure("transport", type="RequestFailed")),
        (KeyError("x"), Failure("error", type="KeyError"))])
    def test_kinds(self, error: BaseException, expected: Failure) -> None:
        assert failure_of(error) == expected

    def test_as_report_json_has_it(self) -> None:
        assert Failure("assertion").as_dict() == {"kind": "assertion"}
        assert Failure("error", type="KeyError").as_dict() == {"kind": "error",
                                                               "type": "KeyError"}


class TestRule:
    def test_a_case_names_its_catalogue_rule(self) -> None:
        item = SimpleNamespace(callspec=SimpleNamespace(params={"case": case("ratio-6x1")}))
        assert str(rule_of(item)).startswith("6:1: longer than 5:1: expects 422")

    def test_else_the_nearest_docstring(self) -> None:
        def test_x() -> None:
            """Deleting twice is refused.

            More words."""
        item = SimpleNamespace(obj=test_x, cls=None, module=None)
        assert rule_of(item) == "Deleting twice is refused."

    def test_the_contract_rule_is_what_a_violation_broke(self) -> None:
        assert "never a 5xx" in CONTRACT_RULE


class TestWire:
    def test_every_part_survives_the_trip(self) -> None:
        made = evidence(
            in_suite=True, markers=("documented", "images"), area="images", level="documented",
            rule="a rule", worker="gw1",
            phases=[Phase("setup", "passed", duration=0.1),
                    Phase("call", "failed", message="boom", details="long boom",
                          exchanges=[exchange(b'{"a": 1}'), exchange(b"\x89PNG\x00")]),
                    Phase("teardown", "passed")],
            failure=Failure("contract", exchange="GET / -> 500", violations=("$status: 500",)),
            deviation=Deviation("test_x.py::*", "why", "https://x.test/1", dt.date(2099, 1, 2)),
            traffic=Traffic(3, 40, 1, 1.5),
            images=[ImagePair("x", 201, "image/png", 4, Preview("a", "data:image/png;base64,"),
                              None)],
            findings={"fidelity": {"status": "same"}})
        wire = made.to_wire()
        assert TestEvidence.from_wire(wire) == made
        assert json.loads(json.dumps(wire, default=lambda b: b.hex())) is not None

    def test_the_outcome_is_the_worst_phase(self) -> None:
        made = evidence(phases=[Phase("setup", "passed"), Phase("call", "passed"),
                                Phase("teardown", "failed")])
        assert (made.outcome, made.suite_outcome) == ("error", "failed")


class TestTraffic:
    def test_junit_properties_are_those_not_zero(self) -> None:
        assert junit_properties(Traffic(3, 0, 2, 1.25)) == [
            ("requests", 3), ("retries", 2), ("retry_wait", 1.25)]

    def test_by_area_with_the_tests_of_no_area_apart(self) -> None:
        spent = traffic_by_area([evidence(area="auth", traffic=Traffic(1, 2, 0, 0)),
                                 evidence(traffic=Traffic(1, 0, 0, 0))])
        assert spent == {"auth": Traffic(1, 2, 0, 0), "other": Traffic(1, 0, 0, 0),
                         "all": Traffic(2, 2, 0, 0)}


class Taker(Consumer):
    def __init__(self) -> None:
        self.taken: list[TestEvidence] = []

    def take(self, evidence: TestEvidence) -> None:
        self.taken.append(evidence)


def fake_config(worker: bool) -> Any:
    config = SimpleNamespace(stash=pytest.Stash(), invocation_params=SimpleNamespace(
        dir=Path.cwd()))
    if worker:
        config.workerinput = {"workerid": "gw0"}
    return config


def teardown_report(made: TestEvidence) -> pytest.TestReport:
    report = pytest.TestReport(made.nodeid, ("t.py", 1, "t"), {}, "passed", None, "teardown")
    setattr(report, WIRE, made.to_wire())
    return report


class TestRoles:
    def test_a_worker_sends_the_evidence_on(self) -> None:
        collector, taker = Collector(fake_config(worker=True)), Taker()
        collector.consumers.append(taker)
        report = teardown_report(evidence(traffic=Traffic(2, 0, 0, 0)))
        collector.pytest_runtest_logreport(report)
        assert hasattr(report, WIRE) and taker.taken == []

    def test_the_controller_hands_it_to_each_consumer_and_keeps_none_of_it(self) -> None:
        collector, first, second = Collector(fake_config(worker=False)), Taker(), Taker()
        collector.consumers += [first, second]
        made = evidence(traffic=Traffic(2, 0, 1, 0.5))
        report = teardown_report(made)
        collector.pytest_runtest_logreport(report)
        assert first.taken == second.taken == [made]
        assert not hasattr(report, WIRE)
        assert report.user_properties == [("requests", 2), ("retries", 1), ("retry_wait", 0.5)]

    def test_in_suite_ids_are_relative_to_the_suite(self) -> None:
        from conformance.markers import test_id

        item = SimpleNamespace(path=SUITE_DIR / "test_auth.py",
                               nodeid="conformance/suite/test_auth.py::TestHeader::test_x[y]",
                               name="test_x[y]")
        assert test_id(item) == "test_auth.py::TestHeader::test_x[y]"


class TestTerminalCounts:
    """By evidence level as pytest's summary words them: an error, an xfail and an xpass are
    pytest's own categories, not passed, failed or skipped."""

    @pytest.mark.parametrize(("phases", "expected"), [
        ([Phase("setup", "passed"), Phase("call", "passed")], {("documented", "passed"): 1}),
        ([Phase("setup", "passed"), Phase("call", "failed")], {("documented", "failed"): 1}),
        ([Phase("setup", "skipped")], {("documented", "skipped"): 1}),
        ([Phase("setup", "failed")], {}),
        ([Phase("setup", "passed"), Phase("call", "skipped", excused=True)], {}),
        ([Phase("setup", "passed"), Phase("call", "passed", excused=True)], {}),
        ([Phase("setup", "passed"), Phase("call", "passed"), Phase("teardown", "failed")],
         {("documented", "passed"): 1})])
    def test_each_test_once_in_pytests_words(self, phases: list[Phase],
                                             expected: dict[tuple[str, str], int]) -> None:
        from conformance.evidence.terminal import by_level

        assert dict(by_level(evidence(level="documented", phases=phases))) == expected
