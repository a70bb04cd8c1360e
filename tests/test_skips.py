"""Every skip goes through `testkit.skips.missing`, which fails under WEBSEARCH_TEST_REQUIRE_ALL=1
(as in CI): a test that quietly skips there is a test that quietly stopped testing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# pytest.skip / importorskip / skipif / mark.skip / xfail anywhere but inside `missing` itself
SILENT = re.compile(r"pytest\.(skip\s*\(|importorskip|mark\.(skip|skipif|xfail)\b|xfail\s*\()")


def test_no_test_skips_except_through_missing():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SILENT.search(line) and not (path.name == "conftest.py" and path.parent == TESTS and "reason" in line):
                found.append(f"{path.relative_to(TESTS.parent)}:{number}: {line.strip()}")
    assert found == [], "route these through testkit.skips.missing:\n" + "\n".join(found)


def test_missing_skips_on_a_developer_machine_and_fails_in_ci(tmp_path):
    (tmp_path / "test_gone.py").write_text(
        "from testkit.skips import missing\n\ndef test_needs_a_part():\n    missing('the part is not installed')\n"
    )
    results = {}
    for require_all in ("0", "1"):
        env = {**os.environ, "WEBSEARCH_TEST_REQUIRE_ALL": require_all}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
             "-c", os.devnull, str(tmp_path / "test_gone.py")],
            capture_output=True, text=True, cwd=TESTS.parent, env=env, timeout=120,
        )
        results[require_all] = done
    assert results["0"].returncode == 0 and "1 skipped" in results["0"].stdout, results["0"].stdout
    assert results["1"].returncode == 1 and "1 failed" in results["1"].stdout, results["1"].stdout
    assert "the part is not installed" in results["1"].stdout
