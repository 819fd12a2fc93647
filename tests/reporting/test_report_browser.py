"""report.html in headless Chromium: it opens, and the browser decodes the fixture beside the
thumbnail the target made for each upload.

The page marks each image after its load event (`data-decoded`, `data-natural`), so the DOM
Chromium dumps says what the browser could draw. Without a browser these tests skip, unless
CONFORMANCE_REQUIRE_BROWSER=1 (CI sets it), which makes a missing browser a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.reporting import html

from .report_checks import REQUIRE_BROWSER, browser, dump_dom, images_in
from .report_runs import FAILING, ReportRun
from .run_samples import pair, record, sample_run

pytest_plugins = ["tests.reporting.report_fixtures"]

ACCEPTED = "test_upload_images.py::TestRatios::test_upload[ratio-1000x200]"
REFUSED = "test_upload_images.py::TestTypes::test_upload[type-gif]"


@pytest.fixture(scope="module")
def chromium() -> str:
    found = browser()
    if found is None:
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(f"no Chromium found and {REQUIRE_BROWSER}=1")
        pytest.skip("no Chromium or Chrome installed")
    return found


@pytest.fixture(scope="module")
def report_dom(chromium: str, report_run: ReportRun,
               tmp_path_factory: pytest.TempPathFactory) -> str:
    return dump_dom(chromium, report_run.out / "report.html", tmp_path_factory.mktemp("profile"))


def images_of(dom: str, test_id: str) -> dict[str, dict[str, str]]:
    images, _ = images_in(dom)
    return {img["class"]: img for img in images if img["section"] == test_id}


class TestReportOfTheRun:
    def test_every_image_decodes(self, report_dom: str) -> None:
        images, body = images_in(report_dom)
        assert len(images) >= 8
        assert [img["alt"] for img in images if img.get("data-decoded") != "yes"] == []
        assert body["data-images-decoded"] == f"{len(images)}/{len(images)}"

    def test_an_accepted_upload_shows_its_fixture_and_the_thumbnail(self,
                                                                  report_dom: str) -> None:
        shown = images_of(report_dom, ACCEPTED)
        assert set(shown) == {"fixture", "thumbnail"}
        for img in shown.values():
            width, height = map(int, img["data-natural"].split("x"))
            assert width == 5 * height, img["data-natural"]  # 1000x200, either way scaled

    def test_the_failing_upload_shows_what_the_target_made_of_6x1(self,
                                                                 report_dom: str) -> None:
        assert set(images_of(report_dom, FAILING)) == {"fixture", "thumbnail"}

    def test_a_refused_upload_shows_the_fixture_alone(self, report_dom: str) -> None:
        assert set(images_of(report_dom, REFUSED)) == {"fixture"}

    def test_a_screenshot_can_be_taken(self, chromium: str, report_run: ReportRun,
                                       tmp_path: Path) -> None:
        import subprocess

        from PIL import Image

        shot = tmp_path / "report.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-dev-shm-usage",
                        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,1400",
                        "--hide-scrollbars", "--virtual-time-budget=10000",
                        f"--screenshot={shot}", (report_run.out / "report.html").as_uri()],
                       capture_output=True, timeout=120, check=True)
        with Image.open(shot) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 50, "the screenshot is blank"


class TestTheCheckCanFail:
    def test_a_corrupt_image_is_marked_not_decoded(self, chromium: str, tmp_path: Path) -> None:
        broken = pair("ratio-1000x200", 201,
                      thumbnail_uri="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE=")
        page = tmp_path / "broken.html"
        page.write_text(html.render(sample_run(records=[record("t.py::t", "passed",
                                                                 images=[broken])])))
        images, body = images_in(dump_dom(chromium, page, tmp_path / "profile"))
        decoded = {img["class"]: img["data-decoded"] for img in images}
        assert decoded == {"fixture": "yes", "thumbnail": "no"}
        assert body["data-images-decoded"] == "1/2"
