"""A page's excerpts for a caller that writes its own answer (MCP `search`, Perplexity's Search API):
the passages that ranked best for the query, within a token budget per page."""

from __future__ import annotations

from core.tokens import count_tokens, truncate_tokens
from search.models import Page, Passage

MIN_PASSAGE_TOKENS = 30  # a passage cut shorter than this to fit the budget is noise, not evidence


def best_passages(page: Page, ranked: list[Passage], budget: int) -> list[str]:
    """The page's passages that matched the query, best first, within `budget` tokens; a page
    where nothing matched offers its opening (the query may use words the page does not)."""
    own = [p for p in ranked if p.url == page.url]
    chosen = [p for p in own if p.score > 0] or sorted(own, key=lambda p: p.position)[:1]
    if not chosen and page.text.strip():
        chosen = [Passage(url=page.url, title=page.title, text=page.text.strip(), position=0)]
    texts: list[str] = []
    used = 0
    for passage in chosen:
        room = budget - used
        text = passage.text
        tokens = passage.tokens or count_tokens(text)
        if tokens > room:
            if texts or room < MIN_PASSAGE_TOKENS:  # only the best passage is cut to fit
                continue
            text = truncate_tokens(text, room)
            tokens = count_tokens(text)
        texts.append(text)
        used += tokens
    return texts
