"""junit.xml: pytest's own JUnit writer, pointed into the report directory and redacted.

pytest writes JUnit XML well and every CI reads it, so it is not rewritten here. But its
failure texts are tracebacks and assertion messages, which can quote a header or a URL, so
the written file is swept by the redactor before anyone reads it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..redact import Redactor

FILENAME = "junit.xml"


def claim(config: pytest.Config, report_dir: Path) -> None:
    """Have pytest write JUnit XML into `report_dir`, unless --junitxml already names a file.

    Must run before pytest's junitxml plugin reads the option (a tryfirst configure hook).
    """
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(report_dir / FILENAME)


def finish(config: pytest.Config, report_dir: Path, redactor: Redactor) -> Path | None:
    """Redact the file pytest wrote, and make sure `report_dir` holds a copy."""
    written = getattr(config.option, "xmlpath", None)
    if not written:
        return None
    source = Path(os.path.expanduser(os.path.expandvars(written)))  # as pytest reads it
    if not source.is_absolute():
        source = config.invocation_params.dir / source
    if not source.exists():
        return None
    text = redactor.text(source.read_text(encoding="utf-8"))
    source.write_text(text, encoding="utf-8")
    target = report_dir / FILENAME
    if target.resolve() != source.resolve():
        target.write_text(text, encoding="utf-8")
    return target
