"""Ad-hoc investigation of delayed projects (Art. 9, 10): who reported what, when, and why it is late."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from alxa_lib import periods as cal
from alxa_lib.figures.metrics import lights, nodes, planned_to_date, spi
from alxa_lib.figures.problems import classify, normalise_kind
from alxa_lib.figures.state import YearData, project_state, started_ids
from alxa_lib.ledger import queries
from alxa_lib.ledger.queries import Connection
from alxa_lib.reports.content.labels import LIGHT_CN, SCHEDULE_VERSION_CN, banner
from alxa_lib.rules import SEVERITY_CN, rule_cn
from alxa_lib.values import clean
from alxa_lib.vocab import PROCEDURES

REASON_CN = {"procedures": "前期手续", "land": "用地", "funding": "资金", "design": "设计", "winter": "冬休", "other": "其他"}
KIND_TO_REASON = {"规划": "procedures", "环评": "procedures", "能评": "procedures", "立项": "procedures",
                  "水保": "procedures", "招标": "procedures", "土地": "land", "征地拆迁": "land", "资金": "funding",
                  "设计": "design", "其他": "other"}




def select(data: YearData, as_of: dt.date, project_ids=None, department: str | None = None,
           light_colors=None) -> list[str]:
    """Project ids of the selection: explicit ids, a department's projects, and/or the given light colours."""
    plan = data.plan_on(as_of)
    chosen = set(plan["project_id"])
    if project_ids:
        chosen &= set(project_ids)
        unknown = set(project_ids) - set(plan["project_id"])
        if unknown:
            raise ValueError(f"计划中没有这些项目 / not in the plan in force: {', '.join(sorted(unknown))}")
    if department:
        chosen &= set(plan.loc[plan["department"] == department, "project_id"])
    if light_colors:
        table = lights(data, as_of)
        chosen &= set(table.loc[table["light"].isin(light_colors), "project_id"])
    return sorted(chosen)


def reason_category(texts: list[str], kinds: list[str], as_of: dt.date) -> str:
    """A plain-language reason: winter when a winter reason is given in the winter stop, else the first
    problem kind found in the texts or the register, mapped to procedures / land / funding / design / other."""
    joined = "；".join(t for t in texts if t)
    if cal.in_winter(as_of) and ("冬" in joined):
        return "winter"
    for kind in [classify(t) for t in texts if t] + [k for k in kinds if k]:
        if kind != "其他":
            return KIND_TO_REASON.get(kind, "other")
    return "other"


def delay_table(data: YearData, as_of: dt.date, ids: list[str]) -> pd.DataFrame:
    """Ranked: days overdue (unstarted) or days the start slipped (started), then the lowest SPI."""
    plan = data.plan_on(as_of).set_index("project_id")
    state = project_state(data, as_of)
    started = started_ids(data, as_of, state)
    s = spi(data, as_of, state)
    light = lights(data, as_of).set_index("project_id")
    problems = data.registers.get("problems", pd.DataFrame())
    rows = []
    for pid in ids:
        p = plan.loc[pid]
        ps = clean(p.get("planned_start"))
        row = state.loc[pid] if pid in state.index else None
        start = clean(row["start_date"]) if row is not None else None
        if pid in started:
            delay = max(0, (start - ps).days) if start and ps else 0
        else:
            delay = max(0, (as_of - ps).days) if ps else 0
        earlier = data.reports[(data.reports["project_id"] == pid) & (data.reports["period"] <= as_of)] \
            .sort_values("period", ascending=False)
        texts = [clean(t) for k in ("unstarted_reason", "problems") for t in earlier[k]]  # most recent first
        mine = problems[problems["project_id"] == pid] if not problems.empty else problems
        kinds = [normalise_kind(k, d) for k, d in zip(mine.get("kind", []), mine.get("description", []))]
        rows.append({"project_id": pid, "name": p["name"], "department": p["department"], "class": p["class"],
                     "planned_start": ps, "start_date": start, "started": pid in started,
                     "delay_days": delay, "days_since_planned_start": (as_of - ps).days if ps else None,
                     "spi": clean(s.get(pid)), "light": light.loc[pid, "light"] if pid in light.index else None,
                     "light_reasons": light.loc[pid, "reasons"] if pid in light.index else "",
                     "reason": reason_category([t for t in texts if t], kinds, as_of),
                     "status": clean(row["status"]) if row is not None else None})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["_spi"] = df["spi"].fillna(99.0)
    return df.sort_values(["delay_days", "_spi", "project_id"], ascending=[False, True, True]) \
        .drop(columns="_spi").reset_index(drop=True)


def history(con, project_id: str, year: int) -> pd.DataFrame:
    """Every report version that mentions the project (see ``ledger.queries.project_history``)."""
    return queries.project_history(con, project_id, year)


def s_curve(data: YearData, con: Connection, project_id: str, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Actual annual completed by period (latest versions) and planned-to-date from each schedule version."""
    actual = data.reports[(data.reports["project_id"] == project_id) & (data.reports["period"] <= as_of)] \
        .sort_values(["period", "version"]).drop_duplicates("period", keep="last")[["period", "annual_completed"]]
    days = [dt.date(data.year, 1, 1)] + [cal.quarter_end(data.year, q) for q in range(1, 5)]
    curves = {}
    sched = data.schedules[data.schedules["project_id"] == project_id]
    for label, g in sched.groupby("version_label"):
        r = g.sort_values("received").iloc[-1]
        n = pd.Series({f"q{i}": float(r.get(f"q{i}_node") or 0.0) for i in range(1, 5)})
        curves[SCHEDULE_VERSION_CN.get(label, label)] = pd.DataFrame(
            {"day": days, "planned": [planned_to_date(n, d) if d.month > 1 or d.day > 1 else 0.0 for d in days]})
    if not curves:
        n = nodes(data, as_of)
        if project_id in n.index:
            curves["按计划默认"] = pd.DataFrame({"day": days, "planned": [planned_to_date(n.loc[project_id], d) for d in days]})
    return {"actual": actual, **curves}


def procedure_strip(hist: pd.DataFrame) -> pd.DataFrame:
    """Procedure statuses per period (latest version of each period), rows = procedures, columns = periods."""
    if hist.empty:
        return pd.DataFrame()
    latest = hist.sort_values(["period", "version"]).drop_duplicates("period", keep="last")
    strip = latest.set_index("period")[list(PROCEDURES)].T
    strip.index = [PROCEDURES[f] for f in strip.index]
    return strip


RANKED_COLUMNS = {"project_id": "项目编号", "name": "项目名称", "department": "单位", "planned_start": "计划开（复）工",
                  "start_date": "实际开（复）工", "delay_days": "滞后天数", "spi": "投资进度指数",
                  "light_reasons": "亮灯原因", "reason_cn": "原因类别"}
HISTORY_COLUMNS = {"period": "期次", "version": "版本", "received": "收到日期", "status": "状态",
                   "annual_completed": "本年完成投资（万元）", "cumulative_completed": "累计完成投资（万元）", "progress_text": "形象进度",
                   "problems": "存在问题", "liaison": "填报人"}
FINDING_COLUMNS = {"period": "期次", "rule": "规则", "severity": "级别", "cell": "单元格", "message": "说明"}
PROBLEM_COLUMNS = {"problem_id": "问题编号", "kind": "类型", "description": "问题描述", "owner": "责任单位",
                   "due_date": "解决时限", "solved_date": "解决日期"}


def selection_label(project_ids=None, department: str | None = None, light_colors=None) -> str:
    parts = [department or "", "、".join(project_ids or [])]
    if light_colors:
        parts.append("、".join(LIGHT_CN.get(c, c) for c in light_colors) + "项目")
    return "，".join(p for p in parts if p) or "全部项目"


def _findings_cn(f: pd.DataFrame) -> pd.DataFrame:
    """Findings as a reader sees them: the rule's Chinese name and the severity in Chinese, never codes."""
    if f.empty:
        return f
    return f.assign(rule=f["rule"].map(rule_cn), severity=f["severity"].map(lambda s: SEVERITY_CN.get(s, s)))


def _pick(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return df.reindex(columns=list(columns)).rename(columns=columns)


@dataclass
class Investigation:
    as_of: dt.date
    title: str
    ranked: pd.DataFrame
    projects: list[dict] = field(default_factory=list)

    def ranked_table(self) -> pd.DataFrame:
        df = self.ranked.copy()
        df["reason_cn"] = df["reason"].map(REASON_CN) if len(df) else []
        if len(df):
            df["spi"] = df["spi"].map(lambda v: None if v is None or pd.isna(v) else round(float(v), 2))
        return _pick(df, RANKED_COLUMNS)

    def sheets(self) -> list[tuple[str, pd.DataFrame]]:
        """Every table of the report: the ranking, then each project's history, findings and problems."""
        out = [("延误排序", self.ranked_table())]
        for d in self.projects:
            pid = d["summary"]["project_id"]
            out += [(f"{pid} 历次报送", d["history_table"]), (f"{pid} 校验问题", d["findings_table"]),
                    (f"{pid} 问题清单", d["problems_table"])]
        return out


def investigate(data: YearData, con: Connection, as_of: dt.date, ids: list[str],
                selection_label: str) -> Investigation:
    ranked = delay_table(data, as_of, ids)
    findings = data.findings[data.findings["stage"] == "validate"] if not data.findings.empty else data.findings
    problems = data.registers.get("problems", pd.DataFrame())
    details = []
    for r in ranked.to_dict("records"):
        pid = r["project_id"]
        hist = history(con, pid, data.year)
        hist = hist[hist["period"].map(lambda d: d <= as_of).astype(bool)]
        f = findings[findings["project_id"] == pid] if not findings.empty else findings
        f = f.drop_duplicates(["rule", "period", "field", "cell"]) if not f.empty else f
        probs = problems[problems["project_id"] == pid] if not problems.empty else problems
        sentence = (f"计划{r['planned_start']}开（复）工，距今{r['days_since_planned_start']}天；"
                    + (f"已于{r['start_date']}开（复）工，" if r["started"] else "尚未开（复）工，")
                    + f"亮灯：{r['light_reasons'] or '无'}；原因类别：{REASON_CN[r['reason']]}。")
        details.append({"summary": r, "sentence": sentence, "history": hist, "curve": s_curve(data, con, pid, as_of),
                        "strip": procedure_strip(hist), "findings": f, "problems": probs,
                        "history_table": _pick(hist, HISTORY_COLUMNS), "findings_table": _pick(_findings_cn(f), FINDING_COLUMNS),
                        "problems_table": _pick(probs, PROBLEM_COLUMNS)})
    title = f"{banner()}重点建设项目延误情况调查（{selection_label}，截至{as_of.year}年{as_of.month}月{as_of.day}日）"
    return Investigation(as_of, title, ranked, details)
