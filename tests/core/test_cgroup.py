"""Parse workers sized to the container, not the node: the cgroup's CPU quota (v2 `cpu.max`, v1
`cpu.cfs_quota_us`) caps the count. A pod with `limits.cpu: 2` on a 64-core node gets 2 workers,
where each idle worker costs ~23 MiB and may grow by `parse_memory_mb` (bench/memory.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from core.cgroup import cpu_limit
from core.cgroup import default_size


def v2(root: Path, cpu_max: str) -> str:
    (root / "cpu.max").write_text(cpu_max + "\n")
    return str(root)


def v1(root: Path, quota: int, period: int = 100000, controller: str = "cpu,cpuacct") -> str:
    folder = root / controller
    folder.mkdir()
    (folder / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (folder / "cpu.cfs_period_us").write_text(f"{period}\n")
    return str(root)


@pytest.mark.parametrize(("cpu_max", "cores"), [("200000 100000", 2.0), ("150000 100000", 1.5), ("50000 100000", 0.5), ("max 100000", None)])
def test_cgroup_v2_quota_in_cores(tmp_path, cpu_max, cores):
    assert cpu_limit(v2(tmp_path, cpu_max)) == cores


@pytest.mark.parametrize(("quota", "cores"), [(200000, 2.0), (-1, None)])
def test_cgroup_v1_quota_in_cores(tmp_path, quota, cores):
    assert cpu_limit(v1(tmp_path, quota)) == cores


def test_no_cgroup_files_means_no_limit(tmp_path):
    assert cpu_limit(str(tmp_path)) is None
    (tmp_path / "cpu.max").write_text("garbage")
    assert cpu_limit(str(tmp_path)) is None


def test_workers_follow_the_quota_rounded_up_never_past_the_usable_cores(tmp_path):
    usable = len(os.sched_getaffinity(0))
    assert default_size(str(tmp_path)) == usable  # no quota: every core this process may use
    quota = tmp_path / "q"
    quota.mkdir()
    assert default_size(v2(quota, "50000 100000")) == 1  # half a core: still one worker
    big = tmp_path / "big"
    big.mkdir()
    assert default_size(v2(big, "6400000 100000")) == usable  # a 64-core quota on a smaller machine
    if usable >= 2:
        one_and_half = tmp_path / "x"
        one_and_half.mkdir()
        assert default_size(v1(one_and_half, 150000, controller="cpu")) == 2


def test_workers_follow_the_cores_this_process_may_use_not_the_machines(tmp_path):
    """`taskset -c 0 websearch serve` (or a cpuset in a container): one worker, not one per core of the machine."""
    sizes: list[int] = []

    def pinned() -> None:  # affinity is per thread: this one only, the test's own is left alone
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        sizes.append(default_size(str(tmp_path)))

    thread = threading.Thread(target=pinned)
    thread.start()
    thread.join()
    assert sizes == [1]


def test_without_an_affinity_call_the_workers_follow_the_cpu_count(tmp_path, monkeypatch):
    """Where the OS has no `sched_getaffinity` (macOS): one worker per CPU it reports, one when it reports none."""
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert default_size(str(tmp_path)) == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_size(str(tmp_path)) == 1
