"""Reports of a conformance run that people and CI read.

`--report DIR` writes four files: `junit.xml` (pytest's own JUnit writer, redacted
afterwards), `report.json` (one record per test), `summary.md` (a CI job summary) and
`report.html` (self-contained: each test with its redacted exchanges and, for uploads, the
fixture beside the thumbnail the target made). `--known-deviations FILE` turns listed
failures into expected failures until their expiry date.

Workers and the controller split the work: each process that runs tests condenses a test's
exchanges into a compact, already redacted summary carried in the teardown report's
`user_properties` (the only per-test data xdist ships back); the controller alone writes
the files, once.
"""

from ..redact import Redactor
from .deviations import Deviation, DeviationError, load_deviations

__all__ = ["Deviation", "DeviationError", "Redactor", "load_deviations"]
