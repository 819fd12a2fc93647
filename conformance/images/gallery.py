"""A self-contained HTML contact sheet of every fixture, for eyeballing the catalogue."""

import base64
import html
import io
import warnings
from pathlib import Path

from PIL import Image

from .catalogue import CASES
from .fixtures import ensure_fixtures
from .model import GROUPS, Case, Expectation
from .paths import fixture_path

THUMBNAIL_SIDE = 128
# Never decode more than this for a thumbnail: floods are shown as placeholders (the 50 MB
# JPEG, 31 megapixels, is decoded at 1/8 scale in draft mode).
THUMBNAIL_MAX_PIXELS = 40_000_000

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>iTwins image fixtures</title>
<style>
body {{ font: 13px system-ui, sans-serif; margin: 1.5em; }}
.sheet {{ display: flex; flex-wrap: wrap; gap: 12px; }}
figure {{ width: 180px; margin: 0; padding: 8px; border: 1px solid #ccc; border-radius: 4px; }}
figure img, .placeholder {{ display: block; width: 128px; height: 128px; margin: auto;
  object-fit: contain;
  background: repeating-conic-gradient(#eee 0 25%, #fff 0 50%) 0 0/16px 16px; }}
.placeholder {{ display: flex; align-items: center; justify-content: center; color: #888; }}
figcaption {{ margin-top: 6px; overflow-wrap: anywhere; }}
.name {{ font-weight: 600; }} .accept {{ color: #176a2c; }} .reject {{ color: #a1261b; }}
.either {{ color: #8a6100; }}
</style></head><body>
<h1>iTwins image fixtures</h1>
<p>{count} cases from <code>{directory}</code>.</p>
{sections}
</body></html>
"""


def write_gallery(path: Path | str, directory: Path | str | None = None) -> Path:
    """Write the contact sheet to `path` (building fixtures first if needed)."""
    directory = ensure_fixtures(directory)
    sections = []
    for group in GROUPS:
        cards = "\n".join(_card(entry, fixture_path(entry, directory))
                          for entry in CASES if entry.group == group)
        sections.append(f"<h2>{group}</h2>\n<div class=\"sheet\">\n{cards}\n</div>")
    page = PAGE.format(count=len(CASES), directory=html.escape(str(directory)),
                       sections="\n".join(sections))
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def _card(entry: Case, file: Path) -> str:
    thumbnail = _thumbnail_uri(entry, file)
    placeholder = f"{entry.format}, not decoded" if entry.format else "not an image"
    picture = (f'<img src="{thumbnail}" alt="">' if thumbnail else
               f'<div class="placeholder">{html.escape(placeholder)}</div>')
    size = file.stat().st_size if file.is_file() else None
    dims = f"{entry.width}x{entry.height}" if entry.width else "no dimensions"
    verdict, css = _outcome(entry.expectation)
    lines = [f'<span class="name">{html.escape(entry.name)}</span>',
             f"{size:,} bytes" if size is not None else "missing",
             f"{dims}, {html.escape(entry.format or '?')}, sent as "
             f"{html.escape(entry.content_type or 'no Content-Type')}",
             f'<span class="{css}">{html.escape(verdict)}</span>',
             html.escape(entry.expectation.reason)]
    return f"<figure>{picture}<figcaption>{'<br>'.join(lines)}</figcaption></figure>"


def _outcome(expectation: Expectation) -> tuple[str, str]:
    evidence = expectation.evidence
    if expectation.accepted:
        return f"201 ({evidence})", "accept"
    if expectation.accepted is None:
        return f"201 or 4xx ({evidence})", "either"
    statuses = "/".join(map(str, expectation.statuses)) or "4xx"
    code = f" {expectation.code}" if expectation.code else ""
    return f"rejected {statuses}{code} ({evidence})", "reject"


def _thumbnail_uri(entry: Case, file: Path) -> str | None:
    """A small PNG data URI, or None when the file is absent, broken or too big to decode."""
    pixels = (entry.width or 0) * (entry.height or 0)
    if not (entry.decodes and file.is_file() and 0 < pixels <= THUMBNAIL_MAX_PIXELS):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # JPEG: decode reduced
                image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                return _data_uri(image)
    except Exception:
        return None


def _data_uri(image: Image.Image) -> str:
    """PNG where there is transparency to show, else a much smaller JPEG."""
    buffer = io.BytesIO()
    if image.has_transparency_data:
        image.convert("RGBA").save(buffer, "PNG")
        kind = "png"
    else:
        image.convert("RGB").save(buffer, "JPEG", quality=80)
        kind = "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(buffer.getvalue()).decode()
