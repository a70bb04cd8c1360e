"""The service's JSON log lines, as a test reads them from captured stderr."""

from __future__ import annotations

import json


def log_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
