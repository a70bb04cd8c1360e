"""Running mutants: each in a forked child of a process that has already imported the heavy
third-party libraries, with the mutated module compiled from the changed AST and put in `sys.modules`
before anything imports it (the files on disk are never touched)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.mutation.equivalent import EQUIVALENT
from bench.mutation.mutators import mutants, mutated_code
from bench.mutation.table import MODULES, PROJECT, ROOT, Module


def _module_name(path: str) -> str:
    """The module a file is imported as (a package's __init__.py: the package itself)."""
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the mutated module from its changed code whoever imports it first, the package's own
    __init__ included (agent/protocols/__init__.py imports its protocols and keeps them in a table:
    a mutant put in place after the package was imported would never run there)."""

    def __init__(self, name: str, path: str, code) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        package = self.path.endswith("/__init__.py")
        locations = [str((ROOT / self.path).parent)] if package else None
        return importlib.util.spec_from_file_location(fullname, ROOT / self.path, loader=self,
                                                      submodule_search_locations=locations)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        exec(self.code, module.__dict__)


def _child(path: str | None, code, tests: list[str], fork_workers: bool = False) -> int:
    """In the forked child: drop the project's modules, put the mutant in place, run the tests."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    for name in list(sys.modules):
        if name.split(".")[0] in PROJECT:
            del sys.modules[name]
    if path is not None:
        sys.meta_path.insert(0, _MutantFinder(_module_name(path), path, code))
        try:
            importlib.import_module(_module_name(path))
        except BaseException:  # noqa: BLE001 — a mutant that cannot even be imported is killed
            return 90
    if fork_workers:  # parse workers forked from here run the mutant too (a fork server imports the files)
        import core.workers

        core.workers.WorkerPool.__init__.__kwdefaults__["start_method"] = "fork"
    import pytest

    return int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--no-header", *tests]))


def run(path: str | None, code, tests: list[str], timeout: float, fork_workers: bool = False) -> tuple[str, float]:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # its own group: a timeout ends the child and whatever it started
            rc = _child(path, code, tests, fork_workers)
        except BaseException:  # noqa: BLE001
            rc = 91
        os._exit(rc)
    deadline = started + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.05)
    rc = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if rc == 0:
        return "survived", elapsed
    if rc in (4, 5):
        return f"error (pytest exit {rc}: no tests ran)", elapsed
    return "killed", elapsed


@dataclass
class Result:
    module: str
    total: int = 0
    killed: int = 0
    survived: list[tuple[str, int, str]] = field(default_factory=list)
    equivalent: list[tuple[str, int, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        counted = self.total - len(self.equivalent)
        return self.killed / counted if counted else 1.0


def earlier_verdicts(log: str) -> dict[tuple[str, str, int, str], str]:
    """Verdicts from an earlier `--verbose` run's stderr: tests are only ever added, so a mutant
    killed then is killed now, and only the others need running again (`--recheck LOG`)."""
    verdicts = {}
    for row in Path(log).read_text(encoding="utf-8").splitlines():
        parts = row.split(None, 3)
        if len(parts) == 4 and ":" in parts[1] and parts[2] in ("killed", "survived"):
            path, _, line = parts[1].rpartition(":")
            verdicts[(parts[0], path, int(line), parts[3])] = parts[2]
    return verdicts


def _earlier(earlier: dict, name: str, path: str, line: int, description: str) -> str | None:
    """The earlier verdict on a mutant; descriptions longer than 60 characters were once cut at 60."""
    if (name, path, line, description) in earlier:
        return earlier[(name, path, line, description)]
    head = description.split("…")[0][:30]
    tail = description.rsplit(": ", 1)[-1] if ": " in description else ""
    alike = [(d, v) for (m, p, l, d), v in earlier.items()
             if (m, p, l) == (name, path, line) and d.startswith(head) and len(d) >= 60]
    if len(alike) > 1:
        alike = [(d, v) for d, v in alike if d.endswith(tail)]
    return alike[0][1] if len(alike) == 1 else None


def run_module(
    name: str, spec: Module, verbose: bool, earlier: dict | None = None, tally: bool = False, only: str | None = None
) -> Result:
    """Run (or tally) a row's mutants; `only`, a regex, keeps those whose `path:function` it finds (a row run
    in parts: the others are not counted)."""
    result = Result(name)
    started = time.monotonic()
    if not tally:
        status, baseline = run(None, None, spec.tests, timeout=600, fork_workers=spec.fork_workers)
        if status != "survived":
            result.errors.append(f"the tests fail without any mutant ({status}): fix them first")
            return result
        timeout = max(20.0, 4 * baseline)
    for path, functions in spec.files.items():
        for index, point in enumerate(mutants(path, functions)):
            line, description = point.line, point.description
            if only is not None and not re.search(only, f"{path}:{point.scope}"):
                continue
            result.total += 1
            verdict = _earlier(earlier, name, path, line, description) if earlier else None
            if verdict == "killed" or (tally and verdict):
                status = verdict
            elif tally:
                status = "not in the log"
            else:
                status, _ = run(path, mutated_code(path, functions, index), spec.tests, timeout, spec.fork_workers)
            if status in ("killed", "timeout"):
                result.killed += 1
            elif status == "survived":
                why = EQUIVALENT.get((name, path, point.scope, description))
                if why:
                    result.equivalent.append((path, line, description, why))
                else:
                    result.survived.append((path, line, description))
            else:
                result.errors.append(f"{path}:{line} {description}: {status}")
            if verbose:
                print(f"  {name:16} {path}:{line:<4} {status:9} {description}", file=sys.stderr, flush=True)
    result.seconds = time.monotonic() - started
    return result


def warm_up() -> None:
    """Import what the tests import, once, in this process: every forked child inherits it."""
    os.chdir(ROOT)
    import pytest  # noqa: F401
    import api.app  # noqa: F401 — fastapi, langgraph, httpx, pydantic, redis, slack_bolt, trafilatura...
    import api.slack.bot  # noqa: F401
    import openai  # noqa: F401
    import tests.conftest  # noqa: F401
    import testkit.slack_api  # noqa: F401


def unmatched_equivalents(names: list[str]) -> list[tuple[str, str, str, str]]:
    """EQUIVALENT entries of these modules that name no mutant: the code moved on under them."""
    points = {
        (name, path, point.scope, point.description)
        for name in names
        for path, functions in MODULES[name].files.items()
        for point in mutants(path, functions)
    }
    return [key for key in EQUIVALENT if key[0] in names and key not in points]
