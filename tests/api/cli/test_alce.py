"""ALCE's citation recall and precision as `websearch eval` computes them (api/cli/alce.py), with the
service's lexical checker over the passages read, in English and Chinese."""

from __future__ import annotations

import pytest

from agent.state import Claim
from api.cli.alce import citation_scores
from search.models import Source

EN = [
    Source(index=1, url="https://a.example/bridge", title="Aurora Bridge",
           context="The Aurora Bridge in Veldmark cost 420 million euros. It opened in 2021 after four years of construction."),
    Source(index=2, url="https://b.example/metro", title="Metro Line 4",
           context="Metro Line 4 will open in 2026 with twelve stations. The line cost 1.2 billion euros."),
    Source(index=3, url="https://c.example/engineer", title="Ingrid Solberg",
           context="Ingrid Solberg was the lead engineer of the Aurora Bridge. She previously worked on offshore platforms."),
]
ZH = [
    Source(index=1, url="https://a.example/qc", title="青川大桥", context="青川大桥总投资56亿元，由省市两级财政和社会资本共同出资建设。大桥于2022年正式通车。"),
    Source(index=2, url="https://b.example/xh", title="星河七号", context="星河七号卫星运行在轨道高度540公里的太阳同步轨道上，设计寿命8年。"),
]
COST = "The Aurora Bridge cost 420 million euros."
TOUZI = "青川大桥总投资56亿元。"


def claim(text: str, cited: list[int], support: str = "supported") -> Claim:
    return Claim(text=text, start=0, end=len(text), citations=cited, support=support)


@pytest.mark.parametrize(
    ("sources", "claims", "scores"),
    [
        (EN, [claim(COST, [1])], (1.0, 1.0)),  # cited where it is written
        (EN, [claim(COST, [2])], (0.0, 0.0)),  # the wrong page: neither held nor precise
        (EN, [claim(COST, [1, 2])], (1.0, 0.5)),  # held, but [2] is ALCE's irrelevant citation
        # Each source holds half: both are needed, neither is irrelevant.
        (EN, [claim("The Aurora Bridge cost 420 million euros and its lead engineer was Ingrid Solberg.", [1, 3])], (1.0, 1.0)),
        # A claim whose marker repair removed counts against recall, not precision.
        (EN, [claim(COST, [], "unsupported"), claim("Metro Line 4 has twelve stations.", [2])], (0.5, 1.0)),
        (EN, [claim(COST, [], "unsupported")], (0.0, None)),  # no citation at all: no precision to speak of
        (ZH, [claim(TOUZI, [1])], (1.0, 1.0)),
        (ZH, [claim(TOUZI, [2])], (0.0, 0.0)),
        (ZH, [claim(TOUZI, [1, 2])], (1.0, 0.5)),
        (EN, [], (None, None)),  # no claims: nothing measured (the figures are absent, not 0)
    ],
)
def test_alce_recall_and_precision_per_claim(sources, claims, scores):
    assert citation_scores(claims, sources) == scores
