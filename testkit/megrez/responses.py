"""vLLM's OpenAI-compatible protocol, the response side: /v1/models, whole replies and the SSE
events of a streamed one, field for field as vLLM 0.11 writes them.

`results` are the server's generations, one per prompt: {"text", "finish_reason", "stop_reason",
"prompt_tokens", "completion_tokens", "tool_calls" (optional)}.
"""

from __future__ import annotations

import time
import uuid

from testkit.megrez.tools_mode import call_deltas


def models_list(model: str, root: str, max_model_len: int, created: float) -> dict:
    created = int(created)
    return {
        "object": "list",
        "data": [
            {
                "id": model,
                "object": "model",
                "created": created,
                "owned_by": "vllm",
                "root": root,
                "parent": None,
                "max_model_len": max_model_len,
                "permission": [
                    {
                        "id": f"modelperm-{uuid.uuid4().hex}",
                        "object": "model_permission",
                        "created": created,
                        "allow_create_engine": False,
                        "allow_sampling": True,
                        "allow_logprobs": True,
                        "allow_search_indices": False,
                        "allow_view": True,
                        "allow_fine_tuning": False,
                        "organization": "*",
                        "group": None,
                        "is_blocking": False,
                    }
                ],
            }
        ],
    }



def usage(results: list[dict]) -> dict:
    p = sum(r["prompt_tokens"] for r in results)
    c = sum(r["completion_tokens"] for r in results)
    # As vLLM reports it with --enable-prompt-tokens-details: the prompt tokens its prefix cache served.
    cached = sum(r.get("cached_tokens") or 0 for r in results)
    return {
        "prompt_tokens": p,
        "total_tokens": p + c,
        "completion_tokens": c,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def full_response(path: str, results: list[dict], model: str, *, reverse_choices: bool = False) -> dict:
    """The whole reply; `reverse_choices`: a batch's choices last first (their `index` is what counts)."""
    created = int(time.time())
    if path == "/v1/chat/completions":
        r = results[0]
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": r["text"] if not r.get("tool_calls") or r["text"] else None,
                        "refusal": None,
                        "annotations": None,
                        "audio": None,
                        "function_call": None,
                        "tool_calls": r.get("tool_calls") or [],
                        "reasoning_content": None,
                    },
                    "logprobs": None,
                    "finish_reason": r["finish_reason"],
                    "stop_reason": r["stop_reason"],
                }
            ],
            "service_tier": None,
            "system_fingerprint": None,
            "usage": usage(results),
            "prompt_logprobs": None,
            "kv_transfer_params": None,
        }
    return {
        "id": f"cmpl-{uuid.uuid4().hex}",
        "object": "text_completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": i,
                "text": r["text"],
                "logprobs": None,
                "finish_reason": r["finish_reason"],
                "stop_reason": r["stop_reason"],
                "prompt_logprobs": None,
            }
            for i, r in (reversed(list(enumerate(results))) if reverse_choices else enumerate(results))
        ],
        "service_tier": None,
        "system_fingerprint": None,
        "usage": usage(results),
        "kv_transfer_params": None,
    }


def stream_events(
    path: str, req: dict, results: list[dict], model: str, chunk_chars: int, mid_stream_error: dict | None = None
) -> list[dict]:
    """The SSE `data:` events of a streamed reply, `chunk_chars` characters of text each.

    mid_stream_error: sent after two pieces of text, and nothing after it but [DONE]: how vLLM
    reports an engine that died mid-generation."""
    created = int(time.time())
    size = max(1, int(chunk_chars))
    events: list[dict] = []
    if path == "/v1/chat/completions":
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
        }
        r = results[0]
        events.append(
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ],
            }
        )
        for i in range(0, len(r["text"]), size):
            events.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": r["text"][i : i + size]},
                            "logprobs": None,
                            "finish_reason": None,
                        }
                    ],
                }
            )
        for delta in call_deltas(r.get("tool_calls") or [], size):
            events.append({**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}]})
        events.append(
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": ""},
                        "logprobs": None,
                        "finish_reason": r["finish_reason"],
                        "stop_reason": r["stop_reason"],
                    }
                ],
            }
        )
    else:
        base = {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": created,
            "model": model,
        }
        for index, r in enumerate(results):
            for i in range(0, len(r["text"]), size):
                events.append(
                    {
                        **base,
                        "choices": [
                            {
                                "index": index,
                                "text": r["text"][i : i + size],
                                "logprobs": None,
                                "finish_reason": None,
                                "stop_reason": None,
                            }
                        ],
                    }
                )
            events.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": index,
                            "text": "",
                            "logprobs": None,
                            "finish_reason": r["finish_reason"],
                            "stop_reason": r["stop_reason"],
                        }
                    ],
                }
            )
    if mid_stream_error is not None:
        cut = 3 if path == "/v1/chat/completions" else 2  # (the role's chunk,) two pieces of text
        return [*events[:cut], mid_stream_error]
    options = req.get("stream_options") or {}
    if isinstance(options, dict) and options.get("include_usage"):
        events.append({**base, "choices": [], "usage": usage(results)})
    return events
