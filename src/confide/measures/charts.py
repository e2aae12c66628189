"""The trend chart as server-rendered SVG: no script, no third-party code, same data as the table beside it.

Presentation attributes only (no `style`), so the page's Content-Security-Policy needs nothing new.
The chart is decorative for assistive technology (`aria-hidden`); the table next to it carries the
same numbers, dates and severity bands.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from confide.measures.services import Trend

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 12, 36
BAND_FILLS = ("#eef6ee", "#f7f4e6", "#fbeedd", "#f8e2dc", "#f3d6d6")


def trend_svg(trend: Trend) -> SafeString:
    """An SVG line chart of one measure's totals over time, with its severity bands shaded."""
    instrument, points = trend.instrument, trend.points
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = instrument.maximum

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if len(points) == 1 else plot_w * index / (len(points) - 1))

    bands = format_html_join("", '<rect x="{}" y="{:.1f}" width="{}" height="{:.1f}" fill="{}"/>'
                             '<text x="{}" y="{:.1f}" font-size="10" fill="#555">{}</text>', (
        (LEFT, y(b.high + (1 if b.high < top else 0)), plot_w,
         y(b.low) - y(b.high + (1 if b.high < top else 0)), BAND_FILLS[i % len(BAND_FILLS)],
         LEFT + 4, y(b.high + (1 if b.high < top else 0)) + 11, b.label)
        for i, b in enumerate(instrument.bands)))
    ticks = format_html_join("", '<text x="{}" y="{:.1f}" font-size="10" text-anchor="end" fill="#333">{}</text>',
                             ((LEFT - 6, y(v) + 3, v) for v in sorted({0, *[b.low for b in instrument.bands], top})))
    line = " ".join(f"{x(i):.1f},{y(p.total):.1f}" for i, p in enumerate(points))
    dots = format_html_join("", '<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}"/>', (
        (x(i), y(p.total), 5 if p.risk else 3.5, "#a01010" if p.risk else "#1f4e79") for i, p in enumerate(points)))
    labels = format_html_join("", '<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle" fill="#333">{}</text>', (
        (x(i), HEIGHT - BOTTOM + 16, p.on.strftime("%-d %b")) for i, p in enumerate(points)
        if len(points) <= 8 or i in (0, len(points) - 1) or i % max(1, len(points) // 6) == 0))
    polyline = format_html('<polyline points="{}" fill="none" stroke="#1f4e79" stroke-width="2"/>', line) \
        if len(points) > 1 else mark_safe("")
    return format_html(
        '<svg class="trend-chart" viewBox="0 0 {} {}" width="100%" aria-hidden="true" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">{}{}'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>{}{}{}</svg>',
        WIDTH, HEIGHT, bands, ticks, LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h, polyline, dots, labels)
