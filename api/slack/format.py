"""An answer as Slack shows it: Markdown turned into mrkdwn, `[n]` into links, split within Slack's limits.

Slack's limits (https://api.slack.bot.com/reference/block-kit/blocks): a section's text is at most 3000
characters, a message at most 50 blocks, a message's `text` at most 40000 characters. An answer
that does not fit one message continues in follow-up messages in the same thread; the sources come
last, as a context block listing `n. <url|title>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.citations import SHOWN_MARKER, shown_markers
from agent.state import Claim
from search.models import Source

SECTION_CHARS = 3000
MESSAGE_BLOCKS = 50
MESSAGE_CHARS = 40000
CONTEXT_ELEMENTS = 10

_LINK_RE = re.compile(r"!?\[([^\]\n]+)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
_BOLD_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC_RE = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_STRIKE_RE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET_RE = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_QUOTE_RE = re.compile(r"^\s{0,3}>\s?(.*)$")
_RULE_RE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")
# A bare URL Slack would turn into a link by itself (a scheme, or www.).
_BARE_URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>`\x00]*[^\s<>`\x00.,;:!?)\]'\"，。）]", re.IGNORECASE
)
_BOLD = "\x01"


def escape(text: str) -> str:
    """The three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_url(url: str) -> str:
    return escape(url.strip()).replace("|", "%7C").replace(" ", "%20")


def link(url: str, label: str) -> str:
    if not url.startswith(("http://", "https://")):  # a relative link Slack cannot open: the label alone
        return escape(label)
    return f"<{slack_url(url)}|{escape(label).replace('|', '¦')}>"


def absolute(url: str, base_url: str | None) -> str:
    """A link the app serves itself (`/documents/…`, a local document) made absolute with
    WEBSEARCH_PUBLIC_URL; without one it stays relative (and is shown unlinked). Web URLs unchanged."""
    if url.startswith("/") and base_url:
        return base_url.rstrip("/") + url
    return url


def mark_unsupported(answer: str, claims: list[Claim], note: str) -> str:
    """The answer with `note` after each claim no read source supports (its marker was removed):
    the reader sees the words, and that nothing backs them."""
    for claim in sorted((c for c in claims if c.support == "unsupported"), key=lambda c: -c.end):
        answer = f"{answer[: claim.end]} {note}{answer[claim.end :]}"
    return answer


def _boundary(before: str, after: str) -> tuple[str, str]:
    """Slack renders *bold* only at word boundaries: a zero-width space makes one (e.g. in Chinese)."""
    left = "\u200b" if before and not before.isspace() and before not in "(\"'“‘" else ""
    right = "\u200b" if after and not after.isspace() and after not in ".,;:!?)\"'”’，。；：！？）" else ""
    return left, right


def _inline(text: str, urls: dict[int, str]) -> str:
    out = []
    for k, part in enumerate(re.split(r"(`[^`\n]+`)", text)):
        if k % 2:  # inline code: only escaped
            out.append(escape(part))
            continue
        saved: list[str] = []

        def keep(rendered: str) -> str:
            saved.append(rendered)
            return f"\x00{len(saved) - 1}\x00"

        # Only the answer's sources are links; any other link the text carries (a model's, or one a
        # page talked it into) is its label as plain text, a bare URL inline code (never linked).
        sources = set(urls.values())
        part = _LINK_RE.sub(
            lambda m: keep(link(m.group(2), m.group(1)) if m.group(2) in sources else escape(m.group(1))), part
        )
        part = _BARE_URL_RE.sub(lambda m: keep(f"`{escape(m.group(0))}`"), part)

        def cite(m: re.Match) -> str:
            url = urls.get(int(m.group(1)))
            return keep(link(url, m.group(0))) if url else m.group(0)

        part = SHOWN_MARKER.sub(cite, part)
        part = escape(part)
        part = _BOLD_RE.sub(lambda m: _BOLD + (m.group(1) or m.group(2)) + _BOLD, part)
        part = _ITALIC_RE.sub(lambda m: f"_{m.group(1)}_", part)
        part = _STRIKE_RE.sub(lambda m: f"~{m.group(1)}~", part)
        pieces = part.split(_BOLD)
        if len(pieces) % 2 == 1:  # balanced: every other piece is bold
            rebuilt = [pieces[0]]
            for i in range(1, len(pieces), 2):
                left, right = _boundary(rebuilt[-1][-1:] if rebuilt[-1] else "", pieces[i + 1][:1])
                rebuilt.append(f"{left}*{pieces[i]}*{right}{pieces[i + 1]}")
            part = "".join(rebuilt)
        else:
            part = part.replace(_BOLD, "")
        out.append(_PLACEHOLDER_RE.sub(lambda m: saved[int(m.group(1))], part))
    return "".join(out)


def to_mrkdwn(markdown: str, urls: dict[int, str] | None = None) -> str:
    """Markdown (bold, italics, links, headings, lists, quotes, code) as Slack mrkdwn.

    `urls` maps a source index to its URL: each `[n]` becomes `<url|[n]>`.
    """
    urls = urls or {}
    lines: list[str] = []
    in_code = False
    for line in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE_RE.match(line):
            in_code = not in_code
            lines.append("```")
            continue
        if in_code:
            lines.append(escape(line))
            continue
        if m := _HEADING_RE.match(line):
            title = _inline(m.group(1).replace("**", "").replace("__", ""), urls)
            lines.append(f"*{title}*" if title else "")
        elif _RULE_RE.match(line):
            lines.append("───")
        elif m := _BULLET_RE.match(line):
            level = len(m.group(1).expandtabs(4)) // 2
            lines.append("    " * level + ("•" if level == 0 else "◦") + " " + _inline(m.group(2), urls))
        elif m := _QUOTE_RE.match(line):
            lines.append(">" + (" " + _inline(m.group(1), urls) if m.group(1) else ""))
        else:
            lines.append(_inline(line, urls))
    if in_code:
        lines.append("```")
    return "\n".join(lines)


def _cut(text: str, limit: int) -> int:
    """Where to end a piece of at most `limit` characters: a paragraph, a line, a word, never inside <…>."""
    window = text[:limit]
    cut = -1
    for sep in ("\n\n", "\n", "。", ". ", " "):
        pos = window.rfind(sep)
        if pos >= limit // 3:
            cut = pos + (len(sep) if sep in ("。", ". ") else 0)
            break
    if cut <= 0:
        cut = limit
    opened = window.rfind("<", 0, cut)
    if opened > window.rfind(">", 0, cut) and opened > 0:
        cut = opened  # a link would be cut in two: end before it
    return cut


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters; a code block cut in two is closed and reopened."""
    pieces: list[str] = []
    rest = text.strip("\n")
    budget = limit - 8  # room to close and reopen a code fence
    while len(rest) > limit:
        cut = _cut(rest, budget)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n")
        if rest.startswith(" ") and not rest.startswith("  "):
            rest = rest[1:]
        if piece.count("```") % 2:
            piece += "\n```"
            rest = "```\n" + rest
        if piece:
            pieces.append(piece)
    if rest.strip():
        pieces.append(rest)
    return pieces or [""]


def source_lines(sources: list[Source], cited: set[int] | None = None) -> list[str]:
    """`n. <url|title>` for each source (only the cited ones when `cited` is given), by index."""
    chosen = [s for s in sorted(sources, key=lambda s: s.index) if cited is None or s.index in cited]
    return [f"{s.index}. {link(s.url, s.title or s.url)}" for s in chosen]


@dataclass
class SlackMessage:
    text: str  # the notification / fallback text (Slack requires one next to blocks)
    blocks: list[dict] = field(default_factory=list)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sources_blocks(lines: list[str], heading: str) -> list[dict]:
    """Context blocks listing the sources: each element ≤ 3000 characters, ≤ 10 elements a block."""
    elements = [{"type": "mrkdwn", "text": t} for t in split_text("\n".join([f"*{heading}*", *lines]), SECTION_CHARS)]
    return [
        {"type": "context", "elements": elements[i : i + CONTEXT_ELEMENTS]}
        for i in range(0, len(elements), CONTEXT_ELEMENTS)
    ]


def slack_messages(
    answer: str,
    sources: list[Source],
    *,
    sources_heading: str = "Sources",
    base_url: str | None = None,
    notice: str | None = None,
    section_chars: int = SECTION_CHARS,
    message_blocks: int = MESSAGE_BLOCKS,
    message_chars: int = MESSAGE_CHARS,
) -> list[SlackMessage]:
    """The answer as one or more Slack messages (post them in order in the thread).
    `base_url` (WEBSEARCH_PUBLIC_URL) makes the links to local documents absolute; `notice` (a fallback
    search provider answered) is a context line between the answer and its sources."""
    sources = [s.model_copy(update={"url": absolute(s.url, base_url)}) for s in sources]
    urls = {s.index: s.url for s in sources}
    mrkdwn = to_mrkdwn(answer, urls)
    cited = {int(m.group(1)) for m in shown_markers(answer) if int(m.group(1)) in urls}
    blocks = [_section(piece) for piece in split_text(mrkdwn, section_chars)]
    if notice:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f":information_source: _{escape(notice)}_"}]})
    lines = source_lines(sources, cited)
    if lines:
        blocks.extend(sources_blocks(lines, sources_heading))

    def size(block: dict) -> int:
        if block["type"] == "section":
            return len(block["text"]["text"])
        return sum(len(e["text"]) for e in block["elements"]) + len(block["elements"])

    def text_of(chosen: list[dict]) -> str:
        parts = []
        for block in chosen:
            if block["type"] == "section":
                parts.append(block["text"]["text"])
            else:
                parts.append("\n".join(e["text"] for e in block["elements"]))
        return "\n\n".join(parts)

    messages: list[SlackMessage] = []
    current: list[dict] = []
    used = 0
    for block in blocks:
        if current and (len(current) >= message_blocks or used + 2 + size(block) > message_chars):
            messages.append(SlackMessage(text=text_of(current), blocks=current))
            current, used = [], 0
        current.append(block)
        used += size(block) + 2
    if current:
        messages.append(SlackMessage(text=text_of(current), blocks=current))
    return messages
