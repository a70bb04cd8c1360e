"""What a test may set on the scripted server: each is a constructor argument and an attribute a
test may change while the server runs; `reset()` puts every one back as constructed (`snapshot`,
`restore`). Written once, here: the server's signature, attributes and reset all come from these."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields


@dataclass(kw_only=True, eq=False, repr=False)
class MegrezSettings:
    # What /v1/models reports; another `model` in a request -> 404; prompt tokens (+ max_tokens)
    # over max_model_len -> vLLM's 400.
    model: str = "megrez"
    max_model_len: int = 32768
    root: str = "Infinigence/Megrez-3B-Instruct"

    chunk_chars: int = 4  # characters per streamed content delta (markers get split)
    delay_s: float = 0.0  # seconds before any generation response starts (time to first token)
    chunk_delay_s: float = 0.0  # seconds between streamed chunks (lets a test disconnect mid-stream)
    # Seconds GET /health and /v1/models wait before answering (vLLM busy with a long batch: a
    # readiness probe times out).
    probe_delay_s: float = 0.0

    # Replies returned in order instead of the behaviour (one per prompt); an int entry fails that
    # request with that status. Used up -> behaviour.
    script: list[str | int] | None = None
    # When set, every prompt gets this text (after `script` is used up): the server as a plain vLLM
    # whose words a test fixes.
    reply: str | None = None

    # Answer generation requests with this status (vLLM's error body); only the next `fail_times`
    # requests when that is set, only those to `fail_path` ("/v1/completions": the batched condense;
    # "/v1/chat/completions": the chat turns) when that is set. `fail_body`: this body instead of
    # vLLM's (a str goes as text/plain: a proxy's HTML page, a reply that is not JSON).
    fail_with: int | None = None
    fail_times: int | None = None
    fail_body: dict | str | None = None
    fail_path: str | None = None
    # A generation request whose body holds this text is never answered: it waits until its client
    # goes away (or the server stops).
    hold: str | None = None
    # Generation requests wait (after they are recorded and counted as running) until this event is
    # set, then answer as usual: a test keeps requests in flight for as long as it needs, not for a
    # number of seconds (threading.Event: set it from the test's thread or loop).
    gate: threading.Event | None = None
    # A stream sends this event after two pieces of text, then [DONE] (how vLLM reports an engine
    # that died mid-generation).
    mid_stream_error: dict | None = None
    reverse_choices: bool = False  # a batch's choices come back last first (their `index` is what counts)

    # "canonical" [citation:2], "spaced" [citation: 2], "bare" [2], "leading_space" [ citation:2],
    # or a format string with {n}.
    citation_style: str = "canonical"
    inject_bad_citation: bool = False  # add an out-of-range [citation:99] to the last cited sentence
    careless: list[str] | None = None  # each cited sentence written so, in order (careless.py)

    api_key: str | None = None  # when set, /v1/* needs `Authorization: Bearer <api_key>` (else 401)
    health_status: int = 200  # what GET /health answers
    # The wording of the context-length 400: "current" (vLLM 0.10+: "'max_tokens' or
    # 'max_completion_tokens' is too large: N. This model's maximum context length is M tokens and
    # your request has K input tokens (N > M - K)." / "... However, your request has K input tokens.
    # Please reduce the length of the input messages.") or "legacy" (older vLLM: "... However, you
    # requested N tokens (K in the messages, X in the completion). ...").
    context_error: str = "current"
    # None: the chat template renders any role (`observation` included). A set of roles: a chat
    # request with any other role gets the 400 vLLM answers when the template raises (its message,
    # then " None").
    template_roles: set[str] | None = None

    # "megrez", or a model that is not Megrez: "tools" (calls only through `tools`), "plain" (never
    # calls); refuse_tools -> 400 to `tools` (tools_mode.py).
    mode: str = "megrez"
    refuse_tools: bool = False

    def snapshot(self) -> dict[str, object]:
        """Every setting's value now (lists copied: a test that changes one changes the server's only)."""
        return {f.name: _copied(getattr(self, f.name)) for f in fields(MegrezSettings)}

    def restore(self, snapshot: dict[str, object]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, _copied(value))


def _copied(value: object) -> object:
    return list(value) if isinstance(value, list) else value
