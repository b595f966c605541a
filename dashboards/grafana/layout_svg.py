#!/usr/bin/env python3
"""Draws the layout of a Grafana dashboard JSON as an SVG picture.

Each panel is a box at its gridPos (Grafana's grid: 24 columns; drawn 40
px a column and 15 px a grid row), with its title and kind (time series,
stat, table); row panels are headings. docs/monitoring.md shows the
picture of the mailgauge dashboard, dashboards/grafana/mailgauge-layout.svg;
dashboards/dashboard_test.py checks that it is this script's output for
dashboards/grafana/mailgauge.json, so after changing the dashboard run:

    python3 dashboards/grafana/layout_svg.py dashboards/grafana/mailgauge.json > dashboards/grafana/mailgauge-layout.svg
"""

import json
import math
import sys
from xml.sax.saxutils import escape

COL = 40          # pixels per grid column (24 columns: 960 px)
ROW = 15          # pixels per grid row unit (Grafana: 30; halved to keep the picture short)
PAD = 3
MARGIN = 10
HEADER = 54       # title and variables bar

KIND_STYLE = {
    "timeseries": ("#e8f0fb", "#4a7bd0", "time series"),
    "stat": ("#eaf6ee", "#3c9a5f", "stat"),
    "table": ("#fbf3e4", "#c9a227", "table"),
}


def title_lines(title, width_px, max_lines):
    """The title wrapped to the box (about 6.2 px a character at 11 px)."""
    per_line = max(4, int((width_px - 10) / 6.2))
    words, lines, cur = title.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > per_line:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    if cur:
        lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: per_line - 1] + "…"
    return lines


def sketch(kind, x, y, w, h, colour):
    """A tiny drawing of the panel kind at the bottom of its box."""
    if kind == "timeseries":
        pts = []
        n = 12
        for i in range(n + 1):
            px = x + 8 + (w - 16) * i / n
            py = y + h - 10 - (h * 0.3) * (0.5 + 0.35 * math.sin(i * 1.3 + x / 97) + 0.15 * math.cos(i * 3.1))
            pts.append("%.1f,%.1f" % (px, py))
        return '<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>' % (" ".join(pts), colour)
    if kind == "stat":
        return '<text x="%.1f" y="%.1f" font-size="16" font-weight="bold" fill="%s">123</text>' % (
            x + 8, y + h - 9, colour)
    if kind == "table":
        out = []
        for i in range(3):
            ly = y + h - 12 - i * 7
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>' % (
                x + 8, ly, x + w - 8, ly, colour))
        return "".join(out)
    return ""


def render(d):
    panels = d["panels"]
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    width = 24 * COL + 2 * MARGIN
    height = HEADER + bottom * ROW + 2 * MARGIN
    variables = [v.get("label") or v["name"] for v in d.get("templating", {}).get("list", [])]
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" role="img" aria-label="%s">' % (width, height, width, height, escape(d["title"], {'"': "&quot;"})),
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        '<text x="%d" y="%d" font-size="16" font-weight="bold" fill="#222">%s</text>' % (
            MARGIN, MARGIN + 16, escape(d["title"])),
    ]
    vx = MARGIN
    for v in variables:
        w = 14 + 6.5 * len(v) + 30
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="18" rx="3" fill="#f4f4f4" stroke="#bbb"/>' % (
            vx, MARGIN + 24, w))
        out.append('<text x="%.1f" y="%d" font-size="11" fill="#333">%s ▾</text>' % (vx + 7, MARGIN + 37, escape(v)))
        vx += w + 6
    top = HEADER + MARGIN
    for p in panels:
        g = p["gridPos"]
        x = MARGIN + g["x"] * COL
        y = top + g["y"] * ROW
        w = g["w"] * COL
        h = g["h"] * ROW
        if p["type"] == "row":
            out.append('<text x="%d" y="%.1f" font-size="13" font-weight="bold" fill="#222">▾ %s</text>' % (
                x + 2, y + h - 5, escape(p["title"])))
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ccc"/>' % (
                x, y + h - 1, x + w, y + h - 1))
            continue
        fill, stroke, kind_label = KIND_STYLE.get(p["type"], ("#f4f4f4", "#888", p["type"]))
        bx, by, bw, bh = x + PAD, y + PAD, w - 2 * PAD, h - 2 * PAD
        out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="3" fill="%s" stroke="%s"/>' % (
            bx, by, bw, bh, fill, stroke))
        max_lines = 2 if g["h"] <= 4 else 3
        room = bw - 60 if g["h"] > 4 else bw  # the kind's label sits on the first line
        for i, line in enumerate(title_lines(p["title"], room, max_lines)):
            out.append('<text x="%.1f" y="%.1f" font-size="11" fill="#222">%s</text>' % (
                bx + 6, by + 14 + 13 * i, escape(line)))
        if g["h"] > 4:
            out.append('<text x="%.1f" y="%.1f" font-size="9" fill="#777" text-anchor="end">%s</text>' % (
                bx + bw - 6, by + 14, kind_label))
        out.append(sketch(p["type"], bx, by, bw, bh, stroke))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: layout_svg.py DASHBOARD.json > LAYOUT.svg\n")
        return 2
    try:
        d = json.load(open(sys.argv[1], encoding="utf-8"))
    except (OSError, ValueError) as e:
        sys.stderr.write("layout_svg.py: %s: %s\n" % (sys.argv[1], e))
        return 1
    sys.stdout.write(render(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
