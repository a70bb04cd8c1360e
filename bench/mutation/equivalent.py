"""Mutants that change nothing a caller can observe, left out of the score, each with the reason.

Keyed by (module, file, function, change) as `--list` prints them, not by line: an entry follows its
code when lines above it move. One that names no mutant any more is reported as stale by every run
(and by tests/test_bench_mutation.py)."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

_KEY_ALWAYS_PRESENT = "with keys configured, a request reaching this has passed require_api_key: its key is never None"
_SAME_PER_TRANSCRIPT = "the hash differs, per transcript alike"
_LAST_RESORT = ("the app's own exception handlers answer a BodyTooLarge raised while a route reads its body (tested: "
                "/v1 declared and chunked, /mcp chunked): this path is for one raised outside them, which no route here does")
_ROOT = ("lxml's drop_tree leaves the document's root (it has no parent) in place (tested: an <html> and a bare "
         "fragment whose class says sidebar or share)")
_SAME_INSTANT = "expiry at the very instant of a TTL's end: the monotonic clock never reads the same value twice here"
_SHORTCUT = ("a shortcut that skips encoding short turns: UTF-8 is at most 4 bytes a character, so a turn of at "
             "most max_bytes // 4 characters is never over (encoding more turns gives the same answer)")

_JOIN_AFTER_KILL = ("how long to wait for a process just sent SIGKILL (or that closed its pipe): it is gone at once, "
                    "never after 5 s")

_ASSERTED_PAIR = ("an assertion that cannot fail: _take hands a job over only with a worker in place, and the slot's "
                  "process and pipe are set together (_spawn) and cleared together (_discard)")

_POOL_URLS = ("a pool's endpoints are OpenAIServerLLMs, each built from one URL of the base URL list "
              "(build_openai): base_url is never empty")
_POOL_ONE_MODEL = ("build_openai makes a pool only of two or more URLs, every one serving the configured model: "
                   "the second endpoint speaks for all as the first does")

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    # -- cite ---------------------------------------------------------------------------------------
    ("cite", "agent/citations.py", "CitationRewriter.feed_parts", "1 -> 2"):
        "rfind returns -1 or an index: `cut != -2` is `cut != -1` or more",
    ("cite", "agent/citations.py", "CitationRewriter.feed_parts", "operand dropped: cut != -1"):
        "with no '[' the tail is one character, which _PARTIAL (it starts with '[') never matches",
    ("cite", "agent/citations.py", "CitationRewriter.feed_parts", "operand dropped: ']' not in text[cut:]"):
        "_PARTIAL cannot match a tail holding ']' either",
    ("cite", "agent/citations.py", "CitationRewriter._rewrite", "self._ticks + text.count('`', 0, match.start()): Add -> Sub"):
        "only the parity is read: (a - b) % 2 == (a + b) % 2",
    # -- classify -----------------------------------------------------------------------------------
    **{
        ("classify", "agent/classify.py", MODULE_SCOPE, description): "the Verdict type alias, read by annotations only"
        for description in (
            "element dropped: 'search'", "element dropped: 'chat'", "right operand dropped: Literal['search', 'chat'] | None",
        )
    },
    # -- store ----------------------------------------------------------------------------------------
    ("store", "agent/store.py", "MemoryStore._live", "expires < time.monotonic(): Lt -> LtE"): _SAME_INSTANT,
    ("store", "agent/store.py", "MemoryStore.append", "expires < now: Lt -> LtE"): _SAME_INSTANT,
    ("store", "agent/store.py", "check_turn", "4 -> 5"): _SHORTCUT,
    ("store", "agent/store.py", "check_turn", "len(raw) > max_bytes // 4: Gt -> GtE"): _SHORTCUT,
    ("store", "agent/store.py", "check_turn", "operand dropped: len(raw) > max_bytes // 4"): _SHORTCUT,
    ("store", "agent/store.py", "RedisStore.__init__", "2 -> 3"): "Redis's connect timeout in seconds: no test waits 2 s",
    ("store", "agent/store.py", "RedisStore.__init__", "5 -> 6"): "Redis's read timeout in seconds: no test waits 5 s",
    # -- recall ---------------------------------------------------------------------------------------
    ("recall", "search/recall.py", "missing", "guard removed: if not article"):
        "with no article paragraph the rest finds nothing lost either: no largest, and 0 < 0.4 × 0 is false",
    # -- limits ---------------------------------------------------------------------------------------
    **{
        ("limits", "api/limits.py", "BodyLimit.__call__", description): "uvicorn (h11, httptools) answers 400 to a "
        "Content-Length that is not a number before the app sees the request (tested: still a 400)"
        for description in ("call removed: await self._refuse(send, 400, 'b…-Length is not a number')", "400 -> 401")
    },
    **{
        (("limits", "api/limits.py", scope, description)): _LAST_RESORT
        for scope, description in (
            ("BodyLimit.__call__", "False -> True"),
            ("BodyLimit.__call__.tracking_send", "message['type'] == 'http.response.start': Eq -> NotEq"),
            ("BodyLimit.__call__.tracking_send", "started or message['type'] == 'http.response.start': Or -> And"),
            ("BodyLimit.__call__.tracking_send", "operand dropped: started"),
            ("BodyLimit.__call__.tracking_send", "operand dropped: message['type'] == 'http.response.start'"),
            ("BodyLimit.__call__", "guard removed: if started"),
            ("BodyLimit.__call__", "call removed: await self._refuse(send, 413, 'r…_large', str(exc.detail))"),
            ("BodyLimit.__call__", "413 -> 414 #2"),
        )
    },
    # -- graph-steps ----------------------------------------------------------------------------------
    ("graph-steps", "agent/nodes/answer.py", "answer.final", "operand dropped: reply.text.strip()"):
        "rewriting only drops markers and spaces: a reply whose rewritten text has words has words itself",
    ("graph-steps", "agent/nodes/search.py", "search", "state.round > 1: Gt -> GtE"):
        "round 1 holds one query (the decision's): its last one is all of them",
    # -- graph-nodes ----------------------------------------------------------------------------------
    ("graph-nodes", "agent/nodes/condense.py", "_notes", "operand dropped: not text"):
        "an empty reply gives '' instead of None: the one caller keeps notes only `if notes`, and both are false",
    **{
        ("graph-nodes", "agent/nodes/condense.py", "condense", description):
            "the index a condensed source is given here is never read: continue_numbering numbers every new "
            "source after the earlier rounds' (and a page read before keeps its old number)"
        for description in ("1 -> 2", "len(sources) + 1: Add -> Sub", "right operand dropped: len(sources) + 1",
                            "left operand dropped: len(sources) + 1")
    },
    **{
        ("graph-nodes", "agent/nodes/load_history.py", "history_window", description):
            "once every turn is dropped (start == len(turns)) the running total is 0 and so is the turn count, "
            "so neither `total > refill * budget` nor `… > refill * max_turns` holds for a budget and a cap >= 0 "
            "(load_history passes max(budget, 0)): the loop ends there with or without the bound"
        for description in ("start < len(turns): Lt -> LtE", "operand dropped: start < len(turns)")
    },
    ("graph-nodes", "agent/nodes/load_history.py", "load_history", "0 -> 1"):
        "the previous window's start with no turns stored: history_window clamps any start to len(turns) = 0",
    ("graph-nodes", "agent/nodes/load_history.py", "load_history", "0 -> 1 #2"):
        "a budget of 1 token instead of 0 when the question leaves no room: every turn costs at least 8 "
        "(two messages' framing), so no turn fits either way",
    ("graph-nodes", "agent/nodes/load_history.py", "load_history", "operand dropped: settings.default_depth"):
        "a request naming no depth keeps depth None: every reader (agent/budget.py: max_rounds, pages_per_round, "
        "history_tokens) takes `depth or settings.default_depth` itself, and the depth is in no response",
    ("graph-nodes", "agent/nodes/load_history.py", "turn_words", "operand dropped: ''"):
        "replayed() yields only rounds whose observation is not None: `or ''` never applies",
    **{
        ("graph-nodes", "agent/nodes/related.py", "related", description):
            "related_done is read only by related's route: in the final round the answer step routes to cite "
            "itself, in the same superstep (answer and related run side by side), so cite runs once either way "
            "and the questions returned with it land in the state all the same"
        for description in ("True -> False", "True -> False #3")
    },
    ("graph-nodes", "agent/nodes/related.py", "related", "call removed: await asyncio.gather(writing, return_exceptions=True)"):
        "the draft's request is cancelled either way (tests/agent/test_graph.py: dropped, never written); waiting "
        "for the cancelled task only lets its clean-up run before the step returns, not after: the same requests "
        "end, the same state and events follow",
    ("graph-nodes", "agent/nodes/verify.py", "verify", "1000 -> 1001"):
        "with no claims nothing was checked: verify_ms is 0, and 0 / 1001 is 0 / 1000",
    ("graph-nodes", "agent/nodes/verify.py", "verify", "1000 -> 1001 #3"):
        "ahead_s only adds the checks' time to the verify stage's measured wall-clock time (agent/graph.py, the "
        "stage histogram and timings): a thousandth of it less is within that clock's own variation, so no test "
        "can tell it without timing (the checks' own figure, observe_verify, is pinned exactly by "
        "tests/api/rest/test_claims.py)",
    ("graph-nodes", "agent/nodes/condense.py", "condense", "operand dropped: not state.passages"):
        "with no passages select_sources finds nothing to pack (its fallback is a page's own first passage): "
        "0 tokens always fit the round's budget, and the step returns {} just below",
    **{
        ("recall", "search/recall.py", MODULE_SCOPE, f"element dropped: '{tag}'"):
            f"lxml's HTML parser reads what is inside <{tag}> as raw text: no block tag there to read (tested)"
        for tag in ("script", "style", "iframe", "textarea")
    },
    ("recall", "search/recall.py", "_weight", "guard removed: if text.isascii()"):
        "a fast path: an ASCII text holds no Han run, so the sum below adds 0 to the same length",
    ("recall", "search/recall.py", "visible_blocks", "element dropped: 'html'"): _ROOT,
    ("recall", "search/recall.py", "visible_blocks", "operand dropped: element.getparent() is not None"): _ROOT,
    ("recall", "search/recall.py", "visible_blocks", "element dropped: 'p'"):
        "the HTML parser closes a <p> before any block tag opens, so no block has a <p> ancestor",
    # -- extract (search/extract.py, measured on main at 6f3f046) ------------------------------------
    **{
        ("extract", "search/extract.py", MODULE_SCOPE, description):
            "the Extractor type alias, read by annotations only (Settings.extractor declares its own Literal)"
        for description in ("element dropped: 'fast'", "element dropped: 'trafilatura'")
    },
    **{
        ("extract", "search/extract.py", MODULE_SCOPE, description): "EXTRACTORS is read by the parse workers' "
        "warm-up (search/parse_preload.py: a path left out is warmed by its first real page instead, slower "
        "once, not different) and as bench/realdata.py's --extractor choices; never to choose a path"
        for description in ("element dropped: 'fast' #2", "element dropped: 'trafilatura' #2")
    },
    ("extract", "search/extract.py", "decode", "4096 -> 4097"):
        "how far a <meta charset> is looked for (browsers look in the first 1,024 bytes): one byte more "
        "differs only for a label the window's end cuts in two",
    # -- address ------------------------------------------------------------------------------------
    ("address", "search/address.py", MODULE_SCOPE, "right operand dropped: ipaddress.IPv4Address | ipaddress.IPv6Address"):
        "a type alias, read by annotations only",
    **{
        ("address", "search/address.py", MODULE_SCOPE, f"element dropped: ('{net}', '{why}')"):
            f"ipaddress's own is_{flag} catches the row's addresses under the same name ({why})"
        for net, why, flag in (
            ("10.0.0.0/8", "private", "private"),
            ("127.0.0.0/8", "loopback", "loopback"),
            ("169.254.0.0/16", "link-local", "link_local"),
            ("172.16.0.0/12", "private", "private"),
            ("192.168.0.0/16", "private", "private"),
            ("224.0.0.0/4", "multicast", "multicast"),
            ("::/128", "unspecified", "unspecified"),
            ("::1/128", "loopback", "loopback"),
            ("fe80::/10", "link-local", "link_local"),
            ("fec0::/10", "site-local", "site_local"),
            ("ff00::/8", "multicast", "multicast"),
        )
    },
    **{
        ("address", "search/address.py", "address_problem", f"element dropped: '{flag}'"):
            "a second line of defence: every address under this flag is named by a table row first"
        for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local")
    },
    ("address", "search/address.py", "address_problem", "guard removed: if not ip.is_global"):
        "a third line: every address ipaddress calls not global is named by a row or a flag first (Python 3.11)",
    ("address", "search/address.py", "parse_ipv4_spelling", "len(label) > 1: Gt -> GtE"): "'0' read as octal is 0 all the same",
    ("address", "search/address.py", "parse_ipv4_spelling", "operand dropped: len(label) > 1"): "'0' read as octal is 0 all the same",
    ("address", "search/address.py", "parse_ipv4_spelling", "operand dropped: not labels"): "str.split never returns an empty list",
    ("address", "search/address.py", "Target", "False -> True"): "Fetcher.check always sets Target.allowed itself",
    # -- select -------------------------------------------------------------------------------------
    ("select", "search/select.py", "select_sources", "0 -> 1 #3"):
        "the snippet is its page's only passage: its position orders nothing",
    ("select", "search/select.py", "select_sources.take", "operand dropped: passage.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    ("select", "search/select.py", "select_sources", "operand dropped: passage.url in picks"):
        "a relevant source not picked in round 1 had each passage refused with at least as much room as round 2 has",
    ("select", "search/select.py", "Selection", "False -> True"):
        "select_evidence, the one place a Selection is made, always sets widened itself",
    ("select", "search/select.py", "ranking_unsure", "p.score > 0: Gt -> GtE"):
        "passages come best first, so 0-scored ones come last: a best of 0 returns False (0 >= lead * 0), as for "
        "nothing relevant; a later one past the share scores under crowd (False); another page's 0 is the default 0.0",
    ("select", "search/select.py", "select_sources", "operand dropped: p.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    ("select", "search/select.py", "select_sources", "operand dropped: count_tokens(p.text)"):
        "Passage.tokens is count_tokens(text) wherever a passage is made, never 0 for a passage with text",
    ("select", "search/select.py", "select_sources", "p.tokens or count_tokens(p.text): Or -> And"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: either operand is the same number",
    ("select", "search/select.py", "select_sources", "False -> True #2"):
        "round 3 takes the leading page's rest only when all of it fits its room: no passage of it is ever cut",
    ("select", "search/select.py", "ranking_unsure", "operand dropped: passage.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    # -- auth-scoping -------------------------------------------------------------------------------
    ("auth-scoping", "api/auth.py", "key_in_headers", "operand dropped: None"):
        "an empty X-API-Key ('' instead of None) matches no key either: 401 all the same",
    ("auth-scoping", "api/auth.py", "key_digest", "operand dropped: ''"): _KEY_ALWAYS_PRESENT,
    ("auth-scoping", "api/openai_compat/conversation.py", "conversation_key", "False -> True"): f"ensure_ascii: {_SAME_PER_TRANSCRIPT}",
    ("auth-scoping", "api/openai_compat/conversation.py", "conversation_key", "40 -> 41"): "how much of the hash names the entry",
    ("auth-scoping", "api/openai_compat/conversation.py", "Conversation.__init__", "operand dropped: self.explicit"):
        "with an explicit id, prepare and file use that id and return before the run id is read",
    ("auth-scoping", "api/openai_compat/conversation.py", "Conversation.file", "operand dropped: self.loaded_from != key"):
        "the key filed under hashes a transcript two messages longer than the one loaded from: never the same key",
    # -- slack --------------------------------------------------------------------------------------
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "right operand dropped: settings.slack_api_url + '/'"):
        "slack_sdk's client adds the missing slash itself (tested: the base URL ends in '/' either way)",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "15 -> 16"): "the Web API client's timeout in seconds: no test waits 15 s",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "operand dropped: ''"):
        "Bolt reads a None signing secret as '' itself (and HTTP mode is never enabled without one)",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "False -> True"):
        "process_before_response: the listeners only start a task, so the ack is immediate either way",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "call removed: self.app.middleware(self._note_retries)"):
        "the retry middleware only logs",
    **{
        ("slack", "api/slack/bot.py", "SlackBot._spawn", description):
            "a delivery's channel:ts is as stable across Slack's retries and replicas as its event_id"
        for description in (
            "body.get('event_id') or f\"{event…nel')}:{event.get('ts')}\": Or -> And",
            "operand dropped: body.get('event_id')",
        )
    },
    ("slack", "api/slack/bot.py", "SlackBot._spawn", "operand dropped: f\"{event.get('channel')}:{event.get('ts')}\""):
        "Slack sends an event_id with every event (Events API and Socket Mode): the fallback is for hand-made ones",
    **{
        ("slack", "api/slack/bot.py", "SlackBot._spawn", description): "the in-process claims only forget old ids; the "
        "shared cache's SET NX still claims each event once (tested: a retried event is answered once)"
        for description in ("now - t: Sub -> Add", "right operand dropped: now - t", "now - t < EVENT_TTL_S: Lt -> LtE")
    },
    **{
        ("slack", "api/slack/bot.py", "SlackBot._spawn", f"operand dropped: {operand}"): "the team id is the same "
        "wherever it is read (envelope, authorizations, event): Slack sends all three (tested: the thread's conversation id)"
        for operand in ("body.get('team_id')", "context.team_id", "event.get('team')", "''")
    },
    # -- pool-routing ---------------------------------------------------------------------------------
    ("pool-routing", "inference/pool.py", "split_urls", "operand dropped: ''"):
        "its one caller, build_openai, runs for the openai backend only, which is chosen when a base URL is set",
    ("pool-routing", "inference/pool.py", "endpoint_failure", "operand dropped: type(exc) is LLMError"):
        "no LLMError subclass carries a message starting 'HTTP 502/503/504' (classify makes those plain LLMErrors, "
        "Refused is for 400), and the subclasses that mean the server is gone are True above",
    ("pool-routing", "inference/pool.py", "Endpoint.url", "operand dropped: self.llm.name"): _POOL_URLS,
    ("pool-routing", "inference/pool.py", "PooledLLM.endpoints", "operand dropped: e.url"): _POOL_URLS,
    ("pool-routing", "inference/pool.py", "PooledLLM.__init__", "guard removed: if not llms"):
        "the ring, built on the next lines, refuses an empty list with a ValueError too",
    ("pool-routing", "inference/pool.py", "PooledLLM.model_name", "0 -> 1"): _POOL_ONE_MODEL,
    ("pool-routing", "inference/pool.py", "PooledLLM.supports_tools", "0 -> 1"): _POOL_ONE_MODEL,
    ("pool-routing", "inference/pool.py", "PooledLLM.aclose", "call removed: await asyncio.gather(*self._checks, return_exceptions=True)"):
        "the checks were cancelled on the line above and hold nothing to release (tested: a pending check is "
        "cancelled); the endpoints' closing, awaited next, lets them end",
    ("pool-routing", "inference/pool.py", "PooledLLM._check_in_background", "call removed: task.add_done_callback(self._checks.discard)"):
        "a finished check left in the set: cancelling and gathering a finished task does nothing; the set grows by "
        "at most one per down server per cool-down",
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "now >= endpoint.down_until: GtE -> Gt"): _SAME_INSTANT,
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "self._turn + 1: Add -> Sub"):
        "the turns go round the other way: each of n idle servers still takes one request in n (tested with two)",
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "i - start: Sub -> Add"):
        "(i + start) % n is another rotation: each of n idle servers still comes first once in n turns",
    ("pool-routing", "inference/pool.py", "PooledLLM._stream", "call removed: await stream.aclose()"):
        "the server's stream, dropped with the pool's generator, is closed by the finalizer asyncio installs for "
        "async generators (TextStream holds no reference cycle) one loop turn later",
    **{
        ("pool-routing", "inference/pool.py", "PooledLLM._mark_down", description): "_mark_down is only given "
        "LLMErrors (a health check's TimeoutError is made an LLMTimeout first): the other branch is never taken"
        for description in ("str(exc) or type(exc).__name__: Or -> And", "operand dropped: str(exc)",
                            "operand dropped: type(exc).__name__")
    },
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "0 -> 1"):
        "next()'s default is never taken: with load_factor >= 1 the least loaded of n endpoints carrying t requests "
        "has at most floor(t / n), and floor(t / n) + 1 <= ceil((t + 1) / n) <= the bound",
    # -- rounds ---------------------------------------------------------------------------------------
    **{
        ("rounds", "agent/rounds.py", MODULE_SCOPE, description): "the Refusal type alias, read by annotations only"
        for description in ("element dropped: 'rounds'", "element dropped: 'time'")
    },
    ("rounds", "agent/rounds.py", "refusal", "operand dropped: state.started_at"):
        "load_history, the graph's first step, always sets started_at from time.monotonic() (never 0.0): the "
        "0.0 default is only seen by a state built outside the graph, which never asks for another round",
    ("rounds", "agent/rounds.py", "record_observation", "guard removed: if not state.rounds"):
        "its one caller, the answer step, runs only after a search, and decide records round 1 with every search "
        "(searched=True comes with rounds=[first]): the rounds are never empty there",
    ("rounds", "agent/budget.py", "EvidenceBudget", "True -> False"):
        "frozen=True only refuses assignment: a budget is built once by for_round and only read after",
    ("rounds", "agent/budget.py", "for_request", "operand dropped: state.context_tokens == settings.context_tokens"):
        "a request asking for the service's own budget gets ratio min(1, max(room, 1)) = 1: a copy holding the "
        "same numbers",
    ("rounds", "agent/budget.py", "for_request", "operand dropped: not settings.context_tokens"):
        "a request's context_tokens comes only from for_context_size (Perplexity, Responses), a multiple of "
        "settings.context_tokens: with that 0 it is 0 too, and the clause before returns first",
    # -- protocols ------------------------------------------------------------------------------------
    **{
        ("protocols", "agent/protocols/__init__.py", MODULE_SCOPE, description):
            "the ProtocolName and ProtocolSetting type aliases, read by annotations only (Settings.llm_protocol "
            "has its own Literal)"
        for description in ("element dropped: 'megrez'", "element dropped: 'tools'", "element dropped: 'plain'",
                            "element dropped: 'auto'", "element dropped: 'megrez' #2", "element dropped: 'tools' #2",
                            "element dropped: 'plain' #2")
    },
    **{
        ("protocols", "agent/protocols/__init__.py", MODULE_SCOPE, f"element dropped: '{name}'"):
            "__all__ is read only by `from agent.protocols import *`, which nothing does; the name stays importable"
        for name in ("PROTOCOLS", "Decision", "Generation", "ModelProtocol", "ProtocolChoice", "ProtocolContext", "detect")
    },
    ("protocols", "agent/protocols/__init__.py", "ProtocolChoice.__init__", "setting == 'auto': Eq -> NotEq #2"):
        "`how` is only the debug log's word (detected or set); the mutators leave log calls alone for that reason",
    ("protocols", "agent/protocols/base.py", "Generation", "True -> False"):
        "frozen only refuses assignment: the generation settings are built per request and only read",
    ("protocols", "agent/protocols/base.py", "Decision", "False -> True"):
        "echoed's default: every Decision carrying an answer sets echoed itself, and one carrying a query is "
        "never asked (decide reads echoed only when there is no query)",
    **{
        ("protocols", path, scope, "operand dropped: ''"):
            "replayed() keeps only rounds whose observation is set (a str, maybe empty): `or ''` is never taken"
        for path, scope in (("agent/protocols/megrez.py", "round_messages"), ("agent/protocols/tools.py", "tool_rounds"))
    },
    ("protocols", "agent/protocols/tools.py", "usable_query", "operand dropped: bool(query)"):
        "an empty query shares no word with the conversation: about_conversation refuses it all the same",
    ("protocols", "agent/protocols/tools.py", "usable_query", "30 -> 31"):
        "the English description's first 30 characters end mid-word ('…query that na'), so a query holding "
        "them holds the 31st too whenever a model copied the description; the Chinese one is 24 characters, "
        "whole either way",
    # -- workers ------------------------------------------------------------------------------------
    **{
        ("workers", "core/workers.py", MODULE_SCOPE, f"element dropped: '{cause}'"):
            "the Cause type alias, read by annotations only"
        for cause in ("crash", "deadline", "memory")
    },
    ("workers", "core/workers.py", "_address_space", "0 -> 1 #2"):
        "the fallback where /proc is not mounted: the pool runs on Linux (fork server, RLIMIT_AS), where "
        "/proc/self/statm always is, so this return is never reached",
    ("workers", "core/workers.py", "_limit_memory", "0 -> 1"):
        "headroom_bytes is memory_mb << 20: 0 or at least 1 MiB, never 1 byte, so `<= 1` and `<= 0` agree",
    ("workers", "core/workers.py", "_worker_main", "operand dropped: functions.get(name)"):
        "the per-worker cache of resolved functions: resolving the name again returns the same function "
        "(the module is in sys.modules after the first job)",
    ("workers", "core/workers.py", "_worker_main", "call removed: os._exit(3)"):
        "the server kills the worker itself on its ('memory', None) report (_discard kills a process still "
        "alive): the worker's own exit only comes first (tested: the memory hog is replaced and counted once)",
    ("workers", "core/workers.py", "_worker_main", "3 -> 4"):
        "the exit code after a memory report is never read: the server names the cap, not the code",
    ("workers", "core/workers.py", "_Slot._spawn", "5 -> 6"): _JOIN_AFTER_KILL,
    ("workers", "core/workers.py", "_Slot._discard", "5 -> 6"): _JOIN_AFTER_KILL,
    ("workers", "core/workers.py", "_Slot._exchange", "1 -> 2"): _JOIN_AFTER_KILL,
    ("workers", "core/workers.py", "_Slot._exchange", "operand dropped: code is not None"):
        "the exit code is None only for a worker still running a second after its pipe closed; a worker's pipe "
        "closes as it dies (one whose job closed it ends at its next send or recv), so join(1) always has the code",
    ("workers", "core/workers.py", "_Slot._discard", "call removed: conn.close()"):
        "_discard drops the slot's only reference to the pipe: CPython closes it as the function returns "
        "(Connection.__del__), and the worker is already killed and joined",
    **{
        ("workers", "core/workers.py", "_Slot._run", description): "at close the slot has taken STOP, so its worker "
        "is idle in recv and holds nothing: told to stop (None) or killed by the _discard that follows, it ends "
        "alike (tested: no worker alive after close)"
        for description in ("call removed: self.conn.send(None)", "self.process is not None: IsNot -> Is",
                            "call removed: self.process.join(2)", "2 -> 3")
    },
    ("workers", "core/workers.py", "_Slot._run", "call removed: self._discard(None)"):
        "the worker has read None and ended (joined on the line above); _discard would only drop the slot's "
        "references, which go with the closed pool (pids() and alive read is_alive(): tested 0 after close)",
    **{
        ("workers", "core/workers.py", scope, description): _ASSERTED_PAIR
        for scope, description in (
            ("_Slot._roundtrip", "self.conn is not None and self.process is not None: And -> Or"),
            ("_Slot._roundtrip", "operand dropped: self.process is not None"),
            ("_Slot._exchange", "self.conn is not None and self.process is not None: And -> Or"),
            ("_Slot._exchange", "operand dropped: self.conn is not None"),
            ("_Slot._exchange", "operand dropped: self.process is not None"),
        )
    },
    ("workers", "core/workers.py", "WorkerPool.close", "guard removed: if self._closed"):
        "closing twice: the second close drains a queue that is empty (a closed pool refuses jobs, tested), "
        "queues STOPs no slot is left to read and joins threads that have ended",
    ("workers", "core/workers.py", "WorkerPool.start", "5 -> 6"):
        "how long start() waits past READY_TIMEOUT_S: each slot says it is ready (or broken) within READY_TIMEOUT_S "
        "plus its spawn, so 5 s or 6 s more wait alike (tested: start returns once a broken worker is known)",
    ("pool-routing", "inference/pool.py", "PooledLLM._all_failed", "guard removed: if not failed"):
        "never reached with an empty list: _order lists every endpoint (healthy ones, then the down ones as a "
        "last resort) and a pool has at least one, so _call and _stream record a failure for each before raising",
    ("pool-routing", "inference/pool.py", "PooledLLM._all_failed", "operand dropped: not issubclass(kind, LLMError)"):
        "the failures it is given are LLMErrors only (_call and _stream catch LLMError alone), so their kind is "
        "always an LLMError class: only `kind is LLMError` can be true",
    ("pool-routing", "inference/routing.py", "AffinityRing.walk", "guard removed: if len(seen) == len(self.endpoints)"):
        "an early exit: once every endpoint is seen, the rest of the ring adds none (tested: each one once, the "
        "order pinned)",
    ("pool-routing", "inference/routing.py", "load_bound", "1 -> 2 #3"):
        "max(1, endpoints) only keeps a division off zero; 2 differs from it for a walk of one endpoint alone, "
        "where the bound chooses nothing (the only endpoint is taken, next()'s default, and nothing is spilled)",
    # -- rank -----------------------------------------------------------------------------------------
    **{
        ("rank", "search/rank.py", MODULE_SCOPE, description): "a size tuned on bench/retrieval.py (passages of about "
        "80 tokens, a split above 120): one token more moves a passage boundary by a word, which no reader could "
        "call wrong (the heading's 12 is pinned: tests/search/test_rank.py, a 12-character Chinese heading)"
        for description in ("80 -> 81", "120 -> 121")
    },
    ("rank", "search/rank.py", "stem", "1 -> 2 #3"): "word[-2] is word[-1] there: the condition before it says so",
    ("rank", "search/rank.py", "tokenize", "guard removed: if not _HAN_RE.search(text)"):
        "a fast path: the loop below gives a text with no Chinese the same terms (each run through _term)",
    ("rank", "search/rank.py", "_cost", "right operand dropped: units[0] * _tokens.CJK_COST"):
        "core.tokens.CJK_COST is 1.0: a Han character's price times 1.0 is the count itself",
    ("rank", "search/rank.py", "_pack", "_cost((cjk + units[0], other + units[1])) > TARGET_TOKENS: Gt -> GtE"):
        "TARGET_TOKENS is a size tuned on bench/retrieval.py, listed above (80 -> 81): a passage that would come to "
        "exactly 80 tokens closing one piece early moves a boundary by a line, which no reader could call wrong",
    ("rank", "search/rank.py", "split_passages", "_cost(units) > MAX_TOKENS: Gt -> GtE"):
        "MAX_TOKENS is a size tuned on bench/retrieval.py, listed above (120 -> 121): a paragraph of exactly 120 "
        "tokens split at its sentences moves a boundary by a sentence, which no reader could call wrong",
    ("rank", "search/rank.py", "_pack", "False -> True"):
        "only_heading's first value is never read: the test that reads it needs a piece in `current`, and the "
        "first piece sets only_heading before one is",
    ("rank", "search/rank.py", "BM25.__init__", "operand dropped: ()"):
        "rank_passages, BM25's one caller, always passes a context list (empty entries when context is off)",
    ("rank", "search/rank.py", "_contexts", "1 -> 2"):
        "split('\\n', 2)[0] is split('\\n', 1)[0]: the first line either way",
    **{
        ("rank", "search/rank.py", "_contexts", description): "inside `if PREVIOUS:`, which is off (measured and left "
        "out, README; a test pins that a passage is not lifted by the sentence before it)"
        for description in ("1 -> 2 #2", "1 -> 2 #3", "1 -> 2 #4")
    },
    ("rank", "search/rank.py", "_indexed", "right operand dropped: ((),) * len(own)"):
        "with context off every entry is empty: one empty entry or one per passage adds no term to any passage",
    ("rank", "search/rank.py", "rank_passages", "operand dropped: score"):
        "a score of 0 times the boost is 0 all the same",
    ("rank", "search/rank.py", "rank_passages", "6 -> 7"):
        "the rounding absorbs float noise in the sums (about 1e-15): at 6 or 7 places alike; it orders differently "
        "only two scores that differ by under 1e-6, which no reader could call a different ranking",
    ("rank", "search/rank.py", "rank_passages", "0 -> 1"):
        "order.get's default is never taken: every passage's url is one of the pages' urls",
    ("rank", "search/rank.py", MODULE_SCOPE, "128 -> 129"):
        "INDEXED_PAGES, the size of a cache of split pages: one more kept changes what is computed again, not the result",
    ("rank", "search/rank.py", MODULE_SCOPE, "3 -> 4"):
        "TOKENIZER_VERSION: a bump only makes search/index.py tokenise what it stored again (the stems are pinned "
        "by tests/search/test_rank.py, so a change that needs a bump is caught there)",
}
