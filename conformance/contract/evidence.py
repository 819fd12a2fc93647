"""How sure the contract is of a fact: the three evidence levels (docs/contract.md).

Each is also the name of the pytest marker a suite test states its evidence with, so a
level is its marker's name.
"""

from __future__ import annotations

from enum import StrEnum


class Evidence(StrEnum):
    DOCUMENTED = "documented"  # stated in Bentley's public API reference
    OBSERVED = "observed"  # seen from the real service by Bentley's own client's tests
    UNDETERMINED = "undetermined"  # neither: the suite asserts only what any sane answer meets
