"""What the container this process runs in may use, read from its cgroup (v2, else v1).

In a Kubernetes pod `os.cpu_count()` and the affinity mask are the node's; the pod's `limits.cpu` is
only visible as the cgroup's CPU quota. Anything sized per core (the parse workers) asks here.
"""

from __future__ import annotations

import math
import os

CGROUP_ROOT = "/sys/fs/cgroup"


def cpu_limit(root: str = CGROUP_ROOT) -> float | None:
    """The CPU quota in cores (`limits.cpu`, `docker run --cpus`): cgroup v2 `cpu.max`, else cgroup v1
    `cpu.cfs_quota_us / cpu.cfs_period_us`; None when unlimited or unknown."""
    try:
        with open(os.path.join(root, "cpu.max")) as file:
            quota, period = file.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    for controller in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):  # v1 mounts it under one of these names
        try:
            with open(os.path.join(root, controller, "cpu.cfs_quota_us")) as file:
                quota = int(file.read())
            with open(os.path.join(root, controller, "cpu.cfs_period_us")) as file:
                period = int(file.read())
        except (OSError, ValueError):
            continue
        return quota / period if quota > 0 and period > 0 else None  # -1: no quota
    return None


def default_size(cgroup_root: str = CGROUP_ROOT) -> int:
    """One worker per core this process may use, capped by its cgroup's CPU quota rounded up: in a
    pod, `limits.cpu`, not the node's cores (each worker costs memory: bench/memory.py)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if quota := cpu_limit(cgroup_root):
        cores = min(cores, math.ceil(quota))
    return max(1, cores)
