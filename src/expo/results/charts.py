"""The results charts, drawn on the server as SVG by pygal: the same file on the page and
in the printed report.

pygal's interactive script is left out (``js=[]``): the page runs no script of its own
making and the CSP forbids inline ones. Its SVG keeps its styles in a ``<style>`` element
inside the drawing, so the page shows it as an image (``<img src="data:image/svg+xml…">``,
which ``img-src`` allows) rather than inline markup the page's CSP would strip; each chart
has a text alternative and its numbers in a table beside it.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from expo.results.services import Results, Row

# Importing pygal appends a finder for its map plug-ins to ``sys.meta_path``, one without
# ``find_spec``: every later import of a module that is not installed (the optional
# dependencies that Redis' client and others probe for) then fails with AttributeError
# instead of ImportError, and the rate limits on Redis stopped counting. Expo draws no
# maps from plug-ins, so the finder goes.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"
]

FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545"),
    font_family=FONTS,
    label_font_family=FONTS,
    major_label_font_family=FONTS,
    value_font_family=FONTS,
    title_font_family=FONTS,
    legend_font_family=FONTS,
    tooltip_font_family=FONTS,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    title_font_size=16,
)
# The most categories a bar chart shows; the table beside it lists them all.
MOST_BARS = 15


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")


Series = tuple[tuple[str, tuple[float, ...]], ...]


@lru_cache(maxsize=128)
def draw(horizontal: bool, title: str, labels: tuple[str, ...], series: Series) -> bytes:
    """The SVG of a bar chart. The same figures draw the same chart, so a drawing is kept
    for the next reader (pygal takes tens of milliseconds a chart)."""
    chart_type = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = chart_type(
        js=[],
        style=STYLE,
        title=title,
        width=800,
        height=max(260, 60 + 36 * len(labels)) if horizontal else 400,
        disable_xml_declaration=True,
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        value_formatter=lambda value: f"{value:,.0f}",
        truncate_label=40,
        truncate_legend=40,
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    svg: str = chart.render(is_unicode=True)
    return SCRIPT.sub("", svg).encode("utf-8")


# pygal writes its configuration for its (absent) script in a <script> of its own; an image
# runs no script, but the drawing is cleaner without it.
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _number(value: Decimal) -> float:
    return float(value)


def amounts_chart(key: str, title: str, rows: Sequence[Row]) -> Chart:
    """Signed and intended amounts (USD) per market, prefecture or industry."""
    shown = list(rows)[:MOST_BARS]
    series: Series = (
        (_("Signed (USD)"), tuple(_number(row.amounts.signed_usd) for row in shown)),
        (_("Intended (USD)"), tuple(_number(row.amounts.intended_usd) for row in shown)),
    )
    return Chart(key, title, draw(True, title, tuple(row.label for row in shown), series))


def charts(found: Results) -> list[Chart]:
    """Every chart of the results page, in its order."""
    made = [
        amounts_chart("market", _("Amounts by market"), found.by_market),
        amounts_chart("prefecture", _("Amounts by prefecture"), found.by_prefecture),
        amounts_chart("industry", _("Amounts by industry"), found.by_industry),
    ]
    if found.previous is not None:
        title = _("This year against the year before")
        years: Series = tuple(
            (
                label,
                (_number(headline.amounts.signed_usd), _number(headline.amounts.intended_usd)),
            )
            for label, headline in (
                (found.previous_label or _("The year before"), found.previous),
                (_("This period"), found.headline),
            )
        )
        measures = (str(_("Signed (USD)")), str(_("Intended (USD)")))
        made.append(Chart("years", title, draw(False, title, measures, years)))
    if found.coverage:
        title = _("Key-enterprise coverage by prefecture")
        rows = found.coverage
        series: Series = (
            (_("Key enterprises"), tuple(float(row.members) for row in rows)),
            (_("Applied"), tuple(float(row.applied) for row in rows)),
            (_("Took part"), tuple(float(row.took_part) for row in rows)),
        )
        labels = tuple(row.label for row in rows)
        made.append(Chart("coverage", title, draw(True, title, labels, series)))
    return made
