"""A claim the lexical checker cannot see supported and a served checker can (a paraphrase), with the
sources it stands on and the reranker model that judges it: the verify stage's and `websearch eval`'s tests."""

from __future__ import annotations

from search.models import Source


MODEL = "BAAI/bge-reranker-v2-m3"


SOURCES = [
    Source(index=1, url="https://a.example/archive", title="Pell Gallery",
           context="The Pell Gallery opened in 1921. Its archive is stored on the upper floor, next to the reading room."),
    Source(index=2, url="https://b.example/other", title="Other", context="The harbour festival takes place every June."),
]  # fmt: skip


CLAIM = "The gallery's papers are kept upstairs on a higher storey"
