"""The layers of `conformance` (import-linter's contracts in pyproject.toml): kept by the
tree as it is, and broken by any one import that goes up, sideways in a layer, or between
the mock and the suite, or by a new module placed in no layer.

Each broken case runs `lint-imports` on a copy of the package with one line added, so the
copy is what it analyses (first on PYTHONPATH); a check that analysed the real tree would
find it kept and fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "nothing imports upward"
MOCK_AND_SUITE = "the suite reaches the mock over HTTP only: neither imports the other"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config",
                           str(root / "pyproject.toml")],
                          cwd=root, env=environment, capture_output=True, text=True,
                          timeout=120)


def copy_of_the_tree(into: Path) -> Path:
    shutil.copytree(REPO / "conformance", into / "conformance",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(REPO / "pyproject.toml", into / "pyproject.toml")
    return into


def broken(result: subprocess.CompletedProcess[str]) -> set[str]:
    """The names of the contracts `lint-imports` reported broken."""
    return {line.removesuffix(" BROKEN") for line in result.stdout.splitlines()
            if line.endswith(" BROKEN")}


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in result.stdout
    assert f"{MOCK_AND_SUITE} KEPT" in result.stdout


# (module that gets the line, the line, the contracts it must break)
VIOLATIONS = {
    "contract-imports-client": ("contract/catalogue.py", "from conformance import client",
                                {LAYERS}),
    "files-imports-contract": ("files.py", "import conformance.contract", {LAYERS}),
    "mock-imports-suite": ("mock/world.py", "from conformance.suite import checks",
                           {LAYERS, MOCK_AND_SUITE}),
    "suite-imports-mock": ("suite/checks.py", "from conformance.mock import settings",
                           {MOCK_AND_SUITE}),
    "mock-imports-images": ("mock/thumbnails.py", "from conformance.images import build",
                            {LAYERS}),
    "targets-imports-client": ("targets.py", "from conformance import client", {LAYERS}),
    "client-imports-redact": ("client.py", "from conformance import redact", {LAYERS}),
    "images-imports-cli": ("images/build.py", "import conformance.cli", {LAYERS}),
    "an-unplaced-module": ("helpers.py", "", {LAYERS}),
}


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_one_wrong_import_breaks_its_contract(tmp_path: Path, name: str) -> None:
    module, line, contracts = VIOLATIONS[name]
    root = copy_of_the_tree(tmp_path)
    path = root / "conformance" / module
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(f"{text}\n{line}\n", encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken(result) == contracts, result.stdout
