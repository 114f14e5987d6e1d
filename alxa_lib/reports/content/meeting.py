"""The monthly joint scheduling meeting pack (Art. 3): progress since the last meeting, problems by
approval department, overdue decisions, escalations (Art. 3(5)) and, in June, adjustment candidates (Art. 5)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.forecast import forecast
from alxa_lib.figures.metrics import lights, metrics
from alxa_lib.figures.problems import open_problems
from alxa_lib.figures.state import YearData, project_state, started_ids
from alxa_lib.reports.content.inspection_list import inspection_sentence
from alxa_lib.reports.content.forecast_report import deciding_table, investment_sentence, reliability_table, sentence
from alxa_lib.reports.content.labels import banner, by_units
from alxa_lib.values import clean


@dataclass
class MeetingPack:
    year: int
    month: int
    as_of: dt.date
    previous: dt.date | None
    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # One section a responsible department (its own printed page, as the pack promises), kinds in §7 order
    problem_sections: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (owner, problems)
    inspection: str = ""  # the month's on-site inspections (docs/measures.md §12.3), "" when none

    def sheets(self) -> list[tuple[str, pd.DataFrame]]:
        """The pack's tables for the xlsx, one sheet each."""
        problems = pd.concat([g.assign(责任单位=o) for o, g in self.problem_sections]) \
            if self.problem_sections else pd.DataFrame()
        out = [("进展对比", self.tables["progress"]), ("问题清单", problems), ("逾期议定事项", self.tables["decisions"]),
               ("提请研究项目", self.tables["escalations"])]
        if "reliability" in self.tables:
            out += [("承诺兑现", self.tables["reliability"]), ("关键项目", self.tables["deciding"])]
        if "adjustment" in self.tables:
            out.append(("调整候选", self.tables["adjustment"]))
        return out


def month_periods(year: int, month: int) -> tuple[dt.date, dt.date | None]:
    """The last due date of the month, and that of the previous month (the last meeting's figures)."""
    due = [p for p in cal.periods(year) if p.month == month][-1]
    before = [p for p in cal.periods(year) if p.month < month]
    return due, (before[-1] if before else None)


def progress(data: YearData, now: dt.date, before: dt.date | None) -> pd.DataFrame:
    m1 = metrics(data, now)
    m0 = metrics(data, before) if before else None

    def vals(m):
        if m is None:
            return ["—"] * 6
        c, i, lt = m["commencement"], m["investment"], m["lights"]
        return [c["total"], c["started"], f"{(c['rate'] or 0) * 100:.1f}%", f"{i['annual_completed']:,.2f}",
                f"{(i['rate'] or 0) * 100:.1f}%", f"{lt['red']}/{lt['yellow']}/{lt['green']}"]
    labels = ["重点建设项目（个）", "已开复工（个）", "开复工率", "年度完成投资（万元）", "投资完成率", "红/黄/绿灯（个）"]
    return pd.DataFrame({"指标": labels, f"上次会议（{before}）": vals(m0), f"本次（{now}）": vals(m1)})


def overdue_decisions(decisions: pd.DataFrame, month_end: dt.date) -> pd.DataFrame:
    """Decisions due by ``month_end`` (the pack passes its data date) and not completed by their due date;
    days overdue counted to that day."""
    rows = []
    for d in (decisions.to_dict("records") if decisions is not None and not decisions.empty else []):
        due, done = clean(d.get("due_date")), clean(d.get("done_date"))
        if due is None or due > month_end or (done is not None and done <= due):
            continue
        state = f"{done}逾期完成" if done is not None and done <= month_end else "未完成"
        rows.append({"会议日期": d.get("meeting_date"), "议定事项": d.get("item"), "责任单位": d.get("owner"),
                     "完成时限": due, "情况": state, "逾期天数": ((done if done and done <= month_end else month_end) - due).days})
    return pd.DataFrame(rows, columns=["会议日期", "议定事项", "责任单位", "完成时限", "情况", "逾期天数"])


def escalations(data: YearData, as_of: dt.date, open_probs: pd.DataFrame) -> pd.DataFrame:
    """Red now and problem-heavy, or red in each of the last N periods (Art. 3(5))."""
    cfg = params.load("monitoring")["meeting"]
    now = lights(data, as_of).set_index("project_id")
    recent = [p for p in cal.periods(data.year) if p <= as_of][-cfg["escalation_red_periods"]:]
    red_runs = {pid: all(lights(data, p).set_index("project_id").get("light", pd.Series()).get(pid) == "red"
                         for p in recent) for pid in now.index[now["light"] == "red"]}
    counts = open_probs.groupby("project_id").size() if not open_probs.empty else pd.Series(dtype=int)
    rows = []
    for pid, r in now[now["light"] == "red"].iterrows():
        n = int(counts.get(pid, 0))
        why = []
        if n >= cfg["escalation_min_open_problems"]:
            why.append(f"未解决问题{n}个")
        if red_runs.get(pid):
            why.append(f"连续{len(recent)}期红灯")
        if why:
            rows.append({"项目编号": pid, "项目名称": r["name"], "单位": r["department"], "亮灯原因": r["reasons"],
                         "提请理由": "；".join(why)})
    return pd.DataFrame(rows, columns=["项目编号", "项目名称", "单位", "亮灯原因", "提请理由"])


def _unstarted_reason(row) -> str:
    if row is None:
        return "未报送"
    if clean(row["status"]) and row["status"] != "未开工":
        return f"报表状态为“{row['status']}”但无有效开（复）工日期"
    return clean(row["unstarted_reason"]) or "未说明"


def adjustment_candidates(data: YearData, as_of: dt.date) -> pd.DataFrame:
    """Art. 5: KC projects that objectively cannot start this year — not started, and long overdue or
    expected to start after the last target date (or with no expected date)."""
    cfg = params.load("monitoring")["meeting"]
    last_target = cal.commencement_targets(data.year)[-1][0]
    plan = data.plan_on(as_of)
    state = project_state(data, as_of)
    started = started_ids(data, as_of, state)
    rows = []
    for p in plan[plan["class"] == "KC"].to_dict("records"):
        pid, ps = p["project_id"], clean(p.get("planned_start"))
        if pid in started:
            continue
        row = state.loc[pid] if pid in state.index else None
        expected = clean(row["expected_start"]) if row is not None else None
        overdue = (as_of - ps).days if ps else 0
        if overdue >= cfg["adjustment_overdue_days"] or expected is None or expected > last_target:
            rows.append({"项目编号": pid, "项目名称": p["name"], "单位": p["department"], "计划开（复）工日期": ps,
                         "预计开（复）工日期": expected, "滞后天数": max(0, overdue),
                         "未开工原因": _unstarted_reason(row)})
    return pd.DataFrame(rows, columns=["项目编号", "项目名称", "单位", "计划开（复）工日期", "预计开（复）工日期",
                                       "滞后天数", "未开工原因"]).sort_values("滞后天数", ascending=False)


def meeting_pack(data: YearData, year: int, month: int) -> MeetingPack:
    now, before = month_periods(year, month)
    plan = data.plan_on(now)
    # Everything is counted to the data date the header names (数据截至 the month's last due date), as in the
    # brief of that date: open problems, their days overdue, overdue decisions.
    probs = open_problems(data.registers.get("problems", pd.DataFrame()), plan, now)
    pack = MeetingPack(year, month, now, before, f"{banner()}重点建设项目调度联席会议材料（{year}年{month}月）")
    pack.tables["progress"] = progress(data, now, before)
    prev_started = started_ids(data, before) if before else set()
    newly = sorted(started_ids(data, now) - prev_started)
    info = plan.set_index("project_id")
    pack.tables["newly_started"] = pd.DataFrame([{"项目编号": p, "项目名称": info.loc[p, "name"], "单位": info.loc[p, "department"]}
                                                 for p in newly if p in info.index], columns=["项目编号", "项目名称", "单位"])
    groups = dict(list(probs.groupby("owner", sort=False)))
    for owner in by_units(groups):  # the office's order of units; open_problems sorted each by kind (§7), then due date
        g = groups[owner]
        pack.problem_sections.append((owner, pd.DataFrame({
            "问题类型": g["kind"], "问题编号": g["problem_id"], "项目编号": g["project_id"], "项目名称": g["name"],
            "主管部门": g["department"], "问题描述": g["description"], "提出日期": g["raised_date"],
            "解决时限": g["due_date"], "超期天数": g["overdue_days"]}).reset_index(drop=True)))
    pack.tables["open_problems"] = probs
    pack.tables["decisions"] = overdue_decisions(data.registers.get("decisions"), now)
    pack.tables["escalations"] = escalations(data, now, probs)
    result = forecast(data, now)  # docs/measures.md §11: promises, the deciding projects
    pack.tables["forecast"] = pd.DataFrame({"预测": [sentence(result, i) for i in range(max(1, len(result["commencement"])))]
                                            + [investment_sentence(result)]})
    pack.tables["reliability"] = reliability_table(result["_reliability"])
    pack.inspection = inspection_sentence(data, [p for p in cal.periods(year) if p.month == month], None)
    pack.tables["deciding"] = deciding_table(result)
    if month == params.load("monitoring")["meeting"]["adjustment_month"]:
        pack.tables["adjustment"] = adjustment_candidates(data, now)
    return pack
