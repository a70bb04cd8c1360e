"""Perplexity's API, where its SDK looks for it: the server's root is its base URL, as
`https://api.perplexity.ai` is (and `/v1` works too).

    POST /chat/completions      Sonar chat completions (the one chat handler: api/openai_compat/routes.py,
                                with Perplexity's fields: api/perplexity/sonar.py)
    POST /search, /v1/search    the Search API (api/perplexity/search.py)

`/v1/chat/completions` is the OpenAI-compatible route itself (errors there in OpenAI's shape); the
routes here answer errors in Perplexity's (`{"error": {"message", "type", "code"}}`).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.openai_compat.routes import chat_completions
from api.perplexity.schemas import PerplexityRoute
from api.perplexity.search import router as search_router

root = APIRouter(tags=["perplexity"], route_class=PerplexityRoute)
root.add_api_route("/chat/completions", chat_completions, methods=["POST"])
root.include_router(search_router)
root.include_router(search_router, prefix="/v1")

__all__ = ["root"]
