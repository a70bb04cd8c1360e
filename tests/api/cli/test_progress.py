"""Long CLI work shows its progress: a bar on a real terminal (a pty, not a faked isatty), plain lines
in a pipe; Ctrl-C stops cleanly, and `eval` still reports and writes what it measured."""

from __future__ import annotations

import json
import os
import fcntl
import pty
import re
import select
import signal
import subprocess
import struct
import sys
import termios
import time
from pathlib import Path

from testkit.cli import EVAL_QUESTIONS as QUESTIONS
from testkit.cli import cli_env, run_cli

WAIT_S = 120  # a safety net against a hung child, never a measured time


class Terminal:
    """`websearch …` in a child whose stdin, stdout and stderr are a pty it has as its controlling
    terminal, in the foreground: Ctrl-C typed there (\\x03) reaches it through the line discipline."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the command
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # as a terminal's shell starts it (see _as_typed)
            os.execve(sys.executable, [sys.executable, "-m", "api.cli.main", *args], {**os.environ, **env})
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a terminal has a size
        self.output = b""
        self.status: int | None = None

    def read_until(self, pattern: str) -> re.Match:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text)
            if found:
                return found
            if not self._read(1.0):
                break
        raise AssertionError(f"never saw {pattern!r} in:\n{self.text}")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return False
            if not chunk:
                return False
            self.output += chunk
        return True

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc) -> None:
        if self.status is None:  # a failed assertion: the child must not outlive the test
            os.kill(self.pid, signal.SIGKILL)
            self.wait()

    def ctrl_c(self) -> None:
        os.write(self.fd, b"\x03")

    def wait(self) -> int:
        while self._read(1.0):
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.status = os.waitstatus_to_exitcode(status)
        return self.status

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


def _as_typed() -> None:
    """SIGINT as a shell at a terminal leaves it for a command: a test run started in the background
    (`… &`, nohup, some CI runners) has SIGINT ignored, the command would inherit that, and Python
    installs its Ctrl-C handler only where SIGINT is not ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _questions(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    lines = [json.dumps({**q, "id": f"{q['id']}-0"}, ensure_ascii=False) for q in QUESTIONS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_on_a_terminal_draws_a_bar_with_count_rate_and_time_left(tmp_path, local_web, megrez):
    with Terminal("eval", str(_questions(tmp_path)), env=cli_env(local_web, megrez)) as term:
        assert term.wait() == 0, term.text
        # tqdm's bar, redrawn in place: a carriage return, the bar, count, elapsed<left, rate, the found count.
        for n, found in ((1, 1), (2, 2), (3, 3), (4, 3)):  # redrawn after every question
            step = rf"\reval:\s+\d+%\|[█▏▎▍▌▋▊▉ ]*\| {n}/4 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+(s/question|question/s), found {found}/{n}\]"
            assert re.search(step, term.text), term.text
        assert re.search(r"eval: 100%\|█+\| 4/4 \[", term.text)
        assert "answer" in term.text and "missed unknown-0#0" in term.text  # the table follows the bar


def test_eval_in_a_pipe_prints_plain_progress_lines(tmp_path, local_web, megrez):
    done = run_cli("eval", str(_questions(tmp_path)), env=cli_env(local_web, megrez))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("eval: ")]
    assert "\r" not in done.stderr and "█" not in done.stderr
    assert lines[0].startswith("eval: 0/4 questions (0%)")
    # 4 questions: every one is a tenth or more of the run, so each gets its line, with rate and time left.
    assert [re.match(r"eval: (\d)/4 questions", line).group(1) for line in lines] == ["0", "1", "2", "3", "4"]
    assert re.fullmatch(r"eval: 4/4 questions \(100%\), [\d.]+(s/question|question/s), \d\d:\d\d elapsed, 00:00 left, found 3/4", lines[-1])
    assert "answer" in done.stdout and "eval:" not in done.stdout  # stdout stays the table


HOLD = "Which ferry leaves at dawn? (hold)"


def _held_questions(tmp_path: Path, megrez) -> Path:
    """QUESTIONS (4 turns), then one the scripted model never answers, then 15 more: Ctrl-C comes
    while the fifth is under way, so exactly 4 were measured, however fast or slow the machine."""
    megrez.hold = HOLD  # never answered: the request waits until the client goes away
    rows = [*QUESTIONS, {"id": "held", "question": HOLD, "answer": "none"}]
    rows += [{**q, "id": f"{q['id']}-after", "followups": []} for q in QUESTIONS for _ in range(5)]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in rows) + "\n", encoding="utf-8")
    return path


def _until_held(megrez) -> None:
    deadline = time.monotonic() + WAIT_S
    while not any(HOLD in json.dumps(r.get("body"), ensure_ascii=False) for r in list(megrez.requests)):
        assert time.monotonic() < deadline, "the held question never reached the model"
        time.sleep(0.05)


def _interrupted(report: Path, planned: int) -> dict:
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["run"]["interrupted"] is True and data["run"]["planned"] == planned
    assert data["run"]["measured"] == len(data["records"]) == 4  # the held fifth question is not a record
    assert [r["id"] for r in data["records"]] == ["bridge", "bridge", "qingchuan", "unknown"]
    assert data["summary"]["all"]["questions"] == data["run"]["measured"]
    return data


def test_ctrl_c_on_a_terminal_stops_eval_and_keeps_what_it_measured(tmp_path, local_web, megrez):
    questions, report, page = _held_questions(tmp_path, megrez), tmp_path / "eval.json", tmp_path / "eval.html"
    with Terminal("eval", str(questions), "--json", str(report), "--html", str(page), env=cli_env(local_web, megrez)) as term:
        _until_held(megrez)
        term.ctrl_c()
        assert term.wait() == 130, term.text
        assert "Traceback" not in term.text and "KeyboardInterrupt" not in term.text
        assert "eval: interrupted after 4 of 20 questions" in term.text
        _interrupted(report, planned=20)
        assert re.search(r"all\s+4\s", term.text) and "missed unknown#0" in term.text  # the table of what was measured
        assert "Interrupted (Ctrl-C) after" in page.read_text(encoding="utf-8")


def test_sigint_in_a_pipe_stops_eval_and_writes_what_it_measured(tmp_path, local_web, megrez):
    questions, report = _held_questions(tmp_path, megrez), tmp_path / "eval.json"
    child = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "eval", str(questions), "--json", str(report)],
        env={**os.environ, **cli_env(local_web, megrez)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_as_typed,
    )
    try:
        _until_held(megrez)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=WAIT_S)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert "Traceback" not in err and "eval: interrupted after 4 of 20 questions" in err
    assert re.search(r"eval: 4/20 questions \(20%\), .* found 3/4$", err, re.M)  # its last progress line
    _interrupted(report, planned=20)
    assert re.search(r"all\s+4\s", out)


def _folder(tmp_path: Path, files: int) -> Path:
    folder = tmp_path / "handbook"
    folder.mkdir()
    for n in range(files):
        (folder / f"note-{n:02}.md").write_text(f"# Note {n}\n\nThe ferry number {n} leaves at dawn.\n", encoding="utf-8")
    (folder / "说明.md").write_text("# 渡轮\n\n渡轮每天早上六点出发。\n", encoding="utf-8")
    return folder


def test_index_shows_a_bar_on_a_terminal_and_lines_in_a_pipe(tmp_path):
    folder = _folder(tmp_path, files=11)
    with Terminal("index", str(folder), "--index", str(tmp_path / "a"), env={}) as term:
        assert term.wait() == 0, term.text
        assert re.search(r"\rindex: 100%\|█+\| 12/12 \[\d\d:\d\d<00:00", term.text), term.text
        assert "indexed 12 documents" in term.text

    done = run_cli("index", str(folder), "--index", str(tmp_path / "b"), env={})
    assert done.returncode == 0, done.stderr
    counts = [int(m) for m in re.findall(r"^index: (\d+)/12 files", done.stderr, re.M)]
    assert counts[0] == 0 and counts[-1] == 12 and counts == sorted(counts) and len(counts) >= 3
    assert "\r" not in done.stderr and "indexed 12 documents" in done.stdout


def test_ctrl_c_during_index_leaves_the_previous_index_in_place(tmp_path):
    folder, index = _folder(tmp_path, files=3), tmp_path / "index"
    assert run_cli("index", str(folder), "--index", str(index), env={}).returncode == 0
    before = (index / "meta.json").read_text(encoding="utf-8")
    for n in range(3, 9):
        (folder / f"note-{n:02}.md").write_text(f"# Note {n}\n\nMore text {n}.\n", encoding="utf-8")
    os.mkfifo(folder / "zz-stuck.txt")  # a file whose read never returns: the run is under way when Ctrl-C comes
    with Terminal("index", str(folder), "--index", str(index), env={"WEBSEARCH_INDEX_DOCUMENT_DEADLINE_S": "600"}) as term:
        term.read_until(r"\| 9/11 \[")
        term.ctrl_c()
        assert term.wait() == 130, term.text
        assert "interrupted; the index was left as it was" in term.text and "Traceback" not in term.text
    assert (index / "meta.json").read_text(encoding="utf-8") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.new-")]  # no staging left behind
