"""Charts for the reports, written as inline SVG (no plotting library in the kernel; docs/rendering.md §3).

Each function takes the frame the report builder made and returns a :class:`svg.Chart` (an SVG string);
``render.show_figure`` displays it. Every piece of text is escaped by the ``svg`` helpers.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from alxa_lib.reports.rendering import svg
from alxa_lib.reports.rendering.svg import FONT, RED, WIDTH, Chart, Key, Scale

BLUE, SLATE, ORANGE, DARK_ORANGE = "#2e86c1", "#5d6d7e", "#f5b041", "#d35400"
SET2 = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"]
PROCEDURE_COLORS = {"已办结": "#27ae60", "办理中": "#f1c40f", "未办理": "#c0392b", "不涉及": "#d5d8dc"}
ROW, BAR = 22, 14           # px per bar row, bar thickness
TITLE_SPACE = 34            # px above the plot for the title
AXIS_SPACE = 44             # px below the plot for tick labels and the axis title
MAX_LABEL = 16              # characters of a row label (a department's name as typed)


# ---------------------------------------------------------------- horizontal bars
@dataclass(frozen=True)
class Rows:
    """Geometry of a horizontal bar chart: one row per label, the value axis along the bottom."""
    labels: list[str]
    left: float
    right: float
    top: float

    @property
    def bottom(self) -> float:
        return self.top + ROW * len(self.labels)

    def middle(self, i: int) -> float:
        return self.top + (i + 0.5) * ROW


def rows_for(labels: list[str], top: float = TITLE_SPACE + 14, right_margin: float = 56) -> Rows:
    short = [short_label(s) for s in labels]
    left = 14 + max(svg.text_width(s) for s in short)
    return Rows(short, left, WIDTH - right_margin, top)


def short_label(value: object) -> str:
    s = str(value)
    return s if len(s) <= MAX_LABEL else s[:MAX_LABEL - 1] + "…"


def value_scale(rows: Rows, values: list[float], floor: float = 100.0) -> tuple[Scale, list[float]]:
    """0 … at least ``floor`` (a value above 100 % widens the axis; NaN is ignored)."""
    finite = [v for v in values if math.isfinite(v)]
    ticks = svg.nice_ticks(0.0, max([floor, *finite]))
    return Scale(0.0, ticks[-1], rows.left, rows.right), ticks


def row_labels(rows: Rows) -> list[str]:
    return [svg.text(rows.left - 6, rows.middle(i), s, anchor="end", css="row-label") for i, s in enumerate(rows.labels)]


def bar(rows: Rows, scale: Scale, i: int, value: float, color: str, start: float = 0.0) -> str:
    """The bar of row ``i`` from ``start`` to ``start + value`` (nothing for NaN)."""
    if not math.isfinite(value):
        return ""
    x0, x1 = scale(start), scale(start + value)
    return svg.rect(min(x0, x1), rows.middle(i) - BAR / 2, abs(x1 - x0), BAR, color, css="bar")


def marker_line(rows: Rows, x: float, label: str) -> list[str]:
    """A dashed red line across the rows (the target, the time progress) with its label above the plot."""
    return [svg.line(x, rows.top - 4, x, rows.bottom, RED, 1.2, "5 3", css="target"),
            svg.text(x, rows.top - 11, label, FONT - 1, "middle", RED, css="target-label")]


def commencement_by_department(by_dept: pd.DataFrame, target: float | None, title: str) -> Chart:
    """Horizontal bars of each department's commencement rate (red below the target), the next target
    as a dashed line, "started/total" at each bar's end; the highest rate on top."""
    df = by_dept[by_dept["total"] > 0].sort_values("rate", ascending=False, na_position="last")
    if df.empty:
        return svg.empty(title)
    rates = [float(r) * 100 for r in pd.to_numeric(df["rate"], errors="coerce")]
    rows = rows_for(list(df["department"]))
    scale, ticks = value_scale(rows, rates + ([target * 100] if target is not None else []))
    body = svg.x_axis(scale, ticks, rows.top, rows.bottom, "开复工率（%）") + row_labels(rows)
    for i, (rate, started, total) in enumerate(zip(rates, df["started"], df["total"])):
        below = target is not None and math.isfinite(rate) and rate < target * 100
        body.append(bar(rows, scale, i, rate, RED if below else BLUE))
        end = scale(rate) if math.isfinite(rate) else scale(0)
        body.append(svg.text(end + 4, rows.middle(i), f"{started}/{total}", FONT - 1, css="bar-label"))
    if target is not None:
        body += marker_line(rows, scale(target * 100), f"目标{target * 100:.0f}%")
    return svg.document(WIDTH, rows.bottom + AXIS_SPACE, title, body)


def investment_vs_time(inv: pd.DataFrame, time_progress: float, title: str) -> Chart:
    """Each department's annual investment completion rate against the time progress of the year."""
    planned = pd.to_numeric(inv["年度计划投资（万元）"], errors="coerce")
    done = pd.to_numeric(inv["年度完成投资（万元）"], errors="coerce")
    df = inv.assign(rate=done / planned.where(planned > 0) * 100)
    df = df.sort_values("rate", ascending=False, na_position="last")
    if df.empty:
        return svg.empty(title)
    rates = [float(r) for r in df["rate"]]
    rows = rows_for(list(df["单位"]))
    scale, ticks = value_scale(rows, rates + [time_progress * 100])
    body = svg.x_axis(scale, ticks, rows.top, rows.bottom, "年度投资完成率（%）") + row_labels(rows)
    for i, rate in enumerate(rates):
        body.append(bar(rows, scale, i, rate, SLATE))
        label, end = (f"{rate:.1f}%", scale(rate)) if math.isfinite(rate) else ("无计划", scale(0))
        body.append(svg.text(end + 4, rows.middle(i), label, FONT - 1, css="bar-label"))
    body += marker_line(rows, scale(time_progress * 100), f"时间进度{time_progress * 100:.1f}%")
    return svg.document(WIDTH, rows.bottom + AXIS_SPACE, title, body)


def components_by_department(components: pd.DataFrame, labels: dict[str, str], title: str) -> Chart:
    """Stacked bars: each department's mean component points (they add up to its score before bonus)."""
    df = components.set_index("department").apply(pd.to_numeric, errors="coerce").fillna(0.0)
    if df.empty or not len(df.columns):
        return svg.empty(title)
    df = df.loc[df.sum(axis=1).sort_values(ascending=False).index]
    rows = rows_for(list(df.index), top=TITLE_SPACE, right_margin=20)
    scale, ticks = value_scale(rows, list(df.sum(axis=1)))
    body = svg.x_axis(scale, ticks, rows.top, rows.bottom, "得分") + row_labels(rows)
    colors = [SET2[k % len(SET2)] for k in range(len(df.columns))]
    for i, (_, values) in enumerate(df.iterrows()):
        left = 0.0
        for color, v in zip(colors, values):
            body.append(bar(rows, scale, i, float(v), color, start=left) if v > 0 else "")
            left += float(v)
    keys = [Key(labels.get(c, c), color) for c, color in zip(df.columns, colors)]
    legend, extra = legend_below(keys, rows.left, rows.bottom + AXIS_SPACE - 6)
    return svg.document(WIDTH, rows.bottom + AXIS_SPACE - 6 + extra, title, body + legend)


# ---------------------------------------------------------------- lines
@dataclass(frozen=True)
class Plot:
    """A plot area with its x and y scales (pixels grow right and down)."""
    x: Scale
    y: Scale

    @property
    def top(self) -> float:
        return self.y.r1

    @property
    def bottom(self) -> float:
        return self.y.r0


def y_scale(values: list[float], top: float, bottom: float, floor: float | None = None) -> tuple[Scale, list[float]]:
    """Nice ticks over the finite values (from 0 to at least ``floor`` when given)."""
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    lo, hi = (0.0, max([floor, *finite])) if floor is not None else (min(finite), max(finite))
    ticks = svg.nice_ticks(lo, hi if hi > lo else lo + 1.0)
    return Scale(ticks[0], ticks[-1], bottom, top), ticks


def as_days(values) -> list[dt.date]:
    return [pd.Timestamp(v).date() for v in values]


def date_axis(days: list[dt.date], left: float, right: float) -> tuple[Scale, list[float], list[str]]:
    """A day scale over ``days`` (padded a little) with a tick on the first of each month."""
    first, last = min(days), max(days)
    pad = dt.timedelta(days=max(3, (last - first).days // 30))
    ticks = svg.month_ticks(first, last) or [first]  # ticks inside the data: no "1月" of the next year
    labels = [f"{d.month}月" if d.day == 1 else f"{d.month}-{d.day}" for d in ticks]
    scale = Scale((first - pad).toordinal(), (last + pad).toordinal(), left, right)
    return scale, [float(d.toordinal()) for d in ticks], labels


def series(plot: Plot, xs: list[float], ys: list[float], color: str, dash: str = "", r: float = 2.5) -> list[str]:
    """A line through the points (broken where a value is missing) with a dot at each point."""
    out, run = [], []
    for x, y in list(zip(xs, ys)) + [(math.nan, math.nan)]:
        if math.isfinite(y) and math.isfinite(x):
            run.append((plot.x(x), plot.y(y)))
            continue
        if len(run) > 1:
            out.append(svg.polyline(run, color, 1.5, dash, css="line"))
        out += svg.markers(run, color, r)
        run = []
    return out


def legend_below(keys: list[Key], left: float, y: float) -> tuple[list[str], float]:
    """The legend under the plot, in as many columns as fit the width; returns its elements and height."""
    if not keys:
        return [], 0.0
    width = 34 + max(svg.text_width(k.label, FONT - 1) for k in keys)
    columns = max(1, min(len(keys), int((WIDTH - 10 - left) // width)))
    return svg.legend(keys, left, y + 6, columns, width), svg.legend_height(len(keys), columns) + 8


def numbers(values) -> list[float]:
    return [float(v) for v in pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")]


def quarter_trajectory(trajectory: pd.DataFrame, title: str) -> Chart:
    """Each department's quarterly scores as a line (one line per department), the legend below."""
    df = trajectory.set_index("department")
    if df.empty or not len(df.columns):
        return svg.empty(title)
    quarters = [str(c) for c in df.columns]
    values = {dept: numbers(row.values) for dept, row in df.iterrows()}
    y, ticks = y_scale([v for vs in values.values() for v in vs], TITLE_SPACE + 6, TITLE_SPACE + 286)
    step = (WIDTH - 20 - 70) / len(quarters)
    plot = Plot(Scale(-0.5, len(quarters) - 0.5, 70, 70 + step * len(quarters)), y)
    body = svg.y_axis(plot.y, ticks, plot.x.r0, plot.x.r1, "季度得分")
    body += svg.x_axis(plot.x, list(range(len(quarters))), plot.top, plot.bottom, "", quarters)
    keys = []
    for i, (dept, vs) in enumerate(values.items()):
        color, dash = svg.PALETTE[i % len(svg.PALETTE)], svg.DASHES[(i // len(svg.PALETTE)) % len(svg.DASHES)]
        body += series(plot, list(range(len(vs))), vs, color, dash)
        keys.append(Key(short_label(dept), color, "line", dash))
    legend, extra = legend_below(keys, plot.x.r0, plot.bottom + 26)
    return svg.document(WIDTH, plot.bottom + 26 + extra, title, body + legend)


def s_curve(curve: dict[str, pd.DataFrame], title: str) -> Chart:
    """Actual annual completed investment by period against planned-to-date of each schedule version."""
    actual = curve.get("actual")
    actual = actual if actual is not None else pd.DataFrame(columns=["period", "annual_completed"])
    plans = {label: df for label, df in curve.items() if label != "actual" and not df.empty}
    days = as_days(actual["period"]) + [d for df in plans.values() for d in as_days(df["day"])]
    if not days:
        return svg.empty(title)
    done = numbers(actual["annual_completed"])
    y, ticks = y_scale(done + [v for df in plans.values() for v in numbers(df["planned"])],
                       TITLE_SPACE + 6, TITLE_SPACE + 206, floor=0.0)
    x, xticks, xlabels = date_axis(days, 80, WIDTH - 20)
    plot = Plot(x, y)
    body = svg.y_axis(y, ticks, x.r0, x.r1, "本年完成投资（万元）") + svg.x_axis(x, xticks, plot.top, plot.bottom, "", xlabels)
    keys = []
    for i, (label, df) in enumerate(plans.items()):
        color = svg.PALETTE[i % len(svg.PALETTE)]
        body += series(plot, ordinals(df["day"]), numbers(df["planned"]), color, "6 3", r=2)
        keys.append(Key(f"倒排计划（{short_label(label)}）", color, "line", "6 3"))
    if len(actual):
        body += series(plot, ordinals(actual["period"]), done, RED, r=3)
        keys.append(Key("实际完成", RED, "line"))
    legend, extra = legend_below(keys, x.r0, plot.bottom + 26)
    return svg.document(WIDTH, plot.bottom + 26 + extra, title, body + legend)


def ordinals(values) -> list[float]:
    return [float(d.toordinal()) for d in as_days(values)]


def forecast_fan(actual: pd.DataFrame, band: pd.DataFrame, title: str) -> Chart:
    """The commencement rate to date and the forecast to each target date: the point forecast, the
    80 % interval as a band, each target as a marker (docs/measures.md §11.3)."""
    days = as_days(actual["date"]) + (as_days(band["date"]) if len(band) > 1 else [])
    if not days:
        return svg.empty(title)
    fan = band if len(band) > 1 else band.iloc[0:0]
    pct = {k: [v * 100 for v in numbers(fan[k])] for k in ("low", "high", "point", "target")}
    rates = [v * 100 for v in numbers(actual["rate"])]
    y, ticks = y_scale(rates + pct["high"] + pct["target"], TITLE_SPACE + 6, TITLE_SPACE + 236, floor=100.0)
    x, xticks, xlabels = date_axis(days, 70, WIDTH - 20)
    plot = Plot(x, y)
    body = svg.y_axis(y, ticks, x.r0, x.r1, "开复工率（%）") + svg.x_axis(x, xticks, plot.top, plot.bottom, "", xlabels)
    keys = [Key("实际开复工率", BLUE, "line")]
    if len(fan):
        fx = ordinals(fan["date"])
        outline = [(x(a), y(b)) for a, b in zip(fx, pct["high"])] + [(x(a), y(b)) for a, b in zip(fx[::-1], pct["low"][::-1])]
        body.append(svg.polygon(outline, ORANGE, 0.35, css="band"))
        body += series(plot, fx, pct["point"], DARK_ORANGE, "5 3")
        body += [svg.line(x(a) - 9, y(t), x(a) + 9, y(t), RED, 2.5, css="target")
                 for a, t in zip(fx, pct["target"]) if math.isfinite(t)]
        keys += [Key("80%区间", ORANGE), Key("预测", DARK_ORANGE, "line", "5 3"), Key("目标", RED, "line")]
    body += series(plot, ordinals(actual["date"]), rates, BLUE)
    legend, extra = legend_below(keys, x.r0, plot.bottom + 26)
    return svg.document(WIDTH, plot.bottom + 26 + extra, title, body + legend)


# ---------------------------------------------------------------- procedure strip
def procedure_strip(strip: pd.DataFrame, title: str) -> Chart:
    """Procedure statuses over the periods as a coloured strip (green done, yellow in progress, red not
    started, grey not needed; white: not reported)."""
    if strip.empty or not len(strip.columns):
        return svg.empty(title)
    rows = rows_for([str(i) for i in strip.index], top=TITLE_SPACE, right_margin=20)
    cell = (rows.right - rows.left) / len(strip.columns)
    body = row_labels(rows)
    for i, (_, statuses) in enumerate(strip.iterrows()):
        for j, status in enumerate(statuses):
            color = PROCEDURE_COLORS.get(status, "#ffffff") if isinstance(status, str) else "#ffffff"
            body.append(svg.rect(rows.left + j * cell, rows.top + i * ROW, cell, ROW, color, "cell", "#ffffff"))
    body.append(svg.rect(rows.left, rows.top, rows.right - rows.left, rows.bottom - rows.top, "none", stroke="#999999"))
    for j, column in enumerate(strip.columns):
        body.append(svg.text(rows.left + (j + 0.5) * cell, rows.bottom + 22, period_label(column), FONT - 2,
                             "middle", svg.MUTED, rotate=-90, css="tick"))
    keys = [Key(k, c) for k, c in PROCEDURE_COLORS.items()]
    legend, extra = legend_below(keys, rows.left, rows.bottom + 48)
    return svg.document(WIDTH, rows.bottom + 48 + extra, title, body + legend)


def period_label(value: object) -> str:
    try:
        return pd.Timestamp(value).strftime("%m-%d")
    except (ValueError, TypeError):
        return str(value)
