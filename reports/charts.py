"""Report charts as ReportLab Drawings, drawn from plain shapes, and their SVG form.

The same Drawing goes into the PDF (a Drawing is a platypus Flowable) and, through
`drawing_to_svg`, into the web pages as inline SVG. Shapes are drawn by hand rather than
with LinePlot: it is several times faster for a year of daily data and lets the axes say
exactly what a clinician needs (dates, score ranges, bands).

Partners are told apart by colour (Okabe-Ito, safe for colour-blind readers) and also by
marker and dash, so a greyscale printout still reads.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import hashlib
import math
import pathlib
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar, cast
from xml.dom.minidom import Element

import reportlab
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Path,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports import fonts
from reports.contents import (
    AttachmentMap,
    InstrumentResults,
    PhysiologySeries,
    RegulationSummary,
)
from reports.formatting import DASH, MONTHS, format_date, format_number, format_short_date
from reports.reportlab_settings import overridden

INK = HexColor("#222222")
MUTED = HexColor("#666666")
GRID = HexColor("#DDDDDD")
FRAME = HexColor("#999999")
PARTNER_COLOURS = (HexColor("#0072B2"), HexColor("#D55E00"))
PARTNER_DASHES: tuple[tuple[float, ...] | None, ...] = (None, (4, 2))
ZONE_COLOURS = {
    "hyper": HexColor("#E69F00"),
    "within": HexColor("#009E73"),
    "hypo": HexColor("#56B4E9"),
}
ZONE_LABELS = {
    "hyper": "Hyperaroused",
    "within": "Within window",
    "hypo": "Hypoaroused",
}
NO_CHECKIN = HexColor("#EEEEEE")
BOTH_OUT = HexColor("#444444")
BAND_SHADES = (HexColor("#F4F4F4"), HexColor("#FAFAFA"))

DEFAULT_WIDTH = 480.0
TITLE_ATTR = "_attune_title"

# The web pages draw the charts narrower and their text twice as large as the PDF does: an SVG
# scales with the page, and at the PDF's proportions a 390 px phone showed 5 px labels. At
# these sizes the smallest label is 11 px on such a phone and body-sized on a desktop.
WEB_WIDTH = 420.0
WEB_TEXT_SCALE = 2.0
_TEXT_SCALE: contextvars.ContextVar[float] = contextvars.ContextVar("text_scale", default=1)


@contextlib.contextmanager
def web_sizes() -> Iterator[None]:
    """Charts built inside this block use the web's text sizes (the PDF's are the default)."""
    token = _TEXT_SCALE.set(WEB_TEXT_SCALE)
    try:
        yield
    finally:
        _TEXT_SCALE.reset(token)


def _k() -> float:
    return _TEXT_SCALE.get()


def _sized(pdf: float, web: float) -> float:
    """A layout length that is not simply proportional to the text: the PDF's or the web's."""
    return pdf if _k() == 1 else web


_Builder = TypeVar("_Builder", bound=Callable[..., Drawing])


def _unchecked(builder: _Builder) -> _Builder:
    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Drawing:
        # ReportLab's documented speed switch: per-attribute validation was most of the build
        # time of a year's charts, and these shapes come from fixed code, not user input.
        with overridden(shapeChecking=0):
            return builder(*args, **kwargs)

    return cast(_Builder, build)


# --- text and layout primitives -------------------------------------------------------


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 7.5,
    anchor: str = "start",
    colour: Color = INK,
    bold: bool = False,
) -> String | Group:
    """A label; a label mixing scripts becomes one String per font run, in visual order.
    `size` is the PDF's; the web's text scale applies on top."""
    size *= _k()
    runs = fonts.font_runs(text, bold=bold)
    if len(runs) == 1:
        return String(
            x, y, text, fontName=runs[0][1], fontSize=size, fillColor=colour, textAnchor=anchor
        )
    widths = [stringWidth(run, font, size) for run, font in runs]
    total = sum(widths)
    left = x - total if anchor == "end" else x - total / 2 if anchor == "middle" else x
    group = Group()
    for (run, font), run_width in zip(runs, widths, strict=True):
        group.add(String(left, y, run, fontName=font, fontSize=size, fillColor=colour))
        left += run_width
    return group


def _width(text: str, size: float, *, bold: bool = False) -> float:
    size *= _k()
    return sum(stringWidth(run, font, size) for run, font in fonts.font_runs(text, bold=bold))


def _fit(text: str, size: float, max_width: float) -> str:
    """Shorten text with an ellipsis so it fits max_width (long names in narrow legends)."""
    if _width(text, size) <= max_width:
        return text
    while text and _width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def _vertical_text(x: float, y: float, text: str, *, size: float = 7.5) -> Group:
    group = Group(_text(0, 0, text, size=size, anchor="middle", colour=MUTED))
    group.transform = (0, 1, -1, 0, x, y)  # rotated a quarter turn, reading upwards
    return group


# Control-point distance for a circle drawn as four Bezier curves.
_KAPPA = 0.5523


def _markers(
    partner: int, coords: Sequence[float], *, size: float = 2.6, hollow: bool = False
) -> Path:
    """All of a partner's markers at coords (x0, y0, x1, y1, ...) as one path: circles for the
    first partner, squares for the second. One path is far cheaper to render than many shapes."""
    colour = PARTNER_COLOURS[partner % 2]
    path = Path(fillColor=white if hollow else colour, strokeColor=colour, strokeWidth=0.9)
    size *= _sized(1, 1.5)  # bigger on a phone, where a marker is also a touch of colour
    k = size * _KAPPA
    for index in range(0, len(coords) - 1, 2):
        x, y = coords[index], coords[index + 1]
        if partner % 2 == 0:
            path.moveTo(x + size, y)
            path.curveTo(x + size, y + k, x + k, y + size, x, y + size)
            path.curveTo(x - k, y + size, x - size, y + k, x - size, y)
            path.curveTo(x - size, y - k, x - k, y - size, x, y - size)
            path.curveTo(x + k, y - size, x + size, y - k, x + size, y)
        else:
            path.moveTo(x - size, y - size)
            path.lineTo(x + size, y - size)
            path.lineTo(x + size, y + size)
            path.lineTo(x - size, y + size)
        path.closePath()
    return path


def _marker(partner: int, x: float, y: float, *, size: float = 2.6, hollow: bool = False) -> Path:
    return _markers(partner, (x, y), size=size, hollow=hollow)


def _new_drawing(width: float, height: float, title: str) -> Drawing:
    fonts.register_fonts()
    drawing = Drawing(width, height)
    setattr(drawing, TITLE_ATTR, title)  # read by drawing_to_svg for the SVG <title>
    return drawing


def _legend(
    drawing: Drawing | Group,
    x: float,
    y: float,
    entries: Sequence[tuple[str, Color, tuple[float, ...] | None, int | None]],
    *,
    max_label: float = 150,
) -> None:
    """Draw a legend: (label, colour, dash, partner-marker or None for a swatch), in one row,
    or on a narrow web chart one entry a row when the row would run off the right edge."""
    k = _k()
    max_label *= k
    start = x
    stacked = isinstance(drawing, Drawing) and _legend_rows(entries, x, drawing.width) > 1
    if stacked:
        max_label = min(max_label, drawing.width - x - 24 * k)
    for index, (label, colour, dash, partner) in enumerate(entries):
        if stacked and index:
            x, y = start, y - LEGEND_ROW * k
        shown = _fit(label, 7.5, max_label)
        if partner is None:
            drawing.add(Rect(x, y - k, 8 * k, 7 * k, fillColor=colour, strokeColor=None))
            x += 11 * k
        else:
            drawing.add(
                Line(
                    x,
                    y + 2.5 * k,
                    x + 16 * k,
                    y + 2.5 * k,
                    strokeColor=colour,
                    strokeWidth=1.4,
                    strokeDashArray=dash,
                )
            )
            drawing.add(_marker(partner, x + 8 * k, y + 2.5 * k, size=2.2))
            x += 20 * k
        drawing.add(_text(x, y, shown))
        x += _width(shown, 7.5) + 14 * k


LEGEND_ROW = 13


def _legend_rows(
    entries: Sequence[tuple[str, Color, tuple[float, ...] | None, int | None]],
    x: float,
    right: float,
    max_label: float = 150,
) -> int:
    """How many rows `_legend` takes: one, unless a web chart is too narrow for its names."""
    k = _k()
    if k == 1 or not entries:
        return 1
    fonts.register_fonts()  # measured before the drawing (which registers them) exists
    row = sum(
        (11 if partner is None else 20) * k + min(_width(label, 7.5), max_label * k) + 14 * k
        for label, _, _, partner in entries
    )
    return 1 if x + row - 14 * k <= right else len(entries)


# --- axes ----------------------------------------------------------------------------


def _nice_ticks(low: float, high: float, max_ticks: int = 6) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / max_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if span / step <= max_ticks:
            break
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _date_ticks(start: date, end: date, max_ticks: int = 13) -> list[tuple[date, str, str]]:
    """Tick dates with a main label and a second line (the year where it changes)."""
    span = (end - start).days
    ticks: list[tuple[date, str, str]] = []
    if span <= 62:
        step = 7 if span > 10 else 1
        step *= max(1, math.ceil((span // step + 1) / max_ticks))
        day = start
        while day <= end:
            ticks.append((day, format_short_date(day), ""))
            day += timedelta(days=step)
        return ticks
    months: list[date] = []
    day = date(start.year, start.month, 1)
    if day < start:
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    while day <= end:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    stride = max(1, math.ceil(len(months) / max_ticks))
    shown = months[::stride]
    for index, month in enumerate(shown):
        year = str(month.year) if index == 0 or month.month <= stride else ""
        ticks.append((month, MONTHS[month.month - 1], year))
    return ticks


class _Frame:
    """Maps dates and values onto a plot rectangle."""

    def __init__(
        self,
        left: float,
        bottom: float,
        width: float,
        height: float,
        start: date,
        end: date,
        low: float,
        high: float,
    ) -> None:
        self.left, self.bottom, self.width, self.height = left, bottom, width, height
        self.start, self.end = start, end
        self.days = max(1, (end - start).days)
        self.low, self.high = low, high if high > low else low + 1

    def x(self, day: date) -> float:
        return self.left + (day - self.start).days / self.days * self.width

    def y(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return self.bottom + (value - self.low) / (self.high - self.low) * self.height

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def top(self) -> float:
        return self.bottom + self.height


def _draw_value_axis(drawing: Drawing, frame: _Frame, ticks: Sequence[float], title: str) -> None:
    for tick in ticks:
        y = frame.y(tick)
        drawing.add(Line(frame.left, y, frame.right, y, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(
            _text(frame.left - 4, y - 2.5 * _k(), format_number(tick), anchor="end", colour=MUTED)
        )
    drawing.add(_vertical_text(11 * _k(), frame.bottom + frame.height / 2, title))


def _draw_date_axis(drawing: Drawing, frame: _Frame, *, title: str = "Date") -> None:
    k = _k()
    # as many labels as fit side by side ("30 Sep" is the widest), never more than 13
    max_ticks = 13 if k == 1 else max(2, int(frame.width // (_width("30 Sep", 7.5) + 6 * k)))
    for day, label, year in _date_ticks(frame.start, frame.end, max_ticks):
        x = frame.x(day)
        drawing.add(Line(x, frame.bottom, x, frame.bottom - 3, strokeColor=FRAME, strokeWidth=0.6))
        drawing.add(_text(x, frame.bottom - 11 * k, label, anchor="middle", colour=MUTED))
        if year:
            drawing.add(
                _text(x, frame.bottom - 19 * k, year, size=6.5, anchor="middle", colour=MUTED)
            )
    if title:
        drawing.add(
            _text(
                frame.left + frame.width / 2,
                frame.bottom - 30 * k,
                title,
                anchor="middle",
                colour=MUTED,
            )
        )


def _draw_frame(drawing: Drawing, frame: _Frame) -> None:
    drawing.add(
        Rect(
            frame.left,
            frame.bottom,
            frame.width,
            frame.height,
            fillColor=None,
            strokeColor=FRAME,
            strokeWidth=0.6,
        )
    )


def _axis_range(start: date, end: date, days: Sequence[date]) -> tuple[date, date]:
    """The period, stretched to include data outside it (a baseline taken before the period)."""
    if days:
        start = min(start, *days)
        end = max(end, *days)
    if end == start:
        end = start + timedelta(days=1)
    return start, end


def _draw_series(
    drawing: Drawing, frame: _Frame, partner: int, points: Sequence[tuple[date, float]]
) -> None:
    colour = PARTNER_COLOURS[partner % 2]
    coords: list[float] = []
    for day, value in points:
        coords.extend((frame.x(day), frame.y(value)))
    if len(points) > 1:
        drawing.add(
            PolyLine(
                coords,
                strokeColor=colour,
                strokeWidth=1.4,
                strokeDashArray=PARTNER_DASHES[partner % 2],
                strokeLineJoin=1,
            )
        )
    # Daily series would drown in markers; mark only sparse series (questionnaires, weekly).
    if len(points) <= 60:
        drawing.add(_markers(partner, coords))


# --- builders -------------------------------------------------------------------------


@_unchecked
def scores_chart(
    instrument: InstrumentResults,
    partners: Sequence[str],
    start: date,
    end: date,
    *,
    width: float = DEFAULT_WIDTH,
    height: float | None = None,
) -> Drawing:
    """Totals over time for one instrument, one line per partner, bands shaded, with legend."""
    direction = {
        "higher_is_better": "higher is better",
        "neutral": "no better or worse end",
    }.get(
        instrument.direction,
        "higher is better" if instrument.higher_is_better else "higher is worse",
    )
    # An instrument without a total charts each scale under its own name, never as "Total".
    kind = "Mean" if instrument.method == "mean" else "Score"
    if instrument.scale_id == "total":
        kind = "Total"
    axis_title = f"{kind} ({direction})"
    title = (
        f"{instrument.name}: total scores over time"
        if instrument.scale_id == "total"
        else f"{instrument.name} over time"
    )
    k = _k()
    left = _sized(44, 70)
    legend = [
        (
            partners[s.partner],
            PARTNER_COLOURS[s.partner % 2],
            PARTNER_DASHES[s.partner % 2],
            s.partner,
        )
        for s in instrument.series
    ]
    extra_rows = _legend_rows(legend, left, width) - 1
    height = height or _sized(190, 300) + extra_rows * LEGEND_ROW * k
    drawing = _new_drawing(width, height, title)
    days = [p.on for s in instrument.series for p in s.points]
    start, end = _axis_range(start, end, days)
    # band names sit outside the plot, on the right, where no line can cover them
    right_margin = _sized(84, 128) if instrument.bands else 12
    frame = _Frame(
        left,
        40 * k,
        width - left - right_margin,
        height - (62 + extra_rows * LEGEND_ROW) * k,
        start,
        end,
        instrument.score_min,
        instrument.score_max,
    )

    bands = sorted(instrument.bands, key=lambda b: b.low)
    for index, band in enumerate(bands):
        upper = bands[index + 1].low if index + 1 < len(bands) else instrument.score_max
        y0, y1 = frame.y(band.low), frame.y(upper)
        drawing.add(
            Rect(
                frame.left,
                y0,
                frame.width,
                y1 - y0,
                fillColor=BAND_SHADES[index % 2],
                strokeColor=None,
            )
        )
        drawing.add(
            _text(
                frame.right + 4,
                (y0 + y1) / 2 - 2.5 * k,
                _fit(band.label, 7, right_margin - 6),
                size=7,
                colour=MUTED,
            )
        )
    _draw_value_axis(
        drawing,
        frame,
        _nice_ticks(instrument.score_min, instrument.score_max),
        axis_title,
    )
    _draw_date_axis(drawing, frame)
    _draw_frame(drawing, frame)
    for series in instrument.series:
        points = [(p.on, p.total) for p in series.points if p.total is not None]
        _draw_series(drawing, frame, series.partner, points)
    _legend(drawing, frame.left, height - 13 * k, legend)
    return drawing


# White at 85%: a quadrant name stays readable over a marker, which still shows through.
LABEL_BACKING = Color(1, 1, 1, alpha=0.85)

QUADRANTS = (
    # (label, high anxiety?, high avoidance?)
    ("Secure", False, False),
    ("Preoccupied", True, False),
    ("Dismissing", False, True),
    ("Fearful", True, True),
)


def _arrowhead(x0: float, y0: float, x1: float, y1: float, colour: Color) -> Polygon | None:
    length = math.hypot(x1 - x0, y1 - y0)
    if length < 1:
        return None
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    back, half = 6.0, 2.8
    # stop at the marker's edge so the head stays visible
    tip_x, tip_y = x1 - ux * 3.2, y1 - uy * 3.2
    base_x, base_y = tip_x - ux * back, tip_y - uy * back
    return Polygon(
        [
            tip_x,
            tip_y,
            base_x - uy * half,
            base_y + ux * half,
            base_x + uy * half,
            base_y - ux * half,
        ],
        fillColor=colour,
        strokeColor=None,
    )


@_unchecked
def attachment_chart(
    attachment: AttachmentMap,
    partners: Sequence[str],
    *,
    width: float = DEFAULT_WIDTH,
    height: float | None = None,
    quadrant_names: bool = True,
) -> Drawing:
    """Anxiety (y) against avoidance (x) per partner over time, with the four quadrants named
    unless `quadrant_names` is false (clients, where the clinic hides score bands).

    The quadrant names are a descriptive aid only; the scales stay dimensional.
    """
    k = _k()
    # The PDF has the legend right of the square; the narrower web chart has it below.
    stacked = k != 1
    left = _sized(44, 66)
    legend_height = (38 * len(attachment.tracks) + 70) * k if stacked else 0
    if stacked:
        side = width - left - 10
        height = height or legend_height + 40 * k + side + 10
    else:
        height = height or 290
        side = height - 52
    drawing = _new_drawing(
        width, height, f"Attachment map ({attachment.instrument}): anxiety and avoidance"
    )
    low, high, mid = attachment.scale_min, attachment.scale_max, attachment.midpoint
    frame = _Frame(
        left, legend_height + 40 * k, side, side, date(2000, 1, 1), date(2000, 1, 2), low, high
    )

    def x_of(value: float) -> float:
        value = min(max(value, low), high)
        return frame.left + (value - low) / (high - low) * side

    ticks = [float(v) for v in range(math.ceil(low), math.floor(high) + 1)]
    for tick in ticks:
        drawing.add(
            _text(
                frame.left - 4,
                frame.y(tick) - 2.5 * k,
                format_number(tick),
                anchor="end",
                colour=MUTED,
            )
        )
        drawing.add(
            _text(
                x_of(tick),
                frame.bottom - 11 * k,
                format_number(tick),
                anchor="middle",
                colour=MUTED,
            )
        )
    drawing.add(
        _vertical_text(
            11 * k,
            frame.bottom + side / 2,
            f"Anxiety ({format_number(low)}{DASH}{format_number(high)})",
        )
    )
    drawing.add(
        _text(
            frame.left + side / 2,
            frame.bottom - 26 * k,
            f"Avoidance ({format_number(low)}{DASH}{format_number(high)})",
            anchor="middle",
            colour=MUTED,
        )
    )
    guide = {"strokeColor": FRAME, "strokeWidth": 0.8, "strokeDashArray": (3, 2)}
    drawing.add(Line(x_of(mid), frame.bottom, x_of(mid), frame.top, **guide))
    drawing.add(Line(frame.left, frame.y(mid), frame.right, frame.y(mid), **guide))
    _draw_frame(drawing, frame)

    for track in attachment.tracks:
        colour = PARTNER_COLOURS[track.partner % 2]
        coords: list[float] = []
        for point in track.points:
            coords.extend((x_of(point.avoidance), frame.y(point.anxiety)))
        if len(track.points) > 1:
            drawing.add(
                PolyLine(
                    coords,
                    strokeColor=colour,
                    strokeWidth=0.9,
                    strokeDashArray=PARTNER_DASHES[track.partner % 2],
                )
            )
            head = _arrowhead(coords[-4], coords[-3], coords[-2], coords[-1], colour)
            if head is not None:
                drawing.add(head)
        if coords:
            drawing.add(_markers(track.partner, coords[2:-2], size=1.6))
            drawing.add(_markers(track.partner, coords[:2], size=3.6, hollow=True))
            if len(coords) > 2:
                drawing.add(_markers(track.partner, coords[-2:], size=3.6))
    # The quadrant names go on last, each on a white label, so a partner's marker in a corner
    # never hides one (the marker stays visible around the label's edges).
    for label, high_anxiety, high_avoidance in QUADRANTS if quadrant_names else ():
        x = frame.right - 4 if high_avoidance else frame.left + 4
        y = frame.top - 11 * k if high_anxiety else frame.bottom + 5 * k
        label_width = _width(label, 8, bold=True)
        label_left = x - label_width if high_avoidance else x
        drawing.add(
            Rect(
                label_left - 1.5,
                y - 2 * k,
                label_width + 3,
                10 * k,
                fillColor=LABEL_BACKING,
                strokeColor=None,
            )
        )
        drawing.add(
            _text(
                x,
                y,
                label,
                size=8,
                anchor="end" if high_avoidance else "start",
                colour=MUTED,
                bold=True,
            )
        )

    # legend and reading guide to the right of the square (PDF) or below it (web)
    x = 4 * k if stacked else frame.right + 22
    y = legend_height - 12 * k if stacked else frame.top - 8
    label_width = width - x - 4
    for track in attachment.tracks:
        colour = PARTNER_COLOURS[track.partner % 2]
        drawing.add(
            Line(
                x,
                y + 2.5 * k,
                x + 16 * k,
                y + 2.5 * k,
                strokeColor=colour,
                strokeWidth=1.4,
                strokeDashArray=PARTNER_DASHES[track.partner % 2],
            )
        )
        drawing.add(_marker(track.partner, x + 8 * k, y + 2.5 * k, size=2.2))
        drawing.add(
            _text(
                x + 22 * k,
                y,
                _fit(partners[track.partner], 8, label_width - 22 * k),
                size=8,
                bold=True,
            )
        )
        if track.points:
            first, latest = track.points[0], track.points[-1]
            drawing.add(
                _text(
                    x + 22 * k, y - 11 * k, f"first {format_date(first.on)}", size=7, colour=MUTED
                )
            )
            drawing.add(
                _text(
                    x + 22 * k, y - 20 * k, f"latest {format_date(latest.on)}", size=7, colour=MUTED
                )
            )
        y -= 38 * k
    drawing.add(
        Circle(x + 4 * k, y + 2.5 * k, 3.2 * k, fillColor=white, strokeColor=MUTED, strokeWidth=0.9)
    )
    drawing.add(_text(x + 12 * k, y, "first assessment", size=7, colour=MUTED))
    y -= 11 * k
    drawing.add(Circle(x + 4 * k, y + 2.5 * k, 3.2 * k, fillColor=MUTED, strokeColor=MUTED))
    drawing.add(_text(x + 12 * k, y, "latest (arrow shows direction)", size=7, colour=MUTED))
    y -= 18 * k
    for line in (
        "Quadrant names are a descriptive",
        "aid, not types or diagnoses.",
        f"Guides at the midpoint ({format_number(mid)}).",
    ):
        drawing.add(_text(x, y, line, size=7, colour=MUTED))
        y -= 9 * k
    return drawing


def _band_path(colour: Color, thickness: float) -> Path:
    return Path(fillColor=None, strokeColor=colour, strokeWidth=thickness, strokeLineCap=0)


def _add_run(
    path: Path, frame: _Frame, first: date, last: date, y: float, day_width: float
) -> None:
    path.moveTo(frame.x(first), y)
    path.lineTo(frame.x(last) + day_width, y)


@_unchecked
def regulation_chart(
    regulation: Sequence[RegulationSummary],
    partners: Sequence[str],
    start: date,
    end: date,
    both_out_of_window: Sequence[date] | None = None,
    *,
    width: float = DEFAULT_WIDTH,
) -> Drawing:
    """One strip per partner coloured by each day's window-of-tolerance zone, and a strip
    marking the days both partners were out of their window."""
    rows = len(regulation) + (1 if both_out_of_window is not None else 0)
    row_height, gap = 14.0, 6.0
    height = 56 + rows * (row_height + gap)
    drawing = _new_drawing(width, height, "Window of tolerance by day")
    label_width = 92.0
    frame = _Frame(
        label_width + 4,
        42,
        width - label_width - 12,
        rows * (row_height + gap) - gap,
        start,
        end,
        0,
        1,
    )
    day_width = frame.width / (frame.days + 1)

    def strip(top: float, label: str) -> float:
        y = top - row_height
        drawing.add(_text(label_width, y + 4, _fit(label, 7.5, label_width - 4), anchor="end"))
        drawing.add(
            Rect(frame.left, y, frame.width, row_height, fillColor=NO_CHECKIN, strokeColor=None)
        )
        return y

    top = frame.top
    for summary in regulation:
        y = strip(top, partners[summary.partner])
        # One path per zone, each run of consecutive same-zone days a segment of a line as
        # thick as the strip: a year renders as three shapes instead of hundreds.
        paths = {zone: _band_path(ZONE_COLOURS[zone], row_height) for zone in ZONE_COLOURS}
        run: list = []  # [zone, first day, last day]
        for day in sorted(summary.days, key=lambda d: d.on):
            if day.on < start or day.on > end:
                continue
            if run and day.zone == run[0] and (day.on - run[2]).days == 1:
                run[2] = day.on
                continue
            if run:
                _add_run(paths[run[0]], frame, run[1], run[2], y + row_height / 2, day_width)
            run = [day.zone, day.on, day.on]
        if run:
            _add_run(paths[run[0]], frame, run[1], run[2], y + row_height / 2, day_width)
        for path in paths.values():
            drawing.add(path)
        top = y - gap
    if both_out_of_window is not None:
        y = strip(top, "Both out of window")
        path = _band_path(BOTH_OUT, row_height)
        for day in both_out_of_window:
            if start <= day <= end:
                x = frame.x(day)
                path.moveTo(x, y + row_height / 2)
                path.lineTo(x + max(day_width, 1.2), y + row_height / 2)
        drawing.add(path)
    _draw_date_axis(drawing, frame, title="")
    entries: list[tuple[str, Color, tuple[float, ...] | None, int | None]] = [
        (ZONE_LABELS[zone], ZONE_COLOURS[zone], None, None) for zone in ("hyper", "within", "hypo")
    ]
    entries.append(("No check-in", NO_CHECKIN, None, None))
    if both_out_of_window is not None:
        entries.append(("Both out of window", BOTH_OUT, None, None))
    _legend(drawing, 4, height - 11, entries)
    return drawing


@_unchecked
def physiology_chart(
    series: Sequence[PhysiologySeries],
    partners: Sequence[str],
    start: date,
    end: date,
    session_dates: Sequence[date] = (),
    *,
    width: float = DEFAULT_WIDTH,
    height: float | None = None,
) -> Drawing:
    """Readings of one kind over time, one line per partner, with ticks marking sessions."""
    if not series:
        raise ValueError("physiology_chart needs at least one series")
    label, unit = series[0].label, series[0].unit
    k = _k()
    left = _sized(44, 70)
    entries: list[tuple[str, Color, tuple[float, ...] | None, int | None]] = [
        (
            partners[s.partner],
            PARTNER_COLOURS[s.partner % 2],
            PARTNER_DASHES[s.partner % 2],
            s.partner,
        )
        for s in series
    ]
    # a narrow web chart has no room beside the partners: the sessions' key gets its own row
    extra_rows = _legend_rows(entries, left, width) - 1 + (1 if session_dates and k != 1 else 0)
    height = height or _sized(170, 280) + extra_rows * LEGEND_ROW * k
    drawing = _new_drawing(width, height, f"{label} over time")
    values = [p.value for s in series for p in s.points]
    start, end = _axis_range(start, end, [p.on for s in series for p in s.points])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
    ticks = _nice_ticks(low - pad, high + pad, 5)
    top = (22 + extra_rows * LEGEND_ROW) * k
    frame = _Frame(
        left,
        40 * k,
        width - left - 12,
        height - 40 * k - top,
        start,
        end,
        min(ticks[0], low - pad),
        max(ticks[-1], high + pad),
    )
    _draw_value_axis(drawing, frame, ticks, f"{label} ({unit})")
    _draw_date_axis(drawing, frame)
    ticks = Path(fillColor=None, strokeColor=MUTED, strokeWidth=0.7)
    for day in session_dates:
        if start <= day <= end:
            x = frame.x(day)
            ticks.moveTo(x, frame.top)
            ticks.lineTo(x, frame.top - 5 * k)
    drawing.add(ticks)
    _draw_frame(drawing, frame)
    for one in series:
        _draw_series(
            drawing,
            frame,
            one.partner,
            [(p.on, p.value) for p in sorted(one.points, key=lambda p: p.on)],
        )
    if session_dates and k != 1:
        _legend(drawing, frame.left, height - 13 * k, entries)
        x, y = frame.left + 6 * k, height - (13 + extra_rows * LEGEND_ROW) * k
    else:
        _legend(drawing, frame.left, height - 13, entries)
        x, y = frame.right - _width("session held", 7.5), height - 13
    if session_dates:
        drawing.add(Line(x - 6, y, x - 6, y + 7 * k, strokeColor=MUTED, strokeWidth=0.7))
        drawing.add(_text(x, y, "session held", colour=MUTED))
    return drawing


# --- SVG -----------------------------------------------------------------------------

_SVG_FAMILY = (
    "'DejaVu Sans', 'Noto Sans', 'Noto Sans Arabic', 'Noto Sans Hebrew', 'Noto Sans CJK SC', "
    "'Droid Sans Fallback', 'NanumGothic', 'Symbola', sans-serif"
)
_SVG_FONTS = {
    fonts.REGULAR: {"family": _SVG_FAMILY},
    fonts.BOLD: {"family": _SVG_FAMILY, "weight": "bold"},
    **{fallback.name: {"family": _SVG_FAMILY} for fallback in fonts.FALLBACKS},
}


#: How long a chart's SVG stays cached: long enough for a therapist's working block of going
#: back and forth between a couple's pages, short enough that a chart (names, scores and dates:
#: health information) does not sit in the cache for a day after anyone looked at it. Its key
#: is the data it draws, so a change of data is a new key, never a stale chart.
SVG_CACHE_SECONDS = 2 * 60 * 60
# The source of what draws and words a chart, and ReportLab's version: a change of how charts
# are drawn (a deploy) reads under new keys.
_SVG_SOURCES = (
    "reports/charts.py",
    "reports/formatting.py",
    "reports/fonts.py",
    "clinic/date_style.py",
)
_SVG_VERSION = hashlib.sha256(
    b"".join(
        (pathlib.Path(__file__).resolve().parent.parent / name).read_bytes()
        for name in _SVG_SOURCES
    )
    + reportlab.Version.encode()
).hexdigest()[:16]


def chart_svg(
    draw: Callable[..., Drawing], *args: Any, title: str | None = None, **kwargs: Any
) -> str:
    """`drawing_to_svg(draw(*args, **kwargs), title)`, cached under a digest of what is drawn.

    Drawing a chart and writing its SVG costs milliseconds a chart (a page shows several), while
    its inputs (frozen dataclasses of dates, numbers and names, whose repr is complete) are the
    same from one view of the page to the next. The cache holds the SVG encrypted
    (`_sealed`/`_opened`): Redis, and the database table that stands in while Redis is down,
    are not where health information is kept, and the digest keeps names and scores out of the
    key."""
    key = chart_cache_key(draw, args, kwargs, title)
    svg = _opened(cache.get(key))
    if svg is None:
        svg = drawing_to_svg(draw(*args, **kwargs), title=title)
        cache.set(key, _sealed(svg), SVG_CACHE_SECONDS)
    return svg


def chart_cache_key(draw: Callable[..., Drawing], args: tuple, kwargs: dict, title) -> str:
    """The cache key of a chart: its inputs, with the active language and time zone (which the
    axes are written in), the web's text sizes and the drawing code's version."""
    described = repr(
        (
            _SVG_VERSION,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            _TEXT_SCALE.get(),  # web_sizes()
            draw.__qualname__,
            args,
            sorted(kwargs.items()),
            title,
        )
    )
    return f"chart-svg:{hashlib.sha256(described.encode()).hexdigest()}"


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    # A key of its own, derived from SECRET_KEY: rotating that key makes every cached chart
    # unreadable, so they are drawn again.
    derived = salted_hmac(
        "attune.reports.chart-cache", b"fernet", secret=secret_key, algorithm="sha256"
    ).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _sealed(svg: str) -> bytes:
    return _fernet(settings.SECRET_KEY).encrypt(svg.encode())


def _opened(sealed) -> str | None:
    """The SVG in a cached value; None for nothing cached or anything that does not decrypt
    (another key, a value written before charts were sealed): drawn again."""
    if not isinstance(sealed, bytes):
        return None
    try:
        return _fernet(settings.SECRET_KEY).decrypt(sealed, ttl=SVG_CACHE_SECONDS).decode()
    except InvalidToken:
        return None


def drawing_to_svg(drawing: Drawing, title: str | None = None) -> str:
    """The drawing as an `<svg>` element safe to embed inline in HTML.

    No XML declaration or doctype, no element ids (so several charts can share a page),
    text escaped by the XML serializer, and a `<title>` naming the chart for screen readers.
    """
    canvas = renderSVG.SVGCanvas(
        (drawing.width, drawing.height),
        useClip=True,
        fontHacks={name: dict(attrs) for name, attrs in _SVG_FONTS.items()},
    )
    renderSVG.draw(drawing, canvas)
    svg = canvas.svg
    svg.setAttribute("role", "img")
    svg.removeAttribute("version")
    name = title if title is not None else getattr(drawing, TITLE_ATTR, "Chart")
    for child in list(svg.childNodes):
        if isinstance(child, Element) and child.tagName in ("title", "desc"):
            svg.removeChild(child)
    title_element = canvas.doc.createElement("title")
    title_element.appendChild(canvas.doc.createTextNode(name))
    svg.insertBefore(title_element, svg.firstChild)
    for element in svg.getElementsByTagName("g"):
        if element.hasAttribute("id"):
            element.removeAttribute("id")
        if element.hasAttribute("clip"):
            element.removeAttribute("clip")
    # Labels are already in visual order (right-to-left runs reversed and Arabic joined, as
    # the PDF needs); the browser must not apply the bidi algorithm to them a second time.
    for element in svg.getElementsByTagName("text"):
        element.setAttribute("direction", "ltr")
        element.setAttribute("unicode-bidi", "bidi-override")
    _styles_to_presentation_attributes(svg)
    return svg.toxml()


def _styles_to_presentation_attributes(svg: Element) -> None:
    """Move each element's `style` declarations into SVG presentation attributes
    (`fill="..."`, `font-size="..."`): the pages' Content-Security-Policy refuses inline
    `style` attributes, while presentation attributes are markup and always apply."""
    for element in [svg, *svg.getElementsByTagName("*")]:
        if not element.hasAttribute("style"):
            continue
        for declaration in element.getAttribute("style").split(";"):
            name, _, value = declaration.partition(":")
            name, value = name.strip(), value.strip()
            if not name or not value:
                continue
            # renderSVG writes an unfilled shape as "fill: None", which browsers would read as
            # invalid and fill the area under every line in black.
            element.setAttribute(name, "none" if value == "None" else value)
        element.removeAttribute("style")
