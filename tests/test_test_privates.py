"""No test reads or replaces a private attribute (`obj._name`) of the project's objects: a test
asserts what a user or an operator would notice, or reads a public accessor the code offers, so a
refactoring inside a class never breaks a test that still describes the right behaviour. A test's
own classes may use their own (`self._x`)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OWN = {"self", "cls"}  # a class of the test's own, reaching its own attributes


def private_uses(source: str) -> list[str]:
    """`obj._name` (not a dunder) on anything but self/cls, and setattr/getattr/delattr of "_name"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if not (isinstance(node.value, ast.Name) and node.value.id in OWN):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in ("setattr", "getattr", "delattr"):
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.startswith("_"):
                if not name.value.startswith("__"):
                    found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_check_sees_every_form_of_reaching_in():
    assert private_uses("assert not fetcher._host_slots") == ["1: fetcher._host_slots"]
    assert private_uses("x = app.state.bot._tasks") == ["1: app.state.bot._tasks"]
    assert private_uses("monkeypatch.setattr(megrez, '_prepare', f)") == ["1: monkeypatch.setattr(megrez, '_prepare', f)"]
    assert private_uses("getattr(store, '_data')") == ["1: getattr(store, '_data')"]
    assert private_uses("super()._app(scope)") == ["1: super()._app"]  # a hook overridden from outside
    clean = "self._thread.start()\ncls._seen = 1\nobj.__class__\nsettings = dict(_env_file=None)\nobj.public"
    assert private_uses(clean) == []


def test_no_test_reads_a_private_attribute():
    paths = sorted(TESTS.rglob("*.py"))
    assert len(paths) > 50, "nothing to check: the walk would pass vacuously"
    found = [f"{path.relative_to(TESTS.parent)}:{use}" for path in paths for use in private_uses(path.read_text(encoding="utf-8"))]
    assert found == [], "assert behaviour, or read a public accessor the code offers:\n" + "\n".join(found)
