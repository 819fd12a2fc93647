"""What a fixture is (`Case`) and what the API should answer to it (`Expectation`)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from conformance.contract import Evidence

GROUPS = ("sizes", "ratios", "types", "variants", "corruption", "floods")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True, kw_only=True)
class Expectation:
    """The answer an upload must get, and how sure the contract is about it.

    `accepted`: True = must be 201, False = must be rejected, None = either is allowed.
    `statuses`: allowed rejection statuses; empty means any 4xx.
    """

    accepted: bool | None
    statuses: tuple[int, ...] = ()
    code: str | None = None
    detail_code: str | None = None
    detail_target: str | None = None
    evidence: Evidence
    reason: str

    def __post_init__(self) -> None:
        if self.evidence not in tuple(Evidence):
            raise ValueError(f"evidence must be one of {', '.join(Evidence)}, "
                             f"not {self.evidence!r}")
        object.__setattr__(self, "evidence", Evidence(self.evidence))
        if not self.reason or "\n" in self.reason:
            raise ValueError("reason must be one non-empty line")
        if self.accepted is not False and (self.statuses or self.code or self.detail_code):
            raise ValueError("only a rejection can name statuses or error codes")
        if any(not 400 <= status < 500 for status in self.statuses):
            raise ValueError(f"rejection statuses must be 4xx: {self.statuses}")


@dataclass(frozen=True, kw_only=True)
class Case:
    """One fixture: how to build it, how to send it, what it is, and what must happen.

    The declared properties (`size`, `width`, `height`, `format`, `decodes`, `signature`)
    are what `verify` checks before an upload; `format` is Pillow's name, None when Pillow
    cannot identify the bytes, and then `width` and `height` are None too. `signature` is
    the mean colour of every frame, which a thumbnail must keep (see `signature`); None
    where the colour cannot be judged (the catalogue says why).
    """

    name: str
    recipe: str
    params: Mapping[str, object] = field(hash=False)
    content_type: str | None
    expectation: Expectation
    filename: str
    size: int | None
    width: int | None
    height: int | None
    format: str | None
    decodes: bool
    signature: tuple[int, int, int] | None
    group: str

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.name):
            raise ValueError(f"case name must be a lower-case slug: {self.name!r}")
        if self.group not in GROUPS:
            raise ValueError(f"{self.name}: group must be one of {GROUPS}")
        if not self.filename.startswith(self.name + "."):
            raise ValueError(f"{self.name}: filename must be the name plus an extension")
        if self.format is None and (self.width, self.height, self.decodes) != (None, None, False):
            raise ValueError(f"{self.name}: bytes Pillow cannot identify have no dimensions")
        if self.signature is not None and not (
                self.decodes and len(self.signature) == 3
                and all(isinstance(c, int) and 0 <= c <= 255 for c in self.signature)):
            raise ValueError(f"{self.name}: a signature is three 0..255 levels of an image "
                             "that decodes")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
