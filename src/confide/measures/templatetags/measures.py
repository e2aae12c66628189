from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from confide.measures.charts import trend_svg
from confide.measures.services import Trend

register = template.Library()


@register.filter
def trend_chart(trend: Trend) -> SafeString:
    """`{{ trend|trend_chart }}`: the server-rendered SVG of one measure's trend."""
    return trend_svg(trend)
