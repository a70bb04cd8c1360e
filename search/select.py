"""Choose the evidence the model reads: the best passages, packed into a token budget.

Diversity first (every relevant source gets its best passage before any gets a second) because a
3B model answers better from several agreeing sources than from one long page, and because
citations are only useful when they point at different pages.

The budget widens (`select_evidence`) only when the ranking itself says it is unsure: one page
clearly leads but more of its passages score close to its best than its share of the budget holds,
so which of them answers is a guess. On the real-data bench (bench/realdata.py) every answer a
wider budget recovered was such a passage (the right page, its 4th to 7th passage); close scores
across pages (another page's best within 0.8 of the best: 4 of 79 English, 56 of 556 Chinese
questions) or no passage shaped like the answer (4 and 3) recovered none, so they do not widen."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from search.clean import clean_line, clean_text
from search.config import MAX_TITLE_CHARS
from search.models import Page, Passage, Source
from core.tokens import count_tokens, truncate_tokens

MIN_PIECE_TOKENS = 30  # a truncated passage shorter than this is noise, not evidence
# Unsure (tuned on bench/realdata.py, English and CMRC): the leading page's first passage beyond its
# share scores at least CROWD of the best, while no other page's best passage reaches LEAD of it.
# The defaults of the app's evidence policy (agent/budget.py), which chooses every budget here.
UNSURE_CROWD = 0.55
UNSURE_LEAD = 0.5
# The leading page is read whole when all of it fits its share and the budget left after rounds 1-2: in a short
# article the right page leads while its answering passage shares no word with the question
# ("boy ... located" / "child ... taken to") and scores nothing.
WHOLE = True


class Selection(BaseModel):
    """The evidence chosen, and the budget it was packed to (wider when the ranking was unsure)."""

    sources: list[Source]
    budget_tokens: int  # the budget packed to: the normal one, or the unsure one when widened
    widened: bool = False


@dataclass
class _Pick:
    page: Page
    passages: list[Passage] = field(default_factory=list)
    tokens: int = 0


def ranking_unsure(
    passages: list[Passage], *, source_tokens: int, crowd: float = UNSURE_CROWD, lead: float = UNSURE_LEAD
) -> bool:
    """True when one page leads (no other page's best passage scores `lead` of the best) but its
    passages beyond the first `source_tokens` still score `crowd` of the best: the right page is
    found, the passage that answers is not. `passages` best first, as rank_passages returns them."""
    relevant = [p for p in passages if p.score > 0]
    if not relevant:
        return False
    best = relevant[0]
    other = next((p.score for p in relevant if p.url != best.url), 0.0)
    if other >= lead * best.score:
        return False
    used = 0
    for passage in relevant:
        if passage.url != best.url:
            continue
        used += passage.tokens or count_tokens(passage.text)
        if used > source_tokens:  # the first of its passages past its share
            return passage.score >= crowd * best.score
    return False


def select_evidence(
    pages: list[Page],
    passages: list[Passage],
    *,
    budget_tokens: int,
    source_tokens: int,
    unsure_budget_tokens: int = 0,
    crowd: float = UNSURE_CROWD,
    lead: float = UNSURE_LEAD,
    max_title_chars: int = MAX_TITLE_CHARS,
) -> Selection:
    """`select_sources`, with the budget (and each source's share, in proportion) grown to
    `unsure_budget_tokens` when `ranking_unsure` says so; 0 or no more than `budget_tokens`: never."""
    widened = unsure_budget_tokens > budget_tokens and ranking_unsure(
        passages, source_tokens=source_tokens, crowd=crowd, lead=lead
    )
    if widened:
        source_tokens = source_tokens * unsure_budget_tokens // budget_tokens
        budget_tokens = unsure_budget_tokens
    sources = select_sources(
        pages, passages, budget_tokens=budget_tokens, source_tokens=source_tokens, max_title_chars=max_title_chars
    )
    return Selection(sources=sources, budget_tokens=budget_tokens, widened=widened)


def select_sources(
    pages: list[Page],
    passages: list[Passage],
    *,
    budget_tokens: int,
    source_tokens: int,
    max_title_chars: int = MAX_TITLE_CHARS,
    whole: bool | None = None,
) -> list[Source]:
    """`passages` best first (as rank_passages returns them); sources numbered 1..N by best passage.

    A source's title and URL stand in the prompt too: they are cleaned (`search/clean.py`), the title
    capped, and both counted in `budget_tokens`."""
    pages = [page.model_copy(update={"title": clean_line(page.title, max_title_chars)}) for page in pages]
    by_url = {page.url: page for page in pages}
    relevant = [p for p in passages if p.score > 0 and p.url in by_url]
    # Pages with nothing relevant still offer their opening (or their snippet) if budget remains:
    # the question may use words the page does not (another language, a synonym).
    has_relevant = {p.url for p in relevant}
    fallback: list[Passage] = []
    for page in pages:
        if page.url in has_relevant:
            continue
        own = sorted((p for p in passages if p.url == page.url), key=lambda p: p.position)
        if own:
            fallback.append(own[0])
        elif page.snippet.strip():
            fallback.append(
                Passage(
                    url=page.url,
                    title=page.title,
                    text=page.snippet.strip(),
                    position=0,
                    tokens=count_tokens(page.snippet),
                )
            )

    picks: dict[str, _Pick] = {}  # insertion order = order of best passage = source numbering
    used = 0

    def take(passage: Passage, *, may_cut: bool) -> None:
        nonlocal used
        pick = picks.get(passage.url)
        header = 0
        if pick is None:
            pick = _Pick(by_url[passage.url])
            header = count_tokens(pick.page.title) + count_tokens(pick.page.url)
        room = min(budget_tokens - used - header, source_tokens - pick.tokens)
        tokens = passage.tokens or count_tokens(passage.text)
        if tokens > room:
            # A relevant source's first passage is cut to fit rather than dropped; others fit whole.
            if not may_cut or room < MIN_PIECE_TOKENS:
                return
            passage = passage.model_copy(update={"text": truncate_tokens(passage.text, room)})
            tokens = count_tokens(passage.text)
        pick.passages.append(passage)
        pick.tokens += tokens
        picks[passage.url] = pick
        used += tokens + header

    for passage in relevant:  # round 1: the best passage of each relevant source
        if passage.url not in picks:
            take(passage, may_cut=True)
    chosen = {(p.url, p.position) for pick in picks.values() for p in pick.passages}
    for passage in relevant:  # round 2: more from the same sources, best first
        if passage.url in picks and (passage.url, passage.position) not in chosen:
            take(passage, may_cut=False)
    lead = picks.get(relevant[0].url) if relevant else None
    if lead is not None and (WHOLE if whole is None else whole):  # round 3: the leading page whole, if it fits
        taken = {p.position for p in lead.passages}
        rest = [p for p in passages if p.url == lead.page.url and p.position not in taken]
        if sum(p.tokens or count_tokens(p.text) for p in rest) <= min(budget_tokens - used, source_tokens - lead.tokens):
            for passage in rest:
                take(passage, may_cut=False)
    for passage in fallback:  # last: the openings of the rest, while they fit
        take(passage, may_cut=False)

    sources: list[Source] = []
    for pick in picks.values():
        context = clean_text("\n\n".join(p.text for p in sorted(pick.passages, key=lambda p: p.position))).strip()
        if not context:
            continue
        page = pick.page
        sources.append(
            Source(
                index=len(sources) + 1,
                url=page.url,
                title=page.title,
                snippet=page.snippet,
                date=page.date,
                context=context,
                positions=sorted(p.position for p in pick.passages),
            )
        )
    return sources
