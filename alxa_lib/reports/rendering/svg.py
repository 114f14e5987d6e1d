"""Small SVG pieces for the report charts (charts.py): escaped text, linear scales, ticks, axes, legends.

Every chart is one ``<svg>`` sized in CSS px with a viewBox, so it scales to the page width in the HTML
and stays vector in the PDF (docs/rendering.md §3). No ids and no ``<style>``: several charts share one
HTML page, and inline SVG styles would leak into it.
"""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The CJK sans of the HTML reports (report.css), then what Windows and macOS desktops have.
CJK_SANS = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimHei", "WenQuanYi Micro Hei"]
FONT_FAMILY = ", ".join(f"'{f}'" for f in CJK_SANS) + ", sans-serif"
WIDTH = 720          # CSS px; a little wider than the A4 type area (≈ 673 px), so it is scaled down, never up
FONT = 12            # tick labels and bar labels
TITLE_FONT = 15
INK, GRID, MUTED = "#222222", "#dddddd", "#555555"
RED = "#c0392b"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]
DASHES = ["", "6 3", "2 2"]  # after ten lines the colours repeat with another dash


SVG_NS = ' xmlns="http://www.w3.org/2000/svg"'


class Chart(str):
    """An SVG document as text; Jupyter shows it inline (as HTML, which the report page keeps inline)."""

    def inline(self) -> str:
        """The chart for an HTML page: without the namespace attribute, which an HTML parser does not need
        (it puts ``<svg>`` in the SVG namespace itself) and which would be the page's only web address."""
        return str(self).replace(SVG_NS, "", 1)

    def _repr_html_(self) -> str:
        return self.inline()


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(value: object) -> str:
    """Text for an SVG element or attribute (department names come from untrusted workbooks): escaped, and
    without the control characters XML forbids (an .xls cell may hold them; they would break the SVG)."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def num(x: float) -> str:
    """A coordinate with two decimals at most."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float = FONT) -> float:
    """Rough width in px: a CJK character is one em, anything else a little over half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in str(text))


@dataclass(frozen=True)
class Scale:
    """Linear map from the data domain [d0, d1] to pixels [r0, r1]."""
    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, v: float) -> float:
        span = self.d1 - self.d0
        return self.r0 + (v - self.d0) / span * (self.r1 - self.r0) if span else (self.r0 + self.r1) / 2


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5, 5 × 10^k steps)."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        lo, hi = 0.0, 1.0
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int(round((last - first) / step)) + 1)]


def tick_label(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"


def month_ticks(first: dt.date, last: dt.date, most: int = 8) -> list[dt.date]:
    """First days of the months in [first, last], thinned to at most ``most``."""
    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        day = dt.date(y, m, 1)
        if first <= day <= last:
            months.append(day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    step = max(1, math.ceil(len(months) / most))
    return months[::step]


# ---------------------------------------------------------------- elements
def text(x: float, y: float, s: object, size: float = FONT, anchor: str = "start", fill: str = INK,
         bold: bool = False, rotate: float | None = None, css: str = "") -> str:
    """One line of text; ``y`` is the vertical middle of the line (set through the baseline, which every
    renderer honours, unlike dominant-baseline)."""
    base = y + size * 0.36
    extra = ' font-weight="bold"' if bold else ""
    extra += f' transform="rotate({num(rotate)} {num(x)} {num(y)})"' if rotate is not None else ""
    extra += f' class="{css}"' if css else ""
    return (f'<text x="{num(x)}" y="{num(base)}" font-size="{num(size)}" text-anchor="{anchor}" fill="{fill}"'
            f"{extra}>{esc(s)}</text>")


def rect(x: float, y: float, w: float, h: float, fill: str, css: str = "", stroke: str = "", opacity: float = 1) -> str:
    extra = f' class="{css}"' if css else ""
    extra += f' stroke="{stroke}" stroke-width="0.5"' if stroke else ""
    extra += f' fill-opacity="{num(opacity)}"' if opacity < 1 else ""
    return f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(0.0, w))}" height="{num(max(0.0, h))}" fill="{fill}"{extra}/>'


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1, dash: str = "",
         css: str = "") -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    extra += f' class="{css}"' if css else ""
    return (f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{stroke}"'
            f' stroke-width="{num(width)}"{extra}/>')


def polyline(points: Sequence[tuple[float, float]], stroke: str, width: float = 1.5, dash: str = "",
             css: str = "") -> str:
    pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    extra += f' class="{css}"' if css else ""
    return f'<polyline points="{pts}" fill="none" stroke="{stroke}" stroke-width="{num(width)}"{extra}/>'


def polygon(points: Sequence[tuple[float, float]], fill: str, opacity: float = 1, css: str = "") -> str:
    pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    extra = f' class="{css}"' if css else ""
    return f'<polygon points="{pts}" fill="{fill}" fill-opacity="{num(opacity)}" stroke="none"{extra}/>'


def markers(points: Iterable[tuple[float, float]], fill: str, r: float = 2.5, css: str = "marker") -> list[str]:
    return [f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{fill}" class="{css}"/>' for x, y in points]


def document(width: float, height: float, title: str, body: Iterable[str]) -> Chart:
    """The ``<svg>`` root: the title on top, fonts for Chinese, scaled to the page width."""
    # width 100 % up to its own width, height from the viewBox: WeasyPrint makes a chart square when the
    # width and height attributes are combined with max-width and height: auto (measured, WeasyPrint 70).
    head = (f'<svg{SVG_NS} class="alxa-chart" viewBox="0 0 {num(width)} {num(height)}"'
            f' font-family="{FONT_FAMILY}" style="width: 100%; max-width: {num(width)}px; height: auto;'
            f' font-family: {FONT_FAMILY};" role="img">')
    parts = [head, f"<title>{esc(title)}</title>", rect(0, 0, width, height, "#ffffff"),
             text(width / 2, 16, title, TITLE_FONT, "middle", bold=True, css="title"), *body, "</svg>"]
    return Chart("\n".join(parts))


def empty(title: str) -> Chart:
    """A small chart that says there is nothing to draw."""
    return document(WIDTH, 110, title, [text(WIDTH / 2, 68, "无数据", 14, "middle", MUTED, css="empty")])


# ---------------------------------------------------------------- axes and legends
def x_axis(scale: Scale, ticks: Sequence[float], top: float, bottom: float, label: str,
           labels: Sequence[str] | None = None) -> list[str]:
    """Vertical gridlines at the ticks, their labels under the plot, the axis title under them."""
    out = []
    for i, t in enumerate(ticks):
        x = scale(t)
        out.append(line(x, top, x, bottom, GRID, 0.8, css="grid"))
        out.append(text(x, bottom + 11, labels[i] if labels else tick_label(t), FONT - 1, "middle", MUTED, css="tick"))
    out.append(line(scale.r0, bottom, scale.r1, bottom, MUTED, 1))
    if label:
        out.append(text((scale.r0 + scale.r1) / 2, bottom + 30, label, FONT, "middle", css="axis-label"))
    return out


def y_axis(scale: Scale, ticks: Sequence[float], left: float, right: float, label: str) -> list[str]:
    """Horizontal gridlines at the ticks, their labels left of the plot, the axis title turned upright."""
    out = []
    for t in ticks:
        y = scale(t)
        out.append(line(left, y, right, y, GRID, 0.8, css="grid"))
        out.append(text(left - 5, y, tick_label(t), FONT - 1, "end", MUTED, css="tick"))
    out.append(line(left, scale.r0, left, scale.r1, MUTED, 1))
    if label:
        width = max(text_width(tick_label(t), FONT - 1) for t in ticks) if ticks else 0
        mid = (scale.r0 + scale.r1) / 2
        out.append(text(left - width - 18, mid, label, FONT, "middle", rotate=-90, css="axis-label"))
    return out


@dataclass(frozen=True)
class Key:
    """One legend entry: a swatch (``box``) or a line sample (``line``, optional dash and marker)."""
    label: str
    color: str
    kind: str = "box"
    dash: str = ""


def legend(keys: Sequence[Key], x: float, y: float, columns: int, column_width: float, row: float = 17) -> list[str]:
    """Legend entries in rows of ``columns``, starting at (x, y) (the middle of the first row)."""
    out = []
    for i, k in enumerate(keys):
        cx, cy = x + (i % columns) * column_width, y + (i // columns) * row
        if k.kind == "box":
            out.append(rect(cx, cy - 5, 14, 10, k.color, css="legend-key"))
        else:
            out.append(line(cx, cy, cx + 18, cy, k.color, 2, k.dash, css="legend-key"))
        out.append(text(cx + 22, cy, k.label, FONT - 1, css="legend"))
    return out


def legend_height(n: int, columns: int, row: float = 17) -> float:
    return math.ceil(n / max(1, columns)) * row
