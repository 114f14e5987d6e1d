"""The period progress brief (半月进展通报): every table and sentence, built from the figures.

Pure: ``build_brief(data, period, findings)`` returns a :class:`Brief`; the notebook only displays it.
Department text is carried as data and escaped where it is displayed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from alxa_lib import periods as cal
from alxa_lib.figures.forecast import forecast
from alxa_lib.figures.metrics import commencement_table, lights, metrics, submissions
from alxa_lib.figures.problems import open_problems
from alxa_lib.figures.state import YearData, project_state, started_ids
from alxa_lib.reports.content.inspection_list import inspection_sentence
from alxa_lib.reports.content.forecast_report import fan_data
from alxa_lib.reports.content.forecast_report import sentence as forecast_sentence
from alxa_lib.reports.content.labels import LIGHT_CN, LIGHT_SYMBOL, NATURE_CN, banner, cn_date, pct  # noqa: F401
from alxa_lib.reports.content.labels import by_units, units_in_order
from alxa_lib.rules import SEVERITY_CN


@dataclass
class Brief:
    period: dt.date
    figures: dict
    headline: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    forecast: str = ""  # the forecast sentence (docs/measures.md §11.3); the fan chart's data in tables
    inspection: str = ""  # the on-site inspections of the period (docs/measures.md §12.3), "" when none

    @property
    def title(self) -> str:
        return f"{banner()}重点建设项目半月进展通报（截至{cn_date(self.period)}）"


def headline(m: dict, period: dt.date) -> str:
    c, inv = m["commencement"], m["investment"]
    text = (f"截至{period.month}月{period.day}日，全旗{c['total']}个重点建设项目已开复工{c['started']}个，"
            f"开复工率{pct(c['rate'])}")
    if c["next_target"] is not None:
        target_date = dt.date.fromisoformat(c["next_target_date"])
        if c["needed"] > 0:
            text += f"，距{target_date.month}月底{c['next_target'] * 100:.0f}%目标尚差{c['needed']}个"
        else:
            text += f"，已达到{target_date.month}月底{c['next_target'] * 100:.0f}%目标"
    # the gap from the two rates as printed (49.0% − 19.4% = 29.6), so that the sentence adds up for its reader
    gap = round((inv["rate"] or 0) * 100, 1) - round(inv["time_progress"] * 100, 1)
    text += (f"。年度完成投资{inv['annual_completed']:,.0f}万元，占年度计划的{pct(inv['rate'])}，"
             f"{'快于' if gap >= 0 else '慢于'}时间进度（{pct(inv['time_progress'])}）{abs(gap):.1f}个百分点")
    text += (f"。亮灯情况：红灯{m['lights']['red']}个、黄灯{m['lights']['yellow']}个、绿灯{m['lights']['green']}个；"
             f"本期应报送单位{m['submissions']['due']}个，按时{m['submissions']['on_time']}个，"
             f"迟报{m['submissions']['late']}个，未报{m['submissions']['missing']}个。")
    return text


def _rate_table(df: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    out = df.rename(columns={key: label, "started": "已开复工（个）", "total": "项目数（个）"})
    out["开复工率"] = [pct(r) for r in df["rate"]]
    return out.drop(columns="rate")


@dataclass
class BriefView:
    """What every table of the brief reads, computed once per brief."""
    data: YearData
    period: dt.date
    m: dict
    plan: pd.DataFrame
    kc: pd.DataFrame  # KC projects of the plan in force, by project_id
    state: pd.DataFrame
    started: set
    light: pd.DataFrame


def brief_view(data: YearData, period: dt.date) -> BriefView:
    plan = data.plan_on(period)
    state = project_state(data, period)
    return BriefView(data, period, metrics(data, period), plan, plan[plan["class"] == "KC"].set_index("project_id"),
                     state, started_ids(data, period, state), lights(data, period).set_index("project_id"))


def key_figures_table(v: BriefView) -> pd.DataFrame:
    c, inv, lt = v.m["commencement"], v.m["investment"], v.m["lights"]
    return pd.DataFrame([
        ("重点建设项目（个）", c["total"]), ("已开复工（个）", c["started"]), ("开复工率", pct(c["rate"])),
        ("下一目标", "—" if c["next_target"] is None else f"{c['next_target_date']} 达到 {c['next_target'] * 100:.0f}%"),
        ("距目标尚差（个）", c["needed"]), ("年度计划投资（万元）", f"{inv['annual_planned']:,.2f}"),
        ("年度完成投资（万元）", f"{inv['annual_completed']:,.2f}"), ("投资完成率", pct(inv["rate"])),
        ("时间进度", pct(inv["time_progress"])), ("红/黄/绿灯（个）", f"{lt['red']}/{lt['yellow']}/{lt['green']}"),
    ], columns=["指标", "数值"])


def commencement_tables(v: BriefView) -> dict[str, pd.DataFrame]:
    by_dept = commencement_table(v.data, v.period, "department")
    nature = commencement_table(v.data, v.period, "nature")
    nature["nature"] = nature["nature"].map(NATURE_CN)
    ranked = by_dept[by_dept["total"] > 0].sort_values(["rate", "department"], key=units_in_order)  # equal rates: office order
    return {"by_department": _rate_table(ranked, "department", "单位"),
            "_by_department": by_dept,  # raw, for the chart (tables starting with _ are not exported)
            "by_township": _rate_table(commencement_table(v.data, v.period, "township")
                                       .sort_values("township", key=units_in_order, kind="stable"), "township", "苏木镇"),
            "by_sector": _rate_table(commencement_table(v.data, v.period, "sector"), "sector", "行业领域"),
            "by_nature": _rate_table(nature, "nature", "建设性质")}


def investment_table(v: BriefView) -> pd.DataFrame:
    time_progress = v.m["investment"]["time_progress"]
    done_by_project = pd.to_numeric(v.state["annual_completed"], errors="coerce").fillna(0.0) \
        if not v.state.empty else pd.Series(dtype=float)
    rows = []
    for dept, g in v.kc.groupby("department"):
        done = float(done_by_project.reindex(g.index).fillna(0.0).sum())
        planned = float(g["annual_planned"].fillna(0).sum())
        rate = done / planned if planned else None
        rows.append({"单位": dept, "年度计划投资（万元）": round(planned, 2), "年度完成投资（万元）": round(done, 2),
                     "完成率": pct(rate), "与时间进度比较（百分点）": round(round((rate or 0) * 100, 1) - round(time_progress * 100, 1), 1),
                     "_rate": rate})
    # In the order of its chart (charts.investment_vs_time): highest completion rate first, no plan last; equal
    # rates in the office's order of units.
    return pd.DataFrame(rows, columns=["单位", "年度计划投资（万元）", "年度完成投资（万元）", "完成率",
                                       "与时间进度比较（百分点）", "_rate"]) \
        .sort_values(["_rate", "单位"], ascending=[False, True], na_position="last", key=units_in_order) \
        .drop(columns="_rate") \
        .reset_index(drop=True)


def lights_table(v: BriefView) -> pd.DataFrame:
    rl = v.light[v.light["light"].isin(["red", "yellow"])].copy()
    rl["_o"] = rl["light"].map({"red": 0, "yellow": 1})
    return pd.DataFrame({"亮灯": [f"{LIGHT_SYMBOL[x]} {LIGHT_CN[x]}" for x in rl["light"]], "项目编号": rl.index,
                         "项目名称": rl["name"], "单位": rl["department"], "原因": rl["reasons"], "_o": rl["_o"]}) \
        .sort_values(["_o", "单位", "项目编号"], key=units_in_order).drop(columns="_o").reset_index(drop=True)


def started_this_period_table(v: BriefView) -> pd.DataFrame:
    prev = cal.previous_periods(v.period)
    started_before = started_ids(v.data, prev[-1]) if prev else set()
    kc, state = v.kc, v.state
    return pd.DataFrame([{
        "项目编号": p, "项目名称": kc.loc[p, "name"], "单位": kc.loc[p, "department"],
        "建设性质": NATURE_CN.get(kc.loc[p, "nature"], ""),
        "开（复）工日期": state.loc[p, "start_date"] if p in state.index else None}
        for p in sorted(v.started - started_before) if p in kc.index],
        columns=["项目编号", "项目名称", "单位", "建设性质", "开（复）工日期"])


def unstarted_table(v: BriefView) -> pd.DataFrame:
    kc, state = v.kc, v.state
    return pd.DataFrame([{
        "项目编号": p, "项目名称": kc.loc[p, "name"], "单位": kc.loc[p, "department"],
        "计划开（复）工日期": kc.loc[p, "planned_start"],
        "预计开（复）工日期": state.loc[p, "expected_start"] if p in state.index else None,
        "未开（复）工原因": state.loc[p, "unstarted_reason"] if p in state.index else "未报送"}
        for p in kc.index if p not in v.started],
        columns=["项目编号", "项目名称", "单位", "计划开（复）工日期", "预计开（复）工日期", "未开（复）工原因"])


def problems_table(v: BriefView) -> pd.DataFrame:
    probs = open_problems(v.data.registers["problems"], v.plan, v.period)
    return pd.DataFrame({"问题类型": probs["kind"], "责任单位": probs["owner"], "项目编号": probs["project_id"],
                         "项目名称": probs["name"], "问题描述": probs["description"], "解决时限": probs["due_date"],
                         "超期天数": probs["overdue_days"]})


def submissions_table(v: BriefView) -> pd.DataFrame:
    detail = submissions(v.data, v.period)
    return pd.DataFrame([{"单位": d, "情况": "迟报"} for d in by_units(detail["late_departments"])] +
                        [{"单位": d, "情况": "未报"} for d in by_units(detail["missing_departments"])],
                        columns=["单位", "情况"])


def validation_table(findings: pd.DataFrame | None) -> pd.DataFrame:
    if findings is None or findings.empty:
        return pd.DataFrame(columns=["单位", "错误", "警告", "提示"])
    f = findings.copy()
    f["级别"] = f["severity"].map(SEVERITY_CN)
    summary = f.pivot_table(index="department", columns="级别", values="rule", aggfunc="count", fill_value=0)
    return summary.reset_index().rename(columns={"department": "单位"})


def appendix_table(v: BriefView) -> pd.DataFrame:
    rows = []
    for p, r in v.kc.iterrows():
        s = v.state.loc[p] if p in v.state.index else None
        light = v.light.loc[p, "light"] if p in v.light.index else None
        rows.append({"项目编号": p, "项目名称": r["name"], "单位": r["department"], "建设性质": NATURE_CN.get(r["nature"], ""),
                     "总投资（万元）": r["total_investment"], "年度计划投资（万元）": r["annual_planned"],
                     "本年完成投资（万元）": None if s is None else s["annual_completed"],
                     "开复工状态": None if s is None else s["status"],
                     "开（复）工日期": None if s is None else s["start_date"],
                     "亮灯": f"{LIGHT_SYMBOL[light]} {LIGHT_CN[light]}" if light else "",
                     "形象进度": None if s is None else s["progress_text"],
                     "存在问题": None if s is None else s["problems"]})
    return pd.DataFrame(rows)


def build_brief(data: YearData, period: dt.date, findings: pd.DataFrame | None = None) -> Brief:
    """Every table of the brief, one function each, from one :class:`BriefView`."""
    v = brief_view(data, period)
    t = {"key_figures": key_figures_table(v), **commencement_tables(v), "investment": investment_table(v),
         "lights": lights_table(v), "started_this_period": started_this_period_table(v),
         "unstarted": unstarted_table(v), "problems": problems_table(v), "submissions": submissions_table(v),
         "validation": validation_table(findings), "appendix": appendix_table(v)}
    result = forecast(data, period)
    t["_fan_actual"], t["_fan_band"] = fan_data(data, result)
    return Brief(period, v.m, headline(v.m, period), t, forecast_sentence(result),
                 inspection_sentence(data, [period], findings))


TABLE_TITLES = {
    "key_figures": "主要指标", "by_department": "分单位开复工情况", "by_township": "分苏木镇开复工情况",
    "by_sector": "分行业开复工情况", "by_nature": "新建与续建项目开复工情况", "investment": "分单位投资完成情况",
    "lights": "红黄灯项目", "started_this_period": "本期新开复工项目", "unstarted": "未开复工项目",
    "problems": "问题清单", "submissions": "迟报未报单位", "validation": "报表校验情况", "appendix": "附表 项目明细",
}


def write_xlsx(brief: Brief, path) -> None:
    """The brief's tables, one sheet each, for forwarding (text as text, never formulas)."""
    from alxa_lib.workbooks.xlsx_write import write_tables  # here: openpyxl loads only when a workbook is asked for
    write_tables(path, brief.title, [(title, brief.tables[key]) for key, title in TABLE_TITLES.items()
                                     if key in brief.tables])
