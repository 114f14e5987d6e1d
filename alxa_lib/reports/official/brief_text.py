"""The text of the period 通报, written from the figures of ``alxa metrics --json`` (docs/measures.md §3).

Every number in the text comes from ``brief.figures`` (which *is* ``figures.metrics.metrics``) or from a
table of the same :class:`~alxa_lib.reports.content.brief.Brief`; nothing is computed a second way. Each section
is one function of plain dicts and lists, so it can be tested with hand-built figures.

The brief's forecast sentence (docs/measures.md §11.3) closes "一、总体情况"; ``brief_document(...,
extra=[...])`` appends further paragraphs there, unchanged.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Sequence

import pandas as pd

from alxa_lib import periods as cal
from alxa_lib.figures.metrics import submissions
from alxa_lib.reports.content.brief import Brief
from alxa_lib.reports.content.labels import LIGHT_CN, LIGHT_SYMBOL, by_units, unit_key, units_in_order
from alxa_lib.reports.content.meeting import overdue_decisions
from alxa_lib.reports.official.document import Block, OfficialDocument, add_attachment, config, frame, ref, see
from alxa_lib.reports.official.wording import cn_date, join, money, month_day, percent, rate_gap
from alxa_lib.reports.official.wording import rate as rate_pct

INVEST_GAP = "与时间进度比较（百分点）"


def _limits() -> dict:
    return config()["limits"]


def target_rate(c: dict, year: int) -> tuple[float, str | None]:
    """The rate departments are held to: the next target, else the year's last one (§9.22)."""
    if c.get("next_target") is not None:
        return c["next_target"], c["next_target_date"]
    targets = cal.commencement_targets(year)
    return (targets[-1][1], None) if targets else (1.0, None)


def overall(m: dict, day: dt.date) -> str:
    c, inv = m["commencement"], m["investment"]
    text = f"截至{cn_date(day)}，全旗纳入监控的重点建设项目共{c['total']}个，已开（复）工{c['started']}个，开（复）工率{rate_pct(c['rate'])}"
    if c.get("next_target") is not None:
        due = dt.date.fromisoformat(c["next_target_date"])
        goal = f"{month_day(due)}开（复）工率{percent(c['next_target'])}的目标"
        text += f"，距{goal}尚差{c['needed']}个项目" if c["needed"] > 0 else f"，已达到{goal}"
    text += "。"
    if inv.get("rate") is None:
        return text + f"本年度完成投资{money(inv['annual_completed'])}。"
    gap = rate_gap(inv["rate"], inv["time_progress"])  # from the rates as printed
    tp = rate_pct(inv["time_progress"])
    pace = f"与时间进度（{tp}）持平" if gap == 0 else f"{'快于' if gap > 0 else '慢于'}时间进度（{tp}）{abs(gap):.1f}个百分点"
    return text + (f"年度计划投资{money(inv['annual_planned'])}，已完成{money(inv['annual_completed'])}，"
                   f"完成率{rate_pct(inv['rate'])}，{pace}。")


def commencement_lagging(m: dict, year: int, attachment: str = "") -> str:
    """Departments below the target rate, worst first, with their counts."""
    rate, _ = target_rate(m["commencement"], year)
    behind = sorted((d for d in m["by_department"] if d["total"] and d["rate"] is not None and d["rate"] < rate),
                    key=lambda d: (d["rate"], -d["total"], unit_key(d["department"])))
    goal = f"{percent(rate)}目标"
    if not behind:
        return f"各单位开（复）工率均已达到{percent(rate)}的目标。"
    named = [f"{d['department']}（开工{d['started']}个/共{d['total']}个，{rate_pct(d['rate'])}）" for d in behind]
    limit = _limits()["departments_named"]
    if len(behind) == 1:
        return f"开（复）工率低于{goal}的单位为{named[0]}。"
    listed = join(named) if len(named) <= limit else "、".join(named[:limit]) + "等"  # the count is said once
    text = f"开（复）工率低于{goal}的单位有{len(behind)}个，由低到高依次为{listed}"
    return text + (attachment if len(behind) > limit else "") + "。"


def investment_lagging(rows: pd.DataFrame, attachment: str = "") -> str:
    """Departments whose completion rate is furthest behind the time progress (from the brief's table)."""
    if rows is None or rows.empty:
        return ""
    behind = rows[rows[INVEST_GAP] < 0].sort_values([INVEST_GAP, "单位"], key=units_in_order)
    if behind.empty:
        return "各单位年度投资完成率均不低于时间进度。"
    limit = _limits()["departments_named"]
    named = [f"{r['单位']}（完成率{r['完成率']}，慢于时间进度{abs(r[INVEST_GAP]):.1f}个百分点）" for _, r in behind.iterrows()]
    if len(named) == 1:
        return f"年度投资完成率慢于时间进度的单位为{named[0]}。"
    text = f"年度投资完成率慢于时间进度的单位有{len(named)}个，差距较大的是{join(named[:limit])}"
    return text + (attachment if len(named) > limit else "") + "。"


def lights_text(counts: dict, red: Sequence[tuple[str, str, str]], ref: str = "") -> str:
    """Counts of each light; red projects (name, department, reason) named up to the limit, the rest left
    to the 附件 ``ref`` (e.g. 附件3)."""
    have = [f"{LIGHT_CN[k]}项目{counts[k]}个" for k in ("red", "yellow", "green") if counts[k]]
    none = [LIGHT_CN[k] for k in ("red", "yellow") if not counts[k]]
    text = ("本期" + "、".join(have)) if have else "本期无纳入亮灯的项目"
    text += ("，无" + "、".join(none) + "项目。") if none and have else "。"
    named = [f"{n}（{d}，{why}）" if why else f"{n}（{d}）" for n, d, why in red]
    limit = _limits()["projects_named"]
    if len(named) == 1:
        text += f"红灯项目为{named[0]}。"
    elif 1 < len(named) <= limit:
        text += f"红灯项目分别是：{'；'.join(named)}。"
    elif len(named) > limit:
        text += f"红灯项目包括：{'；'.join(named[:limit])}等{len(named)}个。"
    shown = [w for w, k in (("红灯", "red"), ("黄灯", "yellow")) if counts[k]]
    if shown and ref:
        text += f"{'、'.join(shown)}项目及原因详见{ref}。"
    return text


def problems_text(probs: pd.DataFrame, attachment: str = "") -> str:
    """Open problems by kind and by owner."""
    if probs is None or probs.empty:
        return "目前无未解决的问题。"
    kinds = probs.groupby("问题类型", sort=False).size()
    by_kind = "、".join(f"{k}类{n}个" for k, n in kinds.items())
    owners = probs.groupby("责任单位").size().reset_index()  # most problems first, then the office's order
    owners = owners.sort_values([0, "责任单位"], ascending=[False, True], key=units_in_order)
    limit = _limits()["owners_named"]
    top = [f"{o}（{n}个）" for o, n in zip(owners["责任单位"], owners[0])]
    overdue = int((probs["超期天数"] > 0).sum())
    text = f"目前尚未解决的问题共{len(probs)}个" + (f"，其中{by_kind}" if len(kinds) > 1 else f"，均为{kinds.index[0]}类")
    text += f"；涉及责任单位{len(owners)}个" + (f"，问题较多的是{join(top[:limit])}" if len(owners) > 1 else f"，为{top[0]}")
    text += f"；已超过解决时限的{overdue}个" if overdue else "；均未超过解决时限"
    return text + attachment + "。"


def decisions_text(decisions: pd.DataFrame) -> str:
    """Joint-meeting decisions past their due date and still open (Art. 3)."""
    open_ = decisions[decisions["情况"] == "未完成"] if decisions is not None and not decisions.empty else decisions
    if open_ is None or open_.empty:
        return "联席会议议定事项均已按时限推进，无逾期未完成事项。"
    limit = _limits()["decisions_named"]
    named = [f"“{r['议定事项']}”（{r['责任单位']}，逾期{r['逾期天数']}天）" for _, r in open_.iterrows()]
    if len(named) == 1:
        return f"联席会议议定事项逾期未完成1项：{named[0]}。"
    more = f"等{len(named)}项" if len(named) > limit else ""
    return f"联席会议议定事项逾期未完成{len(named)}项：{'、'.join(named[:limit])}{more}。"


def submissions_text(sub: dict) -> str:
    late, missing = by_units(sub["late_departments"]), by_units(sub["missing_departments"])
    if not late and not missing:  # the count is not said twice
        return f"本期应报送单位{sub['due']}个，均已按时报送。"
    head = f"本期应报送单位{sub['due']}个，按时报送{sub['on_time']}个"
    parts = []
    if late:
        parts.append(f"迟报{len(late)}个（{join(late)}）")
    if missing:
        parts.append(f"未报{len(missing)}个（{join(missing)}）")
    return head + "，" + "，".join(parts) + "。"


def requirements(m: dict, sub: dict, lagging_investment: bool, open_problems: int, open_decisions: int) -> list[Block]:
    """下步工作要求: a few items chosen by the situation, each a 楷体 heading and one paragraph."""
    c, lt = m["commencement"], m["lights"]
    items: list[tuple[str, str]] = []
    if c.get("next_target") is not None and c["needed"] > 0:
        due = dt.date.fromisoformat(c["next_target_date"])
        items.append(("加快项目开（复）工", f"距{month_day(due)}开（复）工率{percent(c['next_target'])}的目标，全旗还需开（复）工"
                      f"{c['needed']}个项目。未开工项目所属单位要逐项明确开工时间，倒排工期，确保按期开工。"))
    elif c["total"] and c["started"] < c["total"]:
        items.append(("推动剩余项目开工", f"全旗尚有{c['total'] - c['started']}个项目未开（复）工，所属单位要逐项落实开工条件。"))
    if lt["red"]:
        items.append(("整改红灯项目", f"{lt['red']}个红灯项目所属单位要逐项分析滞后原因，制定追赶措施，于下期报表中报告整改进展。"))
    if lagging_investment:
        items.append(("加快投资进度", "投资完成率慢于时间进度的单位要加快工程款拨付和投资入统，确保完成年度投资计划。"))
    if open_problems or open_decisions:
        items.append(("推动问题解决", "各责任单位要对照问题清单和联席会议议定事项，按时限办结，逾期未办结的提交联席会议督办。"))
    if sub["late"] or sub["missing"]:
        items.append(("按时报送报表", "迟报、未报单位要落实专人负责，每月14日、28日前按时报送重点建设项目表。"))
    if not items:
        items.append(("保持良好态势", "各单位要继续按计划推进项目建设，按时报送报表，确保全年目标任务完成。"))
    out: list[Block] = []
    for i, (head, text) in enumerate(items, 1):
        out += [Block("h2", f"（{'一二三四五六七八九'[i - 1]}）{head}"), Block("p", text)]
    return out


def red_projects(lights_table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Red projects, the furthest behind first (the lowest figure in the reason, e.g. 投资进度指数 0.09 before
    0.67), so that the ones the text names are those that matter most."""
    red = lights_table[lights_table["亮灯"] == f"{LIGHT_SYMBOL['red']} {LIGHT_CN['red']}"]
    rows = [(r["项目名称"], r["单位"], r["原因"]) for _, r in red.iterrows()]

    def figure(row) -> float:
        m = re.search(r"指数\s*(-?\d+(?:\.\d+)?)", str(row[2] or ""))
        return float(m.group(1)) if m else float("inf")
    return sorted(rows, key=figure)


def brief_document(brief: Brief, data, number=None, extra: Sequence[str] = ()) -> OfficialDocument:
    """The period 通报 from the brief (its figures are ``alxa metrics --json`` for the period). The brief's
    forecast sentence (docs/measures.md §11.3) closes 一、总体情况, followed by any ``extra`` paragraphs."""
    m, T, day = brief.figures, brief.tables, brief.period
    doc = frame("brief", f"关于截至{cn_date(day)}全旗重点建设项目进展情况的通报", day, number, day.year)
    sub = submissions(data, day)
    decisions = overdue_decisions(data.registers.get("decisions"), day)
    add_attachment(doc, "commencement", "各单位项目开（复）工情况", T["by_department"])
    add_attachment(doc, "investment", "各单位年度投资完成情况", T["investment"])
    add_attachment(doc, "lights", "红灯、黄灯项目及原因", T["lights"], "注：●红灯，▲黄灯。")
    add_attachment(doc, "problems", "未解决问题清单", T["problems"])
    add_attachment(doc, "submissions", "迟报、未报单位", T["submissions"])
    lagging = not T["investment"].empty and bool((T["investment"][INVEST_GAP] < 0).any())
    n_decisions = 0 if decisions.empty else int((decisions["情况"] == "未完成").sum())
    doc.blocks = [
        Block("p", f"现将截至{cn_date(day)}全旗重点建设项目进展情况通报如下。"),
        Block("h1", "一、总体情况"), Block("p", overall(m, day)),
        *[Block("p", t) for t in (brief.forecast, *extra) if t],
        Block("h1", "二、项目开（复）工情况"), Block("p", commencement_lagging(m, day.year, see(doc, "commencement"))),
        Block("h1", "三、投资完成情况"), Block("p", investment_lagging(T["investment"], see(doc, "investment"))
                                          or "本期无年度投资计划数据。"),
        Block("h1", "四、红灯、黄灯项目情况"),
        Block("p", lights_text(m["lights"], red_projects(T["lights"]), ref(doc, "lights"))),
        Block("h1", "五、存在问题"),
        Block("h2", "（一）未解决问题"), Block("p", problems_text(T["problems"], see(doc, "problems"))),
        Block("h2", "（二）联席会议议定事项"), Block("p", decisions_text(decisions)),
        Block("h1", "六、报表报送情况"), Block("p", submissions_text(sub)),
        Block("h1", "七、下步工作要求"),
        *requirements(m, sub, lagging, len(T["problems"]), n_decisions),
    ]
    doc.figures = {"metrics": m, "submissions": sub}
    return doc
