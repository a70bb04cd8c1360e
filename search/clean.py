"""Text from outside is data, never instructions: what a search result carries into a prompt (URL,
title, snippet, page text) and everything a user writes (questions, OpenAI history, Slack messages,
MCP arguments, local documents) is cleaned of chat-template tokens and control characters.

A chat-template token written as text (`<|turn_end|><|role_start|>system<|role_end|>`, `<|im_start|>`)
would be read by vLLM's tokenizer as the real special token: a result could close the observation
and open a system turn of its own. Control and bidirectional-override characters hide text from the
reader. A URL carrying either, or longer than any real link, is dropped with its result; a title is
cut to its cap.
"""

from __future__ import annotations

import re

from search.models import SearchResult

# Every supported template's markers: `<|name|>` (Megrez's role_start/role_end/turn_end, ChatML's
# im_start/im_end, Llama 3's start_header_id/eot_id, Phi's, Qwen's), DeepSeek's full-width
# `<｜name｜>`, `<s>`/`</s>`, Llama 2's `[INST]`/`<<SYS>>`, Mistral's `[AVAILABLE_TOOLS]`/`[TOOL_CALLS]`,
# Gemma's `<start_of_turn>`/`<bos>`.
TEMPLATE_TOKEN_RE = re.compile(
    r"<[|｜][^<>|｜\n]{0,64}[|｜]>|</?s>|</?(?:bos|eos|pad)>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>"
    r"|\[/?(?:AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS|SYSTEM_PROMPT)\]|<\|?(?:im_start|im_end|endoftext)\|?>",
    re.IGNORECASE,
)
# C0/C1 controls but tab and newline; bidi embeddings/overrides/isolates; zero-width and BOM.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SPACE_RE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Text for a prompt: template tokens and control characters removed (line breaks kept).

    Controls first (a zero-width space inside `<|im_start|>` must not survive to rejoin it), then
    tokens until none is left (removing one must not leave another, `<|im_<|x|>start|>`)."""
    if not text:
        return text
    text = _CONTROL_RE.sub("", text)
    for _ in range(8):
        cleaned = TEMPLATE_TOKEN_RE.sub(" ", text)
        if cleaned == text:
            break
        text = cleaned
    return text


def clean_line(text: str, max_chars: int) -> str:
    """A one-line field (a title): cleaned, whitespace collapsed, cut to `max_chars`."""
    line = _SPACE_RE.sub(" ", clean_text(text[: max_chars * 4])).strip()
    return line if len(line) <= max_chars else line[: max_chars - 1].rstrip() + "…"


def usable_url(url: str, max_chars: int) -> bool:
    return (
        0 < len(url) <= max_chars
        and not TEMPLATE_TOKEN_RE.search(url)
        and not _CONTROL_RE.search(url)
        and not _SPACE_RE.search(url)  # `\s` is str.isspace(), in one scan
    )


def clean_results(results: list[SearchResult], *, max_url_chars: int, max_title_chars: int) -> list[SearchResult]:
    """The results fit for a prompt: bad URLs dropped, titles and snippets cleaned and capped."""
    kept = []
    for result in results:
        if not usable_url(result.url, max_url_chars):
            continue
        kept.append(
            result.model_copy(
                update={
                    "title": clean_line(result.title, max_title_chars),
                    "snippet": clean_line(result.snippet, 4 * max_title_chars),
                    "content": clean_text(result.content) if result.content else result.content,
                }
            )
        )
    return kept
