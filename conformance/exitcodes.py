"""Exit codes of `itwin-conformance`, stable for CI, and pytest's code for an unreachable
target (which the command turns into its own)."""

OK = 0
FAILURES = 1
USAGE = 2
UNREACHABLE = 3

# pytest.exit code the plugin uses when the target cannot be reached at all.
PYTEST_UNREACHABLE = 13
