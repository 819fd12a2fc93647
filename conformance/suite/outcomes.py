"""What an upload of a fixture case must get on this target: the case's expectation,
narrowed by the target's profile where the contract leaves the answer undetermined."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.contract import DETAILS, IMAGE_TOO_BIG, DetailSpec
from conformance.images import Case
from conformance.targets import Profile

# The documented body of a size rejection depends on which status the target chose.
SIZE_REJECTION = {413: ("RequestTooLarge", None),
                  422: ("InvalidiTwinsRequest", IMAGE_TOO_BIG)}


@dataclass(frozen=True)
class Outcome:
    accepted: bool | None  # True: must be 201; False: must be a 4xx; None: either
    statuses: tuple[int, ...]  # allowed rejection statuses; () = any 4xx
    code: str | None
    detail: DetailSpec | None
    reason: str

    def describe(self) -> str:
        if self.accepted:
            return "201"
        what = "/".join(map(str, self.statuses)) or "a 4xx"
        if self.accepted is None:
            what = f"201 or {what}"
        return f"{what} {self.code or ''}".strip()


def _from_case(case: Case) -> Outcome:
    e = case.expectation
    detail = DETAILS[e.detail_code] if e.detail_code else None
    return Outcome(e.accepted, e.statuses, e.code, detail, e.reason)


def _is_valid_sized_image(case: Case) -> bool:
    return case.group == "sizes" and case.size is not None and case.decodes


def _size_rejection(statuses: tuple[int, ...], reason: str) -> Outcome:
    if len(statuses) == 1 and statuses[0] in SIZE_REJECTION:
        code, detail = SIZE_REJECTION[statuses[0]]
        return Outcome(False, statuses, code, detail, reason)
    return Outcome(False, statuses, None, None, reason)


def expected_outcome(case: Case, profile: Profile) -> Outcome:
    """The outcome to assert for `case` on a target with `profile`."""
    pinned = profile.cases.get(case.name)
    if pinned is not None:
        if pinned.status == 201:
            return Outcome(True, (), None, None, "pinned by the target's profile")
        return Outcome(False, (pinned.status,), pinned.code, None,
                       "pinned by the target's profile")
    outcome = _from_case(case)
    if _is_valid_sized_image(case) and outcome.accepted is not True:
        assert case.size is not None
        if profile.max_image_bytes is not None and case.size <= profile.max_image_bytes:
            return Outcome(True, (), None, None,
                           f"within the profile's max_image_bytes {profile.max_image_bytes}")
        if profile.max_image_bytes is not None or outcome.accepted is False:
            statuses = outcome.statuses or (413, 422)
            if profile.oversize_status is not None and len(statuses) > 1:
                statuses = (profile.oversize_status,)
            return _size_rejection(statuses, outcome.reason)
    return outcome
