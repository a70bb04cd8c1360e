"""No test module imports another module of tests/: a helper two test files share lives in testkit/
(importable by bench/ too), a fixture in a conftest.py, where pytest finds it without an import. A
test module imported by another runs its module-level code twice and ties the two files' edits."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imports_of_tests(source: str) -> list[str]:
    """The modules of tests/ that `source` imports (absolute `tests.…` or relative)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "tests"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or module.split(".")[0] == "tests":
                found.append("." * node.level + module)
    return found


def test_the_check_sees_every_form_of_import():
    assert imports_of_tests("from tests.api.rest.test_answer import ask") == ["tests.api.rest.test_answer"]
    assert imports_of_tests("import tests.conftest") == ["tests.conftest"]
    assert imports_of_tests("def f():\n    from .test_sonar import client") == [".test_sonar"]
    assert imports_of_tests("from testkit.sse import events\nimport testkit") == []


def test_no_module_of_tests_imports_another():
    found = [
        f"{path.relative_to(TESTS.parent)}: {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for module in imports_of_tests(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "move what is shared into testkit/ (helpers) or a conftest.py (fixtures):\n" + "\n".join(found)
