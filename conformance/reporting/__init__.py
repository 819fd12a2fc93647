"""Reports of a conformance run that people and CI read.

`--report DIR` writes four files: `junit.xml` (pytest's own JUnit writer, redacted
afterwards), `report.json` (one record per test), `summary.md` (a CI job summary) and
`report.html` (self-contained: each test with its redacted exchanges and, for uploads, the
fixture beside the thumbnail the target made). `--known-deviations FILE` turns listed
failures into expected failures until their expiry date.

The reports read the run's evidence (`conformance.evidence`), which the process that ran
each test made and redacted; the controller alone writes the files, once.
"""
