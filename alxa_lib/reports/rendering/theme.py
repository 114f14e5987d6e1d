"""The house look of the report charts: seaborn on matplotlib's SVG backend, text kept as text, the CJK
fonts found once, the lights' colours (docs/rendering.md §3).

An analyst draws a chart of their own in the same look with::

    from alxa_lib.reports.rendering import theme
    fig = theme.figure(rows=5)              # a matplotlib Figure drawn for the report's column
    ax = fig.subplots()
    sns.barplot(data=df, x="rate", y="department", ax=ax, color=theme.BLUE)
    render.show_figure(fig)                 # inline SVG in the page, vector and searchable in the PDF

Charts are drawn for the width they are read at: :data:`WIDTH_PX` CSS px wide with no text under
:data:`FONT_PX`, and never enlarged on the page (``max-width`` is the drawn width). On a phone 390 px wide the
report's column is about 330 px, so the smallest text is shown at ``FONT_PX × 330 / WIDTH_PX`` ≥ 11 px
(:func:`smallest_text_px`); in the A4 PDF (a 673 px column) the chart keeps its drawn size.
"""
from __future__ import annotations

import functools
import hashlib
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_PX = 480        # the drawn width in CSS px (1 SVG unit = 1 px: matplotlib writes SVG at 72 units an inch)
FONT_PX = 16          # ticks, labels, legends: the smallest text a chart has
TITLE_PX = 18
ROW_PX = 26           # one bar (or heat-map row) of a chart with a row per department
PHONE_COLUMN_PX = 330  # the report's column on a 390 px wide screen (report.css: body padding)

# The lights, as the tables colour them (report.css .light-*), and the house colours.
LIGHT = {"red": "#c62828", "yellow": "#f1c40f", "green": "#2e7d32"}
RED, BLUE, SLATE, ORANGE, DARK_ORANGE = "#c0392b", "#2e86c1", "#5d6d7e", "#f5b041", "#d35400"
INK, MUTED, GRID = "#222222", "#555555", "#dddddd"
PROCEDURE = {"已办结": "#27ae60", "办理中": "#f1c40f", "未办理": "#c0392b", "不涉及": "#d5d8dc"}
# a mark in each cell of the procedure strip (and in its legend) and the ink that contrasts with the cell's colour
PROCEDURE_MARKS = {"已办结": ("结", "#ffffff"), "办理中": ("办", "#111111"), "未办理": ("未", "#ffffff"),
                   "不涉及": ("—", "#111111")}

# The CJK sans of the HTML reports (report.css), then what Windows and macOS desktops have: the SVG names
# them all, so the page opened on a desktop uses its own Chinese sans.
CJK_SANS = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimHei", "WenQuanYi Micro Hei", "DejaVu Sans"]


CJK_FONT_FILES = "/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc"  # Debian's fonts-noto-cjk (rendering.md §2)


def register_cjk_fonts() -> None:
    """Make sure matplotlib knows the CJK sans: its font cache is built once per machine, so fonts installed
    after it (``make setup`` may add them later) are registered here, once per process, when missing."""
    import glob

    from matplotlib import font_manager
    if not any(f.name == CJK_SANS[0] for f in font_manager.fontManager.ttflist):
        for path in sorted(glob.glob(CJK_FONT_FILES)):
            font_manager.fontManager.addfont(path)


@functools.cache
def use() -> None:
    """Set the house look once per process: seaborn's white grid, the CJK sans, SVG text as text."""
    import logging

    import matplotlib
    import seaborn as sns
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # the desktop fonts absent here
    register_cjk_fonts()
    sns.set_theme(style="whitegrid", palette="tab10", rc={
        "svg.fonttype": "none", "svg.hashsalt": "alxa", "font.family": "sans-serif", "font.sans-serif": CJK_SANS,
        "axes.unicode_minus": False, "font.size": FONT_PX, "axes.titlesize": TITLE_PX, "axes.labelsize": FONT_PX,
        "xtick.labelsize": FONT_PX, "ytick.labelsize": FONT_PX, "legend.fontsize": FONT_PX,
        "legend.title_fontsize": FONT_PX, "axes.edgecolor": MUTED, "grid.color": GRID, "text.color": INK,
        "axes.labelcolor": INK, "xtick.color": MUTED, "ytick.color": MUTED, "axes.titleweight": "bold"})
    matplotlib.rcParams["axes.titlepad"] = 10
    # The title where matplotlib puts it when nothing sits above the plot (the house charts have no top axis):
    # a fixed place spares the measuring of every tick label at each drawing to look for one, 0.035 s of the
    # brief's 0.23 s of charts; the SVG is the same to the byte (docs/architecture.md §10).
    matplotlib.rcParams["axes.titley"] = 1.0


def figure(height_px: float | None = None, rows: int | None = None, extra_px: float = 120,
           constrained: bool = True) -> Figure:
    """A Figure :data:`WIDTH_PX` wide in the house look: ``height_px`` high, or room for ``rows`` bars plus
    ``extra_px`` for the title, the axis and a legend. ``constrained``: matplotlib lays the margins out
    (an extra drawing pass, about 0.1 s a chart); the bar charts set theirs with :func:`margins` instead."""
    use()
    from matplotlib.figure import Figure
    height = height_px if height_px is not None else ROW_PX * max(1, rows or 1) + extra_px
    return Figure(figsize=(WIDTH_PX / 72, height / 72), layout="constrained" if constrained else None)


def text_px(text: str, size: float = FONT_PX) -> float:
    """The width of ``text`` in px, estimated: a CJK character one em, anything else about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in str(text))


def margins(fig: Figure, left: float, top: float, bottom: float, right: float = 12) -> None:
    """The plot's margins in px (row labels on the left, the title above, the axis below)."""
    w, h = fig.get_figwidth() * 72, fig.get_figheight() * 72
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h)


def empty(title: str) -> Figure:
    """A small chart saying 无数据 (a frame without rows)."""
    fig = figure(height_px=110)
    ax = fig.subplots()
    ax.set_title(title)
    ax.text(0.5, 0.4, "无数据", ha="center", va="center", color=MUTED, transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def smallest_text_px(fig: Figure, column_px: float = PHONE_COLUMN_PX) -> float:
    """The smallest text of ``fig`` in CSS px when the chart is shown ``column_px`` wide (never enlarged)."""
    from matplotlib.text import Text
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    width = fig.get_figwidth() * 72
    return min(sizes, default=FONT_PX) * min(1.0, column_px / width)


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_DROP = re.compile(r"<metadata>.*?</metadata>\s*|<style\b.*?</style>\s*", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')


def svg(fig: Figure) -> str:
    """The Figure as an SVG element for an HTML page: vector, its text as ``<text>`` (searchable in the PDF),
    no XML prologue, no namespace or metadata address (the page is offline, docs/rendering.md §5), no
    ``<style>`` (it would reach the whole page), ids unique to the chart, sized by CSS to its drawn width."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = _DROP.sub("", _PROLOGUE.sub("", buf.getvalue(), count=1))
    text = text.replace("xlink:href=", "href=")
    head, rest = text.split(">", 1)
    width = fig.get_figwidth() * 72
    head = _SIZE.sub("", _XMLNS.sub("", head))
    head += f' style="width: 100%; max-width: {width:.0f}px; height: auto; stroke-linejoin: round"'
    text = head + ">" + rest
    prefix = "c" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    for name in set(_ID.findall(text)):
        text = text.replace(f'id="{name}"', f'id="{prefix}{name}"').replace(f'#{name})', f'#{prefix}{name})')
        text = text.replace(f'href="#{name}"', f'href="#{prefix}{name}"')
    return text.strip()
