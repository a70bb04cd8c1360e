"""`websearch eval --html PATH`: the run as one page to look at.

Self-contained: inline CSS, inline JS, inline SVG; no font, script, image or stylesheet is fetched
(a Content-Security-Policy says so to the browser too), so the page opens from a mail attachment or
an air-gapped machine exactly as it was written. It shows the summary figures (found, cited,
latency p50/p95, tokens; ALCE citation recall and precision when the answers carried checked
claims), a latency histogram (found and missed stacked), and a row per question (question, answer
with its citation markers linked to the numbered sources, verdicts, claims, time) that can be
filtered to the misses or the errors, or by text. CJK text uses the reader's system fonts."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from api.cli.records import Record

_MARKER = re.compile(r"\[(\d{1,3})\]")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_CSS = """
:root{--fg:#1d232b;--muted:#56606b;--line:#d8dde3;--bg:#f6f7f9;--ok:#1a7f37;--bad:#b42318;--warn:#9a6700;--acc:#0b57d0}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 20px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:var(--muted);font-size:13px;margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(112px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:22px;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:12.5px}
.interrupted{background:#fff4e5;border:1px solid #f0c36d;border-radius:8px;padding:8px 12px;margin:0 0 14px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px}
th,td{text-align:left;padding:8px 10px;border-top:1px solid var(--line);vertical-align:top}
th{background:#eef1f4;font-size:12.5px;color:var(--muted);border-top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.hist{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
.hist svg{width:100%;height:auto;display:block}
.legend{font-size:12.5px;color:var(--muted);margin:6px 4px 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:0 0 10px}
.filters button{border:1px solid var(--line);background:#fff;border-radius:16px;padding:4px 12px;font:inherit;cursor:pointer}
.filters button[aria-pressed=true]{background:var(--acc);border-color:var(--acc);color:#fff}
.filters input{flex:1;min-width:180px;border:1px solid var(--line);border-radius:16px;padding:4px 12px;font:inherit}
.count{color:var(--muted);font-size:13px}
.q{font-weight:600}.id{color:var(--muted);font-size:12px}
.answer{white-space:pre-wrap;margin-top:4px}
.cite{color:var(--acc);text-decoration:none;font-size:12px;vertical-align:super}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;margin:0 4px 4px 0;white-space:nowrap}
.yes{background:#dafbe1;color:var(--ok)}.no{background:#ffebe9;color:var(--bad)}.err{background:#fff1d6;color:var(--warn)}
.sources{margin:0;padding-left:0;list-style:none;font-size:13px}
.sources li{margin-bottom:4px;overflow-wrap:anywhere}.sources a{color:var(--acc)}
.sources .n{color:var(--muted);font-variant-numeric:tabular-nums}.host{color:var(--muted);font-size:12px}
.claims{margin:6px 0 0;font-size:13px}.claims summary{color:var(--muted);cursor:pointer}.claims ul{margin:4px 0 0;padding-left:18px}
.gold{color:var(--muted);font-size:12.5px;margin-top:4px}
tr.missed td:first-child{box-shadow:inset 3px 0 var(--bad)}
"""

_JS = """
(function(){
  var rows=[].slice.call(document.querySelectorAll('#questions tbody tr'));
  var buttons=[].slice.call(document.querySelectorAll('.filters button'));
  var box=document.getElementById('text'), count=document.getElementById('shown'), mode='all';
  function apply(){
    var needle=box.value.trim().toLowerCase(), shown=0;
    rows.forEach(function(r){
      var ok=(mode==='all'||r.classList.contains(mode))&&(!needle||r.textContent.toLowerCase().indexOf(needle)>=0);
      r.hidden=!ok; if(ok) shown++;
    });
    count.textContent=shown+' / '+rows.length;
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){
    mode=b.dataset.mode; buttons.forEach(function(o){o.setAttribute('aria-pressed',String(o===b));}); apply();
  });});
  box.addEventListener('input',apply);
  if(location.hash==='#misses'){document.querySelector('[data-mode=missed]').click();} else apply();
})();
"""

_LABELS = {"all": "All questions", "first questions": "First questions", "follow-ups": "Follow-ups"}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _cards(summary: dict, run: dict) -> str:
    s = summary.get("all")
    if not s:
        return '<p class="sub">No question was measured.</p>'
    cards = [
        ("questions", f"{s['questions']}" + (f" / {run['planned']}" if run.get("planned", s["questions"]) != s["questions"] else "")),
        ("found: the answer holds a gold string", _pct(s["answer_has_gold"])),
        ("cited: a cited source holds one", _pct(s["cited_source_has_gold"])),
    ]
    if "claims_supported" in s:
        cards.append(("claims supported (the service's check)", _pct(s["claims_supported"])))
    if s.get("citation_recall") is not None:
        cards.append(("citation recall (ALCE, per claim)", _pct(s["citation_recall"])))
    if s.get("citation_precision") is not None:
        cards.append(("citation precision (ALCE)", _pct(s["citation_precision"])))
    cards += [
        ("latency p50", _ms(s["latency_ms_p50"])),
        ("latency p95", _ms(s["latency_ms_p95"])),
        ("prompt tokens, mean", "–" if s["prompt_tokens_mean"] is None else f"{s['prompt_tokens_mean']:,}"),
        ("evidence tokens, mean", f"{s['evidence_tokens_mean']:,}"),
        ("errors", str(s["errors"])),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card" data-figure="{_e(label.split(":")[0])}"><b>{_e(value)}</b><span>{_e(label)}</span></div>'
        for label, value in cards
    ) + "</div>"


def _groups(summary: dict) -> str:
    if len(summary) < 2:
        return ""
    extra = [k for k in ("citation_recall", "citation_precision") if summary.get("all", {}).get(k) is not None]
    head = "".join(f'<th class="num">{h}</th>' for h in ["n", "found", "cited", *[k.split("_")[1] for k in extra], "errors", "p50", "p95", "prompt tok", "evidence tok"])
    body = ""
    for name, s in summary.items():
        cells = [s["questions"], _pct(s["answer_has_gold"]), _pct(s["cited_source_has_gold"])]
        cells += [_pct(s.get(k)) for k in extra]
        cells += [s["errors"], _ms(s["latency_ms_p50"]), _ms(s["latency_ms_p95"])]
        cells += ["–" if s["prompt_tokens_mean"] is None else s["prompt_tokens_mean"], s["evidence_tokens_mean"]]
        body += f"<tr><td>{_e(_LABELS.get(name, name))}</td>" + "".join(f'<td class="num">{_e(c)}</td>' for c in cells) + "</tr>"
    return f"<h2>By turn</h2><table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"


def histogram(records: list[Record], summary: dict, *, width: int = 1100, height: int = 240) -> str:
    """Latency histogram as inline SVG: answers found (green) and missed (red) stacked per bin,
    with the p50 and p95 marked."""
    if not records:
        return ""
    top = max(r.latency_ms for r in records) or 1.0
    bins = max(5, min(30, math.ceil(math.sqrt(len(records))) * 2))
    step = _nice(top / bins)
    bins = max(1, math.ceil(top / step))
    found, missed = [0] * bins, [0] * bins
    for r in records:
        i = min(bins - 1, int(r.latency_ms // step))
        (found if r.answer_has_gold else missed)[i] += 1
    peak = 4 * math.ceil((max(f + m for f, m in zip(found, missed)) or 1) / 4)  # whole counts on the 4 grid lines
    left, bottom, right, top_pad = 44, 34, 36, 14
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    bw = plot_w / bins
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="latency histogram" font-size="12" fill="#56606b">']
    for k in range(0, 5):  # horizontal grid and counts
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e9ed"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{peak * k // 4}</text>')
    for i, (f, m) in enumerate(zip(found, missed)):
        x = left + i * bw + 1
        fh, mh = plot_h * f / peak, plot_h * m / peak
        y = top_pad + plot_h
        lo, hi = _ms(i * step), _ms((i + 1) * step)
        if f:
            parts.append(f'<rect class="bar found" x="{x:.1f}" y="{y - fh:.1f}" width="{bw - 2:.1f}" height="{fh:.1f}" fill="#2da44e"><title>{lo}–{hi}: {f} found</title></rect>')
        if m:
            parts.append(f'<rect class="bar missed" x="{x:.1f}" y="{y - fh - mh:.1f}" width="{bw - 2:.1f}" height="{mh:.1f}" fill="#cf222e"><title>{lo}–{hi}: {m} missed</title></rect>')
    ticks = max(1, bins // 8)
    for i in range(0, bins + 1, ticks):
        x = left + i * bw
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{_ms(i * step)}</text>')
    s = summary.get("all", {})
    for name, key, dash in (("p50", "latency_ms_p50", "4 3"), ("p95", "latency_ms_p95", "2 2")):
        if key in s:
            x = left + plot_w * min(1.0, s[key] / (bins * step))
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad}" y2="{top_pad + plot_h}" stroke="#1d232b" stroke-dasharray="{dash}"/>')
            parts.append(f'<text x="{x + 4:.1f}" y="{top_pad + 10}" fill="#1d232b">{name} {_ms(s[key])}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">latency (question received → answer complete)</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice(raw: float) -> float:
    """A round bin width (1, 2, 2.5 or 5 times a power of ten) at or above `raw`."""
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)


def _answer(r: Record, row: int) -> str:
    known = {s.index for s in r.sources}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        return f'<a class="cite" href="#r{row}s{n}">[{n}]</a>' if n in known else match.group(0)

    return _MARKER.sub(link, _e(r.answer))


def _verdicts(r: Record) -> str:
    out = []
    if r.error:
        out.append(f'<span class="badge err" title="{_e(r.error)}">error</span>')
    out.append(f'<span class="badge {"yes" if r.answer_has_gold else "no"}">{"found" if r.answer_has_gold else "missed"}</span>')
    out.append(f'<span class="badge {"yes" if r.cited_source_has_gold else "no"}">{"cited" if r.cited_source_has_gold else "not cited"}</span>')
    if r.claims:
        supported = sum(c.support == "supported" for c in r.claims)
        out.append(f'<span class="badge {"yes" if supported == len(r.claims) else "err"}">{supported}/{len(r.claims)} claims supported</span>')
    for name in ("citation_recall", "citation_precision"):
        value = getattr(r, name)
        if value is not None:
            out.append(f'<span class="badge">{name.split("_")[1]} {_pct(value)}</span>')
    return "".join(out)


def _claims(r: Record) -> str:
    if not r.claims:
        return ""
    items = []
    for c in r.claims:
        cls = {"supported": "yes", "partial": "err", "unsupported": "no"}.get(c.support or "", "")
        marks = "".join(f"[{n}]" for n in c.citations)
        quotes = "".join(f' <span class="host">“{_e(q.text)}” [{q.index}]</span>' for q in c.quotes if q.text)
        items.append(f'<li><span class="badge {cls}">{_e(c.support or "unchecked")}</span>{_e(c.text)} {marks}{quotes}</li>')
    supported = sum(c.support == "supported" for c in r.claims)
    opened = " open" if supported < len(r.claims) else ""  # a doubtful claim is shown, the rest folded
    summary = f"{len(r.claims)} claim{'s' if len(r.claims) > 1 else ''}, {supported} supported"
    return f'<details class="claims"{opened}><summary>{summary}</summary><ul>{"".join(items)}</ul></details>'


def _sources(r: Record, row: int) -> str:
    if not r.sources:
        return ""
    cited = set(r.citations)
    items = []
    for s in r.sources:
        weight = "font-weight:600" if s.index in cited else ""
        host = urlsplit(s.url).hostname or ""
        items.append(
            f'<li id="r{row}s{s.index}"><span class="n">[{s.index}]</span> <a href="{_e(s.url)}" rel="noreferrer" style="{weight}">'
            f'{_e(s.title or s.url)}</a> <span class="host">{_e(host)}</span></li>'
        )
    return f'<ol class="sources">{"".join(items)}</ol>'


def _rows(records: list[Record]) -> str:
    out = []
    for row, r in enumerate(records):
        classes = ["missed" if not r.answer_has_gold else "found"] + (["error"] if r.error else [])
        turn = "" if r.turn == 0 else f" · follow-up {r.turn}"
        gold = " · ".join(r.answers)
        out.append(
            f'<tr class="{" ".join(classes)}" data-id="{_e(r.id)}#{r.turn}">'
            f'<td><div class="id">{_e(r.id)}{_e(turn)}</div><div class="q">{_e(r.question)}</div>'
            f'<div class="answer">{_answer(r, row) or "<i>no answer</i>"}</div>'
            f'{_claims(r)}<div class="gold">gold: {_e(gold)}</div></td>'
            f"<td>{_verdicts(r)}</td>"
            f'<td class="num">{_ms(r.latency_ms)}<br><span class="host">{"–" if r.prompt_tokens is None else r.prompt_tokens} tok</span></td>'
            f"<td>{_sources(r, row)}</td></tr>"
        )
    return "".join(out)


def render(summary: dict, records: list[Record], run: dict) -> str:
    missed = sum(not r.answer_has_gold for r in records)
    errors = sum(r.error is not None for r in records)
    title = f"websearch eval · {run.get('file', '')}"
    interrupted = (
        f'<p class="interrupted">Interrupted (Ctrl-C) after {run["measured"]} of {run["planned"]} questions: '
        "these figures are for the questions answered before it.</p>"
        if run.get("interrupted")
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>websearch eval</h1>
<p class="sub" title="{_e(run.get("file", ""))}">{_e(Path(str(run.get("file", ""))).name)} · {len(records)} questions measured</p>
{interrupted}{_cards(summary, run)}
<h2>Latency</h2>
<div class="hist">{histogram(records, summary)}
<div class="legend"><span class="sw" style="background:#2da44e"></span>found<span class="sw" style="background:#cf222e"></span>missed</div></div>
{_groups(summary)}
<h2>Questions</h2>
<div class="filters" role="toolbar" aria-label="filter questions">
<button type="button" data-mode="all" aria-pressed="true">All ({len(records)})</button>
<button type="button" data-mode="missed" aria-pressed="false">Misses ({missed})</button>
<button type="button" data-mode="error" aria-pressed="false">Errors ({errors})</button>
<input id="text" type="search" placeholder="filter by text / 按文字筛选" aria-label="filter by text">
<span class="count" id="shown"></span></div>
<table id="questions"><thead><tr><th>question · answer</th><th>verdicts</th><th class="num">time</th><th>sources</th></tr></thead>
<tbody>{_rows(records)}</tbody></table>
<script type="application/json" id="data">{_json_for_script(summary, run)}</script>
</main><script>{_JS}</script></body></html>
"""


def _json_for_script(summary: dict, run: dict) -> str:
    """The summary, machine-readable in the page too; `</` cannot close the script element."""
    return json.dumps({"run": run, "summary": summary}, ensure_ascii=False).replace("</", "<\\/")
