"""Accountability (Art. 13) and commendation (Art. 14): every trigger of the year with its evidence
(docs/measures.md §6, §9.23, §10.3)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.metrics import node_completion
from alxa_lib.figures.state import YearData, project_state, started_ids
from alxa_lib.values import clean


def bottom(ranking: pd.DataFrame, n: int) -> pd.DataFrame:
    """The bottom ``n``, plus everyone tied at the boundary (§9.23)."""
    if ranking.empty:
        return ranking
    ordered = ranking.sort_values("score")
    if len(ordered) <= n:
        return ordered
    boundary = ordered["score"].iloc[n - 1]
    return ordered[ordered["score"] <= boundary]


# ---------------------------------------------------------------- accountability (Art. 13) and commendation (Art. 14)
def _trigger(department, project_id, trigger, article, evidence) -> dict:
    return {"department": department, "project_id": project_id, "trigger": trigger, "article": article,
            "evidence": evidence}


def accountability(data: YearData, ranking: pd.DataFrame) -> list[dict]:
    """Every Art. 13 trigger of the year, judged at each quarter end; one entry per trigger and subject."""
    cfg = params.load("monitoring")["accountability"]
    year = data.year
    out: dict[tuple, dict] = {}

    def add(key, item):
        out.setdefault(key, item)

    decisions = data.registers.get("decisions", pd.DataFrame())
    incidents = data.registers.get("incidents", pd.DataFrame())
    for q in range(1, 5):
        qe = cal.quarter_end(year, q)
        for i, d in enumerate(decisions.to_dict("records") if not decisions.empty else []):
            due, done = clean(d.get("due_date")), clean(d.get("done_date"))
            if due is None or due > qe or (done is not None and done <= due):
                continue
            late = f"{done}完成" if done is not None and done <= qe else f"截至{qe}未完成"
            add(("decision", i), _trigger(d.get("owner"), None, "decision_overdue", "第十三条第一项",
                                          f"联席会议议定事项“{d.get('item')}”完成时限{due}，{late}"))
        for i, e in enumerate(incidents.to_dict("records") if not incidents.empty else []):
            day = clean(e.get("date"))
            kind = {"推诿拖延": ("shirking", "第十三条第二项"), "资金挪用": ("fund_misuse", "第十三条第三项"),
                    "安全事故": ("safety_accident", "第十三条第三项")}.get(str(e.get("type") or "").strip())
            if kind is None or day is None or day.year != year or day > qe:
                continue
            add(("incident", i), _trigger(e.get("unit"), clean(e.get("project_id")) or None, kind[0], kind[1],
                                          f"{day} {e.get('type')}：{e.get('description')}（来源：{e.get('source')}）"))
        for p in _late_or_slow(data, q, cfg).to_dict("records"):  # only the projects that trigger, in plan order
            pid, ps, nc = p["project_id"], clean(p.get("planned_start")), float(p["_nc"])
            if p["_late"]:
                add(("start", pid), _trigger(p["department"], pid, "start_overdue", "第十三条第三项",
                                             f"计划{ps}开（复）工，截至{qe}仍未开工，滞后{(qe - ps).days}天"))
            if p["_slow"]:
                add(("slow", pid), _trigger(p["department"], pid, "slow_progress", "第十三条第三项",
                                            f"{year}年第{q}季度末节点任务完成率{nc:.0%}，低于{cfg['slow_node_completion']:.0%}"))
        for item in stopped_after_start(data, qe):
            add(("stop", item["project_id"]), item)
    n = params.load("scoring")["accountability_bottom_n"]
    for r in bottom(ranking, n).to_dict("records"):
        add(("bottom", r["department"]), _trigger(r["department"], None, "bottom_ranking", "第十三条第四项",
                                                  f"年终得分{r['score']:.2f}，排名第{r['rank']}（共{len(ranking)}个单位）"))
    return list(out.values())


def _late_or_slow(data: YearData, q: int, cfg: dict) -> pd.DataFrame:
    """KC projects of the plan at the quarter end that had to start long ago and have not (``_late``),
    or whose node completion is below the threshold (``_slow``, with ``_nc``)."""
    qe = cal.quarter_end(data.year, q)
    plan = data.plan_on(qe)
    kc = plan[plan["class"] == "KC"]
    overdue = (pd.Timestamp(qe) - pd.to_datetime(kc["planned_start"], errors="coerce")).dt.days
    nc = kc["project_id"].map(node_completion(data, q)).astype(float).fillna(1.0)
    kc = kc.assign(_late=~kc["project_id"].isin(started_ids(data, qe)) & (overdue >= cfg["overdue_start_days"]),
                   _slow=nc < cfg["slow_node_completion"], _nc=nc)
    return kc[kc["_late"] | kc["_slow"]]


def stopped_after_start(data: YearData, until: dt.date) -> list[dict]:
    """开工即停工: 停工 outside the winter stop in one of the first N period reports after the start (§9.19).
    Set-based: every started project's reports at once (one trigger per project, by project id)."""
    n = params.load("monitoring")["accountability"]["stop_after_start_reports"]
    start = start_dates(data, until)
    rows = data.reports[data.reports["project_id"].isin(start.index)]
    rows = rows.assign(_start=pd.to_datetime(rows["project_id"].map(start)), _period=pd.to_datetime(rows["period"]))
    rows = rows[(rows["_period"] >= rows["_start"]) & (rows["_period"] <= pd.Timestamp(until))]
    first = rows.sort_values(["project_id", "_period"], kind="stable").groupby("project_id").head(n)
    winter = {p: cal.in_winter(p) for p in first["period"].unique()}  # one look-up per period, not per row
    hit = first[(first["status"] == "停工") & ~first["period"].map(winter).astype(bool)].drop_duplicates("project_id")
    return [_trigger(r["department"], r["project_id"], "stopped_after_start", "第十三条第三项",
                     f"{start[r['project_id']]}开（复）工，{r['period']}期报表即报停工") for r in hit.to_dict("records")]


def start_dates(data: YearData, until: dt.date) -> pd.Series:
    """The start date of every project started by ``until``: its reported start date, else its earliest
    start report (indexed by project id, sorted)."""
    state = project_state(data, until)
    ids = pd.Index(sorted(started_ids(data, until, state)), name="project_id")
    reported = state["start_date"].reindex(ids)
    by_report = data.starts.dropna(subset=["project_id", "start_date"]).groupby("project_id")["start_date"].min()
    start = reported.where(reported.notna(), by_report.reindex(ids))
    return start[start.notna()]


def commendation(ranking: pd.DataFrame, triggers: list[dict]) -> list[dict]:
    """Score ≥ the threshold and no accountability trigger in the year (Art. 14)."""
    minimum = params.load("scoring")["commendation_min_score"]
    blocked = {t["department"] for t in triggers}
    return [{"department": r["department"], "score": r["score"]} for r in ranking.to_dict("records")
            if r["score"] >= minimum and r["department"] not in blocked]
