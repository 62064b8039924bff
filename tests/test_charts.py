"""The digest's chart: a PNG sized for a phone, and Arabic drawn joined and right to left."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib import image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.adapters.charts import HEIGHT_PX, WIDTH_PX, render_png
from bot.core.insights import Fact, Measure, chart_of, tally
from bot.core.languages import LANGS, NATIVE_NAMES

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
# "العربية" as a reader sees it: its letters in their joined forms (initial, medial, final;
# Arabic Presentation Forms-B), still in the order they are written.
JOINED = "\ufe8d\ufedf\ufecc\ufeae\ufe91\ufef4\ufe94"


def size_of(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's header."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def pixels(text: str) -> np.ndarray:
    """*text* drawn by matplotlib as the chart draws its labels, as grey values."""
    figure = Figure(figsize=(4, 1.5), dpi=100)
    FigureCanvasAgg(figure)
    figure.text(0.1, 0.3, text, fontsize=40)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[..., 0].copy()  # type: ignore[attr-defined]


def test_arabic_is_drawn_joined_and_right_to_left() -> None:
    written = pixels(NATIVE_NAMES["ar"])
    assert (written < 128).sum() > 500  # ink, not a row of empty boxes
    assert np.array_equal(written, pixels(JOINED))  # shaped and set right to left
    assert not np.array_equal(written, pixels(JOINED[::-1]))  # not left to right
    assert not np.array_equal(written, pixels(" ".join(NATIVE_NAMES["ar"])))  # not unjoined


def test_the_chart_is_a_png_for_a_phone() -> None:
    asked = [Fact(Measure.QUESTIONS, lang, "school_entry", 3 + n) for n, lang in enumerate(LANGS)]
    weeks = [tally(7, NOW - timedelta(days=7 * back), asked) for back in range(11, -1, -1)]
    month = tally(30, NOW, [Fact(Measure.QUESTIONS, "ar", "school_entry", 12),
                            Fact(Measure.CONFIDENT, "ar", "school_entry", 9)])  # fmt: skip
    png = render_png(chart_of(weeks, month, BERLIN))
    assert size_of(png) == (WIDTH_PX, HEIGHT_PX) == (1080, 1350)
    empty = render_png(chart_of([tally(7, NOW, [])], tally(30, NOW, []), BERLIN))
    assert size_of(empty) == (1080, 1350)
    assert blue_pixels(png) > 20_000  # the bars are drawn
    assert blue_pixels(empty) == 0


def blue_pixels(png: bytes) -> int:
    """How many pixels have the chart's first colour (Okabe–Ito blue, #0072B2)."""
    rgb = (image.imread(io.BytesIO(png))[..., :3] * 255).round()
    return int((np.abs(rgb - (0, 114, 178)).max(axis=-1) < 8).sum())


def test_starting_the_bot_does_not_import_matplotlib() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bot.cli, bot.telegram.app, bot.adapters.charts, "
         "handlers.staff.insights; print('matplotlib' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert loaded.stdout.strip() == "False"
