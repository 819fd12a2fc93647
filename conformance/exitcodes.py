"""Exit codes of `itwin-conformance`, stable for CI, and the pytest exit statuses the plugin
uses for its own stops (which the command turns into its codes)."""

OK = 0
FAILURES = 1
USAGE = 2
UNREACHABLE = 3
NOTHING_TESTED = 4

# pytest exit statuses of the plugin's own stops (pytest's own use 0-5).
PYTEST_UNREACHABLE = 13  # the target could not be reached: at the preflight, or mid-run
PYTEST_NOTHING_TESTED = 14  # no conformance test executed, or a --require-area did not

SUMMARY = ("0 all passed, 1 conformance failures, 2 usage or configuration error, "
           "3 target unreachable, 4 nothing tested")
