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
