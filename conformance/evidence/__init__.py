"""The evidence of a run: one typed record per test, made where the test runs, read by
every output.

- `model`: `TestEvidence` and its parts (phases, exchanges, failure, traffic, images), and
  their wire form, the one thing a test's process sends the controller under xdist
- `collector`: the pytest plugin that records the evidence and hands it to the consumers
- `pictures`, `previews`: the uploads beside the thumbnails a target made, as small previews
- `traffic`: what the run spent, by area, and its terminal summary

Consumers (fidelity recording and comparison, the report files, known deviations) subscribe
to the collector; see `collector.Consumer`.
"""
