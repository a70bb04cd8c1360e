"""How long CLI work (`websearch eval`, `websearch index`) shows its progress, on stderr so that
stdout stays the result (a table a script can read, a file it can redirect).

On a terminal: tqdm's bar, with the count, the rate and the time left. Anywhere else (CI, a log
file, `2> log`): plain lines, one when a tenth of the work is done or `every_s` seconds have
passed, whichever comes first, then a last one; the same figures, formatted by tqdm too. A bar's
carriage returns in a log file are noise; silence for a quarter of an hour is worse."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from tqdm import tqdm

_LINE = "{desc}: {n_fmt}/{total_fmt} {unit}s ({percentage:.0f}%), {rate_fmt}, {elapsed} elapsed, {remaining} left{postfix}"


class Progress:
    """`with Progress(total, desc="eval", unit="question") as p: ... p.update(note="found 3")`.

    `redraw_s`: the bar is redrawn at most this often (0: on every step, for slow steps)."""

    def __init__(
        self,
        total: int,
        *,
        desc: str,
        unit: str,
        stream: TextIO | None = None,
        every_s: float = 10.0,
        every_fraction: float = 0.1,
        redraw_s: float = 0.1,
    ) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.stream = stream or sys.stderr
        self.every_s, self.step = every_s, max(1, int(total * every_fraction))
        self.n = 0
        self.note = ""
        self.started = self._shown_at = time.monotonic()
        self._shown_n = 0
        self._closed = False
        self.bar: tqdm | None = None
        if _is_terminal(self.stream):
            # smoothing: a few recent questions set the rate, so time left follows a slower stretch
            sized = _columns(self.stream) > 0  # a terminal that reports no size (0 columns) gets 100
            self.bar = tqdm(
                total=total, desc=desc, unit=unit, file=self.stream, smoothing=0.1,
                dynamic_ncols=sized, ncols=None if sized else 100, mininterval=redraw_s,
                miniters=1 if redraw_s == 0 else None,
            )
        else:
            self._line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.close(interrupted=kind is KeyboardInterrupt)

    def update(self, n: int = 1, note: str | None = None) -> None:
        self.n += n
        if note is not None:
            self.note = note
        if self.bar is not None:
            if note is not None:
                self.bar.set_postfix_str(note, refresh=False)
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.n - self._shown_n >= self.step or now - self._shown_at >= self.every_s or self.n >= self.total:
            self._line(now)

    def close(self, *, interrupted: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        if self.bar is not None:
            self.bar.close()
        elif self._shown_n != self.n:
            self._line()
        if interrupted:
            print(f"{self.desc}: interrupted after {self.n} of {self.total} {self.unit}s", file=self.stream, flush=True)

    def _line(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        line = tqdm.format_meter(
            self.n,
            self.total,
            now - self.started,
            prefix=self.desc,
            unit=self.unit,
            bar_format=_LINE,
            postfix=self.note or None,
        )
        print(" ".join(line.split()), file=self.stream, flush=True)  # tqdm pads the rate for a bar
        self._shown_n, self._shown_at = self.n, now


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-like stream without a descriptor
        return False


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0
