"""report.json: the run as data, one record per test, for dashboards and scripts.

The format is versioned (`format`); fields are only ever added within a version. Exchange
bodies and image previews stay in the HTML report; here each test keeps its calls
(persona, operation, method, path, status, retries), which is what a script compares, and
what it spent (`traffic`: requests, bytes sent, 429 retries, seconds waited for them), which
the run's `traffic` sums by area and in all.
"""

from __future__ import annotations

import json
from typing import Any

from .records import Run

FORMAT = "itwin-conformance-report/1"


def document(run: Run) -> dict[str, Any]:
    counts = run.counts()
    return {
        "format": FORMAT,
        "run_id": run.run_id,
        "target": {"name": run.target_name, "base_url": run.target_url},
        "started": run.started,
        "duration": round(run.duration, 3),
        "exit_status": run.exit_status,
        "verdict": run.verdict,
        "stopped_at": run.stopped_at,
        "why": list(run.why),
        "counts": dict(sorted(counts.items())),
        "counts_by_area": {k: dict(v) for k, v in run.counts_by("area").items()},
        "counts_by_evidence": {k: dict(v) for k, v in run.counts_by("evidence").items()},
        "retries": run.retries,
        "traffic": {area: spent.as_dict() for area, spent in run.traffic.items()},
        "known_deviations": {
            "expired": [d.as_dict() for d in run.expired],
            "now_passing": [r.test_id for r in run.now_passing],
            "excused": [r.test_id for r in run.excused],
            "unused": [d.as_dict() for d in run.unused],
        },
        "tests": [record.as_json() for record in run.records],
    }


def render(run: Run) -> str:
    return json.dumps(document(run), indent=1, ensure_ascii=False) + "\n"
