"""report.html: one self-contained page to look into a run.

The verdict (and why, when the run was not run or tested nothing), the counts, what the
run sent by area, the failures indexed by
cause, the skipped tests by reason, then each test with its outcome, the rule it checks,
its failure, its redacted exchanges and, for uploads, the fixture sent beside the
thumbnail the target made. Everything is inline
(CSS, a few lines of script, images as data URIs already bounded by `images.py`), so the
file can be mailed or opened from a CI artifact without a server. The script only marks
each image as decoded or not, so a broken preview shows (and can be checked in a browser).
"""

from __future__ import annotations

import html
from typing import Any

from ..evidence.model import ImagePair, Preview
from .causes import by_cause, by_skip_reason
from .records import OUTCOMES, Run, TestRecord
from .views import ExchangeView

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24}
h1{font-size:1.4em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top}
.badge{display:inline-block;min-width:5.5em;text-align:center;border-radius:3px;
padding:0 4px;margin-right:6px;font-weight:600;color:#fff;background:#57606a}
.passed .badge{background:#1a7f37}.failed .badge,.error .badge{background:#cf222e}
.xfailed .badge{background:#9a6700}.xpassed .badge{background:#8250df}
.skipped .badge{background:#8c959f}
section.test{border-top:1px solid #d0d7de;padding:4px 0}
section.test details{margin-left:1.5em}summary{cursor:pointer;color:#57606a}
.meta{color:#57606a;font-size:.9em}.message{margin:2px 0 2px 1.5em;color:#cf222e}
.xfailed .message,.skipped .message,.xpassed .message{color:#57606a}
pre{background:#f6f8fa;padding:6px;overflow:auto;max-height:30em;white-space:pre-wrap}
.pairs{display:flex;flex-wrap:wrap;gap:12px;margin-left:1.5em}
.pair{border:1px solid #d0d7de;padding:6px}
.pair figure{display:inline-block;margin:4px;vertical-align:top;max-width:180px}
.pair img{width:120px;height:120px;object-fit:contain;image-rendering:pixelated;
background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0/16px 16px}
img[data-decoded=no]{outline:3px solid #cf222e}
figcaption{font-size:.8em;color:#57606a}
.exchanges td{font-family:ui-monospace,monospace;font-size:.85em}
"""

SCRIPT = """
window.addEventListener("load", function () {
  var images = document.querySelectorAll("img");
  var decoded = 0;
  images.forEach(function (img) {
    var ok = img.complete && img.naturalWidth > 0;
    img.setAttribute("data-decoded", ok ? "yes" : "no");
    img.setAttribute("data-natural", img.naturalWidth + "x" + img.naturalHeight);
    if (ok) { decoded += 1; }
  });
  document.body.setAttribute("data-images-decoded", decoded + "/" + images.length);
});
"""


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def render(run: Run) -> str:
    title = f"Conformance: {run.verdict} ({run.target_name or 'target'})"
    body = [_heading(run), _counts(run, "area"), _counts(run, "evidence"), _traffic(run),
            _deviations(run), _problem_index(run), _skipped(run), _tests(run)]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(title)}</title><style>{STYLE}</style></head>\n"
            f"<body data-verdict=\"{e(run.verdict)}\">\n" + "\n".join(body)
            + f"\n<script>{SCRIPT}</script>\n</body></html>\n")


def _heading(run: Run) -> str:
    counts = run.counts()
    tally = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
    return (f"<h1>iTwins image API conformance: {e(run.verdict)}</h1>"
            f"<p>Target <b>{e(run.target_name)}</b> <code>{e(run.target_url)}</code>, run "
            f"<code>{e(run.run_id)}</code>, started {e(run.started)}, "
            f"{run.duration:.1f} s. {len(run.records)} tests: {e(tally or 'none')}. "
            f"429 retries waited out: {run.retries}.</p>" + _why(run))


def _why(run: Run) -> str:
    if not run.why:
        return ""
    items = "".join(f"<li>{e(line)}</li>" for line in run.why)
    return f"<ul class=\"why\" data-verdict=\"{e(run.verdict)}\">{items}</ul>"


def _counts(run: Run, attribute: str) -> str:
    table = run.counts_by(attribute)
    shown = [o for o in OUTCOMES if any(c[o] for c in table.values())]
    if not table:
        return ""
    head = "".join(f"<th>{o}</th>" for o in shown)
    rows = "".join(f"<tr><td>{e(name)}</td>" + "".join(f"<td>{c[o]}</td>" for o in shown)
                   + "</tr>" for name, c in table.items())
    return (f"<table class=\"counts\" id=\"by-{attribute}\"><tr><th>{attribute}</th>{head}"
            f"</tr>{rows}</table>")


def _traffic(run: Run) -> str:
    """What the run spent by area: requests, bytes sent, 429s waited out."""
    if not run.traffic:
        return ""
    rows = "".join(f"<tr><td>{e(area)}</td><td>{t.requests}</td><td>{t.bytes_sent:,}</td>"
                   f"<td>{t.retries}</td><td>{t.retry_wait:.1f}</td>"
                   f"<td>{t.pace_wait:.1f}</td></tr>" for area, t in run.traffic.items())
    return ("<table class=\"traffic\" id=\"traffic\"><tr><th>area</th><th>requests</th>"
            "<th>bytes sent</th><th>429 retries</th><th>waited (s)</th><th>paced (s)</th></tr>"
            + rows
            + "</table>")


def _deviations(run: Run) -> str:
    parts = []
    if run.expired:
        items = "".join(f"<li><code>{e(d.test)}</code>: {e(d.reason)} "
                        f"(<a href=\"{e(d.link)}\">{e(d.link)}</a>), expired {e(d.expires)}</li>"
                        for d in run.expired)
        parts.append(f"<h2>Expired known deviations (run fails)</h2><ul>{items}</ul>")
    if run.now_passing:
        items = "".join(f"<li><code>{e(r.test_id)}</code></li>" for r in run.now_passing)
        parts.append(f"<h2>Known deviations whose test now passes</h2><ul>{items}</ul>")
    return "\n".join(parts)


def _problem_index(run: Run) -> str:
    """The failures, one heading per cause with its tests (linked to their sections)."""
    indexed = {id(r): i for i, r in enumerate(run.records)}
    groups = by_cause(run.problems)
    parts = []
    for cause, records in groups:
        items = "".join(f"<li><a href=\"#t{indexed[id(r)]}\">{e(r.test_id)}</a>: "
                        f"{e(r.message)}</li>" for r in records)
        parts.append(f"<h3 class=\"cause\">{e(cause)} ({len(records)})</h3>"
                     f"<ol class=\"problems\">{items}</ol>")
    if not parts:
        return ""
    return (f"<section id=\"failures\"><h2>Failures ({len(run.problems)}) by cause "
            f"({len(groups)})</h2>" + "".join(parts) + "</section>")


def _skipped(run: Run) -> str:
    """The skipped tests, one heading per reason with its tests."""
    indexed = {id(r): i for i, r in enumerate(run.records)}
    groups = by_skip_reason(run.records)
    if not groups:
        return ""
    parts = []
    for reason, records in groups:
        items = "".join(f"<li><a href=\"#t{indexed[id(r)]}\">{e(r.test_id)}</a></li>"
                        for r in records)
        parts.append(f"<h3 class=\"reason\">{e(reason)} ({len(records)})</h3>"
                     f"<ul class=\"skipped\">{items}</ul>")
    total = sum(len(records) for _, records in groups)
    return (f"<section id=\"skipped\"><h2>Skipped ({total})</h2>" + "".join(parts)
            + "</section>")


def _tests(run: Run) -> str:
    return "<h2>Tests</h2>\n" + "\n".join(_test(i, r) for i, r in enumerate(run.records))


def _test(index: int, record: TestRecord) -> str:
    """One test: a header line, its image pairs always in view, the rest folded (open for
    a failure)."""
    meta = " · ".join(x for x in (record.evidence, record.area, f"{record.duration:.2f} s",
                                  f"{record.retries} retries" if record.retries else "") if x)
    opened = " open" if record.is_problem else ""
    message = (f"<p class=\"message\">{e(record.message)}</p>"
               if record.message and record.outcome != "passed" else "")
    views = len(record.exchanges)
    return (f"<section class=\"test {e(record.outcome)}\" id=\"t{index}\" "
            f"data-test=\"{e(record.test_id)}\" "
            f"data-outcome=\"{e(record.outcome)}\" data-area=\"{e(record.area or '')}\" "
            f"data-evidence=\"{e(record.evidence or '')}\">"
            f"<div class=\"line\"><span class=\"badge\">{e(record.outcome)}</span>"
            f"<code>{e(record.test_id)}</code> <span class=\"meta\">{e(meta)}</span></div>"
            + message + _pairs(record.images)
            + f"<details{opened}><summary>rule, result and {views} exchanges</summary>"
            + _facts(record) + _exchanges(record) + "</details></section>")


def _facts(record: TestRecord) -> str:
    rows = [("rule", record.rule), ("result", record.message),
            ("personas", ", ".join(record.personas)),
            ("statuses", ", ".join(map(str, record.statuses)))]
    deviation = record.deviation
    if deviation:
        rows.append(("known deviation", f"{deviation.reason} ({deviation.link}, "
                                        f"until {deviation.expires})"))
    for violation in record.failure.violations if record.failure else ():
        rows.append(("violation", violation))
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v)
    details = f"<pre class=\"failure\">{e(record.details)}</pre>" if record.details else ""
    return f"<table class=\"facts\">{table}</table>{details}"


def _pairs(pairs: list[ImagePair]) -> str:
    if not pairs:
        return ""
    return "<div class=\"pairs\">" + "".join(_pair(p) for p in pairs) + "</div>"


def _pair(pair: ImagePair) -> str:
    label = f"{pair.label}: {pair.content_type or 'no Content-Type'} -> {pair.status}"
    if pair.thumbnail is None:
        note = "no thumbnail: refused" if pair.status != 201 else "thumbnail not fetched"
        right = f"<figure class=\"thumbnail missing\"><figcaption>{e(note)}</figcaption></figure>"
    else:
        right = _figure("thumbnail", "thumbnail the target made", pair.thumbnail)
    return (f"<div class=\"pair\" data-status=\"{e(pair.status)}\">"
            f"<div class=\"label\">{e(label)}</div>"
            + _figure("fixture", f"uploaded {pair.label}", pair.fixture) + right + "</div>")


def _figure(kind: str, alt: str, picture: Preview) -> str:
    uri = picture.data_uri
    image = f"<img class=\"{kind}\" alt=\"{e(alt)}\" src=\"{e(uri)}\">" if uri else ""
    return (f"<figure class=\"{kind}\">{image}<figcaption>{e(kind)}: "
            f"{e(picture.description)}</figcaption></figure>")


def _exchanges(record: TestRecord) -> str:
    views = record.exchanges
    if not views:
        return ""
    total = record.exchanges_total
    more = f" (first {len(views)} of {total})" if total > len(views) else ""
    rows = "".join(_exchange_row(x) for x in views)
    return (f"<p>{len(views)} exchanges{more}</p>"
            f"<table class=\"exchanges\"><tr><th>persona</th><th>request</th><th>status</th>"
            f"<th>ms</th><th>detail</th></tr>{rows}</table>")


def _exchange_row(x: ExchangeView) -> str:
    sent = "\n".join(f"{k}: {v}" for k, v in x.request_headers.items())
    got = "\n".join(f"{k}: {v}" for k, v in x.response_headers.items())
    detail = (f"request ({x.request_size:,} bytes)\n{sent}\n\nresponse\n{got}\n\n{x.body}")
    call = x.call
    retry = f" (retry {call.retries})" if call.retries else ""
    return (f"<tr><td>{e(call.persona or '(none)')}</td>"
            f"<td>{e(call.method)} {e(call.path)}<br>{e(call.operation)}</td>"
            f"<td>{e(call.status)}{e(retry)}</td><td>{e(x.elapsed_ms)}</td>"
            f"<td><details><summary>headers, body</summary><pre>{e(detail)}</pre></details>"
            f"</td></tr>")
