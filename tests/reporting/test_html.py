"""report.html: self-contained, escaped, each test with its images and exchanges."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from conformance.reporting import html
from conformance.reporting.views import Call, ExchangeView

from .run_samples import record, sample_run


class Resources(HTMLParser):
    """Every URL the page would load by itself (not links a person may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag in ("img", "script", "iframe", "embed", "source") and values.get("src"):
            self.loaded.append(str(values["src"]))
        if tag == "link":
            self.loaded.append(str(values.get("href")))


def parsed(page: str) -> Resources:
    parser = Resources()
    parser.feed(page)
    return parser


class TestSelfContained:
    def test_the_page_loads_nothing_from_elsewhere(self) -> None:
        resources = parsed(html.render(sample_run()))
        assert resources.loaded, "the sample has images; the check would be empty"
        assert all(url.startswith("data:image/") for url in resources.loaded), resources.loaded
        assert "link" not in resources.tags

    def test_a_page_with_an_external_image_would_be_caught(self) -> None:
        resources = parsed('<img src="https://example.com/x.png">')
        assert not all(url.startswith("data:image/") for url in resources.loaded)


class TestTests:
    def test_every_record_has_a_section_with_its_outcome(self) -> None:
        run = sample_run()
        page = html.render(run)
        for each in run.records:
            assert re.search(rf'<section class="test {each.outcome}" id="t\d+" '
                             rf'data-test="{re.escape(html.e(each.test_id))}"', page), each.test_id

    def test_a_failure_is_open_and_a_pass_is_folded(self) -> None:
        page = html.render(sample_run())
        failed = page.split('data-test="test_upload_images.py::TestRatios::test_upload'
                            '[ratio-6x1]"')[1].split("</section>")[0]
        passed = page.split('data-test="test_upload_images.py::TestRatios::test_upload'
                            '[ratio-1000x200]"')[1].split("</section>")[0]
        assert "<details open>" in failed and "<details open>" not in passed

    def test_failures_are_indexed_at_the_top_by_cause(self) -> None:
        page = html.render(sample_run())
        index = page.split('<section id="failures">')[1].split("</section>")[0]
        assert "<h2>Failures (2) by cause (2)</h2>" in index
        assert index.count("<li>") == 2 and "ratio-6x1" in index
        assert ('<h3 class="cause">contract violation: $status: server error 500: a 5xx is '
                "never a conforming answer (1)</h3>") in index
        assert index.index("Failures") < page.index('<section class="test')

    def test_an_image_pair_shows_fixture_and_thumbnail(self) -> None:
        page = html.render(sample_run())
        section = page.split('[ratio-1000x200]"')[1].split("</section>")[0]
        assert '<img class="fixture" alt="uploaded ratio-1000x200"' in section
        assert '<img class="thumbnail" alt="thumbnail the target made"' in section

    def test_a_refused_upload_says_there_is_no_thumbnail(self) -> None:
        from .run_samples import pair
        run = sample_run(records=[record("t.py::t", "passed", images=[pair("x", 422, False)])])
        assert "no thumbnail: refused" in html.render(run)


class TestEscaping:
    def test_text_from_the_target_is_escaped(self) -> None:
        hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
        seen = ExchangeView(Call(None, None, "GET", hostile, 200, 0), 1.0, {}, 0, {}, hostile)
        run = sample_run(records=[record("t.py::t", "failed", message=hostile, rule=hostile,
                                         exchanges=[seen])])
        page = html.render(run)
        assert "<script>alert" not in page and "onerror=alert(2)>" not in page
        assert page.count("<script>") == 1  # the page's own
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_exchanges_show_persona_request_status_and_body(self) -> None:
        exchange = ExchangeView(
            Call("member_read", "upload-itwin-image", "PUT", "/itwins/1/image", 403, 1), 5.0,
            {"content-type": "image/png"}, 945, {"content-type": "application/json"},
            '{"error": {"code": "InsufficientPermissions"}}')
        page = html.render(sample_run(records=[record("t.py::t", "passed",
                                                      exchanges=[exchange],
                                                      exchanges_total=55)]))
        assert "member_read" in page and "PUT /itwins/1/image" in page
        assert "403 (retry 1)" in page and "InsufficientPermissions" in page
        assert "1 exchanges (first 1 of 55)" in page
