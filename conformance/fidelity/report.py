"""The fidelity report: every scenario as same, different (and how), or on one side only.

Written as JSON (for tools), Markdown (for a CI summary or a pull request) and HTML (to
read in a browser), all from one `FidelityReport`, so the three never disagree. Report
text passes the same leak check as recordings before it is written.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import write_atomically
from ..redact import Redactor, checked

SAME = "same"
DIFFERENT = "different"
ONLY_IN_RECORDING = "only-in-recording"
ONLY_IN_RUN = "only-in-run"
NOT_RECORDED = "not-recorded"
STATUSES = (DIFFERENT, ONLY_IN_RECORDING, ONLY_IN_RUN, SAME, NOT_RECORDED)
STATUS_TEXT = {
    DIFFERENT: "different",
    ONLY_IN_RECORDING: "only in the recording (not run, or skipped, here)",
    ONLY_IN_RUN: "only in this run (not in the recording)",
    SAME: "same",
    NOT_RECORDED: "not recorded by design",
}
FILES = {"json": "fidelity.json", "markdown": "fidelity.md", "html": "fidelity.html"}


@dataclass
class FidelityReport:
    """One comparison of a run with a recording."""

    recording: str
    target: str
    target_is_mock: bool
    known_differences: str | None
    known_applied: bool
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(s["status"] for s in self.scenarios)

    @property
    def failed(self) -> bool:
        """Differences, or recorded scenarios this run did not compare."""
        counts = self.counts()
        return bool(counts[DIFFERENT] or counts[ONLY_IN_RECORDING])

    def to_json(self) -> dict[str, Any]:
        return {
            "recording": self.recording, "target": self.target,
            "target_is_mock": self.target_is_mock,
            "known_differences": self.known_differences, "known_applied": self.known_applied,
            "counts": {status: self.counts()[status] for status in STATUSES},
            "scenarios": sorted(self.scenarios, key=lambda s: s["test"]),
            "stale_known_differences": self.stale,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FidelityReport:
        return cls(data["recording"], data["target"], data["target_is_mock"],
                   data["known_differences"], data["known_applied"], list(data["scenarios"]),
                   list(data["stale_known_differences"]))


def _known_line(report: FidelityReport) -> str:
    if not report.known_differences:
        return "no known differences declared"
    if not report.known_applied:
        return (f"known differences in {report.known_differences} NOT applied: the compared "
                "target is not a mock")
    return f"known differences from {report.known_differences}"


def _scenarios(report: FidelityReport, status: str) -> list[dict[str, Any]]:
    return sorted((s for s in report.scenarios if s["status"] == status),
                  key=lambda s: s["test"])


def markdown(report: FidelityReport) -> str:
    counts = report.counts()
    lines = ["# Mock fidelity report", "",
             f"- recording: `{report.recording}`",
             f"- compared target: `{report.target}`"
             f" ({'a mock' if report.target_is_mock else 'not a mock'})",
             f"- {_known_line(report)}", "",
             "| scenarios | count |", "|---|---|"]
    lines += [f"| {STATUS_TEXT[status]} | {counts[status]} |" for status in STATUSES]
    for status in STATUSES:
        chosen = _scenarios(report, status)
        if not chosen:
            continue
        lines += ["", f"## {STATUS_TEXT[status].capitalize()} ({len(chosen)})", ""]
        for scenario in chosen:
            lines += _markdown_scenario(scenario)
    if report.stale:
        lines += ["", f"## Stale known differences ({len(report.stale)})", ""]
        lines += [f"- `{k['path']}` ({', '.join(k['tests'])}): {k['reason']}"
                  for k in report.stale]
    return "\n".join(lines) + "\n"


def _note(scenario: dict[str, Any]) -> str:
    """What to say after the test id: why it is on one side, or the suite's own verdict."""
    if scenario.get("note"):
        return str(scenario["note"])
    if scenario["status"] == DIFFERENT and scenario.get("suite_outcome"):
        return f"the suite's own checks {scenario['suite_outcome']}"
    return ""


def _markdown_scenario(scenario: dict[str, Any]) -> list[str]:
    line = f"- `{scenario['test']}`"
    if _note(scenario):
        line += f": {_note(scenario)}"
    lines = [line]
    lines += [f"  - **{d['kind']}** `{d['path']}`: {d['message']}"
              for d in scenario.get("differences", [])]
    lines += [f"  - known `{d['path']}`: {d['reason']}" for d in scenario.get("excused", [])]
    return lines


_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.different{color:#b00020}.same{color:#1b5e20}code{background:#f4f4f4;padding:0 .2em}
li{margin:.2em 0}"""


def html_page(report: FidelityReport) -> str:
    esc = html.escape
    counts = report.counts()
    parts = ["<!doctype html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<title>Mock fidelity report</title>", f"<style>{_STYLE}</style></head><body>",
             "<h1>Mock fidelity report</h1><ul>",
             f"<li>recording: <code>{esc(report.recording)}</code></li>",
             f"<li>compared target: <code>{esc(report.target)}</code> "
             f"({'a mock' if report.target_is_mock else 'not a mock'})</li>",
             f"<li>{esc(_known_line(report))}</li></ul>",
             "<table><tr><th>scenarios</th><th>count</th></tr>"]
    parts += [f"<tr><td>{esc(STATUS_TEXT[s])}</td><td>{counts[s]}</td></tr>" for s in STATUSES]
    parts.append("</table>")
    for status in STATUSES:
        chosen = _scenarios(report, status)
        if chosen:
            parts.append(f"<h2 class=\"{esc(status)}\">{esc(STATUS_TEXT[status].capitalize())}"
                         f" ({len(chosen)})</h2><ul>")
            parts += [_html_scenario(s) for s in chosen]
            parts.append("</ul>")
    if report.stale:
        parts.append(f"<h2>Stale known differences ({len(report.stale)})</h2><ul>")
        parts += [f"<li><code>{esc(k['path'])}</code> ({esc(', '.join(k['tests']))}): "
                  f"{esc(k['reason'])}</li>" for k in report.stale]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_scenario(scenario: dict[str, Any]) -> str:
    esc = html.escape
    text = f"<li><code>{esc(scenario['test'])}</code>"
    if _note(scenario):
        text += f": {esc(_note(scenario))}"
    items = [f"<li><b>{esc(d['kind'])}</b> <code>{esc(d['path'])}</code>: {esc(d['message'])}"
             "</li>" for d in scenario.get("differences", [])]
    items += [f"<li>known <code>{esc(d['path'])}</code>: {esc(d['reason'])}</li>"
              for d in scenario.get("excused", [])]
    if items:
        text += "<ul>" + "".join(items) + "</ul>"
    return text + "</li>"


def write(report: FidelityReport, directory: str | Path, redactor: Redactor) -> dict[str, Path]:
    """Write the three forms into `directory`; refuses (LeakError) any that holds a secret."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    texts = {"json": json.dumps(report.to_json(), indent=2, sort_keys=True,
                                ensure_ascii=False) + "\n",
             "markdown": markdown(report), "html": html_page(report)}
    written = {}
    for kind, text in texts.items():
        path = root / FILES[kind]
        write_atomically(path, checked(redactor, redactor.text(text), str(path)))
        written[kind] = path
    return written


def load(directory: str | Path) -> FidelityReport:
    data = json.loads((Path(directory) / FILES["json"]).read_text(encoding="utf-8"))
    return FidelityReport.from_json(data)
