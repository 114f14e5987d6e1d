"""Quarterly scoring, the year-end weighted ranking, accountability and commendation (Art. 11–14).

Pure functions of a :class:`YearData`, the findings of each period, and ``params/scoring.yaml``
(docs/measures.md §5, §6, §9.7, §9.14, §9.15, §9.23). Every component is kept, so every lost point can be explained.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Callable

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.accountability import accountability, bottom, commendation  # noqa: F401
from alxa_lib.figures.metrics import annual_completed, node_completion, schedule_in_force
from alxa_lib.figures.metrics import nodes as node_table
from alxa_lib.figures.state import YearData, project_state, started_ids
from alxa_lib.values import clean
from alxa_lib.vocab import PROCEDURES, STAGE_LADDERS
from alxa_lib.workbooks.cells import parse_stage

KC_COMPONENTS = ("procedures", "commencement", "nodes", "reporting", "problems")
MP_COMPONENTS = ("procedures", "stage", "reporting", "problems")
ALL_COMPONENTS = ("procedures", "commencement", "stage", "nodes", "reporting", "problems")
CN_COMPONENT = {"procedures": "前期手续完备", "commencement": "开工", "stage": "阶段推进", "nodes": "节点任务完成",
                "reporting": "信息上报", "problems": "问题处理"}
FindingsOf = Callable[[dt.date], pd.DataFrame]




# ---------------------------------------------------------------- component ratios (0..1)
def procedures_completeness(row: dict | None) -> float:
    """已办结 / required; 不涉及 is not required; a blank cell is required and not done (§9.14)."""
    statuses = [clean((row or {}).get(f)) for f in PROCEDURES]
    required = [s for s in statuses if s != "不涉及"]
    if not required:
        return 1.0
    return sum(s == "已办结" for s in required) / len(required)


def stage_index(stage: str | None, invest_type: str | None) -> int | None:
    """1-based index of a stage on the project's ladder (gov / nongov), by name or short form."""
    if not stage:
        return None
    ladder = STAGE_LADDERS.get(invest_type or "gov", STAGE_LADDERS["gov"])
    canon, ok = parse_stage(stage, invest_type if invest_type in STAGE_LADDERS else None)
    if canon in ladder:
        return ladder.index(canon) + 1
    for other in STAGE_LADDERS.values():  # a stage named on the other ladder: same rung
        if canon in other:
            return other.index(canon) + 1
    return None


def stage_ratio(reached: str | None, target: str | None, invest_type: str | None) -> float:
    """min(1, index reached / index targeted); no target → full; nothing reached → 0."""
    t = stage_index(target, invest_type)
    if not t:
        return 1.0
    r = stage_index(reached, invest_type) or 0
    return min(1.0, r / t)


def problems_share(problems: pd.DataFrame, project_id: str, start: dt.date, end: dt.date) -> float:
    """Share of the project's problems due in [start, end] closed by their due date; none due → 1."""
    return float(problems_shares(problems, start, end).get(project_id, 1.0))


def problems_shares(problems: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    """``problems_share`` of every project with a problem due in [start, end], at once (by project id)."""
    if problems is None or problems.empty:
        return pd.Series(dtype=float)
    due = pd.to_datetime(problems["due_date"], errors="coerce")
    solved = pd.to_datetime(problems["solved_date"], errors="coerce")
    mine = (due >= pd.Timestamp(start)) & (due <= pd.Timestamp(end))
    closed = (solved.notna() & (solved <= due))[mine]
    return closed.groupby(problems.loc[mine, "project_id"]).mean()


class ReportingIndex:
    """What the reporting component needs for a set of periods, indexed once: the first version of each
    department's report, the projects in it, the projects with an error finding in it, the plan's ids."""

    def __init__(self, data: YearData, periods: list[dt.date], findings_of: FindingsOf):
        self.periods = periods
        self.plan_ids = {p: set(data.plan_on(p)["project_id"]) for p in periods}
        first = data.versions[data.versions["period"].isin(periods)].sort_values(["version", "file_id"]) \
            .drop_duplicates(["department", "period"])
        self.first = {(r.department, r.period): (int(r.file_id), r.received) for r in first.itertuples()}
        ids = set(fid for fid, _ in self.first.values())
        vp = data.version_projects[data.version_projects["file_id"].isin(ids)]
        self.projects = vp.groupby("file_id")["project_id"].apply(set).to_dict()
        self.errors: dict[int, set] = {}
        self.inspected: set[tuple] = set()  # (period, project) contradicted on site (§12.3): an error of that period
        for p in periods:
            f = findings_of(p)
            if f.empty:
                continue
            seen = f[f["rule"] == "INSPECTION_MISMATCH"]
            self.inspected |= {(p, pid) for pid in seen["project_id"].dropna()}
            err = f[(f["severity"] == "error") & f["file_id"].isin(ids) & f["project_id"].notna()]
            for fid, pid in zip(err["file_id"], err["project_id"]):
                self.errors.setdefault(int(fid), set()).add(pid)
        done = data.reports[data.reports["status"] == "已完工"].groupby("project_id")["period"].min()
        self.completed = done.to_dict()
        self.deadline = {p: cal.next_period(p) for p in periods}  # a report received after it is missing


def reporting_credit(index: ReportingIndex, project_id: str, department: str) -> tuple[float, list[str]]:
    """Mean over the quarter's due periods with the project in the plan in force (§5, §9.7):
    0 if the report is missing or the project absent from it; 0.5 if late or with an error finding
    about the project in the first version; else 1. Periods after its completion are left out.
    Returns the mean and a note for each period that lost credit."""
    cfg = params.load("scoring")["reporting_credit"]
    done = index.completed.get(project_id)
    credits, notes = [], []
    for p in index.periods:
        if project_id not in index.plan_ids[p] or (done is not None and p > done):
            continue
        fid, received = index.first.get((department, p), (None, None))
        if fid is None or received is None or received > index.deadline[p]:
            credits.append(cfg["missing"])
            notes.append(f"{p}期未报")
            continue
        if project_id not in index.projects.get(fid, ()):
            credits.append(cfg["missing"])
            notes.append(f"{p}期漏报本项目")
            continue
        late = received > p
        error = project_id in index.errors.get(fid, ()) or (p, project_id) in index.inspected
        if late or error:
            notes.append(f"{p}期" + ("迟报" if late else "") + ("、" if late and error else "") + ("有错误" if error else ""))
        credits.append(cfg["late_or_error"] if (late or error) else cfg["ok"])
    return (sum(credits) / len(credits) if credits else 1.0), notes


def project_points(cls: str, ratios: dict[str, float]) -> dict[str, float]:
    """Component points: each ratio (0..1) times its weight for the class (params/scoring.yaml)."""
    return {c: ratios[c] * w for c, w in params.load("scoring")["weights"][cls].items()}


# ---------------------------------------------------------------- quarter
def quarter_periods(year: int, q: int) -> list[dt.date]:
    start, end = (dt.date(year, 1, 1) if q == 1 else cal.quarter_end(year, q - 1) + dt.timedelta(days=1)), cal.quarter_end(year, q)
    return [p for p in cal.periods(year) if start <= p <= end]


def project_scores(data: YearData, q: int, findings_of: FindingsOf) -> pd.DataFrame:
    """One row per project in the plan in force at the quarter end: component ratios, points, score."""
    qe = cal.quarter_end(data.year, q)
    qs = dt.date(data.year, 1, 1) if q == 1 else cal.quarter_end(data.year, q - 1) + dt.timedelta(days=1)
    plan = data.plan_on(qe)
    state = project_state(data, qe)
    started = started_ids(data, qe, state)
    nodes = node_completion(data, q)
    node_values = node_table(data, qe)[f"q{q}"]
    actual = annual_completed(data, qe, state)
    sched = schedule_in_force(data, qe)
    index = ReportingIndex(data, quarter_periods(data.year, q), findings_of)
    shares = problems_shares(data.registers.get("problems", pd.DataFrame()), qs, qe)
    state_rows = state.to_dict("index")  # one conversion, then a look-up per project
    stage_targets = sched[f"q{q}_stage"].to_dict() if f"q{q}_stage" in sched.columns else {}
    rows = []
    for p in plan.to_dict("records"):
        pid, cls = p["project_id"], p["class"]
        row = state_rows.get(pid)
        ratios: dict[str, float] = {"procedures": procedures_completeness(row)}
        evidence: dict[str, str] = {}
        pending = [PROCEDURES[f] for f in PROCEDURES if clean((row or {}).get(f)) not in ("已办结", "不涉及")]
        if pending:
            evidence["procedures"] = "未办结：" + "、".join(pending)
        if cls == "KC":
            ps = clean(p.get("planned_start"))
            ratios["commencement"] = 1.0 if pid in started or ps is None or ps > qe else 0.0
            if not ratios["commencement"]:
                evidence["commencement"] = f"计划{ps}开（复）工，{qe}仍未开工"
            ratios["nodes"] = float(nodes.get(pid, 1.0))
            if ratios["nodes"] < 1:
                evidence["nodes"] = f"季度末完成年度投资{actual.get(pid, 0):,.2f}万元，节点{node_values.get(pid, 0):,.2f}万元"
        else:
            target = clean(stage_targets.get(pid)) or clean(p.get("target_stage"))
            reached = clean((row or {}).get("current_stage"))
            ratios["stage"] = stage_ratio(reached, target, clean(p.get("invest_type")))
            if ratios["stage"] < 1:
                evidence["stage"] = f"当前阶段“{reached or '未报'}”，季度目标“{target}”"
        ratios["reporting"], notes = reporting_credit(index, pid, p["department"])
        if notes:
            evidence["reporting"] = "；".join(notes)
        ratios["problems"] = float(shares.get(pid, 1.0))
        if ratios["problems"] < 1:
            evidence["problems"] = f"本季度到期问题按期解决率{ratios['problems']:.0%}"
        points = project_points(cls, ratios)
        rows.append({"project_id": pid, "department": p["department"], "class": cls, "name": p["name"],
                     "score": sum(points.values()), "components": points, "ratios": ratios, "evidence": evidence})
    return pd.DataFrame(rows, columns=["project_id", "department", "class", "name", "score", "components", "ratios",
                                       "evidence"])


def parse_bonus_quarter(text) -> tuple[int, int] | None:
    """``2025Q2``, ``2025年Q2``, ``2025年第二季度`` → (2025, 2)."""
    s = str(text or "")
    m = re.search(r"(\d{4}).*?([1-4一二三四])", s)
    if not m:
        return None
    q = m[2]
    return int(m[1]), int(q) if q.isdigit() else "一二三四".index(q) + 1


def bonus_points(bonuses: pd.DataFrame, department: str, year: int, q: int) -> tuple[float, float]:
    """(raw sum, capped) bonus points of the commendation register for the department and quarter."""
    cap = float(params.load("scoring")["bonus_cap"])
    mine = quarter_bonuses(bonuses, year, q)
    raw = float(mine.loc[mine["unit"] == department, "points"].sum())
    return raw, min(raw, cap)


def quarter_bonuses(bonuses: pd.DataFrame | None, year: int, q: int) -> pd.DataFrame:
    """The register's bonus rows of the quarter (unit, points as numbers), its quarter texts parsed once."""
    if bonuses is None or bonuses.empty:
        return pd.DataFrame({"unit": pd.Series(dtype=object), "points": pd.Series(dtype=float)})
    mine = bonuses[bonuses["quarter"].map(parse_bonus_quarter) == (year, q)]
    return pd.DataFrame({"unit": mine["unit"], "points": pd.to_numeric(mine["points"], errors="coerce").fillna(0)})


def department_scores(projects: pd.DataFrame, bonuses: pd.DataFrame, year: int, q: int) -> pd.DataFrame:
    """Mean of project scores + capped bonus (Art. 12); components are per-project means (they sum to the mean)."""
    rows = []
    cap = float(params.load("scoring")["bonus_cap"])
    quarter = quarter_bonuses(bonuses, year, q)
    raw_of = {u: float(g.sum()) for u, g in quarter.groupby("unit")["points"]}
    scores: dict[str, list[float]] = {}
    components: dict[str, list[dict]] = {}
    for dept, score, comps in zip(projects["department"], projects["score"], projects["components"]):  # one pass
        scores.setdefault(dept, []).append(score)
        components.setdefault(dept, []).append(comps)
    for dept in sorted(d for d in scores if isinstance(d, str)):  # one row per department, as groupby gave
        n = len(scores[dept])
        comps = {c: sum(p.get(c, 0.0) for p in components[dept]) / n for c in ALL_COMPONENTS}
        raw = raw_of.get(dept, 0.0)
        bonus = min(raw, cap)
        rows.append({"department": dept, "score": pd.Series(scores[dept], dtype=float).mean() + bonus, "bonus": bonus,
                     "bonus_raw": raw, "projects": n, "components": comps})
    return pd.DataFrame(rows, columns=["department", "score", "bonus", "bonus_raw", "projects", "components"])


def score_quarter(data: YearData, q: int, findings_of: FindingsOf) -> tuple[pd.DataFrame, pd.DataFrame]:
    projects = project_scores(data, q, findings_of)
    return projects, department_scores(projects, data.registers.get("bonuses"), data.year, q)


# ---------------------------------------------------------------- year end
def year_end(quarterly: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Weighted mean of the quarterly scores, weights renormalised over the quarters scored (Art. 11)."""
    weights = params.load("scoring")["quarter_weights"]
    depts = sorted({d for df in quarterly.values() for d in df["department"]})
    scores = {q: df.drop_duplicates("department").set_index("department")["score"] for q, df in quarterly.items()}
    rows = []
    for d in depts:
        qs = {f"Q{q}": float(s[d]) for q, s in sorted(scores.items()) if d in s.index}
        total_w = sum(weights[k] for k in qs)
        score = sum(weights[k] * v for k, v in qs.items()) / total_w if total_w else None
        rows.append({"department": d, "score": score,
                     "quarters": {f"Q{q}": qs.get(f"Q{q}") for q in range(1, 5)}})
    return pd.DataFrame(rows, columns=["department", "score", "quarters"])


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Descending score rounded to 0.01; ties share a rank (1, 2, 2, 4)."""
    df = scores.dropna(subset=["score"]).copy()
    df["score"] = df["score"].map(lambda s: round(s + 1e-9, 2))
    df = df.sort_values(["score", "department"], ascending=[False, True]).reset_index(drop=True)
    df["rank"] = [1 + int((df["score"] > s).sum()) for s in df["score"]]
    return df





# ---------------------------------------------------------------- JSON contracts
def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def score_json(data: YearData, q: int, findings_of: FindingsOf) -> dict[str, Any]:
    projects, departments = score_quarter(data, q, findings_of)
    return {
        "quarter": f"{data.year}Q{q}",
        "departments": [{"department": r["department"], "score": _r(r["score"]), "bonus": _r(r["bonus"]),
                         "projects": int(r["projects"]), "components": {k: _r(v) for k, v in r["components"].items()}}
                        for r in departments.to_dict("records")],
        "projects": [{"project_id": r["project_id"], "department": r["department"], "class": r["class"],
                      "score": _r(r["score"]), "components": {k: _r(v) for k, v in r["components"].items()}}
                     for r in projects.to_dict("records")],
    }


def rank_json(data: YearData, findings_of: FindingsOf) -> dict[str, Any]:
    quarterly = {q: score_quarter(data, q, findings_of)[1] for q in range(1, 5)}
    ranking = rank(year_end(quarterly))
    triggers = accountability(data, ranking)
    return {
        "year": data.year,
        "weights": dict(params.load("scoring")["quarter_weights"]),
        "ranking": [{"rank": int(r["rank"]), "department": r["department"], "score": r["score"],
                     "quarters": {k: _r(v, 2) for k, v in r["quarters"].items()}} for r in ranking.to_dict("records")],
        "accountability": triggers,
        "commendation": commendation(ranking, triggers),
    }
