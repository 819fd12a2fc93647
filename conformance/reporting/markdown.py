"""summary.md: the run in a page, fit for a CI job summary ($GITHUB_STEP_SUMMARY).

Written for the person deciding whether a release may go: the verdict first (and why, when
it is neither pass nor fail: not run, nothing tested), then counts by area and evidence
level, then what the run sent by area, then the failures grouped by cause, each with the
contract rule it broke, then what
the known deviations excused or no longer need, then who was not tested and why. Bounded in
size (GitHub takes at most 1 MiB per step summary): failures beyond a limit are counted,
and the JSON and HTML reports hold them all.
"""

from __future__ import annotations

import re

from .causes import by_cause, by_skip_reason
from .records import OUTCOMES, SKIPPED, Run, TestRecord

MAX_FAILURES_SHOWN = 50
MAX_LINE = 500
SKIPPED_NAMES_SHOWN = 20  # test names per skip reason
# The plugin's skip for a persona the target file lacks (client_factory in conformance.plugin).
PERSONA_SKIP = re.compile(r"persona (?P<persona>\S+) is not in (?:the )?target")


def render(run: Run) -> str:
    parts = [_heading(run), _counts("area", run), _counts("evidence", run), _traffic(run),
             _failures(run),
             _deviations(run), _skipped_personas(run), _other_skips(run)]
    return "\n\n".join(part for part in parts if part) + "\n"


def _heading(run: Run) -> str:
    counts = run.counts()
    icon = "✅" if run.exit_status == 0 else "❌"
    tally = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
    lines = [f"# {icon} iTwins image API conformance: {run.verdict}",
             "",
             f"Target **{_cell(run.target_name or '?')}** (`{run.target_url or '?'}`), "
             f"run `{run.run_id or '?'}`, started {run.started}, {run.duration:.1f} s.",
             "",
             f"{len(run.records)} tests: {tally or 'none'}."]
    if run.why:
        lines += ["", f"**{run.verdict.capitalize()}:**", ""]
        lines += [f"- {_cell(line)}" for line in run.why]
    if run.retries:
        lines.append(f"429 retries waited out (after Retry-After): {run.retries}.")
    if run.expired:
        lines.append(f"**{len(run.expired)} known deviation(s) expired: the run fails "
                     "until each is fixed, renewed or removed.**")
    return "\n".join(lines)


def _counts(attribute: str, run: Run) -> str:
    table = run.counts_by(attribute)
    if not table:
        return ""
    shown = [o for o in OUTCOMES if any(c[o] for c in table.values())]
    lines = [f"## By {attribute}", "", f"| {attribute} | " + " | ".join(shown) + " |",
             "|---|" + "---:|" * len(shown)]
    lines += [f"| {name} | " + " | ".join(str(c[o]) for o in shown) + " |"
              for name, c in table.items()]
    return "\n".join(lines)


def _traffic(run: Run) -> str:
    """What the run spent by area: requests, bytes sent, 429s waited out."""
    spent = run.traffic
    if not spent:
        return ""
    lines = ["## Traffic", "", "| area | requests | MB sent | 429 retries | waited (s) | "
             "paced (s) |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {area} | {t.requests} | {t.bytes_sent / 1e6:.1f} | {t.retries} | "
              f"{t.retry_wait:.1f} | {t.pace_wait:.1f} |" for area, t in spent.items()]
    return "\n".join(lines)


def _failures(run: Run) -> str:
    """One heading per cause, the tests under it; details for the first
    MAX_FAILURES_SHOWN failures of the page, names only for the rest."""
    problems = run.problems
    if not problems:
        return ""
    groups = by_cause(problems)
    lines = [f"## Failures ({len(problems)}) by cause ({len(groups)})", ""]
    shown = 0
    for cause, records in groups:
        lines += [f"### {_cell(cause)} ({len(records)})", ""]
        detailed = records[:max(0, MAX_FAILURES_SHOWN - shown)]
        for record in detailed:
            lines += _failure(record)
        shown += len(detailed)
        rest = records[len(detailed):]
        if rest:
            names = ", ".join(f"`{_code(r.test_id)}`" for r in rest[:MAX_FAILURES_SHOWN])
            more = len(rest) - MAX_FAILURES_SHOWN
            lines += [f"Also: {names}" + (f" and {more} more" if more > 0 else "") + ".", ""]
    if len(problems) > MAX_FAILURES_SHOWN:
        lines.append(f"Details of {len(problems) - MAX_FAILURES_SHOWN} more in report.json "
                     "and report.html.")
    return "\n".join(lines).rstrip()


def _failure(record: TestRecord) -> list[str]:
    where = ", ".join(x for x in (record.evidence, record.area) if x)
    lines = [f"#### `{record.test_id}`", "",
             f"- **{record.outcome}**" + (f" ({where})" if where else "")]
    if record.rule:
        lines.append(f"- Rule: {_cell(record.rule)}")
    failure = record.failure
    for violation in (failure.violations if failure else ())[:5]:
        lines.append(f"- Violation: `{_code(violation)}`")
    if failure is not None and failure.exchange:
        lines.append(f"- Response: `{_code(failure.exchange)}`")
    if record.message:
        lines.append(f"- Broke: {_cell(record.message)}")
    if record.personas:
        lines.append(f"- Personas: {', '.join(record.personas)}")
    return [*lines, ""]


def _deviations(run: Run) -> str:
    lines: list[str] = []
    if run.expired:
        lines += ["### Expired known deviations (run fails)", "",
                  "| test | reason | link | expired |", "|---|---|---|---|"]
        lines += [f"| `{d.test}` | {_cell(d.reason)} | {d.link} | {d.expires} |"
                  for d in run.expired]
        lines.append("")
    if run.now_passing:
        lines += ["### Known deviations whose test now passes (remove them)", ""]
        lines += [f"- `{r.test_id}`: entry `{r.deviation.test if r.deviation else None}`"
                  for r in run.now_passing]
        lines.append("")
    if run.excused:
        lines += ["### Expected failures (known deviations)", "",
                  "| test | reason | link | until |", "|---|---|---|---|"]
        lines += [f"| `{r.test_id}` | {_cell(d.reason)} | {d.link} | {d.expires} |"
                  for r in run.excused if (d := r.deviation)]
        lines.append("")
    if run.unused:
        lines += ["### Known deviations that matched no test in this run", ""]
        lines += [f"- `{d.test}` ({d.link})" for d in run.unused]
    if not lines:
        return ""
    return "\n".join(["## Known deviations", "", *lines]).rstrip()


def skipped_personas(run: Run) -> dict[str, tuple[int, str]]:
    """Persona -> (tests skipped for lack of it, the reason given)."""
    found: dict[str, tuple[int, str]] = {}
    for record in run.records:
        match = PERSONA_SKIP.search(record.message or "") if record.outcome == SKIPPED else None
        if match:
            count, _ = found.get(match["persona"], (0, ""))
            found[match["persona"]] = (count + 1, record.message or "")
    return dict(sorted(found.items()))


def _skipped_personas(run: Run) -> str:
    personas = skipped_personas(run)
    if not personas:
        return ""
    lines = ["## Personas skipped", "", "| persona | tests skipped | why |", "|---|---:|---|"]
    lines += [f"| {name} | {count} | {_cell(reason)} |"
              for name, (count, reason) in personas.items()]
    return "\n".join(lines)


def _other_skips(run: Run) -> str:
    """Skips for other reasons (not writing on a read-only target, not a mock, ...), each
    reason with its tests."""
    groups = [(reason, records) for reason, records in by_skip_reason(run.records)
              if not PERSONA_SKIP.search(reason)]
    if not groups:
        return ""
    lines = ["## Other skips", ""]
    for reason, records in groups[:30]:
        names = ", ".join(f"`{_code(r.test_id)}`" for r in records[:SKIPPED_NAMES_SHOWN])
        more = len(records) - SKIPPED_NAMES_SHOWN
        lines += [f"- **{len(records)}**: {_cell(reason)}",
                  f"  - {names}" + (f" and {more} more" if more > 0 else "")]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """One line of Markdown that cannot break a table or open a code block."""
    flat = " ".join(str(text).split())
    if len(flat) > MAX_LINE:
        flat = flat[:MAX_LINE] + "..."
    return flat.replace("|", "\\|").replace("`", "'").replace("<", "&lt;")


def _code(text: str) -> str:
    """Text for inside a code span, where Markdown and HTML are not interpreted."""
    flat = " ".join(str(text).split())
    if len(flat) > MAX_LINE:
        flat = flat[:MAX_LINE] + "..."
    return flat.replace("`", "'")
