"""The weekly digest's chart as a PNG, drawn with matplotlib's Agg canvas (no display needed).

Made to be read on a phone: 1080 px wide, large type, few colours (Okabe–Ito, safe for colour
blindness), every bar labelled. matplotlib (3.11 and later, with libraqm) joins Arabic letters
and sets them right to left by itself, so "العربية" is drawn as it is written: nothing is
reshaped here. matplotlib is imported on the first chart only, so that starting the bot does
not pay for it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bot.core.insights import Chart, Series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1350, 100
TITLE_SIZE, HEADING_SIZE, TEXT_SIZE, SMALL_SIZE = 28, 23, 19, 16
# Okabe–Ito: blue, orange, green, reddish purple, sky blue; grey for "the others".
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
OTHERS, LIGHT, INK = "#8C8C8C", "#C8C8C8", "#222222"


def render_png(chart: Chart) -> bytes:
    """*chart* as a PNG of 1080 × 1350 pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.get_layout_engine().set(w_pad=0.2, h_pad=0.2)  # type: ignore[union-attr, call-arg]
    weeks, topics = figure.subplots(2, 1, height_ratios=(1.15, 1))
    figure.suptitle(chart.title, fontsize=TITLE_SIZE, color=INK, fontweight="bold")
    _weeks(weeks, chart)
    _topics(topics, chart)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


def _weeks(axes: Axes, chart: Chart) -> None:
    """Stacked bars: the questions of each week by language, the total on top."""
    axes.set_title(chart.weeks_title, fontsize=HEADING_SIZE, color=INK, loc="left")
    positions = range(len(chart.week_labels))
    bottoms = [0] * len(chart.week_labels)
    colours = [*COLOURS[: len(chart.weeks)], *([OTHERS] if chart.other_languages else [])]
    for series, colour in zip(chart.stacked, colours, strict=True):
        axes.bar(positions, series.values, bottom=bottoms, color=colour, label=series.label,
                 width=0.72)  # fmt: skip
        bottoms = [b + v for b, v in zip(bottoms, series.values, strict=True)]
    for x, total in zip(positions, bottoms, strict=True):
        if total:
            axes.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=SMALL_SIZE,
                          color=INK, xytext=(0, 3), textcoords="offset points")  # fmt: skip
    axes.set_xticks(list(positions), chart.week_labels, rotation=45, ha="right")
    _plain(axes)
    if not chart.has_questions:
        _empty(axes, chart.empty)
        return
    axes.set_ylim(0, max(bottoms) * 1.45)  # room for the legend above the bars
    axes.legend(loc="upper left", fontsize=SMALL_SIZE, frameon=False,
                ncols=min(3, len(chart.stacked)))  # fmt: skip


def _topics(axes: Axes, chart: Chart) -> None:
    """Horizontal bars: the questions of each topic, answered confidently or not."""
    axes.set_title(chart.topics_title, fontsize=HEADING_SIZE, color=INK, loc="left")
    labels = list(reversed(chart.topic_labels))  # the most asked on top
    confident, other = (_reversed(s) for s in chart.topics)
    rows = range(len(labels))
    axes.barh(rows, confident.values, color=COLOURS[0], label=confident.label, height=0.68)
    axes.barh(rows, other.values, left=confident.values, color=LIGHT, label=other.label,
              height=0.68)  # fmt: skip
    totals = [a + b for a, b in zip(confident.values, other.values, strict=True)]
    for y, total in zip(rows, totals, strict=True):
        axes.annotate(str(total), (total, y), ha="left", va="center", fontsize=SMALL_SIZE,
                      color=INK, xytext=(5, 0), textcoords="offset points")  # fmt: skip
    axes.set_yticks(list(rows), labels)
    _plain(axes)
    if not labels:
        axes.set_xticks([])
        _empty(axes, chart.empty)
        return
    axes.set_xlim(0, max(totals) * 1.15)
    axes.legend(loc="lower right", fontsize=SMALL_SIZE, frameon=False)


def _reversed(series: Series) -> Series:
    return Series(series.label, tuple(reversed(series.values)))


def _plain(axes: Axes) -> None:
    """Large tick labels, no frame but the base line."""
    axes.tick_params(labelsize=TEXT_SIZE, colors=INK, length=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="both", visible=False)


def _empty(axes: Axes, text: str) -> None:
    axes.set_yticks([])
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center",
              fontsize=HEADING_SIZE, color=OTHERS)  # fmt: skip
