"""The lower packages stand on their own: search/ and inference/ take plain, typed arguments and
never import the app's `agent` package (its `Settings` included), not even for type checking."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOWER = ("search", "inference")


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an `import` or `from … import` names, wherever it stands (functions, TYPE_CHECKING)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if module == "agent" or module.startswith("agent."):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("package", LOWER)
def test_lower_packages_never_import_agent(package):
    assert list((ROOT / package).rglob("*.py")), "nothing to check: the walk would pass vacuously"
    assert upward_imports(package) == []


def test_the_check_sees_an_import_under_type_checking():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from agent.settings import Settings\n")
    assert (3, "agent.settings") in imported_modules(tree)


def test_core_stands_below_every_package():
    """core/ holds what every package shares (errors, workers, redaction, Redis, tokens, language):
    it imports none of them, so none of them reaches another through it."""
    bad = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if module.split(".")[0] in ("agent", "search", "inference", "api", "testkit", "bench"):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert list((ROOT / "core").rglob("*.py")), "nothing to check"
    assert bad == []


def test_the_store_needs_no_settings():
    """agent/store.py takes its own StoreConfig: the settings import the store's defaults, never the
    other way round (not even for type checking), so the two make no circle."""
    tree = ast.parse((ROOT / "agent" / "store.py").read_text(encoding="utf-8"))
    assert [module for _, module in imported_modules(tree) if module == "agent.settings" or module == "agent.deps"] == []


def imports_under(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    """Each `path:line imports module` in `folder` where the module is, or is inside, a forbidden one."""
    bad = []
    paths = sorted((ROOT / folder).rglob("*.py"))
    assert paths, "nothing to check"
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if any(module == name or module.startswith(name + ".") for name in forbidden):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


def test_no_node_imports_a_particular_protocol():
    """The nodes ask the protocol for what they need (agent/protocols/base.py): a new protocol
    touches no node, and none borrows Megrez's parser or spelling for every model."""
    specific = ("agent.protocols.megrez", "agent.protocols.tools", "agent.protocols.plain", "inference.megrez")
    assert imports_under("agent/nodes", specific) == []
    named = []  # nor tests one by name (`protocol.name == "megrez"`)
    for path in [*sorted((ROOT / "agent" / "nodes").rglob("*.py")), ROOT / "agent" / "rounds.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ("megrez", "tools", "plain"):
                named.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}")
    assert named == []


def test_protocols_are_given_a_context_not_the_composition_root():
    """agent/deps.py builds the protocols; they take a ProtocolContext, so the two make no circle."""
    assert imports_under("agent/protocols", ("agent.deps", "agent.nodes")) == []
