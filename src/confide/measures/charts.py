"""The trend chart as server-rendered SVG: no script, no third-party code, same data as the table beside it.

Presentation attributes only (no `style`), so the page's Content-Security-Policy needs nothing new.
The chart is decorative for assistive technology (`aria-hidden`); the table next to it carries the
same numbers, dates and severity bands.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from confide.measures.services import Trend

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 12, 36
BAND_FILLS = ("#eef6ee", "#f7f4e6", "#fbeedd", "#f8e2dc", "#f3d6d6")


def _n(value: float) -> str:
    return f"{value:.1f}"


def trend_svg(trend: Trend) -> SafeString:
    """An SVG line chart of one measure's totals over time, with its severity bands shaded."""
    instrument, points = trend.instrument, trend.points
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = instrument.maximum

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if len(points) == 1 else plot_w * index / (len(points) - 1))

    rows = []
    for number, band in enumerate(instrument.bands):
        upper, lower = y(band.high + 1 if band.high < top else top), y(band.low)
        rows.append((LEFT, _n(upper), plot_w, _n(lower - upper), BAND_FILLS[number % len(BAND_FILLS)],
                     LEFT + 4, _n(upper + 11), band.label))
    bands = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                             '<text x="{}" y="{}" font-size="10" fill="#444">{}</text>', rows)
    ticks = format_html_join("", '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#333">{}</text>',
                             ((LEFT - 6, _n(y(v) + 3), v) for v in sorted({0, *[b.low for b in instrument.bands],
                                                                           top})))
    line = " ".join(f"{_n(x(i))},{_n(y(p.total))}" for i, p in enumerate(points))
    dots = format_html_join("", '<circle cx="{}" cy="{}" r="{}" fill="{}"/>', (
        (_n(x(i)), _n(y(p.total)), 5 if p.risk else 3.5, "#a01010" if p.risk else "#1f4e79")
        for i, p in enumerate(points)))
    step = max(1, len(points) // 6)
    labels = format_html_join("", '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#333">{}</text>', (
        (_n(x(i)), HEIGHT - BOTTOM + 16, p.on.strftime("%-d %b")) for i, p in enumerate(points)
        if len(points) <= 8 or i in (0, len(points) - 1) or i % step == 0))
    polyline = (format_html('<polyline points="{}" fill="none" stroke="#1f4e79" stroke-width="2"/>', line)
                if len(points) > 1 else "")
    return format_html(
        '<svg class="trend-chart" viewBox="0 0 {} {}" width="100%" aria-hidden="true" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">{}{}'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>{}{}{}</svg>',
        WIDTH, HEIGHT, bands, ticks, LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h, polyline, dots, labels)
