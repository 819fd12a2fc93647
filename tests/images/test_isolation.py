"""`conformance.images` stands alone: stdlib, Pillow and Hypothesis, nothing else of ours."""

import ast
import sys
from pathlib import Path

import conformance.images

ALLOWED = {"PIL", "hypothesis"}
PACKAGE = Path(conformance.images.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


class TestIsolation:
    def test_imports_only_stdlib_pillow_and_hypothesis(self):
        for module in PACKAGE.glob("*.py"):
            foreign = imported_roots(module) - ALLOWED - set(sys.stdlib_module_names)
            assert not foreign, f"{module.name} imports {foreign}"

    def test_relative_imports_stay_inside_the_package(self):
        for module in PACKAGE.glob("*.py"):
            tree = ast.parse(module.read_text(encoding="utf-8"))
            assert all(node.level <= 1 for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom)), module.name
