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
