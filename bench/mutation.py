"""Mutation testing for the modules where a bug is a security or correctness incident.

Each mutant is one small change to the code (a comparison turned round, a guard removed, an element
dropped from a set, `and` for `or`, `min` for `max`, one operand of `+` left out, a call removed...);
the module's own small test selection runs against it. A mutant the tests fail on is *killed*; one
they pass is *survived*: either a bug the tests would let through, or an equivalent change (listed
in EQUIVALENT below with the reason, and left out of the score).

Mutants run in a forked child of a process that has already imported the heavy third-party libraries,
so each costs the project's own import plus its tests, not a fresh interpreter. The mutated module is
compiled from the changed AST and put in `sys.modules` before anything imports it: the files on disk
are never touched. No pass/fail: figures to keep at >= 90 % killed.

    nice -n 10 .venv/bin/python -m bench.mutation                 # every module, the table
    nice -n 10 .venv/bin/python -m bench.mutation cite select     # some of them
    nice -n 10 .venv/bin/python -m bench.mutation --survivors     # ... and each surviving mutant
    nice -n 10 .venv/bin/python -m bench.mutation -v 2> run.log   # one line per mutant, then
    nice -n 10 .venv/bin/python -m bench.mutation --recheck run.log  # only what run.log did not kill
    .venv/bin/python -m bench.mutation --list address             # the mutants, without running them
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import importlib.util
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("agent", "search", "inference", "prompts", "api", "tests")


@dataclass
class Module:
    """One row of the table: files (each with the functions mutated, None = all) and the tests run."""

    files: dict[str, list[str] | None]
    tests: list[str]
    note: str = ""


MODULES: dict[str, Module] = {
    "address": Module(
        {"search/address.py": None},
        [
            "tests/search/test_address.py",
            "tests/search/test_fetch.py::test_non_public_addresses_are_named",
            "tests/search/test_fetch.py::test_public_addresses_pass",
            "tests/search/test_fetch.py::test_numeric_spellings_mean_addresses",
            "tests/search/test_fetch.py::test_names_are_not_numbers",
            "tests/search/test_fetch.py::test_broken_numeric_hosts_are_refused",
            "tests/search/test_fetch.py::test_allow_entries_parse_with_and_without_port",
            "tests/search/test_fetch.py::test_private_and_odd_urls_refused",
            "tests/search/test_fetch.py::test_more_refused_urls",
            "tests/search/test_fetch.py::test_a_name_resolving_to_a_private_address_is_refused",
            "tests/search/test_fetch.py::test_the_checked_address_is_the_one_connected_to",
        ],
        "the address policy",
    ),
    "fetch-redirects": Module(
        {"search/fetch.py": ["Fetcher._fetch", "Fetcher.check", "Fetcher._is_allowed", "Fetcher._forget_cookies"]},
        [
            "tests/search/test_address.py",
            "tests/search/test_fetch.py::test_fetches_an_allowed_local_page",
            "tests/search/test_fetch.py::test_loopback_refused_without_allow_list",
            "tests/search/test_fetch.py::test_allow_list_is_per_port",
            "tests/search/test_fetch.py::test_private_and_odd_urls_refused",
            "tests/search/test_fetch.py::test_redirects_followed_and_rechecked",
            "tests/search/test_fetch.py::test_more_refused_urls",
            "tests/search/test_fetch.py::test_numeric_spellings_of_an_allowed_address_are_not_allowed",
            "tests/search/test_fetch.py::test_every_redirect_hop_is_checked",
            "tests/search/test_fetch.py::test_allow_list_port_is_exact_even_after_a_redirect",
            "tests/search/test_fetch.py::test_redirects_are_bounded",
            "tests/search/test_fetch.py::test_a_name_resolving_to_a_private_address_is_refused",
            "tests/search/test_fetch.py::test_the_checked_address_is_the_one_connected_to",
            "tests/search/test_fetch.py::test_https_keeps_the_name_for_sni_and_connects_to_the_checked_address",
            "tests/search/test_fetch.py::test_an_allowed_name_is_allowed_on_its_port_only",
            "tests/search/test_fetch.py::test_request_headers_look_like_a_browser_and_carry_no_cookies",
            "tests/search/test_fetch.py::test_unresolvable_host_is_an_error_not_an_exception",
            "tests/search/test_fetch.py::test_malformed_url_is_an_error",
            "tests/search/test_fetch.py::test_an_allow_entry_without_a_port_allows_every_port_of_that_host",
            "tests/search/test_fetch.py::test_odd_hosts_are_refused_for_what_they_are_without_a_lookup",
            "tests/search/test_fetch.py::test_a_name_with_no_address_is_an_error_not_a_crash",
            "tests/search/test_fetch.py::test_default_ports_name_the_site_plainly_and_meet_the_allow_list",
            "tests/search/test_fetch.py::test_a_refusal_names_the_address_and_how_it_was_spelled",
            "tests/search/test_fetch.py::test_each_redirect_gives_its_connection_back",
        ],
        "each hop checked, redirects followed by hand",
    ),
    "cite": Module({"agent/nodes/cite.py": None}, ["tests/agent/test_cite.py"], "citation rewriting"),
    "select": Module({"search/select.py": None}, ["tests/search/test_select.py"], "evidence packing"),
    "auth-scoping": Module(
        {
            "api/auth.py": None,
            "api/rest/answer.py": ["agent_input", "to_response", "answer", "existing", "stored_key", "get_conversation",
                              "delete_conversation"],
            "api/openai_compat/conversation.py": ["conversation_key", "caller_namespace", "Conversation.__init__",
                                           "Conversation.prepare", "Conversation.file"],
        },
        [
            "tests/api/test_auth.py::test_each_key_sees_only_its_own_conversations",
            "tests/api/test_openai_compat.py::test_an_explicit_conversation_id_is_scoped_by_the_callers_key",
            "tests/api/test_auth.py",
            "tests/api/test_openai_compat.py::test_callers_with_the_same_transcript_are_kept_apart",
            "tests/api/test_openai_compat.py::test_follow_up_in_resent_history_is_resolved",
            "tests/api/test_openai_compat.py::test_explicit_conversation_id_keeps_the_thread",
            "tests/api/test_openai_compat.py::test_a_conversation_is_kept_once_not_once_per_turn",
            "tests/api/test_conversations.py::test_get_returns_turns_with_sources_and_queries_then_delete",
            # the open-server rules: server-made ids, Slack threads off REST, no planted turns
            "tests/api/test_hardening.py::test_an_open_server_keeps_slack_threads_off_rest_unless_the_operator_opts_in",
            "tests/api/test_hardening.py::test_a_client_cannot_plant_a_conversation_or_write_assistant_turns_into_one",
        ],
        "API keys and conversation scoping",
    ),
    "slack": Module(
        {"api/slack/bot.py": ["SlackBot.__init__", "SlackBot._on_mention", "SlackBot._on_message", "SlackBot._spawn",
                          "SlackBot._claim", "enabled", "bot_for", "slack_events"]},
        [
            "tests/api/test_slack.py::test_http_mode_needs_both_the_bot_token_and_the_signing_secret",
            "tests/api/test_slack.py::test_slack_route_is_absent_without_its_settings",
            "tests/api/test_slack.py::test_url_verification_is_answered",
            "tests/api/test_slack.py::test_mention_gets_searching_then_the_cited_answer_in_its_thread",
            "tests/api/test_slack.py::test_a_wrong_signature_is_401_and_nothing_is_posted",
            "tests/api/test_slack.py::test_another_bots_mention_is_not_answered",
            "tests/api/test_slack.py::test_bot_messages_and_edits_in_dms_are_not_questions",
            "tests/api/test_slack.py::test_direct_message_is_answered",
            "tests/api/test_slack.py::test_a_retried_event_is_not_answered_twice",
            "tests/api/test_slack.py::test_follow_up_in_the_thread_keeps_the_subject",
        ],
        "Slack verification and which events are answered",
    ),
}

# Mutants that change nothing a caller can observe, by (module, file, line, description), with why.
EQUIVALENT: dict[tuple[str, str, int, str], str] = {
    ("cite", "agent/nodes/cite.py", 68, "1 -> 2"): "rfind returns -1 or an index: `cut != -2` is `cut != -1` or more",
    ("cite", "agent/nodes/cite.py", 68, "operand dropped: cut != -1"):
        "with no '[' the tail is one character, which _PARTIAL (it starts with '[') never matches",
    ("cite", "agent/nodes/cite.py", 68, "operand dropped: ']' not in text[cut:]"):
        "_PARTIAL cannot match a tail holding ']' either",
    ("address", "search/address.py", 24, "right operand dropped: ipaddress.IPv4Address | ipaddress.IPv6Address"):
        "a type alias, read by annotations only",
    **{
        ("address", "search/address.py", line, f"element dropped: ('{net}', '{why}')"):
            f"ipaddress's own is_{flag} catches the row's addresses under the same name ({why})"
        for line, net, why, flag in (
            (36, "10.0.0.0/8", "private", "private"),
            (36, "127.0.0.0/8", "loopback", "loopback"),
            (36, "169.254.0.0/16", "link-local", "link_local"),
            (36, "172.16.0.0/12", "private", "private"),
            (36, "192.168.0.0/16", "private", "private"),
            (36, "224.0.0.0/4", "multicast", "multicast"),
            (56, "::/128", "unspecified", "unspecified"),
            (56, "::1/128", "loopback", "loopback"),
            (56, "fe80::/10", "link-local", "link_local"),
            (56, "fec0::/10", "site-local", "site_local"),
            (56, "ff00::/8", "multicast", "multicast"),
        )
    },
    **{
        ("address", "search/address.py", 118, f"element dropped: '{flag}'"):
            "a second line of defence: every address under this flag is named by a table row first"
        for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local")
    },
    ("auth-scoping", "api/auth.py", 19, "operand dropped: None"):
        "an empty X-API-Key ('' instead of None) matches no key either: 401 all the same",
    ("auth-scoping", "api/auth.py", 37, "12 -> 13"): "how much of the key's hash names the scope: any length keeps keys apart",
    ("auth-scoping", "api/auth.py", 37, "operand dropped: ''"):
        "with keys configured, a request reaching this has passed require_api_key: its key is never None",
    ("auth-scoping", "api/auth.py", 37, "left operand dropped: 'k' + hashlib.sha256((presented_…utf-8')).hexdigest()[:12]"):
        "the letter before the hash only names the prefix",
    ("auth-scoping", "api/auth.py", 37, "right operand dropped: 'k' + hashlib.sha256((presented_…)).hexdigest()[:12] + ':'"):
        "the hash has a fixed length: without ':' the prefix is still unambiguous",
    ("auth-scoping", "api/openai_compat/conversation.py", 34, "False -> True"): "ensure_ascii: the hash differs, per transcript alike",
    ("auth-scoping", "api/openai_compat/conversation.py", 34, "element dropped: ','"): "separators: the hash differs, per transcript alike",
    ("auth-scoping", "api/openai_compat/conversation.py", 34, "element dropped: ':'"): "separators: the hash differs, per transcript alike",
    ("auth-scoping", "api/openai_compat/conversation.py", 36, "40 -> 41"): "how much of the hash names the entry",
    ("auth-scoping", "api/openai_compat/conversation.py", 43, "operand dropped: ''"):
        "with keys configured, a request reaching this has passed require_api_key: its key is never None",
    ("auth-scoping", "api/openai_compat/conversation.py", 44, "16 -> 17"): "how much of the key's hash goes into the namespace",
    ("slack", "api/slack/bot.py", 132, "right operand dropped: settings.slack_api_url + '/'"):
        "slack_sdk's client adds the missing slash itself (tested: the base URL ends in '/' either way)",
    ("slack", "api/slack/bot.py", 137, "15 -> 16"): "the Web API client's timeout in seconds: no test waits 15 s",
    ("slack", "api/slack/bot.py", 141, "operand dropped: ''"):
        "Bolt reads a None signing secret as '' itself (and HTTP mode is never enabled without one)",
    ("slack", "api/slack/bot.py", 169, "body.get('event_id') or f\"{event…nel')}:{event.get('ts')}\": Or -> And"):
        "a delivery's channel:ts is as stable across Slack's retries and replicas as its event_id",
    ("slack", "api/slack/bot.py", 169, "operand dropped: body.get('event_id')"):
        "a delivery's channel:ts is as stable across Slack's retries and replicas as its event_id",
    ("slack", "api/slack/bot.py", 169, "operand dropped: f\"{event.get('channel')}:{event.get('ts')}\""):
        "Slack sends an event_id with every event (Events API and Socket Mode): the fallback is for hand-made ones",
    **{
        ("slack", "api/slack/bot.py", 174, description): "the in-process claims only forget old ids; the shared "
        "cache's SET NX still claims each event once (tested: a retried event is answered once)"
        for description in ("now - t: Sub -> Add", "right operand dropped: now - t", "now - t < EVENT_TTL_S: Lt -> LtE")
    },
    **{
        ("slack", "api/slack/bot.py", 176, f"operand dropped: {operand}"): "the team id is the same wherever it is "
        "read (envelope, authorizations, event): Slack sends all three (tested: the thread's conversation id)"
        for operand in ("body.get('team_id')", "context.team_id", "event.get('team')", "''")
    },
    ("slack", "api/slack/bot.py", 143, "False -> True"):
        "process_before_response: the listeners only start a task, so the ack is immediate either way",
    ("slack", "api/slack/bot.py", 146, "call removed"): "the retry middleware only logs",
    ("address", "search/address.py", 121, "guard removed: if not ip.is_global"):
        "a third line: every address ipaddress calls not global is named by a row or a flag first (Python 3.11)",
    ("address", "search/address.py", 143, "len(label) > 1: Gt -> GtE"): "'0' read as octal is 0 all the same",
    ("address", "search/address.py", 143, "operand dropped: len(label) > 1"): "'0' read as octal is 0 all the same",
    ("address", "search/address.py", 199, "False -> True"): "Fetcher.check always sets Target.allowed itself",
    ("address", "search/address.py", 135, "operand dropped: not labels"): "str.split never returns an empty list",
    ("select", "search/select.py", 46, "0 -> 1"): "the snippet is its page's only passage: its position orders nothing",
    ("select", "search/select.py", 58, "passage.tokens or count_tokens(passage.text): Or -> And"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    ("select", "search/select.py", 58, "operand dropped: passage.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    ("select", "search/select.py", 75, "operand dropped: passage.url in picks"):
        "a relevant source not picked in round 1 had each passage refused with at least as much room as round 2 has",
}

# --- the mutants ------------------------------------------------------------------------------------

_CMP_SWAP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_CALL_SWAP = {"min": "max", "max": "min", "any": "all", "all": "any"}
_LOG_NAMES = {"log", "logger", "logging"}


def _show(node: ast.AST) -> str:
    """The code a mutant changes, short but unambiguous (its start and its end)."""
    text = ast.unparse(node)
    return text if len(text) <= 60 else f"{text[:32]}…{text[-25:]}"


def _is_log_call(node: ast.AST) -> bool:
    call = node.value if isinstance(node, ast.Await) else node
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id in _LOG_NAMES


def _is_constant_like(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts)


def _guard(node: ast.If) -> bool:
    """`if cond: return/raise/continue/break` with no else: a guard whose removal is a classic bug."""
    return not node.orelse and len(node.body) == 1 and isinstance(node.body[0], (ast.Return, ast.Raise, ast.Continue, ast.Break))


class Mutator(ast.NodeTransformer):
    """Walks a module; at each mutation point counts one, and applies the `target`-th (if any)."""

    def __init__(self, functions: list[str] | None, target: int = -1):
        self.functions = functions
        self.target = target
        self.count = 0
        self.points: list[tuple[int, str]] = []
        self.stack: list[str] = []

    # -- scoping ----------------------------------------------------------------------------------
    def _in_scope(self) -> bool:
        if self.functions is None:
            return True
        qual = ".".join(self.stack)
        return any(qual == f or qual.startswith(f + ".") for f in self.functions)

    def _scoped(self, node):
        self.stack.append(node.name)
        # annotations and decorators are not behaviour worth mutating here
        node.body = [self.visit(n) for n in node.body]
        node.body = [n for n in node.body if n is not None] or [ast.Pass()]
        self.stack.pop()
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node  # docstring
        if self._in_scope() and isinstance(node.value, (ast.Call, ast.Await)) and not _is_log_call(node.value):
            if self._point(node, "call removed"):
                return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_If(self, node):
        if self._in_scope() and _guard(node):
            if self._point(node, f"guard removed: if {_show(node.test)}"):
                return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_JoinedStr(self, node):
        return node  # f-strings: messages, not behaviour

    # -- points -----------------------------------------------------------------------------------
    def _point(self, node: ast.AST, description: str) -> bool:
        index = self.count
        self.count += 1
        if self.target < 0:
            self.points.append((getattr(node, "lineno", 0), description))
        return index == self.target

    def visit_Compare(self, node):
        node = self.generic_visit(node)
        if not self._in_scope():
            return node
        for i, op in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(op))
            if swap and self._point(node, f"{_show(node)}: {type(op).__name__} -> {swap.__name__}"):
                node.ops[i] = swap()
        return node

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        if not self._in_scope():
            return node
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{_show(node)}: {type(node.op).__name__} -> {other.__name__}"):
            node.op = other()
        if len(node.values) <= 4:
            for i, value in enumerate(list(node.values)):
                if self._point(node, f"operand dropped: {_show(value)}"):
                    rest = node.values[:i] + node.values[i + 1 :]
                    return rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        return node

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if self._in_scope() and isinstance(node.op, ast.Not):
            if self._point(node, f"not removed: {_show(node)}"):
                return node.operand
        return node

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        if not self._in_scope():
            return node
        if isinstance(node.op, (ast.Add, ast.Sub)):
            other = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
            if self._point(node, f"{_show(node)}: {type(node.op).__name__} -> {other.__name__}"):
                node.op = other()
                return node
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.BitOr, ast.LShift)):
            if self._point(node, f"right operand dropped: {_show(node)}"):
                return node.left
        if isinstance(node.op, ast.Add) and self._point(node, f"left operand dropped: {_show(node)}"):
            return node.right
        return node

    def visit_Constant(self, node):
        if not self._in_scope():
            return node
        if isinstance(node.value, bool):
            if self._point(node, f"{node.value} -> {not node.value}"):
                return ast.copy_location(ast.Constant(not node.value), node)
        elif isinstance(node.value, int):
            if self._point(node, f"{node.value} -> {node.value + 1}"):
                return ast.copy_location(ast.Constant(node.value + 1), node)
        return node

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if self._in_scope() and isinstance(node.func, ast.Name) and node.func.id in _CALL_SWAP:
            swap = _CALL_SWAP[node.func.id]
            if self._point(node, f"{node.func.id}() -> {swap}()"):
                node.func = ast.copy_location(ast.Name(swap, ast.Load()), node.func)
        return node

    def _collection(self, node):
        if all(isinstance(e, ast.Tuple) for e in node.elts):
            for element in node.elts:  # rows of a table: drop a row, not half of one
                element.whole_row = True
        node = self.generic_visit(node)
        if getattr(node, "whole_row", False):
            return node
        if self._in_scope() and len(node.elts) >= 2 and all(_is_constant_like(e) for e in node.elts):
            for i, element in enumerate(list(node.elts)):
                if self._point(node, f"element dropped: {_show(element)}"):
                    node.elts = node.elts[:i] + node.elts[i + 1 :]
                    return node
        return node

    visit_Set = visit_List = visit_Tuple = _collection

    def visit_Dict(self, node):
        return self.generic_visit(node)


def _tree(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)


def mutants(path: str, functions: list[str] | None) -> list[tuple[int, str]]:
    mutator = Mutator(functions)
    mutator.visit(_tree(path))
    return mutator.points


def mutated_code(path: str, functions: list[str] | None, index: int):
    tree = Mutator(functions, index).visit(_tree(path))
    ast.fix_missing_locations(tree)
    return compile(tree, str(ROOT / path), "exec")


# --- running --------------------------------------------------------------------------------------


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _child(path: str | None, code, tests: list[str]) -> int:
    """In the forked child: drop the project's modules, put the mutant in place, run the tests."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    for name in list(sys.modules):
        if name.split(".")[0] in PROJECT:
            del sys.modules[name]
    if path is not None:
        name = _module_name(path)
        package, _, leaf = name.rpartition(".")
        parent = importlib.import_module(package)
        spec = importlib.util.spec_from_file_location(name, ROOT / path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except BaseException:  # noqa: BLE001 — a mutant that cannot even be imported is killed
            return 90
        setattr(parent, leaf, module)
    import pytest

    return int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--no-header", *tests]))


def run(path: str | None, code, tests: list[str], timeout: float) -> tuple[str, float]:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # its own group: a timeout ends the child and whatever it started
            rc = _child(path, code, tests)
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


def run_module(name: str, spec: Module, verbose: bool, earlier: dict | None = None, tally: bool = False) -> Result:
    result = Result(name)
    started = time.monotonic()
    if not tally:
        status, baseline = run(None, None, spec.tests, timeout=600)
        if status != "survived":
            result.errors.append(f"the tests fail without any mutant ({status}): fix them first")
            return result
        timeout = max(20.0, 4 * baseline)
    for path, functions in spec.files.items():
        for index, (line, description) in enumerate(mutants(path, functions)):
            result.total += 1
            verdict = _earlier(earlier, name, path, line, description) if earlier else None
            if verdict == "killed" or (tally and verdict):
                status = verdict
            elif tally:
                status = "not in the log"
            else:
                status, _ = run(path, mutated_code(path, functions, index), spec.tests, timeout)
            if status in ("killed", "timeout"):
                result.killed += 1
            elif status == "survived":
                why = EQUIVALENT.get((name, path, line, description))
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


def _warm_up() -> None:
    """Import what the tests import, once, in this process: every forked child inherits it."""
    os.chdir(ROOT)
    import pytest  # noqa: F401
    import api.app  # noqa: F401 — fastapi, langgraph, httpx, pydantic, redis, slack_bolt, trafilatura...
    import api.slack.bot  # noqa: F401
    import openai  # noqa: F401
    import tests.conftest  # noqa: F401
    import testkit.slack_api  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--survivors", action="store_true", help="list each surviving mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per mutant as it runs (stderr)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--recheck", metavar="LOG", help="run again only what an earlier --verbose run (its stderr) did not kill")
    parser.add_argument("--tally", metavar="LOG", help="the table from an earlier --verbose run's stderr, running nothing")
    args = parser.parse_args(argv)
    names = args.modules or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {list(MODULES)}")
    if args.list:
        for name in names:
            for path, functions in MODULES[name].files.items():
                for line, description in mutants(path, functions):
                    print(f"{name:16} {path}:{line:<4} {description}")
        return 0

    if not args.tally:
        _warm_up()
    logs = args.tally or args.recheck
    earlier = {k: v for log in logs.split(",") for k, v in earlier_verdicts(log).items()} if logs else None
    results = [run_module(name, MODULES[name], args.verbose, earlier, bool(args.tally)) for name in names]
    if args.json:
        print(json.dumps([r.__dict__ | {"score": r.score} for r in results], indent=2, default=str))
        return 0
    print(f"{'module':16} {'files':52} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} {'score':>6} {'time':>6}")
    for r in results:
        files = ", ".join(Path(p).name for p in MODULES[r.module].files)
        print(
            f"{r.module:16} {files[:52]:52} {r.total:7d} {r.killed:6d} {len(r.survived):8d} {len(r.equivalent):6d} "
            f"{r.score:6.1%} {r.seconds:5.0f}s"
        )
    for r in results:
        for error in r.errors:
            print(f"ERROR {r.module}: {error}")
        if args.survivors:
            for path, line, description in r.survived:
                print(f"survived {r.module}: {path}:{line} {description}")
            for path, line, description, why in r.equivalent:
                print(f"equivalent {r.module}: {path}:{line} {description} ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
