"""The report charts, drawn with seaborn in the house look (``theme``; docs/rendering.md §3).

Each function takes the frame its report builder made and returns a matplotlib Figure, so an analyst can
call it in a notebook, change it (``fig.axes[0]``) or draw their own with :func:`theme.figure`;
``render.show_figure`` puts it in the page as inline SVG. Text is written by matplotlib's SVG writer, which
escapes it (department names come from untrusted workbooks).
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import pandas as pd

from alxa_lib.reports.rendering import theme
from alxa_lib.reports.rendering.theme import BLUE, DARK_ORANGE, MUTED, ORANGE, RED, SLATE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_LABEL = 9  # characters of a row label (a department's name as typed; the longest sample name is 9)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # an .xls cell may hold them; SVG may not


def short_label(value: object) -> str:
    s = _NOT_XML.sub("", str(value))
    return s if len(s) <= MAX_LABEL else s[:MAX_LABEL - 1] + "…"


def _numbers(values) -> list[float]:
    return [float(v) for v in pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")]


def _bars(title: str, labels: list, values: list[float], colors: list[str], axis_label: str,
          notes: list[str], marker: tuple[float, str] | None) -> Figure:
    """Horizontal bars (one row per label, the first on top) with a note at each bar's end and a dashed
    red marker line (a target, the time progress) labelled above the plot."""
    shown = [short_label(s) for s in labels]
    fig = theme.figure(rows=len(labels), extra_px=130, constrained=False)
    theme.margins(fig, left=16 + max(theme.text_px(s) for s in shown), top=74 if marker else 48, bottom=56)
    ax = fig.subplots()
    ax.barh(range(len(values)), [v if math.isfinite(v) else 0 for v in values], color=colors, height=0.65)
    for bar, v in zip(ax.patches, values):
        bar.set_visible(math.isfinite(v))  # a missing value draws no bar; its row and label stay
    ax.set_yticks(range(len(shown)), shown)
    ax.set_ylim(len(shown) - 0.5, -0.5)  # the first row on top
    finite = [v for v in values if math.isfinite(v)] + ([marker[0]] if marker else [])
    top = max([100.0, *finite])
    ax.set_xlim(0, top * 1.18)
    for i, (v, note) in enumerate(zip(values, notes)):
        ax.text((v if math.isfinite(v) else 0) + top * 0.01, i, note, va="center", fontsize=theme.FONT_PX,
                color=MUTED)
    if marker:
        ax.axvline(marker[0], color=RED, linestyle=(0, (5, 3)), linewidth=1.4)
        ax.text(marker[0], -0.7, marker[1], ha="center", va="bottom", color=RED, fontsize=theme.FONT_PX)
    ax.set(xlabel=axis_label, ylabel="")
    ax.set_title(title, pad=26 if marker else 10)
    ax.grid(axis="y", visible=False)
    return fig


def commencement_by_department(by_dept: pd.DataFrame, target: float | None, title: str) -> Figure:
    """Each department's commencement rate (red below the target), the next target as a dashed line,
    "started/total" at each bar's end; the highest rate on top."""
    df = by_dept[by_dept["total"] > 0].sort_values("rate", ascending=False, na_position="last")
    if df.empty:
        return theme.empty(title)
    rates = [r * 100 for r in _numbers(df["rate"])]
    below = [target is not None and math.isfinite(r) and r < target * 100 for r in rates]
    marker = (target * 100, f"目标{target * 100:.0f}%") if target is not None else None
    return _bars(title, list(df["department"]), rates, [RED if b else BLUE for b in below], "开复工率（%）",
                 [f"{s}/{t}" for s, t in zip(df["started"], df["total"])], marker)


def investment_vs_time(inv: pd.DataFrame, time_progress: float, title: str) -> Figure:
    """Each department's annual investment completion rate against the time progress of the year."""
    planned = pd.to_numeric(inv["年度计划投资（万元）"], errors="coerce")
    done = pd.to_numeric(inv["年度完成投资（万元）"], errors="coerce")
    df = inv.assign(rate=done / planned.where(planned > 0) * 100).sort_values("rate", ascending=False,
                                                                             na_position="last")
    if df.empty:
        return theme.empty(title)
    rates = _numbers(df["rate"])
    return _bars(title, list(df["单位"]), rates, [SLATE] * len(rates), "年度投资完成率（%）",
                 [f"{r:.1f}%" if math.isfinite(r) else "无计划" for r in rates],
                 (time_progress * 100, f"时间进度{time_progress * 100:.1f}%"))


def _legend_below(ax: Axes, columns: int = 2, below_px: float = 44) -> None:
    """The legend under the axis label (``below_px`` under the plot)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        from matplotlib.transforms import ScaledTranslation, blended_transform_factory
        fig = ax.figure
        anchor = blended_transform_factory(ax.transAxes, ax.transAxes) + ScaledTranslation(0, -below_px / 72,
                                                                                            fig.dpi_scale_trans)
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=anchor,
                  ncols=columns, frameon=False)


def components_by_department(components: pd.DataFrame, labels: dict[str, str], title: str) -> Figure:
    """Stacked bars: each department's mean component points (they add up to its score before bonus)."""
    df = components.set_index("department").apply(pd.to_numeric, errors="coerce").fillna(0.0)
    if df.empty or not len(df.columns):
        return theme.empty(title)
    df = df.loc[df.sum(axis=1).sort_values(ascending=False).index]
    import seaborn as sns
    legend_px = 26 * ((len(df.columns) + 1) // 2)
    fig = theme.figure(rows=len(df), extra_px=130 + legend_px, constrained=False)
    shown = [short_label(s) for s in df.index]
    theme.margins(fig, left=16 + max(theme.text_px(s) for s in shown), top=48, bottom=70 + legend_px)
    ax = fig.subplots()
    colors = sns.color_palette("Set2", len(df.columns))
    y = list(range(len(df)))
    left = [0.0] * len(df)
    for color, column in zip(colors, df.columns):
        values = [max(0.0, v) for v in df[column]]
        ax.barh(y, values, left=left, color=color, height=0.65, label=labels.get(column, column))
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(y, shown)
    ax.invert_yaxis()
    ax.set(xlabel="得分", ylabel="", xlim=(0, max(100.0, *left)))
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    _legend_below(ax)
    return fig


def quarter_trajectory(trajectory: pd.DataFrame, title: str) -> Figure:
    """Each department's quarterly scores as a table of colours with the score written in each cell (one row
    per department, best latest score on top): 22 lines on one plot could not be told apart on a phone."""
    df = trajectory.set_index("department").apply(pd.to_numeric, errors="coerce")
    if df.empty or not len(df.columns):
        return theme.empty(title)
    import seaborn as sns
    last = df.ffill(axis=1).iloc[:, -1]
    df = df.loc[last.sort_values(ascending=False, na_position="last").index]
    fig = theme.figure(rows=len(df), extra_px=110)
    ax = fig.subplots()
    sns.heatmap(df, annot=True, fmt=".1f", cmap="RdYlGn", vmin=60, vmax=100, cbar=False, linewidths=1,
                linecolor="white", annot_kws={"fontsize": theme.FONT_PX}, ax=ax)
    ax.set_yticks([i + 0.5 for i in range(len(df))], [short_label(s) for s in df.index], rotation=0)
    ax.set_xticks([j + 0.5 for j in range(len(df.columns))], [str(c) for c in df.columns], rotation=0)
    ax.tick_params(axis="x", top=False, labeltop=True, bottom=False, labelbottom=False)
    ax.set(xlabel="", ylabel="")
    ax.set_title(title)
    return fig


def _dates(values) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values)), errors="coerce")


def _month_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonthday=1, interval=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-m月"))


def s_curve(curve: dict[str, pd.DataFrame], title: str) -> Figure:
    """Actual annual completed investment by period against planned-to-date of each schedule version."""
    actual = curve.get("actual")
    actual = actual if actual is not None else pd.DataFrame(columns=["period", "annual_completed"])
    plans = {label: df for label, df in curve.items() if label != "actual" and not df.empty}
    if actual.empty and not plans:
        return theme.empty(title)
    import seaborn as sns
    fig = theme.figure(height_px=380)
    ax = fig.subplots()
    colors = sns.color_palette("tab10", max(1, len(plans)))
    for color, (label, df) in zip(colors, plans.items()):
        ax.plot(_dates(df["day"]), _numbers(df["planned"]), color=color, linestyle=(0, (6, 3)), marker="o",
                markersize=3, label=f"倒排计划（{short_label(label)}）")
    if len(actual):
        ax.plot(_dates(actual["period"]), _numbers(actual["annual_completed"]), color=RED, marker="o",
                markersize=4, linewidth=1.8, label="实际完成")
    ax.set_ylim(bottom=0)
    ax.set(xlabel="", ylabel="本年完成投资（万元）")
    _month_axis(ax)
    ax.set_title(title)
    _legend_below(ax, columns=1)
    return fig


def forecast_fan(actual: pd.DataFrame, band: pd.DataFrame, title: str, interval_label: str = "区间") -> Figure:
    """The commencement rate to date and the forecast to each target date: the point forecast, the
    interval as a band, each target as a marker (docs/measures.md §11.3)."""
    if actual.empty and len(band) <= 1:
        return theme.empty(title)
    fig = theme.figure(height_px=400)
    ax = fig.subplots()
    fan = band if len(band) > 1 else band.iloc[0:0]
    if len(fan):
        days = _dates(fan["date"])
        pct = {k: [v * 100 for v in _numbers(fan[k])] for k in ("low", "high", "point", "target")}
        ax.fill_between(days, pct["low"], pct["high"], color=ORANGE, alpha=0.35, linewidth=0, label=interval_label)
        ax.plot(days, pct["point"], color=DARK_ORANGE, linestyle=(0, (5, 3)), marker="o", markersize=3,
                label="预测")
        ax.plot(days, pct["target"], linestyle="none", marker="_", markersize=18, markeredgewidth=2.5,
                color=RED, label="目标")
    ax.plot(_dates(actual["date"]), [v * 100 for v in _numbers(actual["rate"])], color=BLUE, marker="o",
            markersize=3, linewidth=1.8, label="实际开复工率")
    ax.set_ylim(0, max(100.0, ax.get_ylim()[1]))
    ax.set(xlabel="", ylabel="开复工率（%）")
    _month_axis(ax)
    ax.set_title(title)
    _legend_below(ax)
    return fig


def procedure_strip(strip: pd.DataFrame, title: str) -> Figure:
    """Procedure statuses over the periods as coloured cells (green done, yellow in progress, red not
    started, grey not needed; white: not reported)."""
    if strip.empty or not len(strip.columns):
        return theme.empty(title)
    import seaborn as sns
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    kinds = list(theme.PROCEDURE)
    codes = strip.apply(lambda col: col.map(lambda s: kinds.index(s) if s in kinds else -1))
    fig = theme.figure(rows=len(strip), extra_px=190)
    ax = fig.subplots()
    # a mark in each cell (and in the legend) in the ink that contrasts with its colour, so the strip reads
    # without colour (under deuteranopia 未办理 and 已办结 become two olive shades)
    marks = strip.apply(lambda col: col.map(lambda s: theme.PROCEDURE_MARKS[s][0] if s in theme.PROCEDURE_MARKS else ""))
    sns.heatmap(codes.astype(float), cmap=ListedColormap(["#ffffff", *theme.PROCEDURE.values()]), vmin=-1.5,
                vmax=len(kinds) - 0.5, cbar=False, linewidths=1, linecolor="white", ax=ax, annot=marks, fmt="",
                annot_kws={"fontsize": theme.FONT_PX})
    for text, status in zip(ax.texts, [s for row in strip.itertuples(index=False) for s in row]):
        if status in theme.PROCEDURE_MARKS:
            text.set_color(theme.PROCEDURE_MARKS[status][1])
    ax.set_yticks([i + 0.5 for i in range(len(strip))], [short_label(s) for s in strip.index], rotation=0)
    step = max(1, math.ceil(len(strip.columns) / 8))  # at most eight dates under the strip
    ax.set_xticks([j + 0.5 for j in range(0, len(strip.columns), step)],
                  [_period_label(c) for c in list(strip.columns)[::step]], rotation=90)
    ax.set(xlabel="", ylabel="")
    ax.set_title(title)
    ax.legend([Patch(color=c) for c in theme.PROCEDURE.values()],
              [f"{theme.PROCEDURE_MARKS[k][0]} {k}" if k in theme.PROCEDURE_MARKS else k for k in kinds], loc="upper center",
              bbox_to_anchor=(0.5, -0.3), ncols=4, frameon=False, handlelength=1)
    return fig


def _period_label(value: object) -> str:
    try:
        return pd.Timestamp(value).strftime("%m-%d")
    except (ValueError, TypeError):
        return str(value)


def promises_kept(reliability: pd.DataFrame, title: str) -> Figure:
    """Each department's share of start promises kept (the meeting pack's reliability table: 单位, 承诺次数,
    已兑现), least reliable on top, "kept/promised" at each bar's end."""
    df = reliability[pd.to_numeric(reliability["承诺次数"], errors="coerce") > 0]
    if df.empty:
        return theme.empty(title)
    made, kept = _numbers(df["承诺次数"]), _numbers(df["已兑现"])
    rates = [k / m * 100 for k, m in zip(kept, made)]
    return _bars(title, list(df["单位"]), rates, [RED if r < 50 else BLUE for r in rates], "承诺兑现率（%）",
                 [f"{k:.0f}/{m:.0f}" for k, m in zip(kept, made)], None)
