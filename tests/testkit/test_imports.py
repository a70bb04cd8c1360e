"""testkit imports cleanly whichever module a test or bench imports first.

A package's __init__ is its face for the outside (tests, bench/, the other testkit packages): it
re-exports from its modules, so a module that reached a sibling through its own package
(`from testkit.web import content` inside testkit/web/) made a circle, package -> module ->
package, that held only while Python could fall back to importing the submodule. Inside a package,
modules name their siblings (`import testkit.web.content as content`).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTKIT = ROOT / "testkit"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(TESTKIT.rglob("*.py"))}


def package_of(name: str) -> str:
    """The package a module belongs to (a package's __init__ belongs to itself)."""
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def imports(name: str, *, runtime_only: bool, source: str | None = None) -> list[tuple[int, str]]:
    """(line, module) for each testkit module `name` imports: `from P import x` reads P's namespace (so
    P's __init__ must have run) and, when x is a module, imports P.x; `import P.x` names P.x only (its
    packages are imported first, as for any module). runtime_only leaves out `if TYPE_CHECKING:`
    blocks and imports in functions."""
    found: list[tuple[int, str]] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                if not runtime_only:
                    visit(node.body)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not runtime_only:
                    visit(node.body)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name) for alias in node.names if alias.name in MODULES)
            elif isinstance(node, ast.ImportFrom) and node.module in MODULES:
                found.append((node.lineno, node.module))
                for alias in node.names:
                    if (sub := f"{node.module}.{alias.name}") in MODULES:
                        found.append((node.lineno, sub))

    visit(ast.parse(MODULES[name].read_text(encoding="utf-8") if source is None else source).body)
    return found


def through_own_package(name: str, source: str | None = None) -> list[str]:
    """`from P import …` in a module of package P (not P's __init__ itself), wherever it stands."""
    package = package_of(name)
    if name == package:
        return []
    source = MODULES[name].read_text(encoding="utf-8") if source is None else source
    return [
        f"{name}:{node.lineno} from {node.module} import …"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module == package
    ]


def circle(graph: dict[str, list[str]]) -> list[str]:
    """One circle of the graph (its modules in order, the first repeated at the end), or []."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return []


def test_the_checks_see_a_circle_and_an_import_through_the_package():
    assert circle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert circle({"a": ["b", "c"], "b": ["c"], "c": []}) == []
    assert package_of("testkit.web.handler") == "testkit.web" and package_of("testkit.web") == "testkit.web"
    assert through_own_package("testkit.web.handler", "from testkit.web import content") == [
        "testkit.web.handler:1 from testkit.web import …"
    ]
    assert through_own_package("testkit.web.handler", "import testkit.web.content as content") == []
    assert circle({"testkit.web": ["testkit.web.handler"], "testkit.web.handler": ["testkit.web"]})
    source = "from typing import TYPE_CHECKING\nimport testkit.web.content as content\nif TYPE_CHECKING:\n    from testkit.web.server import LocalWeb\n"
    assert imports("testkit.web.handler", runtime_only=True, source=source) == [(2, "testkit.web.content")]
    assert imports("testkit.web.handler", runtime_only=False, source=source) == [(2, "testkit.web.content"), (4, "testkit.web.server")]
    assert imports("testkit.web.handler", runtime_only=True, source="from testkit.web import content") == [
        (1, "testkit.web"),
        (1, "testkit.web.content"),
    ]


def test_no_module_reaches_a_sibling_through_its_own_package():
    found = [use for name in MODULES for use in through_own_package(name)]
    assert found == [], "import the sibling module itself (import testkit.web.content as content):\n" + "\n".join(found)


@pytest.mark.parametrize("runtime_only", [True, False], ids=["at-import", "with-type-checking-imports"])
def test_the_imports_make_no_circle(runtime_only):
    """Not even through the imports only a type checker follows (`if TYPE_CHECKING:`), nor those in
    functions: a reader (or a checker) following any import never comes back where it started."""
    graph = {name: sorted({m for _, m in imports(name, runtime_only=runtime_only)} - {name}) for name in MODULES}
    assert sum(len(targets) for targets in graph.values()) > 40, "nothing to check: the walk would pass vacuously"
    assert circle(graph) == []


IMPORT_IN_ORDERS = textwrap.dedent(
    """
    import importlib, json, random, sys, traceback

    modules = json.loads(sys.argv[1])
    orders = [[first] + sorted(set(modules) - {first}) for first in modules]  # each module first
    for seed in range(5):  # and a few whole orders at random (seeded: a failure repeats)
        order = list(modules)
        random.Random(seed).shuffle(order)
        orders.append(order)
    failed = []
    for order in orders:
        for loaded in [m for m in sys.modules if m == "testkit" or m.startswith("testkit.")]:
            del sys.modules[loaded]  # testkit afresh (the libraries below it stay loaded: not ours)
        for name in order:
            try:
                importlib.import_module(name)
            except Exception:
                failed.append(f"{name} (after {order[: order.index(name)]}):\\n{traceback.format_exc()}")
                break
    print(json.dumps({"orders": len(orders), "failed": failed}))
    """
)


def test_every_module_imports_first_and_in_any_order():
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_ORDERS, json.dumps(sorted(MODULES))],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["orders"] == len(MODULES) + 5
    assert report["failed"] == [], "\n".join(report["failed"])
