"""What an upload of a fixture case must get on this target (`TargetExpectation`): the
catalogue's `Expectation` of the case, as the documented answers it allows, narrowed by the
target's profile (its `CasePin`s and limits) where the contract is open.

Also the check that a profile pins only what is open: a pin of a documented or observed
case, of a case that does not exist, or one that contradicts the contract is a
configuration error (`profile_problems`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from conformance.contract import (
    DETAILS,
    ERRORS,
    IMAGE_TOO_BIG,
    SIZE_ALWAYS_ACCEPTED,
    SIZE_ALWAYS_REJECTED_ABOVE,
    DetailSpec,
    Evidence,
)
from conformance.images import CASES, Case
from conformance.targets import Profile

_BY_NAME = {c.name: c for c in CASES}


@dataclass(frozen=True)
class Answer:
    """One exact refusal: its status, and its code, message and detail where known."""

    status: int
    code: str | None = None
    detail: DetailSpec | None = None

    def __str__(self) -> str:
        text = " ".join(str(part) for part in (self.status, self.code) if part)
        return f"{text} with detail {self.detail.code}" if self.detail else text


# The two documented answers to a body over the limit: 413 (observed at 6 MiB) or the
# documented example's 422 with the "too big" detail.
SIZE_ANSWERS = (Answer(413, "RequestTooLarge"),
                Answer(422, "InvalidiTwinsRequest", IMAGE_TOO_BIG))


@dataclass(frozen=True)
class TargetExpectation:
    """`accepted`: True must be 201, False must be refused, None either. A refusal must be
    one of `answers`, or, with none, meet the envelope of a refused body. `oversize`: the
    body is over a limit, so a connection cut while sending it is a refusal too (a gateway
    may cut)."""

    accepted: bool | None
    answers: tuple[Answer, ...]
    reason: str
    oversize: bool = False

    def describe(self) -> str:
        if self.accepted:
            return "201"
        refused = " or ".join(map(str, self.answers)) or "a 4xx"
        return f"201 or {refused}" if self.accepted is None else refused


def _is_valid_sized_image(case: Case) -> bool:
    return case.group == "sizes" and case.size is not None and case.decodes


def _from_case(case: Case) -> TargetExpectation:
    e = case.expectation
    if e.accepted is not False or not e.statuses:
        return TargetExpectation(e.accepted, (), e.reason)
    detail = DETAILS[e.detail_code] if e.detail_code else None
    return TargetExpectation(False, tuple(Answer(s, e.code, detail) for s in e.statuses), e.reason)


def _size_answers(profile: Profile) -> tuple[tuple[Answer, ...], str]:
    if profile.oversize_status is None:
        return SIZE_ANSWERS, "413 RequestTooLarge or 422 with the InvalidRequestBody detail"
    return (tuple(a for a in SIZE_ANSWERS if a.status == profile.oversize_status),
            profile.pinned("oversize_status"))


def _sized(case: Case, profile: Profile) -> TargetExpectation:
    """A valid image of a given byte count: accepted up to 5,000,000 bytes, refused with a
    documented size answer above 5 MiB, either between (or as `max_image_bytes` pins)."""
    assert case.size is not None
    answers, why = _size_answers(profile)
    if case.size <= SIZE_ALWAYS_ACCEPTED:
        return TargetExpectation(True, (), case.expectation.reason)
    limit = profile.max_image_bytes
    if limit is not None and case.size <= limit:
        return TargetExpectation(True, (), profile.pinned("max_image_bytes"))
    if case.size > SIZE_ALWAYS_REJECTED_ABOVE:
        return TargetExpectation(False, answers, f"above 5 MiB under either reading: {why}", True)
    if limit is not None:
        pinned = profile.pinned("max_image_bytes")
        return TargetExpectation(False, answers, f"{pinned}; {why}", True)
    return TargetExpectation(None, answers, case.expectation.reason, True)


def target_expectation(case: Case, profile: Profile) -> TargetExpectation:
    """What to assert of an upload of `case` on a target with `profile`."""
    pin = profile.cases.get(case.name)
    if pin is not None:
        why = f"pinned by [profile.cases.{case.name}] status = {pin.status}"
        if pin.status == 201:
            return TargetExpectation(True, (), why)
        return TargetExpectation(False, (Answer(pin.status, pin.code),), why, _is_oversize(case))
    if _is_valid_sized_image(case):
        return _sized(case, profile)
    return _from_case(case)


def _is_oversize(case: Case) -> bool:
    return case.size is not None and case.size > SIZE_ALWAYS_ACCEPTED


# Refusals of a body by a caller whose token is valid, on an iTwin it may change.
_NOT_A_BODY_REFUSAL = {401: "the token is valid", 404: "the iTwin exists"}


def profile_problems(profile: Profile) -> list[str]:
    """One line per `[profile.cases.NAME]` that pins what the contract determines, names no
    case, or contradicts the contract."""
    problems = []
    for name, pin in sorted(profile.cases.items()):
        where = f"[profile.cases.{name}]"
        found = _BY_NAME.get(name)
        if found is None:
            close = difflib.get_close_matches(name, _BY_NAME, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"{where}: there is no such case{hint}")
            continue
        if not _is_open(found):
            problems.append(f"{where}: the contract determines this case "
                            f"({found.expectation.evidence}: {found.expectation.reason}); "
                            f"a profile pins only what is undetermined")
        elif pin.status == 201 and found.expectation.accepted is False:
            problems.append(f"{where}: status 201, but the contract refuses this case "
                            f"({found.expectation.reason})")
        elif pin.status in _NOT_A_BODY_REFUSAL:
            problems.append(f"{where}: status {pin.status}, but {_NOT_A_BODY_REFUSAL[pin.status]}"
                            f" (a refused body is never {pin.status})")
        elif pin.code is not None and pin.code in ERRORS and ERRORS[pin.code].status != pin.status:
            problems.append(f"{where}: code {pin.code} is a {ERRORS[pin.code].status}, "
                            f"not a {pin.status}")
    return problems


def _is_open(case: Case) -> bool:
    """Undetermined by the contract: the case says so, or it is a valid image in the band
    between the two readings of "5 MB"."""
    if case.expectation.evidence == Evidence.UNDETERMINED:
        return True
    return _is_valid_sized_image(case) and case.size is not None and (
        SIZE_ALWAYS_ACCEPTED < case.size <= SIZE_ALWAYS_REJECTED_ABOVE)
