"""`conformance.images` stands just above the contract: stdlib, Pillow and Hypothesis, and of
ours only `conformance.contract` and `conformance.files` (the layers are import-linter's
contracts in pyproject.toml; this also keeps out other third-party packages)."""

import ast
import sys
from pathlib import Path

import conformance.images

ALLOWED = {"PIL", "hypothesis", *sys.stdlib_module_names}
OURS = {"conformance.contract", "conformance.files"}
PACKAGE = Path(conformance.images.__file__).parent


def absolute_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def foreign(names: set[str]) -> set[str]:
    """Imports that are neither the standard library, Pillow, Hypothesis nor ours allowed."""
    return {name for name in names if name not in OURS and name.split(".")[0] not in ALLOWED}


class TestIsolation:
    def test_imports_only_stdlib_pillow_hypothesis_contract_and_files(self):
        for module in PACKAGE.glob("*.py"):
            found = foreign(absolute_imports(module))
            assert not found, f"{module.name} imports {found}"

    def test_the_check_sees_a_foreign_import(self):
        assert foreign({"conformance.client", "conformance.contract", "httpx", "PIL.Image",
                        "json"}) == {"conformance.client", "httpx"}

    def test_relative_imports_stay_inside_the_package(self):
        for module in PACKAGE.glob("*.py"):
            tree = ast.parse(module.read_text(encoding="utf-8"))
            assert all(node.level <= 1 for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom)), module.name
