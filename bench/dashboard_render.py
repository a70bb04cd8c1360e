"""Draw a Grafana dashboard's panels from Prometheus query_range results: one HTML page of inline SVG,
laid out by the panels' gridPos (24 columns), dark like Grafana's default theme, so that it can be
read side by side with the real thing. Stat panels show the last value; time series panels draw
every series with its legend (Grafana's {{label}} legend format). Units: s, percentunit, reqps, none.
This is a picture of the dashboard's queries, not Grafana: the page says so in its heading."""

from __future__ import annotations

import html
import math
import re
from datetime import datetime, timezone

COLOURS = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#ff9830", "#96d98d", "#ca95e5"]
COLUMN_PX, ROW_PX = 62, 34  # one gridPos unit

_CSS = """
body{margin:0;background:#111217;color:#ccccdc;font:13px/1.4 Inter,"Helvetica Neue",Arial,"WenQuanYi Micro Hei",sans-serif}
header{padding:14px 20px 6px}h1{font-size:18px;margin:0;color:#fff}
.note{color:#9fa7b3;font-size:12.5px;margin-top:4px}
.grid{position:relative;margin:10px 16px 24px}
.panel{position:absolute;background:#181b1f;border:1px solid #2a2d35;border-radius:3px;box-sizing:border-box;overflow:hidden}
.panel h2{font-size:13px;font-weight:500;margin:0;padding:6px 10px;color:#d8d9da;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.row{position:absolute;font-size:15px;color:#d8d9da;font-weight:500;padding-top:6px}
.stat{display:flex;align-items:center;justify-content:center;height:calc(100% - 34px);font-size:34px;font-weight:500}
.legend{padding:0 10px;font-size:11.5px;line-height:1.6}
.legend span{white-space:nowrap;margin-right:12px}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:3px}
.empty{color:#6e7079;text-align:center;padding-top:40px}
"""


def _format(value: float, unit: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "percentunit":
        return f"{value * 100:.0f}%" if abs(value) >= 0.1 or value == 0 else f"{value * 100:.1f}%"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if abs(value) < 1 else f"{value:.2f} s"
    if unit == "reqps":
        return f"{value:.3g} req/s" if abs(value) < 10 else f"{value:.0f} req/s"
    if 0 < abs(value) < 1:
        return f"{value:.2g}"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}K"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _legend(fmt: str, labels: dict) -> str:
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt or "")
    return text.strip() or (", ".join(f"{k}={v}" for k, v in labels.items() if k != "__name__") or "value")


def _series(panel: dict, results: dict) -> list[tuple[str, list[tuple[float, float]]]]:
    out = []
    for target in panel.get("targets", []):
        for result in results.get((panel["id"], target["refId"]), []):
            points = [(float(t), float(v)) for t, v in result["values"] if v not in ("NaN", "+Inf", "-Inf")]
            if points:
                out.append((_legend(target.get("legendFormat", ""), result["metric"]), points))
    return out


def _timeseries(panel: dict, series: list, width: float, height: float, start: float, end: float) -> str:
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    legend_rows = math.ceil(len(series) / max(1, int(width // 190)))
    plot_h = height - 34 - 18 * legend_rows - 24
    left, right, top = 64, 10, 6
    plot_w = width - left - right
    values = [v for _, points in series for _, v in points]
    low = min(0.0, defaults.get("min", min(values, default=0.0)))
    high = defaults.get("max", max(values, default=1.0))
    high = high if high > low else low + 1
    high = _nice_ceiling(high) if "max" not in defaults else high
    x = lambda t: left + plot_w * (t - start) / max(1e-9, end - start)  # noqa: E731
    y = lambda v: top + plot_h - plot_h * (v - low) / (high - low)  # noqa: E731
    parts = [f'<svg width="{width:.0f}" height="{plot_h + 24:.0f}" font-size="11" fill="#9fa7b3">']
    for k in range(5):
        value = low + (high - low) * k / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#2a2d35"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{html.escape(_format(value, unit))}</text>')
    for k in range(6):
        t = start + (end - start) * k / 5
        label = datetime.fromtimestamp(t, tz=timezone.utc).strftime("%H:%M:%S")
        anchor = "start" if k == 0 else "end" if k == 5 else "middle"
        parts.append(f'<text x="{x(t):.1f}" y="{top + plot_h + 16:.1f}" text-anchor="{anchor}">{label}</text>')
    for n, (_, points) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLOURS[n % len(COLOURS)]}"></i>{html.escape(name)}</span>' for n, (name, _) in enumerate(series)
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(power * m for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if power * m >= value)


def _stat(panel: dict, series: list) -> str:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    last = series[0][1][-1][1] if series else None
    colour = "#73bf69"
    for step in defaults.get("thresholds", {}).get("steps", []):
        if last is not None and (step["value"] is None or last >= step["value"]):
            colour = {"green": "#73bf69", "orange": "#ff9830", "red": "#f2495c"}.get(step["color"], step["color"])
    return f'<div class="stat" style="color:{colour}">{html.escape(_format(last, defaults.get("unit")))}</div>'


def render(dashboard: dict, results: dict, info: dict) -> str:
    times = [float(t) for rs in results.values() for r in rs for t, _ in r["values"]]
    start, end = (min(times), max(times)) if times else (0.0, 1.0)
    boxes, bottom = [], 0
    for panel in dashboard["panels"]:
        g = panel["gridPos"]
        left, top = g["x"] * COLUMN_PX, g["y"] * ROW_PX
        width, height = g["w"] * COLUMN_PX - 8, g["h"] * ROW_PX - 8
        bottom = max(bottom, top + height)
        if panel["type"] == "row":
            boxes.append(f'<div class="row" style="left:{left}px;top:{top}px">{html.escape(panel["title"])}</div>')
            continue
        series = _series(panel, results)
        if panel["type"] == "stat":
            body = _stat(panel, series)
        elif series:
            body = _timeseries(panel, series, width, height, start, end)
        else:
            body = '<div class="empty">No data</div>'
        boxes.append(
            f'<div class="panel" style="left:{left}px;top:{top}px;width:{width}px;height:{height}px" title="{html.escape(panel.get("description", ""))}">'
            f"<h2>{html.escape(panel['title'])}</h2>{body}</div>"
        )
    note = (
        f"A rendering of deploy/grafana/megrez-websearch.json's queries, not Grafana: each panel's PromQL evaluated by "
        f"Prometheus {info.get('prometheus', '?')} over {info.get('seconds', '?')} s of recorded load on the real service "
        f"({info.get('clients', '?')} clients, scrape every {info.get('scrape_s', '?')} s, $__rate_interval = {info.get('rate_interval', '?')}), "
        "with a rate-limited search API, a model outage and crashing parse workers on the way (bench/dashboard.py)."
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(dashboard["title"])}</title><style>{_CSS}</style></head>'
        f'<body><header><h1>{html.escape(dashboard["title"])}</h1><div class="note">{html.escape(note)}</div></header>'
        f'<div class="grid" style="height:{bottom + 8}px;width:{24 * COLUMN_PX}px">{"".join(boxes)}</div></body></html>'
    )
