"""Charts for the reports (matplotlib/seaborn); call ``render.setup_charts()`` first."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns


def commencement_by_department(by_dept: pd.DataFrame, target: float | None, title: str):
    """Horizontal bars of each department's commencement rate, with the next target as a line."""
    df = by_dept[by_dept["total"] > 0].sort_values("rate")
    fig, ax = plt.subplots(figsize=(8, max(3, 0.28 * len(df) + 1)))
    colors = ["#c0392b" if target is not None and r < target else "#2e86c1" for r in df["rate"]]
    ax.barh(df["department"], df["rate"] * 100, color=colors)
    if target is not None:
        ax.axvline(target * 100, color="#c0392b", linestyle="--", linewidth=1.2)
        ax.text(target * 100, -0.9, f"目标{target * 100:.0f}%", color="#c0392b", ha="center", fontsize=9)
    for y, (r, s, t) in enumerate(zip(df["rate"], df["started"], df["total"])):
        ax.text(r * 100 + 1, y, f"{s}/{t}", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("开复工率（%）")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def investment_vs_time(inv: pd.DataFrame, time_progress: float, title: str):
    """Each department's annual investment completion against the time progress of the year."""
    df = inv.copy()
    df["rate"] = df["年度完成投资（万元）"] / df["年度计划投资（万元）"].where(df["年度计划投资（万元）"] > 0)
    df = df.sort_values("rate")
    fig, ax = plt.subplots(figsize=(8, max(3, 0.28 * len(df) + 1)))
    sns.barplot(x=df["rate"] * 100, y=df["单位"], ax=ax, color="#5d6d7e", orient="h")
    ax.axvline(time_progress * 100, color="#c0392b", linestyle="--", linewidth=1.2)
    ax.text(time_progress * 100, -0.9, f"时间进度{time_progress * 100:.1f}%", color="#c0392b", ha="center", fontsize=9)
    ax.set_xlabel("年度投资完成率（%）")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def components_by_department(components: pd.DataFrame, labels: dict[str, str], title: str):
    """Stacked bars: each department's mean component points (they add up to its score before bonus)."""
    df = components.set_index("department")
    df = df.loc[df.sum(axis=1).sort_values().index]
    fig, ax = plt.subplots(figsize=(8, max(3, 0.3 * len(df) + 1)))
    left = pd.Series(0.0, index=df.index)
    palette = sns.color_palette("Set2", len(df.columns))
    for color, c in zip(palette, df.columns):
        ax.barh(df.index, df[c], left=left, color=color, label=labels.get(c, c))
        left += df[c]
    ax.set_xlim(0, 105)
    ax.set_xlabel("得分")
    ax.legend(loc="lower right", fontsize=8, ncol=3)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def quarter_trajectory(trajectory: pd.DataFrame, title: str):
    """Each department's quarterly scores as a line (one line per department)."""
    df = trajectory.set_index("department")
    fig, ax = plt.subplots(figsize=(8, 5))
    for dept, row in df.iterrows():
        ax.plot(list(df.columns), row.values, marker="o", linewidth=1, label=dept)
    ax.set_ylabel("季度得分")
    ax.legend(fontsize=7, ncol=2, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def s_curve(curve: dict[str, pd.DataFrame], title: str):
    """Actual annual completed investment by period against planned-to-date of each schedule version."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    actual = curve.get("actual")
    for label, df in curve.items():
        if label == "actual":
            continue
        ax.plot(pd.to_datetime(df["day"]), df["planned"], linestyle="--", marker=".", label=f"倒排计划（{label}）")
    if actual is not None and not actual.empty:
        ax.plot(pd.to_datetime(actual["period"]), actual["annual_completed"].astype(float), marker="o", color="#c0392b",
                label="实际完成")
    ax.set_ylabel("本年完成投资（万元）")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


PROCEDURE_COLORS = {"已办结": "#27ae60", "办理中": "#f1c40f", "未办理": "#c0392b", "不涉及": "#d5d8dc"}


def procedure_strip(strip: pd.DataFrame, title: str):
    """Procedure statuses over the periods as a coloured strip (green done, yellow in progress, red not started)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    order = list(PROCEDURE_COLORS)
    codes = strip.apply(lambda col: col.map(lambda v: order.index(v) if v in order else len(order)))
    cmap = ListedColormap(list(PROCEDURE_COLORS.values()) + ["#ffffff"])
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.imshow(codes.values.astype(float), aspect="auto", cmap=cmap, vmin=0, vmax=len(order))
    ax.set_yticks(range(len(strip.index)), labels=list(strip.index), fontsize=8)
    labels = [pd.Timestamp(c).strftime("%m-%d") for c in strip.columns]
    ax.set_xticks(range(len(labels)), labels=labels, fontsize=7, rotation=90)
    ax.legend(handles=[Patch(color=c, label=k) for k, c in PROCEDURE_COLORS.items()], fontsize=7, ncol=4,
              loc="upper center", bbox_to_anchor=(0.5, -0.35))
    ax.set_title(title, fontsize=10)
    ax.grid(False)
    fig.tight_layout()
    return fig


def forecast_fan(actual: pd.DataFrame, band: pd.DataFrame, title: str):
    """The commencement rate to date and the forecast to each target date: the point forecast, the
    80 % interval as a band, each target as a marker (docs/measures.md §11.3)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(pd.to_datetime(actual["date"]), actual["rate"] * 100, color="#2e86c1", marker="o", markersize=3,
            label="实际开复工率")
    if len(band) > 1:
        x = pd.to_datetime(band["date"])
        ax.fill_between(x, band["low"] * 100, band["high"] * 100, color="#f5b041", alpha=0.35, label="80%区间")
        ax.plot(x, band["point"] * 100, color="#d35400", linestyle="--", marker="o", markersize=3, label="预测")
        targets = band[band["target"].notna()]
        ax.scatter(pd.to_datetime(targets["date"]), targets["target"].astype(float) * 100, color="#c0392b",
                   marker="_", s=300, linewidths=2, label="目标", zorder=5)
    ax.set_ylim(0, 105)
    ax.set_ylabel("开复工率（%）")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
