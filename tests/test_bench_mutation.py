"""bench/mutation follows the code: its table names files and functions that exist, and each listed
equivalent mutant is still a mutant (keyed by function and change, an entry goes stale only when the
code it excuses changes, and then its reason must be looked at again)."""

from __future__ import annotations

import ast

from bench.mutation.equivalent import EQUIVALENT
from bench.mutation.mutators import mutants
from bench.mutation.runner import run_module, unmatched_equivalents
from bench.mutation.table import MODULES, ROOT


def _qualnames(path: str) -> set[str]:
    names: set[str] = set()

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(prefix + child.name)
                walk(child, prefix + child.name + ".")

    walk(ast.parse((ROOT / path).read_text(encoding="utf-8")), "")
    return names


def test_every_mutated_function_exists_and_each_file_has_mutants() -> None:
    for name, module in MODULES.items():
        for path, functions in module.files.items():
            assert (ROOT / path).is_file(), (name, path)
            assert mutants(path, functions), (name, path)
            for function in functions or []:
                assert function in _qualnames(path), f"{name}: {path} has no {function}"


def test_every_test_file_named_exists() -> None:
    for name, module in MODULES.items():
        for test in module.tests:
            assert (ROOT / test.split("::")[0]).is_file(), (name, test)


def test_every_equivalent_entry_names_a_mutant_of_its_module() -> None:
    assert unmatched_equivalents(list(MODULES)) == []
    assert all(key[0] in MODULES for key in EQUIVALENT)


def test_an_entry_for_code_that_moved_is_reported() -> None:
    stale = ("cite", "agent/citations.py", "no_such_function", "1 -> 2")
    EQUIVALENT[stale] = "a test entry"
    try:
        assert unmatched_equivalents(["cite"]) == [stale]
    finally:
        del EQUIVALENT[stale]


def test_only_runs_a_part_of_a_row_and_counts_no_other_mutant() -> None:
    # A row run in parts: with --only, the mutants outside the part are neither run nor counted.
    whole = run_module("store", MODULES["store"], verbose=False, earlier={}, tally=True)
    part = run_module("store", MODULES["store"], verbose=False, earlier={}, tally=True, only=r":check_turn$")
    expected = sum(point.scope == "check_turn" for point in mutants("agent/store.py", None))
    assert 0 < part.total == expected < whole.total
