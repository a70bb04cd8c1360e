"""Search results are data, never instructions: what a result carries into a prompt (URL, title,
snippet, page text) is cleaned of chat-template tokens and control characters, and capped.

A chat-template token written as text (`<|turn_end|><|role_start|>system<|role_end|>`, `<|im_start|>`)
would be read by vLLM's tokenizer as the real special token: a result could close the observation
and open a system turn of its own. Control and bidirectional-override characters hide text from the
reader. A URL carrying either, or longer than any real link, is dropped with its result; a title is
cut to its cap.
"""

from __future__ import annotations

import re

from search.models import SearchResult

# `<|name|>` (Megrez, Qwen, …), `<s>`/`</s>`, `[INST]`, `<<SYS>>`, `<start_of_turn>`: any model's template markers.
TEMPLATE_TOKEN_RE = re.compile(
    r"<\|[^<>|\n]{0,64}\|>|</?s>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|<\|?(?:im_start|im_end|endoftext)\|?>",
    re.IGNORECASE,
)
# C0/C1 controls but tab and newline; bidi embeddings/overrides/isolates; zero-width and BOM.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SPACE_RE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Text for a prompt: template tokens and control characters removed (line breaks kept)."""
    if not text:
        return text
    return _CONTROL_RE.sub("", TEMPLATE_TOKEN_RE.sub(" ", text))


def clean_line(text: str, max_chars: int) -> str:
    """A one-line field (a title): cleaned, whitespace collapsed, cut to `max_chars`."""
    line = _SPACE_RE.sub(" ", clean_text(text[: max_chars * 4])).strip()
    return line if len(line) <= max_chars else line[: max_chars - 1].rstrip() + "…"


def usable_url(url: str, max_chars: int) -> bool:
    return (
        0 < len(url) <= max_chars
        and not TEMPLATE_TOKEN_RE.search(url)
        and not _CONTROL_RE.search(url)
        and not any(c.isspace() for c in url)
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
