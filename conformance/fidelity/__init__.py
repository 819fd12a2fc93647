"""Mock fidelity: record what one target answers, compare another with it, report every
difference.

- `normalise`: exchanges as stable data, volatile values as numbered placeholders
- `redact`: what must never be written (tokens, client secrets, SAS signatures)
- `recording`: the file format, one JSON file per suite module
- `compare`: one test's recorded exchanges against this run's
- `known`: declared differences of a mock, and which are stale
- `report`: the report in JSON, Markdown and HTML
- `plugin`: the pytest options `--record`, `--compare` and friends
- `command`: `itwin-conformance fidelity`

See docs/fidelity.md for the workflow.
"""
