"""Mock fidelity: record what one target answers, compare another with it, report every
difference.

- `normalise`: exchanges as stable data, volatile values as numbered placeholders
  (secrets are removed first, by `conformance.redact`)
- `recording`: the file format, one JSON file per suite module
- `compare`: one test's recorded exchanges against this run's
- `known`: declared differences of a mock, and which are stale
- `report`: the report in JSON, Markdown and HTML
- `plugin`: the pytest options `--record`, `--compare` and friends, and the two consumers of
  the run's evidence behind them (`Recorder`, `Comparer`)
- `command`: `itwin-conformance fidelity`

See docs/fidelity.md for the workflow.
"""
