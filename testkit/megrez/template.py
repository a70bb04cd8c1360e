"""Megrez's tokens and chat template, as the scripted server reads prompts and writes replies.

The tokenizer is a rough stand-in (no vocabulary here): close enough that prompt sizes, max_tokens
cuts and prefix-cache blocks behave as they do on the real model.
"""

from __future__ import annotations

import json
import re
from typing import Any

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")
SPECIAL_RE = re.compile(r"<\|[a-z_]+\|>")
# A rough stand-in for Megrez's tokenizer: a special token, one CJK character, one ASCII word, one
# digit, or one other non-space character is one token.
_TOKEN_RE = re.compile(rf"<\|[a-z_]+\|>|[{CJK}]|[A-Za-z]+|[0-9]|[^\sA-Za-z0-9{CJK}]")

ROLE_START, ROLE_END, TURN_END = "<|role_start|>", "<|role_end|>", "<|turn_end|>"
FUNCTION_START, FUNCTION_END = "<|function_start|>", "<|function_end|>"


def tokenize(text: str) -> list[str]:
    """Approximate Megrez tokens (CJK chars, words, digits, punctuation, special tokens)."""
    return _TOKEN_RE.findall(text)


def token_ends(text: str) -> list[int]:
    return [m.end() for m in _TOKEN_RE.finditer(text)]


def content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    # OpenAI content parts: [{"type": "text", "text": "..."}]
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def render_megrez(messages: list[dict], add_generation_prompt: bool = True) -> str:
    """Megrez's chat template: `<|role_start|>{role}<|role_end|>{content}<|turn_end|>` per message."""
    out = "".join(f"{ROLE_START}{m['role']}{ROLE_END}{content_text(m.get('content'))}{TURN_END}" for m in messages)
    if add_generation_prompt:
        out += f"{ROLE_START}assistant{ROLE_END}"
    return out


_TURN_RE = re.compile(r"<\|role_start\|>(.*?)<\|role_end\|>(.*?)(?:<\|turn_end\|>|$)", re.S)


def parse_megrez_prompt(prompt: str) -> list[dict]:
    """The messages of a raw Megrez prompt (the trailing empty assistant turn, if any, dropped)."""
    if ROLE_START not in prompt:
        return [{"role": "user", "content": prompt}]
    messages = [{"role": r.strip(), "content": c} for r, c in _TURN_RE.findall(prompt)]
    if messages and messages[-1]["role"] == "assistant" and not messages[-1]["content"]:
        messages.pop()
    return messages


def function_call(query: str, name: str = "search") -> str:
    """Exactly what Megrez emits to call a function."""
    payload = json.dumps({"name": name, "arguments": {"query": query}}, ensure_ascii=False)
    return f"{FUNCTION_START}{payload}{FUNCTION_END}"



# How Megrez spells a call in its text; the server reads them back out of earlier assistant turns.
FUNC_NAME_RE = re.compile(r'"name"\s*:\s*"([^"]+)"')
CALL_RE = re.compile(r"<\|function_start\|>(.*?)(?:<\|function_end\|>|$)", re.S)


def finish_text(raw: str, prompt_len: int, req: dict, max_model_len: int) -> dict:
    """Apply max_tokens, stop strings and special-token handling to what the model 'generated'."""
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    limit = max_tokens if max_tokens is not None else max_model_len - prompt_len
    stops = req.get("stop") or []
    if isinstance(stops, str):
        stops = [stops]
    ends = token_ends(raw)
    finish, stop_reason = "stop", None
    if len(ends) > limit:
        raw, finish = raw[: ends[limit - 1]] if limit > 0 else "", "length"
        completion_tokens = limit
    else:
        completion_tokens = len(ends) + 1  # + the <|turn_end|> token that ended it
        if TURN_END in stops:
            stop_reason = TURN_END
    hits = [(raw.find(s), s) for s in stops if s and s != TURN_END and s in raw]
    if hits:
        at, s = min(hits)
        raw = raw[: at + (len(s) if req.get("include_stop_str_in_output") else 0)]
        finish, stop_reason = "stop", s
        completion_tokens = len(token_ends(raw[:at])) + len(tokenize(s))
    text = raw
    if req.get("skip_special_tokens", True):
        text = SPECIAL_RE.sub("", text)
    elif req.get("spaces_between_special_tokens", True):
        # Hugging Face detokenisation joins added-token pieces with spaces unless told not to.
        text = re.sub(r"\s*(<\|[a-z_]+\|>)\s*", r" \1 ", text).strip()
        text = re.sub(r"(<\|[a-z_]+\|>) (?=<\|)", r"\1 ", text)
    return {
        "text": text,
        "finish_reason": finish,
        "stop_reason": stop_reason,
        "completion_tokens": completion_tokens,
        "raw": raw,
    }
