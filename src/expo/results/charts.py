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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from expo.results.services import Results, Row

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


def _config(chart_type: type, title: str, bars: int) -> object:
    return chart_type(
        js=[],
        style=STYLE,
        title=title,
        width=800,
        height=max(260, 60 + 36 * bars),
        disable_xml_declaration=True,
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        value_formatter=lambda value: f"{value:,.0f}",
        truncate_label=40,
        truncate_legend=40,
    )


# pygal writes its configuration for its (absent) script in a <script> of its own; an image
# runs no script, but the drawing is cleaner without it.
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _svg(chart: object) -> bytes:
    svg: str = chart.render(is_unicode=True)  # type: ignore[attr-defined]
    return SCRIPT.sub("", svg).encode("utf-8")


def _number(value: Decimal) -> float:
    return float(value)


def amounts_chart(key: str, title: str, rows: Sequence[Row]) -> Chart:
    """Signed and intended amounts (USD) per market, prefecture or industry."""
    shown = list(rows)[:MOST_BARS]
    chart = _config(pygal.HorizontalBar, title, len(shown))
    chart.x_labels = [row.label for row in shown]  # type: ignore[attr-defined]
    chart.add(_("Signed (USD)"), [_number(row.amounts.signed_usd) for row in shown])  # type: ignore[attr-defined]
    chart.add(_("Intended (USD)"), [_number(row.amounts.intended_usd) for row in shown])  # type: ignore[attr-defined]
    return Chart(key, title, _svg(chart))


def charts(found: Results) -> list[Chart]:
    """Every chart of the results page, in its order."""
    made = [
        amounts_chart("market", _("Amounts by market"), found.by_market),
        amounts_chart("prefecture", _("Amounts by prefecture"), found.by_prefecture),
        amounts_chart("industry", _("Amounts by industry"), found.by_industry),
    ]
    if found.previous is not None:
        chart = _config(pygal.Bar, _("This year against the year before"), 4)
        chart.x_labels = [_("Signed (USD)"), _("Intended (USD)")]  # type: ignore[attr-defined]
        for label, headline in (
            (found.previous_label or _("The year before"), found.previous),
            (_("This period"), found.headline),
        ):
            chart.add(  # type: ignore[attr-defined]
                label,
                [
                    _number(headline.amounts.signed_usd),
                    _number(headline.amounts.intended_usd),
                ],
            )
        made.append(Chart("years", _("This year against the year before"), _svg(chart)))
    if found.coverage:
        title = _("Key-enterprise coverage by prefecture")
        chart = _config(pygal.HorizontalBar, title, len(found.coverage))
        chart.x_labels = [row.label for row in found.coverage]  # type: ignore[attr-defined]
        for label, values in (
            (_("Key enterprises"), [row.members for row in found.coverage]),
            (_("Applied"), [row.applied for row in found.coverage]),
            (_("Took part"), [row.took_part for row in found.coverage]),
        ):
            chart.add(label, values)  # type: ignore[attr-defined]
        made.append(Chart("coverage", title, _svg(chart)))
    return made
